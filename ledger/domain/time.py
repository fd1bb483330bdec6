"""Instants: every effective time is timezone-aware; a bare date means 00:00 in Amsterdam.

Why: business rules (service windows, months on statements) are judged in Europe/Amsterdam, and a
naive time is ambiguous by an hour or two, which is enough to put work on the wrong side of a rule.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ledger.domain.grammar import DATE_TEXT, MONTH_TEXT
from ledger.errors import InvalidInputError

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
EARLIEST = datetime(2000, 1, 1, tzinfo=AMSTERDAM)
"""No ledger fact predates this (00:00 Amsterdam, so the date 2000-01-01 itself is in range)."""
LATEST = datetime(2100, 1, 1, tzinfo=AMSTERDAM)
"""Every fact is before this; a later date is a typo."""
YEAR_FIRST, YEAR_LAST = EARLIEST.year, LATEST.year - 1
INSTANT_TEXT_LENGTH_MAX = 40


def start_of_day(day: date) -> datetime:
    """00:00 Europe/Amsterdam on ``day``: what a date without a time means."""
    return datetime.combine(day, time(0, 0), tzinfo=AMSTERDAM)


def parse_instant(value: object, field: str = "at") -> datetime:
    """An aware datetime from an ISO 8601 string, a date, or a datetime; naive times are refused."""
    if isinstance(value, datetime):
        instant = value
    elif isinstance(value, date):
        instant = start_of_day(value)
    elif isinstance(value, str):
        instant = _parse_text(value.strip(), field)
    else:
        raise InvalidInputError(field, f"{type(value).__name__} is not a date or time")
    if instant.tzinfo is None or instant.utcoffset() is None:
        msg = f"{value!s} has no timezone; add one, e.g. '+01:00' or 'Z'"
        raise InvalidInputError(field, msg)
    if instant < EARLIEST:
        raise InvalidInputError(field, f"{_shown(value)} is before {YEAR_FIRST}, the earliest year accepted")
    if instant >= LATEST:
        raise InvalidInputError(field, f"{_shown(value)} is after {YEAR_LAST}, the latest year accepted")
    return instant


def _shown(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _parse_text(text: str, field: str) -> datetime:
    if not text:
        raise InvalidInputError(field, "is empty")
    if len(text) > INSTANT_TEXT_LENGTH_MAX or not text.isascii() or not text.isprintable():
        msg = f"{text[:40]!r} is not an ISO 8601 date or time (e.g. 2026-07-01T09:30:00+02:00)"
        raise InvalidInputError(field, msg)
    if not DATE_TEXT.match(text):
        msg = f"{text!r} does not start with a date YYYY-MM-DD (e.g. 2026-07-01T09:30:00+02:00)"
        raise InvalidInputError(field, msg)
    if len(text) == 10:
        try:
            return start_of_day(date.fromisoformat(text))
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        msg = f"{text!r} is not an ISO 8601 date or time (e.g. 2026-07-01T09:30:00+02:00)"
        raise InvalidInputError(field, msg) from None


def parse_month(value: object, field: str = "month") -> date:
    """``YYYY-MM`` (ASCII digits, a year the ledger accepts) as the first day of that month."""
    if not isinstance(value, str):
        raise InvalidInputError(field, f"{type(value).__name__} is not a month in the form YYYY-MM")
    matched = MONTH_TEXT.fullmatch(value)
    if matched is None or not 1 <= int(matched[2]) <= 12:
        raise InvalidInputError(field, f"{value[:40]!r} is not a month in the form YYYY-MM")
    year = int(matched[1])
    if not YEAR_FIRST <= year <= YEAR_LAST:
        msg = f"{value} is outside the years the ledger accepts, {YEAR_FIRST}..{YEAR_LAST}"
        raise InvalidInputError(field, msg)
    return date(year, int(matched[2]), 1)


def describe_instant(at: datetime) -> str:
    """An instant as people read it in Amsterdam: "2026-07-01" at midnight, else with the time."""
    local = at.astimezone(AMSTERDAM)
    if local.time() == time(0, 0):
        return f"{local:%Y-%m-%d}"
    return f"{local:%Y-%m-%d %H:%M:%S %Z}" if local.second else f"{local:%Y-%m-%d %H:%M %Z}"


def month_of(instant: datetime) -> str:
    """The Amsterdam month (``YYYY-MM``) an instant falls in: how reports group by month."""
    return instant.astimezone(AMSTERDAM).strftime("%Y-%m")


def date_of(instant: datetime) -> str:
    """The Amsterdam calendar date (``YYYY-MM-DD``) of an instant."""
    return instant.astimezone(AMSTERDAM).date().isoformat()


CLOCK_SKEW_MAX = timedelta(minutes=5)
"""How far ahead of the ledger's clock a fact may be dated, for clocks that run a little fast."""


def effective_time(at: datetime | None, now: datetime, *, future_allowed: bool = False) -> datetime:
    """When a command takes effect: its own time, else the ledger's clock; work and money cannot be
    dated in the future (dated changes of terms, ``future_allowed``, can)."""
    if at is None:
        return now
    if not future_allowed and at > now + CLOCK_SKEW_MAX:
        msg = f"{at.isoformat()} is in the future; record it when it has happened"
        raise InvalidInputError("at", msg)
    return at
