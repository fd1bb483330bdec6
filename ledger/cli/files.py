"""Output files (``--output FILE``): checked before anything happens, replaced only when complete.

Why: a statement that is issued and then cannot be written, or a half-written export over
yesterday's good one, or an export pointed at the database file itself (which would empty the
ledger), are all worse than a refusal. So the target is checked first (its directory exists, it is
a regular file or absent, it is not the store), the content goes to a temporary file beside it,
and only a complete file is renamed over the target.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from ledger.domain.grammar import printable
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from ledger.store import StoreConfig

PATH_LENGTH_MAX = 4096
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")
"""The database file and the files SQLite keeps beside it; none may be an output."""


def checked_output(path: str, store: StoreConfig | None, field: str = "output") -> Path:
    """``path`` as a place a file may be written, or a refusal naming ``field``; writes nothing."""
    if not path:
        raise InvalidInputError(field, "is empty")
    if len(path) > PATH_LENGTH_MAX:
        raise InvalidInputError(field, f"is longer than {PATH_LENGTH_MAX} characters")
    printable(path, field)
    target = Path(path)
    if target.exists() and not target.is_file():
        raise InvalidInputError(field, f"{path} exists and is not a regular file")
    if not target.parent.is_dir():
        raise InvalidInputError(field, f"the directory {target.parent} does not exist")
    if store is not None and store.kind == "sqlite" and _is_store_file(target, store):
        raise InvalidInputError(field, f"{path} is the ledger's database; choose another file")
    return target


def _is_store_file(target: Path, store: StoreConfig) -> bool:
    database = Path(store.env["SQLITE_DBNAME"])
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError):
        return True  # a symlink loop or worse: not a place to write to
    for suffix in SQLITE_COMPANIONS:
        companion = database.with_name(database.name + suffix)
        if resolved == companion.resolve():
            return True
        with contextlib.suppress(OSError):
            if target.exists() and companion.exists() and target.samefile(companion):
                return True
    return False


@contextlib.contextmanager
def replaced_when_done(target: Path, field: str = "output") -> Iterator[IO[str]]:
    """A text stream to a temporary file beside ``target``, renamed over it only on success."""
    with _replaced_when_done(target, field, binary=False) as handle:
        yield cast("IO[str]", handle)


@contextlib.contextmanager
def _replaced_when_done(target: Path, field: str, *, binary: bool) -> Iterator[IO[Any]]:
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed by the ``with handle`` below)
            "wb" if binary else "w",
            encoding=None if binary else "utf-8",
            newline=None if binary else "",
            dir=target.parent,
            prefix=f".{target.name}.",
            suffix=".tmp",
            delete=False,
        )
    except OSError as error:
        raise InvalidInputError(field, f"cannot write in {target.parent} ({error.strerror})") from None
    temporary = Path(handle.name)
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise InvalidInputError(field, f"{target} could not be written ({error.strerror})") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _mode_for(target: Path) -> int:
    """The target's own permissions when it exists, else what a new file would get."""
    with contextlib.suppress(OSError):
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_output(target: Path, content: str | bytes, field: str = "output") -> None:
    """Write ``content`` (text, or a document's bytes such as a PDF) to ``target`` atomically."""
    with _replaced_when_done(target, field, binary=isinstance(content, bytes)) as handle:
        handle.write(content)
