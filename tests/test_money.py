"""Money, hours and instants obey DOMAIN.md's rules, or are refused naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.money import cost, parse_amount, parse_currency, parse_hours, parse_rate
from ledger.domain.time import AMSTERDAM, parse_instant, parse_month
from ledger.errors import InvalidInputError

two_places = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000.00"), places=2, allow_nan=False)


def test_seed_rounding_example() -> None:
    assert cost(Decimal("0.1"), Decimal("99.99")) == Decimal("10.00")
    assert cost(Decimal("4"), Decimal("125.00")) == Decimal("500.00")
    assert cost(Decimal("0.01"), Decimal("0.50")) == Decimal("0.01")  # 0.005 rounds half up


@given(hours=two_places, rate=two_places)
def test_cost_is_exact_product_rounded_half_up_to_the_cent(hours: Decimal, rate: Decimal) -> None:
    result = cost(hours, rate)
    exact = hours * rate
    assert result == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert abs(result - exact) <= Decimal("0.005")
    assert result.as_tuple().exponent == -2


@given(amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000000"), places=2))
def test_any_two_place_amount_in_range_round_trips(amount: Decimal) -> None:
    assert parse_amount(str(amount)) == amount
    assert parse_amount(amount) == amount


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (0.3, "float"),
        (True, "bool"),
        ("NaN", "not a number"),
        ("sNaN", "not a number"),
        ("inf", "not a number"),
        ("-Infinity", "not a number"),
        ("0", "greater than zero"),
        ("0.00", "greater than zero"),
        ("-1", "not a number"),
        ("1.001", "more than two decimals"),
        ("1e-3", "not a number"),
        ("10000000.01", "maximum"),
        ("1e100", "not a number"),
        ("", "empty"),
        ("12,50", "not a number"),
        (None, "not a number"),
    ],
)
def test_bad_amounts_are_refused(value: object, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason) as raised:
        parse_amount(value)
    assert raised.value.field == "amount"


def test_hours_and_rates_have_their_own_bounds() -> None:
    assert parse_hours("0.01") == Decimal("0.01")
    assert parse_hours(8) == Decimal("8.00")
    with pytest.raises(InvalidInputError, match="maximum"):
        parse_hours("1000.01")
    with pytest.raises(InvalidInputError, match="maximum"):
        parse_rate("10000.01")
    assert parse_amount("12.500") == Decimal("12.50")  # trailing zeros are not extra precision


def test_currency_codes() -> None:
    assert parse_currency(" eur ") == "EUR"
    for bad in ("EURO", "E1R", "", 5):
        with pytest.raises(InvalidInputError):
            parse_currency(bad)


def test_instants_need_a_zone_and_bare_dates_are_amsterdam_midnight() -> None:
    assert parse_instant("2026-07-01") == datetime(2026, 7, 1, tzinfo=AMSTERDAM)
    assert parse_instant("2026-07-01").utcoffset() is not None
    assert parse_instant("2026-07-01T09:30:00Z") == datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    assert parse_instant(date(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=AMSTERDAM)
    for bad in ("2026-07-01T09:30:00", datetime(2026, 7, 1, 9, 30), "tomorrow", "1999-12-31T00:00Z"):
        with pytest.raises(InvalidInputError) as raised:
            parse_instant(bad, "at")
        assert raised.value.field == "at"


def test_months() -> None:
    assert parse_month("2026-02") == date(2026, 2, 1)
    for bad in ("2026-2", "2026-13", "feb", "2026/02"):
        with pytest.raises(InvalidInputError):
            parse_month(bad)
