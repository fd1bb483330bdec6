"""Public holiday tables kept on disk between processes, for the command line.

Why: the ``holidays`` library's registry imports every country's module before it builds one
country (about 70 ms, a fifth of a ``ledger work log`` from the command line), while what a
command needs of it is a year's dozen dates and names, which change only with the library's
version. So the first process asks the library and writes the answer to a file; later ones read
the file and never import the library. A file is named by the place (country, subdivision,
language) and kept in a folder per version of the library: an upgraded library is asked again.

What is read is checked: a file that does not parse, names another place or holds anything but
dates and names is ignored and written anew from the library. Nothing here refuses a command: a
folder that cannot be made, read or written leaves the library to answer, as without this cache.
A file is replaced whole (written beside it, then renamed), so a reader sees the old or the new.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.domain.calendar import HolidaySource

__all__ = ["CACHE_VARIABLE", "DiskHolidayTables", "cache_folder", "install"]

CACHE_VARIABLE = "LEDGER_CACHE_DIR"
"""Where the command line keeps its caches; set to the empty string, it keeps none."""
FORMAT = 1
"""The files' layout; a file of another layout is written anew."""


def cache_folder(environ: dict[str, str] | None = None) -> Path | None:
    """``$LEDGER_CACHE_DIR``, else ``$XDG_CACHE_HOME/ledger``, else ``~/.cache/ledger``; None when
    ``LEDGER_CACHE_DIR`` is empty (no cache) or no home folder is known."""
    env = os.environ if environ is None else environ
    given = env.get(CACHE_VARIABLE)
    if given is not None:
        return Path(given) if given else None
    base = env.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "ledger"
    try:
        return Path.home() / ".cache" / "ledger"
    except RuntimeError:  # no home folder for this user
        return None


def library_version() -> str | None:
    """The installed ``holidays`` version, read from its metadata (without importing it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("holidays")
    except PackageNotFoundError:
        return None


class DiskHolidayTables:
    """A :class:`~ledger.domain.calendar.HolidaySource` that answers from files under ``root`` (one
    folder per library version) and asks ``library`` for what they do not hold. The version is
    read when a calendar first asks, so a command that judges no day pays nothing."""

    def __init__(self, root: Path, library: HolidaySource, version: str | None = None) -> None:
        self.root = root
        self.library = library
        self._version = version

    @property
    def version(self) -> str | None:
        if self._version is None:
            self._version = library_version()
        return self._version

    @property
    def folder(self) -> Path:
        return self.root / f"holidays-{self.version}"

    def validate(self, country: str, subdivision: str | None, language: str) -> None:
        """A place with a file was validated by this library version; another is asked for."""
        if self._read(country, subdivision, language) is not None:
            return
        self.library.validate(country, subdivision, language)  # raises for an unknown place
        self._write(country, subdivision, language, {})

    def year(self, country: str, subdivision: str | None, language: str, year: int) -> dict[date, str]:
        years = self._read(country, subdivision, language)
        if years is not None and year in years:
            return dict(years[year])
        table = self.library.year(country, subdivision, language, year)
        self._write(country, subdivision, language, {**(years or {}), year: table})
        return table

    def _path(self, country: str, subdivision: str | None, language: str) -> Path:
        """A name made of the place's hash: a subdivision may hold any character."""
        place = json.dumps([country, subdivision, language]).encode()
        return self.folder / f"{hashlib.sha256(place).hexdigest()[:32]}.json"

    def _header(self, country: str, subdivision: str | None, language: str) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "holidays": self.version,
            "country": country,
            "subdivision": subdivision,
            "language": language,
        }

    def _read(
        self, country: str, subdivision: str | None, language: str
    ) -> dict[int, dict[date, str]] | None:
        """The place's years, or None when there is no file or it is not one this cache wrote."""
        if self.version is None:  # no installed library to name the folder: nothing is kept
            return None
        try:
            stored = json.loads(self._path(country, subdivision, language).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(stored, dict):
            return None
        years = stored.pop("years", None)
        if stored != self._header(country, subdivision, language) or not isinstance(years, dict):
            return None
        try:
            return {int(year): _table(days) for year, days in years.items()}
        except (TypeError, ValueError):
            return None

    def _write(
        self, country: str, subdivision: str | None, language: str, years: dict[int, dict[date, str]]
    ) -> None:
        if self.version is None:
            return
        import tempfile

        content = {
            **self._header(country, subdivision, language),
            "years": {
                str(year): sorted([day.isoformat(), name] for day, name in table.items())
                for year, table in sorted(years.items())
            },
        }

        path = self._path(country, subdivision, language)
        with contextlib.suppress(OSError):
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(content, stream, ensure_ascii=False)
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise


def _table(days: object) -> dict[date, str]:
    """``[[ISO date, name], ...]`` as a table; anything else is a ValueError or TypeError."""
    if not isinstance(days, list):
        raise TypeError(type(days).__name__)
    table: dict[date, str] = {}
    for day, name in days:
        if not isinstance(day, str) or not isinstance(name, str) or not name:
            raise ValueError(day)
        table[date.fromisoformat(day)] = name
    return table


def install(environ: dict[str, str] | None = None) -> DiskHolidayTables | None:
    """Let this process's calendars read and keep their tables on disk (see the module's
    docstring); returns the source installed, or None when no cache folder is known."""
    from ledger.domain.calendar import LIBRARY_HOLIDAYS, use_holiday_source

    folder = cache_folder(environ)
    if folder is None:
        return None
    source = DiskHolidayTables(folder, LIBRARY_HOLIDAYS)
    use_holiday_source(source)
    return source
