"""The run-out forecast: the recent daily rate of use, extended from the period's end."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.time import parse_instant
from ledger.statements.forecast import FORECAST_HORIZON_DAYS, forecast

END = parse_instant("2026-04-01")  # the end of March, Amsterdam
OLD_CARD = parse_instant("2025-06-01")


def at(text: str) -> datetime:
    return parse_instant(text)


def test_ninety_days_of_use_give_the_daily_rate_and_the_run_out_date() -> None:
    use = [(at("2026-01-15"), Decimal("450.00")), (at("2026-03-01"), Decimal("450.00"))]
    result = forecast(Decimal("1000.00"), use, END, OLD_CARD, "EUR")
    # 900.00 over the 90 days 2026-01-01 .. 2026-03-31 is 10.00 a day; 1000.00 lasts 100 days
    assert (result.window_start, result.window_end, result.window_days) == ("2026-01-01", "2026-03-31", 90)
    assert (result.used_in_window, result.daily_use) == (Decimal("900.00"), Decimal("10.00"))
    assert (result.outcome, result.runs_out_on) == ("runs-out", "2026-07-09")  # April 1 + 99 days
    assert result.summary == "runs out around 2026-07-09 at the recent rate of use"
    assert result.method == (
        "average daily use from 2026-01-01 to 2026-03-31 (90 days): 900.00 EUR used, 10.00 EUR a day"
    )


def test_use_before_the_window_and_reversals_are_counted_correctly() -> None:
    use = [
        (at("2025-12-31T23:00:00+01:00"), Decimal("5000.00")),  # just outside the window
        (at("2026-02-01"), Decimal("200.00")),
        (at("2026-02-02"), Decimal("-20.00")),  # a reversal gives use back
    ]
    result = forecast(Decimal("90.00"), use, END, OLD_CARD, "EUR")
    assert (result.used_in_window, result.daily_use, result.runs_out_on) == (
        Decimal("180.00"),
        Decimal("2.00"),
        "2026-05-15",  # 45 days: April 1 .. May 15
    )


def test_a_young_card_measures_from_its_first_movement() -> None:
    use = [(at("2026-03-10"), Decimal("310.00"))]
    result = forecast(Decimal("310.00"), use, END, at("2026-03-01"), "EUR")
    assert (result.window_start, result.window_days, result.daily_use) == ("2026-03-01", 31, Decimal("10.00"))
    assert result.runs_out_on == "2026-05-01"  # 31 days: April 1 .. May 1


def test_no_recent_use_used_up_and_not_before() -> None:
    quiet = forecast(Decimal("500.00"), [(at("2025-07-01"), Decimal("9.00"))], END, OLD_CARD, "EUR")
    assert (quiet.outcome, quiet.runs_out_on) == ("no-recent-use", None)
    assert quiet.summary.startswith("no recent use")
    empty = forecast(Decimal("0.00"), [(at("2026-03-01"), Decimal("50.00"))], END, OLD_CARD, "EUR")
    assert (empty.outcome, empty.summary) == ("used-up", "the card is used up")
    slow = forecast(Decimal("100000.00"), [(at("2026-03-01"), Decimal("9.00"))], END, OLD_CARD, "EUR")
    assert (slow.outcome, slow.runs_out_on) == ("not-before", None)
    assert slow.summary == "not before 2029-03-31 at the recent rate of use"


@given(
    balance=st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c).scaleb(-2)),
    used=st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c).scaleb(-2)),
)
def test_at_the_daily_rate_the_balance_lasts_until_the_run_out_date(balance: Decimal, used: Decimal) -> None:
    result = forecast(balance, [(at("2026-02-15"), used)], END, OLD_CARD, "EUR")
    if result.outcome == "not-before":
        assert balance * 90 > used * FORECAST_HORIZON_DAYS
        return
    assert result.runs_out_on is not None
    days = (datetime.fromisoformat(result.runs_out_on).date() - END.date()).days + 1
    # at used/90 a day: not yet empty the day before, empty that day (multiplied out: exact)
    assert used * (days - 1) < balance * 90 <= used * days
