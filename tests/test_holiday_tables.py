"""The holiday tables the command line keeps on disk give what the library gives, or let it answer.

A fresh :class:`DiskHolidayTables` on the same folder stands for the next process: what it answers
without asking the library came from the file.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.cli.holiday_tables import (
    CACHE_VARIABLE,
    DiskHolidayTables,
    cache_folder,
    install,
)
from ledger.domain.calendar import (
    LIBRARY_HOLIDAYS,
    WorkingCalendar,
    use_holiday_source,
)
from ledger.errors import InvalidInputError

KINGS_DAY = date(2026, 4, 27)


class CountingLibrary:
    """The real library, counting what it is asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, ...]] = []

    def validate(self, country: str, subdivision: str | None, language: str) -> None:
        self.asked.append(("validate", country, str(subdivision), language))
        LIBRARY_HOLIDAYS.validate(country, subdivision, language)

    def year(self, country: str, subdivision: str | None, language: str, year: int) -> dict[date, str]:
        self.asked.append(("year", country, str(subdivision), language, str(year)))
        return LIBRARY_HOLIDAYS.year(country, subdivision, language, year)


def tables(folder: Path, version: str = "1.0") -> tuple[DiskHolidayTables, CountingLibrary]:
    library = CountingLibrary()
    return DiskHolidayTables(folder, library, version=version), library


def test_the_next_process_reads_what_the_first_asked(tmp_path: Path) -> None:
    first, library = tables(tmp_path)
    first.validate("NL", None, "nl")
    kept = first.year("NL", None, "nl", 2026)
    assert kept == LIBRARY_HOLIDAYS.year("NL", None, "nl", 2026)
    assert kept[KINGS_DAY] == "Koningsdag"
    assert [asked[0] for asked in library.asked] == ["validate", "year"]

    second, library = tables(tmp_path)
    second.validate("NL", None, "nl")
    assert second.year("NL", None, "nl", 2026) == kept
    assert library.asked == []
    assert second.year("NL", None, "nl", 2027) == LIBRARY_HOLIDAYS.year("NL", None, "nl", 2027)
    assert library.asked == [("year", "NL", "None", "nl", "2027")]
    third, library = tables(tmp_path)
    assert (third.year("NL", None, "nl", 2026), third.year("NL", None, "nl", 2027)) == (
        kept,
        LIBRARY_HOLIDAYS.year("NL", None, "nl", 2027),
    )
    assert library.asked == []


def test_each_place_and_language_has_its_own_table(tmp_path: Path) -> None:
    """A subdivision's holidays differ from its country's; the names follow the language."""
    first, _ = tables(tmp_path)
    assert first.year("NL", None, "en_US", 2026)[KINGS_DAY] == "King's Day"
    assert first.year("NL", None, "nl", 2026)[KINGS_DAY] == "Koningsdag"
    bavaria = first.year("DE", "BY", "de", 2026)
    assert bavaria == LIBRARY_HOLIDAYS.year("DE", "BY", "de", 2026)
    assert bavaria != LIBRARY_HOLIDAYS.year("DE", None, "de", 2026)
    second, library = tables(tmp_path)
    assert second.year("DE", "BY", "de", 2026) == bavaria
    assert second.year("NL", None, "en_US", 2026)[KINGS_DAY] == "King's Day"
    assert library.asked == []


def test_an_unknown_place_is_refused_every_time_and_nothing_is_kept(tmp_path: Path) -> None:
    for _ in range(2):
        cache, _ = tables(tmp_path)
        with pytest.raises(InvalidInputError, match="not a subdivision"):
            cache.validate("NL", "XX", "en_US")
        with pytest.raises(InvalidInputError, match="not supported"):
            cache.validate("QQ", None, "en_US")
    assert list(tmp_path.rglob("*.json")) == []


