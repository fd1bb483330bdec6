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
    acme.seal()
    report = acme.verify()
    assert report.ok, report.problems
    assert (report.invariants.cards, report.invariants.work_entries) == (1, 1)


def test_reversal_of_a_ticket_never_debited(acme: Ledger) -> None:
    allocations = [{"reference": "O-1", "amount": Decimal("50.00")}]
    position = _append_card_event(
        acme,
        Strippenkaart.DebitReversed,
        ticket="NEVER",
        entry="NEVER",
        decided_at=AT,
        note=None,
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
        entry="T-1",
        work_at=AT,
        amount=Decimal("250.00"),
        allocations=allocations,
        balance_after=Decimal("500.00"),
    )
    # One ticket may be booked in several debits (late work, booked when credit allows), so the
    # second debit itself is no finding; that the card took more than the entry says it paid is.
    assert position > 0
    findings = _invariant_messages(acme)
    assert findings == [
        Finding("invariant", None, "work 'acme'/'T-1': says the card paid 250.00, the card's debit is 500.00")
    ]


def test_a_negative_balance_and_a_stated_balance_that_does_not_add_up(acme: Ledger) -> None:
    allocations = [{"reference": "O-1", "amount": Decimal("900.00")}]
    position = _append_card_event(
        acme,
        Strippenkaart.Debited,
        ticket="T-9",
        entry="T-9",
        work_at=AT,
        amount=Decimal("900.00"),
        allocations=allocations,
        balance_after=Decimal("100.00"),
    )
    messages = [(f.position, f.message) for f in _invariant_messages(acme)]
    assert (position, "card of 'acme': balance -150.00 is below zero") in messages
    assert (
        position,
        "card of 'acme': the event states balance 100.00, credited − debited − expired is -150.00",
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
        entry="T-5",
        engineer=None,
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


def test_what_the_replay_forgets_it_reads_again(acme: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for one ticket and one aggregate's kind, every debit, paid amount and kind goes
    through the replay's scratch database or the store, and the findings are the same."""
    from ledger.audit import invariants, ticket_book

    monkeypatch.setattr(ticket_book, "CACHED_MAX", 1)
    monkeypatch.setattr(invariants, "KINDS_CACHED_MAX", 1)
    for number in range(2, 5):
        acme.log_work("acme", kind="rfc", ticket=f"T-{number}", hours="1", at="2026-01-07T10:00+01:00")
    acme.reverse_work("acme", ticket="T-2", reason="wrong customer")
    assert acme.verify().untampered
    card_id = Strippenkaart.create_id("acme")
    card: Strippenkaart = acme.app.repository.get(card_id)
    version, balance = card.version, card.balance
    allocations = [{"reference": "O-1", "amount": Decimal("1.00")}]
    _insert(
        acme,
        Strippenkaart.Debited,
        originator_id=card_id,
        originator_version=version + 1,
        ticket="T-3",
        entry="T-3",
        work_at=AT,
        amount=Decimal("1.00"),
        allocations=allocations,
        balance_after=balance - Decimal("1.00"),
    )
    reversal = _insert(
        acme,
        Strippenkaart.DebitReversed,
        originator_id=card_id,
        originator_version=version + 2,
        ticket="T-2",
        entry="T-2",
        decided_at=AT,
        note=None,
        amount=Decimal("1.00"),
        allocations=allocations,
        reason="forged",
        balance_after=balance,
    )
    forged_kind = _insert(
        acme,
        WorkEntry.Reversed,
        originator_id=card_id,
        originator_version=version + 3,
        reason="forged",
        note=None,
        decided_at=AT,
    )
    reversed_too_much = (
        "card of 'acme': reversals of 'T-2' give back 1.00 more than its debits took (net -1.00)"
    )
    assert _invariant_messages(acme) == [
        Finding("invariant", reversal, reversed_too_much),
        Finding(
            "invariant",
            forged_kind,
            f"position {forged_kind}: a WorkEntry.Reversed in the history of a Strippenkaart",
        ),
        Finding(
            "invariant", None, "work 'acme'/'T-3': says the card paid 125.00, the card's debit is 126.00"
        ),
    ]
