"""The monthly schedule on its own: due moments at month ends, effective-dated terms, one credit a month."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain import monthly
from ledger.domain.time import AMSTERDAM, start_of_day


def day(text: str) -> datetime:
    return start_of_day(date.fromisoformat(text))


@pytest.mark.parametrize(
    ("year", "month", "plan_day", "expected"),
    [
        (2027, 2, 31, "2027-02-28"),
        (2027, 2, 29, "2027-02-28"),
        (2027, 2, 28, "2027-02-28"),
        (2028, 2, 31, "2028-02-29"),  # leap year
        (2028, 2, 29, "2028-02-29"),
        (2028, 2, 30, "2028-02-29"),
        (2026, 4, 31, "2026-04-30"),
        (2026, 4, 30, "2026-04-30"),
        (2026, 5, 31, "2026-05-31"),
        (2026, 6, 1, "2026-06-01"),
    ],
)
def test_a_day_the_month_does_not_have_means_its_last_day(
    year: int, month: int, plan_day: int, expected: str
) -> None:
    assert monthly.due_at(year, month, plan_day) == day(expected)


def test_due_moments_are_midnight_in_amsterdam_across_daylight_saving() -> None:
    assert monthly.due_at(2026, 3, 31).isoformat() == "2026-03-31T00:00:00+02:00"
    assert monthly.due_at(2026, 3, 1).isoformat() == "2026-03-01T00:00:00+01:00"
    assert monthly.due_at(2026, 10, 31).isoformat() == "2026-10-31T00:00:00+01:00"


def test_a_change_applies_from_its_date_and_keeps_the_plans_end() -> None:
    terms = monthly.with_plan([], day("2026-01-01"), Decimal("500"), 1, day("2026-12-01"))
    terms = monthly.with_change(terms, day("2026-07-01"), Decimal("400"))
    due = {d.period: d.amount for d in monthly.dues(terms, day("2027-06-01"))}
    assert due == {f"2026-{m:02d}": Decimal(500 if m < 7 else 400) for m in range(1, 12)}


def test_a_stop_ends_the_plan_and_drops_later_changes() -> None:
    terms = monthly.with_plan([], day("2026-01-15"), Decimal("100"), 15, None)
    terms = monthly.with_change(terms, day("2026-09-01"), Decimal("200"))
    terms = monthly.with_stop(terms, day("2026-06-16"))
    assert [d.period for d in monthly.dues(terms, day("2030-01-01"))] == [
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
    ]
    assert not monthly.in_force_from(terms, day("2026-06-16"))


def test_a_second_plan_on_another_day_cannot_credit_the_same_month_twice() -> None:
    first = monthly.with_plan([], day("2026-01-01"), Decimal("100"), 1, day("2026-03-15"))
    clashing = monthly.with_plan(first, day("2026-03-15"), Decimal("100"), 20, None)
    assert monthly.periods_due_twice(clashing, day("2026-03-15"))
    fine = monthly.with_plan(first, day("2026-04-01"), Decimal("100"), 20, None)
    assert not monthly.periods_due_twice(fine, day("2026-04-01"))


def test_adding_months_keeps_the_day_or_takes_the_last() -> None:
    assert monthly.add_months(day("2026-01-31"), 1) == day("2026-02-28")
    assert monthly.add_months(day("2027-11-30"), 3) == day("2028-02-29")
    assert monthly.add_months(day("2026-05-01"), 12) == day("2027-05-01")


def expected_periods(
    start: date, plan_day: int, until: date | None, horizon: datetime
) -> dict[str, datetime]:
    """The plain definition: every month whose due moment lies in [start, until) and is past."""
    found = {}
    for year in range(start.year, horizon.year + 1):
        for month in range(1, 13):
            last = calendar.monthrange(year, month)[1]
            due = datetime(year, month, min(plan_day, last), tzinfo=AMSTERDAM)
            if start_of_day(start) <= due <= horizon and (until is None or due < start_of_day(until)):
                found[f"{year:04d}-{month:02d}"] = due
    return found


@given(
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31)),
    plan_day=st.integers(min_value=1, max_value=31),
    length_days=st.one_of(st.none(), st.integers(min_value=1, max_value=900)),
    horizon_days=st.integers(min_value=-40, max_value=1200),
)
def test_dues_are_exactly_the_months_elapsed(
    start: date, plan_day: int, length_days: int | None, horizon_days: int
) -> None:
    until = None if length_days is None else start + timedelta(days=length_days)
    horizon = start_of_day(start + timedelta(days=horizon_days))
    terms = monthly.with_plan(
        [], start_of_day(start), Decimal("10"), plan_day, None if until is None else start_of_day(until)
    )
    due = {d.period: d.due_at for d in monthly.dues(terms, horizon)}
    assert due == expected_periods(start, plan_day, until, horizon)
