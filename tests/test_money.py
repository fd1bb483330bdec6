"""Money, hours and instants obey DOMAIN.md's rules, or are refused naming the field.

The oracle is integer arithmetic on cents and hundredths of an hour, never the Decimal code it
checks: 4 h × 125.00 is 400 × 12500 / 100 = 50000 cents; half up is ``(h × r + 50) // 100``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import Ledger
from ledger.domain.money import cost, parse_amount, parse_currency, parse_hours, parse_rate
from ledger.domain.time import AMSTERDAM, parse_instant, parse_month
from ledger.errors import InvalidInputError
from tests.support import FakeClock

MAX_AMOUNT_CENTS = 1_000_000_000
"""DOMAIN.md / README: at most 10,000,000.00 per credit, 10,000.00 an hour, 1,000 hours per entry."""
MAX_RATE_CENTS = 1_000_000
MAX_HOURS_HUNDREDTHS = 100_000


def text(units: int, places: int = 2) -> str:
    """Hundredths (or cents) written the way a person types them: ``1250`` → ``12.50``."""
    whole, part = divmod(units, 100)
    return f"{whole}.{part:02d}" if places == 2 else f"{whole}.{part:02d}{'0' * (places - 2)}"


def cost_cents(hundredths: int, rate_cents: int) -> int:
    """hours × rate in integer arithmetic: the exact product is ``h × r / 100`` cents, half up."""
    return (hundredths * rate_cents + 50) // 100


def test_seed_rounding_example() -> None:
    assert cost(Decimal("0.1"), Decimal("99.99")) == Decimal("10.00")
    assert cost(Decimal("4"), Decimal("125.00")) == Decimal("500.00")
    assert cost(Decimal("0.01"), Decimal("0.50")) == Decimal("0.01")  # 0.005 rounds half up
    assert cost(Decimal("0.01"), Decimal("0.49")) == Decimal("0.00")


@given(
    hundredths=st.integers(1, MAX_HOURS_HUNDREDTHS),
    rate_cents=st.integers(1, MAX_RATE_CENTS),
)
def test_cost_is_the_integer_product_rounded_half_up(hundredths: int, rate_cents: int) -> None:
    result = cost(parse_hours(text(hundredths)), parse_rate(text(rate_cents)))
    assert result.as_tuple().exponent == -2
    assert int(result * 100) == cost_cents(hundredths, rate_cents)


@given(
    hundredths=st.integers(1, 1200),
    rate_cents=st.sampled_from([1, 49, 50, 9999, 12500, 12345]),
)
def test_the_ledger_debits_the_integer_product(hundredths: int, rate_cents: int) -> None:
    """The same through the public library: what a work entry costs and what the card pays."""
    with Ledger.open("memory://", actor="tester", clock=FakeClock()) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        ledger.buy_card("acme", amount="5000.00", reference="O-1")
        expected = cost_cents(hundredths, rate_cents)
        hours, rate = text(hundredths), text(rate_cents)
        if expected == 0:  # rounds to nothing: refused, not recorded as free work
            with pytest.raises(InvalidInputError, match=r"rounds to 0\.00"):
                ledger.log_work("acme", ticket="T-1", kind="rfc", hours=hours, rate=rate)
            return
        work = ledger.log_work("acme", ticket="T-1", kind="rfc", hours=hours, rate=rate)
        paid = min(expected, 500_000)
        assert (int(work.amount * 100), int(work.debited * 100), int(work.invoiceable * 100)) == (
            expected,
            paid,
            expected - paid,
        )
        assert int(ledger.balance("acme").balance * 100) == 500_000 - paid


@given(amount_cents=st.integers(1, MAX_AMOUNT_CENTS), places=st.sampled_from([2, 3, 4]))
def test_any_amount_in_range_is_its_cents(amount_cents: int, places: int) -> None:
    """Typed with two decimals (or with trailing zeros, which are not extra precision)."""
    assert int(parse_amount(text(amount_cents, places)) * 100) == amount_cents
    assert int(parse_amount(amount_cents // 100 or 1) * 100) == (amount_cents // 100 or 1) * 100


@given(amount_cents=st.integers(MAX_AMOUNT_CENTS + 1, MAX_AMOUNT_CENTS * 10))
def test_amounts_above_the_maximum_are_refused(amount_cents: int) -> None:
    with pytest.raises(InvalidInputError, match="maximum"):
        parse_amount(text(amount_cents))


@given(tenths_of_cents=st.integers(1, 10_000_000).filter(lambda n: n % 10 != 0))
def test_a_third_decimal_is_refused(tenths_of_cents: int) -> None:
    whole, part = divmod(tenths_of_cents, 1000)
    with pytest.raises(InvalidInputError, match="more than two decimals"):
        parse_amount(f"{whole}.{part:03d}")


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
    assert int(parse_hours("0.01") * 100) == 1
    assert int(parse_hours(8) * 100) == 800
    assert int(parse_hours(text(MAX_HOURS_HUNDREDTHS)) * 100) == MAX_HOURS_HUNDREDTHS
    assert int(parse_rate(text(MAX_RATE_CENTS)) * 100) == MAX_RATE_CENTS
    with pytest.raises(InvalidInputError, match="maximum"):
        parse_hours("1000.01")
    with pytest.raises(InvalidInputError, match="maximum"):
        parse_rate("10000.01")


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
