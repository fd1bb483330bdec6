"""Evaluation due dates and visit counts: month ends clamp, the kick-off's day of the month holds."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.cadence import (
    EvaluationCadence,
    VisitCadence,
    evaluation_schedule,
    next_evaluation_due,
    shift_months,
    visits_expected,
)

Q, H = EvaluationCadence.QUARTERLY, EvaluationCadence.HALF_YEARLY
d = date.fromisoformat


@pytest.mark.parametrize(
    ("kickoff", "cadence", "expected"),
    [
        # the brief's example: anchored on the 31st, clamped each time, never drifting to the 28th
        ("2026-08-31", Q, ["2026-11-30", "2027-02-28", "2027-05-31", "2027-08-31", "2027-11-30"]),
        # the same a year later: February 2028 has 29 days
        ("2027-08-31", Q, ["2027-11-30", "2028-02-29", "2028-05-31", "2028-08-31"]),
        ("2026-01-15", Q, ["2026-04-15", "2026-07-15", "2026-10-15", "2027-01-15"]),
        ("2026-11-30", Q, ["2027-02-28", "2027-05-30", "2027-08-30", "2027-11-30"]),
        # the 28th is a day of the month, not "the month's end"
        ("2026-02-28", Q, ["2026-05-28", "2026-08-28", "2026-11-28", "2027-02-28"]),
        ("2026-08-31", H, ["2027-02-28", "2027-08-31", "2028-02-29", "2028-08-31"]),
        ("2024-02-29", H, ["2024-08-29", "2025-02-28", "2025-08-29", "2026-02-28"]),
        ("2026-10-01", Q, ["2027-01-01", "2027-04-01", "2027-07-01", "2027-10-01"]),
        ("2099-06-30", H, ["2099-12-30", "2100-06-30"]),
    ],
)
def test_schedule_when_every_evaluation_is_held_on_its_due_date(
    kickoff: str, cadence: EvaluationCadence, expected: list[str]
) -> None:
    schedule = evaluation_schedule(d(kickoff), cadence, len(expected))
    assert [day.isoformat() for day in schedule] == expected


@pytest.mark.parametrize(
    ("held", "expected"),
    [
        ("2026-11-30", "2027-02-28"),  # on the due date
        ("2026-11-02", "2027-02-28"),  # early, in the due month: the schedule holds
        ("2026-12-02", "2027-03-31"),  # a month late: the schedule moves by that month
        ("2026-10-31", "2027-01-31"),  # a month early
    ],
)
def test_the_next_due_date_counts_from_the_month_of_the_last_evaluation(held: str, expected: str) -> None:
    assert next_evaluation_due(d("2026-08-31"), d(held), Q) == d(expected)


def test_the_first_due_date_counts_from_the_kick_off() -> None:
    assert next_evaluation_due(d("2026-08-31"), None, Q) == d("2026-11-30")
    assert next_evaluation_due(d("2026-08-31"), None, H) == d("2027-02-28")


def test_shift_months_refuses_a_day_that_no_month_has() -> None:
    with pytest.raises(ValueError, match="anchor_day 32"):
        shift_months(d("2026-01-01"), 1, 32)


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


kickoffs = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
cadences = st.sampled_from(list(EvaluationCadence))


@given(kickoffs, cadences)
def test_due_dates_increase_by_the_cadence_anchored_on_the_kick_off_day(
    kickoff: date, cadence: EvaluationCadence
) -> None:
    schedule = evaluation_schedule(kickoff, cadence, 12)
    shortest, longest = (89, 92) if cadence is Q else (181, 184)
    previous = kickoff
    for number, due in enumerate(schedule, start=1):
        assert due > previous
        assert shortest <= (due - previous).days <= longest
        assert month_index(due) == month_index(kickoff) + number * cadence.months
        assert due.day == min(kickoff.day, calendar.monthrange(due.year, due.month)[1])
        previous = due


@given(kickoffs, cadences, st.integers(min_value=0, max_value=3650))
def test_an_evaluation_held_any_day_sets_a_due_date_after_it_within_the_cadence(
    kickoff: date, cadence: EvaluationCadence, days_later: int
) -> None:
    held = kickoff + timedelta(days=days_later)
    due = next_evaluation_due(kickoff, held, cadence)
    assert due > held
    assert month_index(due) == month_index(held) + cadence.months
    assert due.day == min(kickoff.day, calendar.monthrange(due.year, due.month)[1])


@pytest.mark.parametrize(
    ("since", "until", "cadence", "expected"),
    [
        ("2026-08-31", "2026-11-30", VisitCadence.WEEKLY, 13),
        ("2026-08-31", "2026-11-30", VisitCadence.BIWEEKLY, 6),
        ("2026-08-31", "2026-11-30", VisitCadence.MONTHLY, 3),
        ("2026-01-31", "2026-02-28", VisitCadence.MONTHLY, 1),
        ("2026-01-15", "2026-02-14", VisitCadence.MONTHLY, 0),
        ("2026-01-15", "2026-02-15", VisitCadence.MONTHLY, 1),
        ("2026-01-15", "2026-01-21", VisitCadence.WEEKLY, 0),
        ("2026-03-01", "2026-01-01", VisitCadence.WEEKLY, 0),
    ],
)
def test_visits_the_cadence_expects_count_whole_periods(
    since: str, until: str, cadence: VisitCadence, expected: int
) -> None:
    assert visits_expected(d(since), d(until), cadence) == expected