def test_another_library_version_asks_the_library_again(tmp_path: Path) -> None:
    first, _ = tables(tmp_path, version="1.0")
    first.year("NL", None, "nl", 2026)
    upgraded, library = tables(tmp_path, version="2.0")
    upgraded.year("NL", None, "nl", 2026)
    assert library.asked == [("year", "NL", "None", "nl", "2026")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["holidays-1.0", "holidays-2.0"]


def _the_file(folder: Path) -> Path:
    (path,) = folder.rglob("*.json")
    return path


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut off
        lambda text: "[]",
        lambda text: text.replace('"NL"', '"BE"'),  # another place's table
        lambda text: text.replace('"format": 1', '"format": 9'),
        lambda text: text.replace("Koningsdag", ""),  # a day without a name
        lambda text: text.replace("2026-04-27", "2026-04-31"),  # no such day
        lambda text: text.replace('"years": {', '"years": {"x": [], '),
        lambda text: text.replace('[["2026-01-01"', '[["2026-01-01", "a", "b"], ["2026-01-01"'),
    ],
    ids=["cut", "list", "place", "format", "unnamed", "date", "year", "triple"],
)
def test_a_damaged_file_is_ignored_and_written_anew(tmp_path: Path, damage: object) -> None:
    first, _ = tables(tmp_path)
    kept = first.year("NL", None, "nl", 2026)
    path = _the_file(tmp_path)
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]

    second, library = tables(tmp_path)
    assert second.year("NL", None, "nl", 2026) == kept
    assert len(library.asked) == 1
    third, library = tables(tmp_path)
    assert third.year("NL", None, "nl", 2026) == kept
    assert library.asked == []


def test_a_folder_that_cannot_be_written_leaves_the_library_to_answer(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    for _ in range(2):
        cache, library = tables(blocked)
        cache.validate("NL", None, "nl")
        assert cache.year("NL", None, "nl", 2026)[KINGS_DAY] == "Koningsdag"
        assert [asked[0] for asked in library.asked] == ["validate", "year"]
    assert list(tmp_path.rglob("*.tmp")) == []


names = st.text(min_size=1, max_size=30).filter(lambda name: "\x00" not in name)


@given(st.dictionaries(st.dates(), names, max_size=20))
def test_any_table_reads_back_as_written(table: dict[date, str]) -> None:
    """Whatever the library answers (any dates, any names) is what the next process reads."""

    class Answering:
        def validate(self, country: str, subdivision: str | None, language: str) -> None:
            pass

        def year(self, country: str, subdivision: str | None, language: str, year: int) -> dict[date, str]:
            return dict(table)

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        DiskHolidayTables(Path(folder), Answering(), version="1").year("NL", "a/b\\c", "nl", 2026)
        again = DiskHolidayTables(Path(folder), LIBRARY_HOLIDAYS, version="1")
        assert again.year("NL", "a/b\\c", "nl", 2026) == table


def test_the_cache_folder_follows_the_environment(tmp_path: Path) -> None:
    assert cache_folder({CACHE_VARIABLE: str(tmp_path)}) == tmp_path
    assert cache_folder({CACHE_VARIABLE: ""}) is None
    assert cache_folder({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "ledger"
    assert cache_folder({}) == Path.home() / ".cache" / "ledger"
    assert install({CACHE_VARIABLE: ""}) is None


def test_installed_calendars_decide_alike_and_keep_their_tables(tmp_path: Path) -> None:
    """A process with the disk source installed judges every day as the library does."""
    library_days = WorkingCalendar(country="NL", language="nl")
    expected = [library_days.closure_reason(date.fromordinal(n)) for n in _days_of(2026)]
    source = install({CACHE_VARIABLE: str(tmp_path)})
    try:
        assert source is not None
        for _ in range(2):  # from the library, then (tables dropped) from the file
            calendar = WorkingCalendar(country="NL", language="nl")
            assert [calendar.closure_reason(date.fromordinal(n)) for n in _days_of(2026)] == expected
            use_holiday_source(source)
        stored = json.loads(_the_file(tmp_path).read_text(encoding="utf-8"))
        assert stored["years"]["2026"][0] == ["2026-01-01", "Nieuwjaarsdag"]
    finally:
        use_holiday_source(LIBRARY_HOLIDAYS)


def _days_of(year: int) -> range:
    return range(date(year, 1, 1).toordinal(), date(year + 1, 1, 1).toordinal())


def test_without_a_known_library_version_nothing_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No version to name the folder by (the library's metadata missing): the library answers."""
    from ledger.cli import holiday_tables

    monkeypatch.setattr(holiday_tables, "library_version", lambda: None)
    for _ in range(2):
        library = CountingLibrary()
        cache = DiskHolidayTables(tmp_path, library)
        cache.validate("NL", None, "nl")
        assert cache.year("NL", None, "nl", 2026)[KINGS_DAY] == "Koningsdag"
        assert [asked[0] for asked in library.asked] == ["validate", "year"]
    assert list(tmp_path.iterdir()) == []
