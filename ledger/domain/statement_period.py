"""The month a statement covers: its bounds in Amsterdam, the next one, and who can have one.

Pure rules shared by the write side (issuing) and the read side (composing, showing provisionally).
"""

from __future__ import annotations

from datetime import date, datetime

from ledger.domain.time import AMSTERDAM, describe_instant, parse_month, start_of_day
from ledger.errors import NoCardError, StatementError


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """00:00 Amsterdam on the month's first day, and on the next month's."""
    first = parse_month(month)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return start_of_day(first), start_of_day(following)


def next_month(month: str) -> str:
    _, end = month_bounds(month)
    return end.astimezone(AMSTERDAM).strftime("%Y-%m")


def require_card_in(customer: str, month: str, opened_at: datetime | None) -> None:
    """A statement is for a month the customer had a strippenkaart in (``opened_at``: when the
    card was opened, None: never)."""
    if opened_at is None:
        raise NoCardError(customer)
    _, end = month_bounds(month)
    if opened_at >= end:
        reason = f"{customer!r} had no strippenkaart yet in {month} (opened {describe_instant(opened_at)})"
        raise StatementError("month", reason)
