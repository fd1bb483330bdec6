"""``audit verify`` checks the ledger's invariants on the stored events themselves.

Each test slips one impossible event into the store through the recorder (as a bug or an
attacker with database access would), bypassing the aggregates that would refuse it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ledger import Ledger
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.aggregates.work_entry import WorkEntry
from ledger.audit.findings import Finding
from tests.support import FakeClock

AT = datetime(2026, 1, 8, 9, 0, tzinfo=UTC)


@pytest.fixture
def acme(ledger: Ledger, clock: FakeClock) -> Ledger:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-02")
    ledger.buy_card("acme", amount="1000.00", reference="O-1", at="2026-01-05")
    ledger.log_work("acme", kind="rfc", ticket="T-1", hours="2", at="2026-01-06T10:00+01:00")
    return ledger


def _insert(ledger: Ledger, event_class: Any, **fields: Any) -> int:
    """Store an event the aggregate would never have made; its position in the log."""
    event = event_class(timestamp=datetime.now(UTC), actor="mallory", effective_at=AT, **fields)
    positions = ledger.app.recorder.insert_events([ledger.app.mapper.to_stored_event(event)])
    assert positions is not None
    return int(positions[0])


def _append_card_event(ledger: Ledger, event_class: Any, **fields: Any) -> int:
    card_id = Strippenkaart.create_id("acme")
    version = ledger.app.repository.get(card_id).version + 1
    return _insert(ledger, event_class, originator_id=card_id, originator_version=version, **fields)


def _invariant_messages(ledger: Ledger) -> list[Finding]:
    report = ledger.verify()
    assert not report.ok
    return [f for f in report.problems if f.check == "invariant"]


def test_a_clean_ledger_has_no_findings(acme: Ledger) -> None:
    acme.reverse_work("acme", ticket="T-1", reason="wrong customer")
    report = acme.verify()
    assert report.ok, report.problems
    assert (report.invariants.cards, report.invariants.work_entries) == (1, 1)


def test_reversal_of_a_ticket_never_debited(acme: Ledger) -> None:
    allocations = [{"reference": "O-1", "amount": Decimal("50.00")}]
    position = _append_card_event(
        acme,
        Strippenkaart.DebitReversed,
        ticket="NEVER",
        amount=Decimal("50.00"),
        allocations=allocations,
        reason="forged",
        balance_after=Decimal("800.00"),
    )
    findings = _invariant_messages(acme)
    assert findings[0] == Finding(
        "invariant", position, "card of 'acme': reversal of ticket 'NEVER' names no recorded debit"
    )


def test_a_ticket_debited_twice(acme: Ledger) -> None:
    allocations = [{"reference": "O-1", "amount": Decimal("250.00")}]
    position = _append_card_event(
        acme,
        Strippenkaart.Debited,
        ticket="T-1",
        amount=Decimal("250.00"),
        allocations=allocations,
        balance_after=Decimal("500.00"),
    )
    findings = _invariant_messages(acme)
    assert findings[0] == Finding("invariant", position, "card of 'acme': ticket 'T-1' is debited twice")


def test_a_negative_balance_and_a_stated_balance_that_does_not_add_up(acme: Ledger) -> None:
    allocations = [{"reference": "O-1", "amount": Decimal("900.00")}]
    position = _append_card_event(
        acme,
        Strippenkaart.Debited,
        ticket="T-9",
        amount=Decimal("900.00"),
        allocations=allocations,
        balance_after=Decimal("100.00"),
    )
    messages = [(f.position, f.message) for f in _invariant_messages(acme)]
    assert (position, "card of 'acme': balance -150.00 is below zero") in messages
    assert (
        position,
        "card of 'acme': the event states balance 100.00, credited − debited is -150.00",
    ) in messages


def test_work_entry_split_must_make_its_amount(acme: Ledger) -> None:
    entry_id = WorkEntry.create_id("acme", "T-5")
    position = _insert(
        acme,
        WorkEntry.Recorded,
        originator_id=entry_id,
        originator_version=1,
        originator_topic="ledger.aggregates.work_entry:WorkEntry",
        customer="acme",
        ticket="T-5",
        description="",
        kind="rfc",
        component=None,
        hours=Decimal("1.00"),
        billed_hours=Decimal("1.00"),
        rounding="none",
        rate=Decimal("125.00"),
        rate_source="default rate",
        amount=Decimal("125.00"),
        currency="EUR",
        payer="invoice",
        payer_reason="forged",
        card_paid=Decimal("0.00"),
        invoiceable=Decimal("100.00"),
        allocations=[],
        card_balance_after=None,
        role=None,
        entitlements={},
        source="api",
    )
    findings = _invariant_messages(acme)
    assert findings == [
        Finding(
            "invariant",
            position,
            "work 'acme'/'T-5': card 0.00 + invoice 100.00 is not the amount 125.00",
        )
    ]
