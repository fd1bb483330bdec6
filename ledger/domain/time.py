"""Instants: every effective time is timezone-aware; a bare date means 00:00 in Amsterdam.

Why: business rules (service windows, months on statements) are judged in Europe/Amsterdam, and a
naive time is ambiguous by an hour or two, which is enough to put work on the wrong side of a rule.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from ledger.errors import InvalidInputError

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
"""No ledger fact predates this; an earlier date is a typo."""
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


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
    if not EARLIEST <= instant < LATEST:
        raise InvalidInputError(field, f"{value!s} is outside 2000-01-01 .. 2100-01-01")
    return instant


def _parse_text(text: str, field: str) -> datetime:
    if not text:
        raise InvalidInputError(field, "is empty")
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
    """``YYYY-MM`` as the first day of that month."""
    if isinstance(value, str):
        try:
            year_text, month_text = value.strip().split("-")
            if len(year_text) == 4 and len(month_text) == 2:
                return date(int(year_text), int(month_text), 1)
        except ValueError:
            pass
    raise InvalidInputError(field, f"{value!r} is not a month in the form YYYY-MM")


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
