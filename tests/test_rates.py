"""Rate cards and rounding: the rate and rounding in force at the work's time, visible in the entry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import InvalidInputError, Ledger
from ledger.domain.rounding import MINUTES_STEP, RoundingRule
from tests.support import FakeClock, event_count

D = Decimal


@pytest.mark.parametrize(
    ("hours", "increment", "minimum", "billed"),
    [
        ("0.10", 15, 0, "0.25"),
        ("0.25", 15, 0, "0.25"),
        ("0.26", 15, 0, "0.50"),
        ("1.01", 6, 0, "1.10"),
        ("0.10", 15, 30, "0.50"),
        ("0.75", 15, 30, "0.75"),
        ("0.10", 0, 60, "1.00"),
        ("2.00", 0, 60, "2.00"),
        ("0.01", 60, 0, "1.00"),
        ("1.33", 0, 0, "1.33"),
        ("7.99", 480, 0, "8.00"),
    ],
)
def test_rounding_goes_up_to_the_increment_and_at_least_the_minimum(
    hours: str, increment: int, minimum: int, billed: str
) -> None:
    assert RoundingRule(increment, minimum).apply(D(hours)) == D(billed)


@pytest.mark.parametrize("minutes", [5, 10, -3, 481, "1.5", 1.5, True, "abc"])
def test_increments_that_would_make_inexact_hours_are_refused(minutes: object) -> None:
    with pytest.raises(InvalidInputError) as raised:
        RoundingRule(minutes)  # type: ignore[arg-type]
    assert raised.value.field == "increment_minutes"


valid_minutes = st.integers(min_value=0, max_value=160).map(lambda n: n * MINUTES_STEP)
given_hours = st.decimals(min_value=D("0.01"), max_value=D("1000"), places=2)


@given(given_hours, valid_minutes, valid_minutes)
def test_rounding_never_bills_less_and_stays_exact(hours: Decimal, increment: int, minimum: int) -> None:
    billed = RoundingRule(increment, minimum).apply(hours)
    assert billed >= hours
    assert billed == billed.quantize(D("0.01"))
    assert billed * 60 >= minimum
    if increment:
        assert (billed * 60) % increment == 0 or billed * 60 == minimum
        assert billed - hours < D(increment) / 60 or billed * 60 == minimum


@pytest.fixture
def acme(ledger: Ledger) -> Ledger:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna de Vries")
    ledger.buy_card("acme", amount="5000.00", reference="ORDER-1", at="2026-01-01")
    return ledger


def test_without_a_rate_card_the_default_rate_and_no_rounding_apply(acme: Ledger) -> None:
    work = acme.log_work("acme", kind="rfc", ticket="RFC-1", hours="0.1")
    assert (work.rate, work.amount) == (D("125.00"), D("12.50"))
    assert work.derivation["rounding"] == "none"
    assert work.derivation["hours_billed"] == D("0.10")


def test_the_rate_in_force_at_the_works_time_is_used(acme: Ledger, clock: FakeClock) -> None:
    acme.set_rate("acme", rate="130.00", effective_from="2026-01-01")
    acme.set_rate("acme", rate="140.00", effective_from="2026-03-01")
    february = acme.log_work("acme", kind="rfc", ticket="T-feb", hours="1", at="2026-02-27T10:00:00+01:00")
    march = acme.log_work("acme", kind="rfc", ticket="T-mar", hours="1", at="2026-03-02T08:00:00+01:00")
    assert (february.rate, february.derivation["rate_source"]) == (
        D("130.00"),
        "rate card v1 (general rate, from 2026-01-01)",
    )
    assert (march.rate, march.derivation["rate_source"]) == (
        D("140.00"),
        "rate card v2 (general rate, from 2026-03-01)",
    )
    december = acme.log_work("acme", kind="rfc", ticket="T-dec", hours="1", at="2025-12-31T23:59:59+01:00")
    assert december.rate == D("125.00")
    assert december.derivation["rate_source"] == "default rate (no rate on the card in force then)"


def test_a_role_gets_its_own_rate_and_falls_back_to_the_general_one(acme: Ledger) -> None:
    acme.set_rate("acme", rate="135.00", effective_from="2026-01-01")
    acme.set_rate("acme", rate="160.00", role="Specialist", effective_from="2026-01-01")
    specialist = acme.log_work("acme", kind="rfc", ticket="T-1", hours="1", role=" specialist ")
    consultant = acme.log_work("acme", kind="rfc", ticket="T-2", hours="1", role="consultant")
    assert specialist.rate == D("160.00")
    assert specialist.derivation["rate_source"] == "rate card v2 (specialist, from 2026-01-01)"
    assert specialist.derivation["role"] == "specialist"
    assert consultant.rate == D("135.00")
    assert consultant.derivation["rate_source"] == (
        "rate card v1 (general rate, from 2026-01-01; no consultant rate in force)"
    )


def test_a_rate_given_on_the_entry_overrides_the_card_and_says_so(acme: Ledger) -> None:
    acme.set_rate("acme", rate="135.00", effective_from="2026-01-01")
    work = acme.log_work("acme", kind="rfc", ticket="T-1", hours="2", rate="99.99")
    assert work.amount == D("199.98")
    assert work.derivation["rate_source"] == "rate given on the entry (overrides the rate card)"


def test_rounding_is_applied_recorded_and_explained(acme: Ledger) -> None:
    acme.set_rate("acme", rate="120.00", effective_from="2026-01-01")
    acme.set_rounding("acme", increment_minutes=15, effective_from="2026-01-01")
    work = acme.log_work("acme", kind="rfc", ticket="T-1", hours="0.1")
    derivation = work.to_json()["derivation"]
    assert (derivation["hours_given"], derivation["hours_billed"], derivation["amount"]) == (
        "0.10",
        "0.25",
        "30.00",
    )
    assert derivation["rounding"] == (
        "up in 15-minute increments (rate card v2, from 2026-01-01): 0.10 h → 0.25 h"
    )
    assert derivation["formula"] == "0.25 h × 120.00 EUR/h = 30.00 EUR"
    assert derivation["steps"] == [
        "hours given: 0.10 h",
        "rounding: up in 15-minute increments (rate card v2, from 2026-01-01): 0.10 h → 0.25 h",
        "hours billed: 0.25 h",
        "rate: 120.00 EUR/h from rate card v1 (general rate, from 2026-01-01)",
        "amount: 0.25 h × 120.00 EUR/h = 30.00 EUR",
        "payer: strippenkaart, because not covered by a servicedesk contract, beheerpack or "
        "on-site engagement: paid from the strippenkaart, no invoice",
        "card paid 30.00 EUR, invoiceable 0.00 EUR",
    ]
    assert work.debited == D("30.00")
    assert acme.balance("acme").balance == D("4970.00")


def test_rounding_can_be_switched_off_from_a_date(acme: Ledger) -> None:
    acme.set_rounding("acme", increment_minutes=30, minimum_minutes=60, effective_from="2026-01-01")
    acme.set_rounding("acme", increment_minutes=0, effective_from="2026-02-01")
    january = acme.log_work("acme", kind="rfc", ticket="T-1", hours="0.2", at="2026-01-15T10:00:00+01:00")
    february = acme.log_work("acme", kind="rfc", ticket="T-2", hours="0.2", at="2026-02-15T10:00:00+01:00")
    assert january.derivation["hours_billed"] == D("1.00")
    assert "minimum 60 minutes" in january.derivation["rounding"]
    assert february.derivation["hours_billed"] == D("0.20")
    assert february.derivation["rounding"] == "none"


def test_a_repeated_rate_change_is_recorded_once(acme: Ledger) -> None:
    first = acme.set_rate("acme", rate="130", effective_from="2026-01-01")
    before = event_count(acme)
    again = acme.set_rate("acme", rate="130.00", effective_from="2026-01-01T00:00:00+01:00")
    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.card_version == first.card_version == 1
    assert event_count(acme) == before


@pytest.mark.parametrize(
    ("call", "field"),
    [
        ({"rate": "0"}, "rate"),
        ({"rate": "12.345"}, "rate"),
        ({"rate": 125.0}, "rate"),
        ({"rate": "130", "effective_from": "2026-01-01T00:00:00"}, "effective_from"),
        ({"rate": "130", "role": "  "}, "role"),
    ],
)
def test_bad_rates_are_refused_and_write_nothing(acme: Ledger, call: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {"effective_from": "2026-01-01", **call}
    before = event_count(acme)
    with pytest.raises(InvalidInputError) as raised:
        acme.set_rate("acme", **arguments)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert event_count(acme) == before


def test_bad_rounding_is_refused_and_writes_nothing(acme: Ledger) -> None:
    before = event_count(acme)
    with pytest.raises(InvalidInputError, match="multiple of 3"):
        acme.set_rounding("acme", increment_minutes=10, effective_from="2026-01-01")
    with pytest.raises(InvalidInputError) as raised:
        acme.set_rounding("acme", increment_minutes=15, minimum_minutes="-15", effective_from="2026-01-01")
    assert raised.value.field == "minimum_minutes"
    assert event_count(acme) == before


def test_the_rate_card_view_shows_what_is_in_force_and_the_history(acme: Ledger) -> None:
    acme.set_rate("acme", rate="130", effective_from="2026-01-01")
    acme.set_rate("acme", rate="150", role="specialist", effective_from="2026-02-01")
    acme.set_rounding("acme", increment_minutes=6, effective_from="2026-01-01")
    january = acme.rate_card("acme", at="2026-01-15T12:00:00+01:00").to_json()
    assert january["general_rate"] == "130.00"
    assert january["role_rates"] == {
        "specialist": {
            "rate": "130.00",
            "source": "rate card v1 (general rate, from 2026-01-01; no specialist rate in force)",
        }
    }
    assert january["rounding"] == "up in 6-minute increments"
    now = acme.rate_card("acme").to_json()
    assert now["role_rates"]["specialist"]["rate"] == "150.00"
    assert [c["card_version"] for c in now["history"]] == [1, 3, 2]
