"""The answer vocabulary: money and moments in JSON, and nested records that keep their old shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from ledger.commands.results import (
    ConsultantDetails,
    Derivation,
    EndDetails,
    EntitlementsInForce,
    MonthlyTerm,
    OnsiteChangeResult,
    RateCardChangeResult,
    RateTerms,
    RoundingTerms,
    WorkResult,
)
from ledger.domain.results import Balance

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
AT = datetime(2026, 1, 6, 10, tzinfo=AMSTERDAM)


def test_money_prints_two_decimals_and_stays_decimal() -> None:
    balance = Balance(
        customer="acme", currency="EUR", credited=Decimal(5000), debited=Decimal("500"), balance=4500
    )
    assert balance.to_json() == {
        "customer": "acme",
        "currency": "EUR",
        "credited": "5000.00",
        "debited": "500.00",
        "balance": "4500.00",
        "expired": "0.00",
    }
    assert (balance.debited, balance.balance) == (Decimal(500), Decimal(4500))
    assert isinstance(balance.balance, Decimal)


def test_a_moment_prints_its_own_offset_even_utc() -> None:
    """pydantic's own datetime form writes UTC as 'Z'; the ledger has always printed isoformat()."""
    terms = MonthlyTerm.model_validate(
        {"from": datetime(2026, 3, 1, tzinfo=UTC), "amount": "250.00", "day": 1}
    )
    assert terms.to_json() == {"from": "2026-03-01T00:00:00+00:00", "amount": "250.00", "day": 1}
    assert terms.starts_at == datetime(2026, 3, 1, tzinfo=UTC)


def test_a_result_is_frozen_and_refuses_unknown_fields() -> None:
    balance = Balance(customer="acme", currency="EUR", credited=1, debited=0, balance=1)
    with pytest.raises(ValidationError):
        balance.balance = Decimal(0)  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Balance(customer="acme", currency="EUR", credited=1, debited=0, balance=1, overdraft=0)  # type: ignore[call-arg]


def test_a_record_reads_like_the_dict_it_replaces() -> None:
    row = EntitlementsInForce.model_validate(
        {"contract_tier": "basis", "channel": "servicedesk", "channel_reason": "open", "beheerpack": None}
    )
    assert row.channel == "servicedesk"
    assert row["channel"] == "servicedesk"
    assert row.get("focus", "absent") == "absent"
    assert "focus" not in row
    assert row == {
        "contract_tier": "basis",
        "channel": "servicedesk",
        "channel_reason": "open",
        "beheerpack": None,
    }
    with pytest.raises(KeyError):
        row["focus"]


def test_an_entry_recorded_before_a_key_existed_keeps_its_json_shape() -> None:
    """Version-1 work entries recorded no entitlements at all; version 2 had no on-site keys."""
    assert EntitlementsInForce.model_validate({}).to_json() == {}
    older = EntitlementsInForce.model_validate({"contract_tier": None, "channel": "none"})
    assert older.to_json() == {"contract_tier": None, "channel": "none"}


def test_nested_data_is_validated_into_its_type() -> None:
    work = WorkResult(
        customer="acme",
        ticket="RFC-1",
        at=AT,
        kind="rfc",
        component=None,
        description="",
        hours=Decimal(4),
        rate=Decimal(125),
        amount=Decimal(500),
        currency="EUR",
        payer="strippenkaart",
        reason="not covered",
        debited=Decimal(500),
        invoiceable=Decimal(0),
        balance=Decimal(4500),
        derivation={
            "hours_given": Decimal(4),
            "rounding": "none",
            "hours_billed": Decimal(4),
            "role": None,
            "rate": Decimal(125),
            "rate_source": "default rate",
            "amount": Decimal(500),
            "formula": "4.00 h × 125.00 EUR/h = 500.00 EUR",
            "entitlements": {},
            "payer": "strippenkaart",
            "reason": "not covered",
            "card_paid": Decimal(500),
            "invoiceable": Decimal(0),
            "blocks": [{"reference": "ORDER-1", "amount": Decimal(500), "booked_at": AT}],
            "steps": [],
        },
        duplicate=False,
        reversed=False,
    )
    assert isinstance(work.derivation, Derivation)
    assert work.derivation.blocks[0].amount == Decimal(500)
    assert work.derivation["blocks"] == [{"reference": "ORDER-1", "amount": Decimal(500), "booked_at": AT}]
    assert work.to_json()["derivation"]["blocks"] == [
        {"reference": "ORDER-1", "amount": "500.00", "booked_at": "2026-01-06T10:00:00+01:00"}
    ]
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        work.model_validate({**work.model_dump(), "derivation": {**work.derivation.model_dump(), "extra": 1}})


def test_each_kind_of_change_finds_its_own_shape() -> None:
    rate = RateCardChangeResult(
        customer="acme",
        change="rate",
        card_version=1,
        terms={"role": None, "rate": Decimal(130)},
        effective_at=AT,
        recorded_at=AT,
        duplicate=False,
    )
    rounding = rate.model_copy(update={"terms": RoundingTerms(increment_minutes=15, minimum_minutes=30)})
    assert isinstance(rate.terms, RateTerms)
    assert rate.to_json()["terms"] == {"role": None, "rate": "130.00"}
    assert rounding.to_json()["terms"] == {"increment_minutes": 15, "minimum_minutes": 30}
    assigned = OnsiteChangeResult(
        customer="acme",
        change="consultant-assigned",
        at=AT,
        details={"consultant": "Jan"},
        next_evaluation_due=None,
        duplicate=False,
    )
    ended = assigned.model_copy(update={"details": EndDetails(reason="ended")})
    assert isinstance(assigned.details, ConsultantDetails)
    assert (assigned.details == {"consultant": "Jan"}, ended.to_json()["details"]) == (
        True,
        {"reason": "ended"},
    )
