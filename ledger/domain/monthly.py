"""The monthly amount of a strippenkaart: an effective-dated schedule of credits, one per month.

Periods are calendar months in Europe/Amsterdam. A month's credit falls due at 00:00 Amsterdam on
the plan's day of the month; a day the month does not have (31 in April, 29–31 in February) means
the month's last day. The schedule is a list of :class:`MonthlyTerm` s: each says "from this
moment on, credit this amount on this day" (or, with no amount, "no credit from here on"). A term
only speaks for the moments after it starts, so a change effective in June leaves May as it was.

Pure functions, no clock: the caller says up to when.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ledger.domain.time import AMSTERDAM, start_of_day

DAY_MIN = 1
DAY_MAX = 31
MONTHS_MAX = 12 * 100
"""The longest schedule walked at once: a century of months (the ledger's whole date range)."""


@dataclass(frozen=True)
class MonthlyTerm:
    """From ``starts_at`` on, credit ``amount`` on ``day`` of every month; ``amount=None``: stopped."""

    starts_at: datetime
    amount: Decimal | None
    day: int


@dataclass(frozen=True)
class MonthlyDue:
    """One month's credit: its period key (``YYYY-MM``), when it falls due, and how much."""

    period: str
    due_at: datetime
    amount: Decimal


def local_date(instant: datetime) -> date:
    """The Amsterdam calendar date of an instant."""
    return instant.astimezone(AMSTERDAM).date()


def day_start(instant: datetime) -> datetime:
    """00:00 Amsterdam on the instant's Amsterdam date: plan dates are whole days."""
    return start_of_day(local_date(instant))


def due_at(year: int, month: int, day: int) -> datetime:
    """00:00 Amsterdam on ``day`` of the month, or on its last day when it is shorter."""
    last = calendar.monthrange(year, month)[1]
    return start_of_day(date(year, month, min(day, last)))


def period_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def add_months(instant: datetime, months: int) -> datetime:
    """The same Amsterdam day ``months`` later at 00:00 (clamped to the month's last day)."""
    day = local_date(instant)
    index = day.year * 12 + day.month - 1 + months
    return due_at(index // 12, index % 12 + 1, day.day)


def term_in_force(terms: list[MonthlyTerm], at: datetime) -> MonthlyTerm | None:
    """The latest term that has started at ``at`` (terms are kept sorted by start)."""
    current = None
    for term in terms:
        if term.starts_at > at:
            break
        current = term
    return current


def _before(terms: list[MonthlyTerm], at: datetime) -> list[MonthlyTerm]:
    return [term for term in terms if term.starts_at < at]


def with_plan(
    terms: list[MonthlyTerm], start: datetime, amount: Decimal, day: int, until: datetime | None
) -> list[MonthlyTerm]:
    """A new plan from ``start`` (until ``until``): everything scheduled from ``start`` on is replaced."""
    new = [*_before(terms, start), MonthlyTerm(start, amount, day)]
    if until is not None:
        new.append(MonthlyTerm(until, None, day))
    return new


def with_change(terms: list[MonthlyTerm], start: datetime, amount: Decimal) -> list[MonthlyTerm]:
    """A new amount from ``start`` on, same day, up to the plan's scheduled end (which is kept)."""
    current = term_in_force(terms, start)
    day = current.day if current is not None else DAY_MIN
    end = next((t for t in terms if t.starts_at > start and t.amount is None), None)
    return [*_before(terms, start), MonthlyTerm(start, amount, day), *([end] if end else [])]


def with_stop(terms: list[MonthlyTerm], start: datetime) -> list[MonthlyTerm]:
    """No credit falls due from ``start`` on; later changes that were scheduled are dropped."""
    current = term_in_force(terms, start)
    day = current.day if current is not None else DAY_MIN
    return [*_before(terms, start), MonthlyTerm(start, None, day)]


def in_force_from(terms: list[MonthlyTerm], start: datetime) -> bool:
    """Whether any credit is scheduled at or after ``start`` (a plan runs then, or starts later)."""
    current = term_in_force(terms, start)
    if current is not None and current.amount is not None:
        return True
    return any(term.starts_at > start and term.amount is not None for term in terms)


def dues(terms: list[MonthlyTerm], until: datetime) -> Iterator[MonthlyDue]:
    """Every month's credit due at or before ``until``, oldest first, at most one per month."""
    if not terms:
        return
    first = local_date(terms[0].starts_at)
    last = local_date(until)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    days = sorted({term.day for term in terms})
    for offset in range(min(months, MONTHS_MAX)):
        index = first.year * 12 + first.month - 1 + offset
        year, month = index // 12, index % 12 + 1
        due = _due_in_month(terms, year, month, days, until)
        if due is not None:
            yield due


def _due_in_month(
    terms: list[MonthlyTerm], year: int, month: int, days: list[int], until: datetime
) -> MonthlyDue | None:
    """The month's credit: the first plan day whose due moment falls in a term with that day."""
    for day in days:
        moment = due_at(year, month, day)
        term = term_in_force(terms, moment)
        if moment <= until and term is not None and term.amount is not None and term.day == day:
            return MonthlyDue(period_key(year, month), moment, term.amount)
    return None


def periods_due_twice(terms: list[MonthlyTerm], month_of: datetime) -> bool:
    """Whether the month containing ``month_of`` would get two credits (two plans, two days)."""
    day = local_date(month_of)
    count = 0
    for plan_day in sorted({term.day for term in terms}):
        moment = due_at(day.year, day.month, plan_day)
        term = term_in_force(terms, moment)
        if term is not None and term.amount is not None and term.day == plan_day:
            count += 1
    return count > 1
