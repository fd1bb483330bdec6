"""When does the card run out? The recent rate of use, extended forward.

Method: the card's use (invoice-free work, net of reversals; credits and write-offs are not use)
over the 90 days up to the forecast moment, or since the card's first movement if that is later,
divided by those days, is the daily rate. The closing balance divided by that rate is how many days
it lasts; the run-out date is the day the balance would reach zero. Pure, so an issued statement's
forecast never changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ledger.commands.results import JsonResult
from ledger.domain.money import CENT, format_money
from ledger.domain.time import AMSTERDAM

FORECAST_WINDOW_DAYS = 90
"""How far back the rate of use is measured. A constant, not a setting: issued statements must
read the same forever."""
FORECAST_HORIZON_DAYS = 3 * 365
"""Beyond this the forecast says "not before" that date rather than a precise day."""
ZERO = Decimal("0.00")

RUNS_OUT = "runs-out"
USED_UP = "used-up"
NO_RECENT_USE = "no-recent-use"
NOT_BEFORE = "not-before"


@dataclass(frozen=True)
class Forecast(JsonResult):
    """The forecast and how it was made: ``outcome`` is one of ``runs-out``, ``used-up``,
    ``no-recent-use``, ``not-before``; ``runs_out_on`` the date (``YYYY-MM-DD``) where one applies."""

    outcome: str
    runs_out_on: str | None
    window_start: str
    window_end: str
    window_days: int
    used_in_window: Decimal
    daily_use: Decimal
    method: str
    summary: str


def forecast(
    balance: Decimal,
    use: list[tuple[datetime, Decimal]],
    at: datetime,
    first_movement: datetime | None,
    currency: str,
) -> Forecast:
    """Forecast from ``balance`` at ``at``, given the card's use (moment, amount used; reversals
    negative) effective before ``at``."""
    start = at - timedelta(days=FORECAST_WINDOW_DAYS)
    if first_movement is not None and first_movement > start:
        start = first_movement
    start_day, next_day = _day(start), _day(at)
    last_day = _day(at - timedelta(microseconds=1))
    days = max((next_day - start_day).days, 1)
    used = sum((amount for moment, amount in use if start <= moment < at), ZERO)
    daily = used / days if used > ZERO else ZERO
    method = (
        f"average daily use from {start_day.isoformat()} to {last_day.isoformat()} ({days} days): "
        f"{format_money(used)} {currency} used, {_rate(daily)} {currency} a day"
    )
    window = (start_day.isoformat(), last_day.isoformat(), days, used, daily.quantize(CENT, ROUND_HALF_UP))
    if balance <= ZERO:
        return Forecast(USED_UP, None, *window, method, "the card is used up")
    if daily <= ZERO:
        summary = (
            f"no recent use: at this rate the card does not run out ({format_money(balance)} {currency} left)"
        )
        return Forecast(NO_RECENT_USE, None, *window, method, summary)
    lasts = balance * days / used  # exact: no rounded daily rate in between
    if lasts > FORECAST_HORIZON_DAYS:
        horizon = (next_day + timedelta(days=FORECAST_HORIZON_DAYS)).isoformat()
        return Forecast(NOT_BEFORE, None, *window, method, f"not before {horizon} at the recent rate of use")
    runs_out = next_day + timedelta(days=math.ceil(lasts) - 1)
    summary = f"runs out around {runs_out.isoformat()} at the recent rate of use"
    return Forecast(RUNS_OUT, runs_out.isoformat(), *window, method, summary)


def _day(moment: datetime) -> date:
    """The Amsterdam calendar day of a moment."""
    return moment.astimezone(AMSTERDAM).date()


def _rate(daily: Decimal) -> str:
    return format_money(daily.quantize(CENT, ROUND_HALF_UP))
