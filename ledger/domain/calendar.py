"""The working-day calendar: which dates the servicedesk counts as working days.

Why: a Basis contract gives no channel at all on a public holiday, so the ledger must know the
holidays of the country the provider works in (from the ``holidays`` library) plus any closures the
deployment adds itself (a company day off). Pure: no clock, no I/O, no environment. The tables come
from a :class:`HolidaySource`: the library itself unless a process installs another (the command line
installs one that keeps the tables on disk, :mod:`ledger.cli.holiday_tables`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

from ledger.domain.time import AMSTERDAM
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "AMSTERDAM",
    "DEFAULT_CLOSING_DAY_NAME",
    "LIBRARY_HOLIDAYS",
    "WEEKDAY_NAMES",
    "HolidaySource",
    "LibraryHolidays",
    "WorkingCalendar",
    "use_holiday_source",
]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
"""Fixed English names: ``strftime("%A")`` would follow the process locale."""
DEFAULT_CLOSING_DAY_NAME = "closing day"
"""The name of an extra closing day configured without one."""
_COUNTRY, _SUBDIVISION, _CLOSING_DAYS = (
    "calendar country",
    "calendar subdivision",
    "calendar extra_closing_days",
)


@dataclass(frozen=True)
class WorkingCalendar:
    """Mon-Fri, minus the public holidays of ``country``/``subdivision``, minus extra closing days.

    ``extra_closing_days`` holds ``(date, name)`` pairs, one per date: a frozenset keeps the
    calendar hashable and its equality independent of the order the days were configured in.
    ``language`` is the language of holiday names (``en_US`` gives "King's Day").
    """

    country: str = "NL"
    subdivision: str | None = None
    extra_closing_days: frozenset[tuple[date, str]] = frozenset()
    language: str = "en_US"
    working_holidays: frozenset[date] = frozenset()
    """Public holidays on which the provider works (e.g. Good Friday): working days after all."""

    def __post_init__(self) -> None:
        _validated(self.country, self.subdivision, self.language)
        seen: set[date] = set()
        for entry in self.extra_closing_days:
            if not _is_named_day(entry):
                msg = f"{entry!r} is not a (date, non-empty name) pair"
                raise InvalidInputError(_CLOSING_DAYS, msg)
            day = entry[0]
            if day in seen:
                msg = f"{day.isoformat()} is listed more than once"
                raise InvalidInputError(_CLOSING_DAYS, msg)
            seen.add(day)

    @classmethod
    def from_settings(
        cls,
        country: str = "NL",
        subdivision: str | None = None,
        extra_closing_days: Iterable[date | tuple[date, str]] = (),
        language: str = "en_US",
    ) -> WorkingCalendar:
        """A calendar from deployment settings; a bare date gets the name "closing day"."""
        pairs = frozenset(
            entry if isinstance(entry, tuple) else (entry, DEFAULT_CLOSING_DAY_NAME)
            for entry in extra_closing_days
        )
        return cls(country.strip().upper(), subdivision, pairs, language)

    def is_working_day(self, day: date) -> bool:
        """True on Mon-Fri that is neither a public holiday nor an extra closing day."""
        return self.closure_reason(day) is None

    def closure_reason(self, day: date) -> str | None:
        """Why ``day`` is not a working day, or None if it is one.

        A holiday's name wins over a closing day's, which wins over "Saturday"/"Sunday": the most
        specific reason is the one a customer recognises.
        """
        if isinstance(day, datetime):
            msg = "closure_reason takes a date; convert the datetime to Europe/Amsterdam first"
            raise TypeError(msg)
        holiday = _holidays(self.country, self.subdivision, self.language, day.year).get(day)
        if holiday is not None and day not in self.working_holidays:
            return holiday
        for closed, name in self.extra_closing_days:
            if closed == day:
                return name
        if day.weekday() >= 5:
            return WEEKDAY_NAMES[day.weekday()]
        return None


class HolidaySource(Protocol):
    """Where the public holidays come from: the ``holidays`` library, or what it answered before."""

    def validate(self, country: str, subdivision: str | None, language: str) -> None:
        """Refuse (:class:`InvalidInputError`) a country or subdivision the library does not know."""

    def year(self, country: str, subdivision: str | None, language: str, year: int) -> dict[date, str]:
        """One year's public holidays by date, named in ``language``."""


class LibraryHolidays:
    """The ``holidays`` library itself, imported when first asked (a quarter of a second)."""

    def validate(self, country: str, subdivision: str | None, language: str) -> None:
        import holidays

        if country not in _supported_countries():
            msg = f"{country!r} is not supported by the holidays library"
            raise InvalidInputError(_COUNTRY, msg)
        try:
            holidays.country_holidays(country, subdiv=subdivision, years=(), language=language)
        except NotImplementedError:
            msg = f"{subdivision!r} is not a subdivision of {country!r} in the holidays library"
            raise InvalidInputError(_SUBDIVISION, msg) from None

    def year(self, country: str, subdivision: str | None, language: str, year: int) -> dict[date, str]:
        import holidays

        found = holidays.country_holidays(country, subdiv=subdivision, years=year, language=language)
        return dict(found)


LIBRARY_HOLIDAYS = LibraryHolidays()
_source: HolidaySource = LIBRARY_HOLIDAYS


def use_holiday_source(source: HolidaySource) -> HolidaySource:
    """Make ``source`` answer every calendar of this process from now on; returns the one it
    replaces. The tables already built are dropped, so no calendar mixes two sources."""
    global _source  # one source per process, like the library's own registry
    replaced, _source = _source, source
    _holidays.cache_clear()
    _validated.cache_clear()
    return replaced


@lru_cache(maxsize=64)
def _validated(country: str, subdivision: str | None, language: str) -> bool:
    """Checked once per process and source: a refusal raises, so only a known place is cached."""
    _source.validate(country, subdivision, language)
    return True


@lru_cache(maxsize=1)
def _supported_countries() -> frozenset[str]:
    """The country codes (and aliases) the holidays library knows: the same set as
    ``holidays.list_supported_countries()``, read from its registry without importing every
    country's module (which that function does, at a second's cost)."""
    from holidays.registry import EntityLoader

    return frozenset(EntityLoader.get_country_codes())


def _is_named_day(entry: object) -> bool:
    """A (date, name) pair; a datetime is a date subclass but names an instant, not a day."""
    if not isinstance(entry, tuple) or len(entry) != 2:
        return False
    day, name = entry
    return type(day) is date and isinstance(name, str) and bool(name.strip())


@lru_cache(maxsize=512)
def _holidays(country: str, subdivision: str | None, language: str, year: int) -> Mapping[date, str]:
    """One year's public holidays, read-only: built once, shared by every equal calendar."""
    return MappingProxyType(_source.year(country, subdivision, language, year))
