"""On-site cadences: how often a consultant visits and when the next evaluation is due.

Why a rule about days of the month: an engagement kicked off on 31 August is evaluated "every
quarter", and 31 November does not exist. We anchor every due date on the kick-off's day of the
month and clamp it to the month's last day *each time*, so the schedule never drifts: 31 Aug →
30 Nov → 28 Feb (29 in a leap year) → 31 May → 31 Aug. The month of the next due date counts from
the month of the last evaluation (the kick-off before the first), so an evaluation held any day in
its due month keeps the schedule, and one held a month late moves it by that month.

Dates here are calendar dates in Europe/Amsterdam; an evaluation is due from 00:00 on its date.
"""

from __future__ import annotations

import calendar
from datetime import date
from enum import StrEnum


class VisitCadence(StrEnum):
    """How often a consultant is on location, as agreed at the kick-off."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class EvaluationCadence(StrEnum):
    """How often the account or service manager evaluates the engagement."""

    QUARTERLY = "quarterly"
    HALF_YEARLY = "half-yearly"

    @property
    def months(self) -> int:
        return 3 if self is EvaluationCadence.QUARTERLY else 6


class EvaluationOutcome(StrEnum):
    """What an evaluation decided: go on as is, change the focus areas, or stop the engagement."""

    CONTINUE = "continue"
    ADJUST = "adjust"
    STOP = "stop"


def shift_months(day: date, months: int, anchor_day: int) -> date:
    """The date ``months`` after ``day``'s month, on ``anchor_day`` clamped to that month's end."""
    if not 1 <= anchor_day <= 31:
        msg = f"anchor_day {anchor_day} is not a day of the month"
        raise ValueError(msg)
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(anchor_day, last))


def next_evaluation_due(kickoff: date, last_evaluation: date | None, cadence: EvaluationCadence) -> date:
    """When the next evaluation is due: the cadence's months after the last evaluation's month
    (the kick-off's before the first one), on the kick-off's day of the month, clamped."""
    since = kickoff if last_evaluation is None else last_evaluation
    return shift_months(since, cadence.months, kickoff.day)


def evaluation_schedule(kickoff: date, cadence: EvaluationCadence, count: int) -> list[date]:
    """The first ``count`` due dates when every evaluation is held on its due date."""
    due: list[date] = []
    last: date | None = None
    for _ in range(count):
        last = next_evaluation_due(kickoff, last, cadence)
        due.append(last)
    return due


def visits_expected(since: date, until: date, cadence: VisitCadence) -> int:
    """How many visits the cadence promises in the whole periods from ``since`` to ``until``.

    For the evaluation meeting's "were we there as often as agreed?"; a part period counts not.
    """
    if until <= since:
        return 0
    if cadence is VisitCadence.WEEKLY:
        return (until - since).days // 7
    if cadence is VisitCadence.BIWEEKLY:
        return (until - since).days // 14
    months = (until.year - since.year) * 12 + until.month - since.month
    if shift_months(since, months, since.day) > until:
        months -= 1
    return months
