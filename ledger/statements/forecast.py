"""When does the card run out? The recent rate of use, extended forward, with the plan.

Method: the card's use (invoice-free work, net of reversals; credits and write-offs are not use)
over the 90 days up to the forecast moment (the statement's issue, never a date already past), or
since the card's first movement if that is later, divided by those days, is the daily rate. The
balance at that moment lasts until the day it would reach zero at that rate — counting the monthly
credits the plan will bring and the blocks that expire before they are used (use draws on the
soonest-expiring credit first). Credit expiring within 60 days is listed. Pure, so an issued
statement's forecast never changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from ledger.domain.money import CENT, format_money
from ledger.domain.results import JsonResult
from ledger.domain.time import AMSTERDAM

FORECAST_WINDOW_DAYS = 90
"""How far back the rate of use is measured. A constant, not a setting: issued statements must
read the same forever."""
FORECAST_HORIZON_DAYS = 3 * 365
"""Beyond this the forecast says "not before" that date rather than a precise day."""
EXPIRY_NOTICE_DAYS = 60
"""Credit expiring within this many days of the forecast moment is shown."""
ZERO = Decimal("0.00")

RUNS_OUT = "runs-out"
USED_UP = "used-up"
NO_RECENT_USE = "no-recent-use"
NOT_BEFORE = "not-before"
PLAN_COVERS = "plan-covers"


@dataclass(frozen=True)
class ExpiringCredit(JsonResult):
    """Credit left in a block that expires soon: ``on`` is the Amsterdam date it expires."""

    on: str
    amount: Decimal


@dataclass(frozen=True)
class Plan:
    """What the forecast knows beyond the balance: credit blocks with their expiry (remainder at
    the moment) and the monthly credits due after it."""

    blocks: list[tuple[datetime | None, Decimal]] = field(default_factory=list)
    monthly: list[tuple[datetime, Decimal]] = field(default_factory=list)


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
    forecast_at: str = ""
    """The Amsterdam day the forecast is made as of (the issue day)."""
    expiring: list[ExpiringCredit] = field(default_factory=list)
    next_monthly_credit: ExpiringCredit | None = None
    """The first monthly credit the plan brings after the forecast moment (``on``: its day)."""

    def to_json(self) -> dict[str, object]:
        data = JsonResult.to_json(self)
        data["expiring"] = [credit.to_json() for credit in self.expiring]
        data["next_monthly_credit"] = (
            None if self.next_monthly_credit is None else self.next_monthly_credit.to_json()
        )
        return data


def forecast(
    balance: Decimal,
    use: list[tuple[datetime, Decimal]],
    at: datetime,
    first_movement: datetime | None,
    currency: str,
    plan: Plan | None = None,
) -> Forecast:
    """Forecast from ``balance`` at ``at``, given the card's use (moment, amount used; reversals
    negative) effective before ``at``, and the plan (expiring blocks, monthly credits to come)."""
    plan = plan or Plan()
    result = _forecast(balance, use, at, first_movement, currency, plan)
    horizon = at + timedelta(days=EXPIRY_NOTICE_DAYS)
    expiring: dict[str, Decimal] = {}
    for expires_at, remaining in plan.blocks:
        if expires_at is not None and at <= expires_at < horizon and remaining > ZERO:
            day = _day(expires_at).isoformat()
            expiring[day] = expiring.get(day, ZERO) + remaining
    upcoming = sorted((due, amount) for due, amount in plan.monthly if due >= at)
    following = ExpiringCredit(_day(upcoming[0][0]).isoformat(), upcoming[0][1]) if upcoming else None
    return Forecast(
        **{name: getattr(result, name) for name in ("outcome", "runs_out_on", "window_start", "window_end")},
        window_days=result.window_days,
        used_in_window=result.used_in_window,
        daily_use=result.daily_use,
        method=result.method,
        summary=result.summary,
        forecast_at=_day(at).isoformat(),
        expiring=[ExpiringCredit(day, amount) for day, amount in sorted(expiring.items())],
        next_monthly_credit=following,
    )


def _forecast(
    balance: Decimal,
    use: list[tuple[datetime, Decimal]],
    at: datetime,
    first_movement: datetime | None,
    currency: str,
    plan: Plan,
) -> Forecast:
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
    upcoming = [(due, amount) for due, amount in plan.monthly if due >= at]
    expiring = any(expires is not None for expires, remaining in plan.blocks if remaining > ZERO)
    if balance <= ZERO and not upcoming:
        return Forecast(USED_UP, None, *window, method, "the card is used up")
    if upcoming or expiring:
        return _simulated(balance, Fraction(used) / days, at, plan, window, method)
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


@dataclass
class _Block:
    """Credit left in one block during the simulation (mutable: it is drawn on day by day)."""

    expires: date | None
    left: Fraction


def _simulated(
    balance: Decimal,
    daily: Fraction,
    at: datetime,
    plan: Plan,
    window: tuple[str, str, int, Decimal, Decimal],
    method: str,
) -> Forecast:
    """Day by day from the forecast moment: monthly credits arrive, unused blocks expire, the
    day's use is drawn from the soonest-expiring credit; the run-out day is the first day the
    credit is gone."""
    first = _day(at)
    blocks = [_Block(None if e is None else _day(e), Fraction(r)) for e, r in plan.blocks if r > ZERO]
    rest = Fraction(balance) - sum((block.left for block in blocks), Fraction(0))
    if rest > 0:  # credit the blocks do not account for: treated as never expiring
        blocks.append(_Block(None, rest))
    arrivals: dict[date, Fraction] = {}
    for due, amount in plan.monthly:
        if due >= at:
            arrivals[_day(due)] = arrivals.get(_day(due), Fraction(0)) + Fraction(amount)
    for offset in range(FORECAST_HORIZON_DAYS):
        day = first + timedelta(days=offset)
        if day in arrivals:
            blocks.append(_Block(None, arrivals[day]))
        blocks = [block for block in blocks if block.expires is None or block.expires > day]
        blocks.sort(key=lambda block: (block.expires is None, block.expires or first))
        need = daily
        for block in blocks:
            taken = min(need, block.left)
            block.left -= taken
            need -= taken
        if daily > 0 and (need > 0 or sum(block.left for block in blocks) <= 0):
            more = " (until the next monthly credit)" if any(later > day for later in arrivals) else ""
            summary = f"runs out around {day.isoformat()} at the recent rate of use{more}"
            return Forecast(RUNS_OUT, day.isoformat(), *window, method, summary)
    if daily <= 0:
        return Forecast(NO_RECENT_USE, None, *window, method, "no recent use: the card does not run out")
    if not arrivals:
        horizon = (first + timedelta(days=FORECAST_HORIZON_DAYS)).isoformat()
        return Forecast(NOT_BEFORE, None, *window, method, f"not before {horizon} at the recent rate of use")
    summary = "the monthly credit covers the recent rate of use: the card does not run out"
    return Forecast(PLAN_COVERS, None, *window, method, summary)


def _day(moment: datetime) -> date:
    """The Amsterdam calendar day of a moment."""
    return moment.astimezone(AMSTERDAM).date()


def _rate(daily: Decimal) -> str:
    return format_money(daily.quantize(CENT, ROUND_HALF_UP))
