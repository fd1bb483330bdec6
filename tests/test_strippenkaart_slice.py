"""The strippenkaart slice end to end through the library, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ledger import (
    CurrencyMismatchError,
    CustomerExistsError,
    InvalidInputError,
    Ledger,
    NoCardError,
    ReferenceConflictError,
    UnknownCustomerError,
    UnknownWorkEntryError,
)
from tests.support import FakeClock, event_count


@pytest.fixture
def acme(ledger: Ledger) -> Ledger:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna de Vries")
    return ledger


def test_seed_example_5000_minus_4_hours_at_125_leaves_4500(acme: Ledger, clock: FakeClock) -> None:
    acme.buy_card("acme", amount="5000.00", reference="ORDER-1")
    clock.advance(hours=1)
    work = acme.log_work("acme", kind="rfc", ticket="RFC-1", hours="4", rate="125.00", description="RFC")

    assert (work.amount, work.debited, work.invoiceable) == (
        Decimal("500.00"),
        Decimal("500.00"),
        Decimal("0.00"),
    )
    assert work.payer == "strippenkaart"
    assert work.balance == Decimal("4500.00")
    balance = acme.balance("acme")
    assert (balance.credited, balance.debited, balance.balance) == (
        Decimal("5000.00"),
        Decimal("500.00"),
        Decimal("4500.00"),
    )


def test_default_rate_is_125(acme: Ledger, clock: FakeClock) -> None:
    acme.buy_card("acme", amount="1000", reference="O-1")
    clock.advance(minutes=1)
    work = acme.log_work("acme", kind="rfc", ticket="T-1", hours="1.5")
    assert (work.rate, work.amount) == (Decimal("125.00"), Decimal("187.50"))
    assert work.derivation["rate_source"] == "default rate"
    assert work.derivation["formula"] == "1.50 h × 125.00 EUR/h = 187.50 EUR"


def test_overage_card_pays_what_it_has_rest_is_invoiceable(acme: Ledger, clock: FakeClock) -> None:
    acme.buy_card("acme", amount="200.00", reference="O-1")
    clock.advance(minutes=1)
    work = acme.log_work("acme", kind="rfc", ticket="T-1", hours="4", rate="125")
    assert (work.debited, work.invoiceable, work.balance) == (
        Decimal("200.00"),
        Decimal("300.00"),
        Decimal("0.00"),
    )
    assert "overage" in work.reason
    clock.advance(minutes=1)
    after = acme.log_work("acme", kind="rfc", ticket="T-2", hours="1")
    assert after.payer == "invoice"
    assert (after.debited, after.invoiceable) == (Decimal("0.00"), Decimal("125.00"))
    assert acme.balance("acme").balance == 0


def test_work_without_card_is_invoiceable(acme: Ledger) -> None:
    work = acme.log_work("acme", kind="rfc", ticket="T-1", hours="2")
    assert work.payer == "invoice"
    assert work.invoiceable == Decimal("250.00")


def test_card_bought_later_does_not_pay_for_earlier_work(acme: Ledger, clock: FakeClock) -> None:
    """A card bought in November does not pay for work done in March."""
    acme.buy_card("acme", amount="1000", reference="O-1")
    earlier = clock.now - timedelta(days=30)
    work = acme.log_work("acme", kind="rfc", ticket="T-1", hours="1", at=earlier)
    assert work.payer == "invoice"
    assert acme.balance("acme").balance == Decimal("1000.00")


def test_same_ticket_twice_takes_effect_once(acme: Ledger, clock: FakeClock) -> None:
    acme.buy_card("acme", amount="1000", reference="O-1")
    clock.advance(minutes=1)
    first = acme.log_work("acme", kind="rfc", ticket="T-1", hours="2")
    before = event_count(acme)
    again = acme.log_work("acme", kind="rfc", ticket="T-1", hours="2")
    assert event_count(acme) == before
    assert again.duplicate
    assert not first.duplicate
    assert (again.amount, again.balance) == (first.amount, first.balance)
    assert acme.balance("acme").debited == Decimal("250.00")


def test_purchase_and_top_up_with_same_reference_credit_once(acme: Ledger) -> None:
    acme.buy_card("acme", amount="500", reference="ORDER-9")
    repeat = acme.buy_card("acme", amount="500", reference="ORDER-9")
    top = acme.top_up("acme", amount="250", reference="INV-3")
    top_again = acme.top_up("acme", amount="250", reference="INV-3")
    assert repeat.duplicate
    assert top_again.duplicate
    assert not top.duplicate
    assert acme.balance("acme").credited == Decimal("750.00")


def test_reference_reused_for_other_amount_is_refused(acme: Ledger) -> None:
    acme.buy_card("acme", amount="500", reference="ORDER-9")
    before = event_count(acme)
    with pytest.raises(ReferenceConflictError, match="ORDER-9"):
        acme.top_up("acme", amount="600", reference="ORDER-9")
    assert event_count(acme) == before


def test_reversal_restores_exactly_and_twice_does_nothing(acme: Ledger, clock: FakeClock) -> None:
    acme.buy_card("acme", amount="300", reference="O-1")
    acme.top_up("acme", amount="100", reference="O-2")
    clock.advance(minutes=1)
    acme.log_work("acme", kind="rfc", ticket="T-1", hours="1")
    work = acme.log_work("acme", kind="rfc", ticket="T-2", hours="3.5")  # 437.50: 275 from card, rest invoice
    assert (work.debited, work.invoiceable) == (Decimal("275.00"), Decimal("162.50"))
    clock.advance(minutes=1)
    reversal = acme.reverse_work("acme", ticket="T-2", reason="logged on the wrong customer")
    assert (reversal.restored, reversal.invoiceable_voided) == (Decimal("275.00"), Decimal("162.50"))
    assert acme.balance("acme").balance == Decimal("275.00")
    before = event_count(acme)
    again = acme.reverse_work("acme", ticket="T-2", reason="again")
    assert again.duplicate
    assert event_count(acme) == before
    assert acme.balance("acme").balance == Decimal("275.00")
    assert acme.work_entry("acme", ticket="T-2").reversed


def test_reversing_unknown_ticket_is_refused(acme: Ledger) -> None:
    with pytest.raises(UnknownWorkEntryError):
        acme.reverse_work("acme", ticket="NOPE", reason="x")


def test_one_currency_per_card(acme: Ledger) -> None:
    acme.buy_card("acme", amount="100", currency="EUR", reference="O-1")
    with pytest.raises(CurrencyMismatchError):
        acme.buy_card("acme", amount="100", currency="USD", reference="O-2")


def test_top_up_needs_a_card(acme: Ledger) -> None:
    with pytest.raises(NoCardError):
        acme.top_up("acme", amount="100", reference="O-1")


def test_customer_registration_is_idempotent_but_not_overwritable(acme: Ledger) -> None:
    assert acme.add_customer("acme", name="Acme B.V.", account_manager="Anna de Vries").duplicate
    with pytest.raises(CustomerExistsError):
        acme.add_customer("acme", name="Other", account_manager="Bob")


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("hours", {"hours": 0.5}),
        ("hours", {"hours": "NaN"}),
        ("hours", {"hours": "Infinity"}),
        ("hours", {"hours": "0"}),
        ("hours", {"hours": "-1"}),
        ("hours", {"hours": "1.255"}),
        ("hours", {"hours": "1000.01"}),
        ("rate", {"rate": "99.999"}),
        ("rate", {"rate": "0"}),
        ("rate", {"rate": 125.0}),
        ("at", {"at": "2026-03-01T09:00:00"}),
        ("at", {"at": "yesterday"}),
        ("ticket", {"ticket": "   "}),
        ("kind", {"kind": "bogus"}),
    ],
)
def test_bad_work_input_is_refused_naming_the_field_and_writes_nothing(
    acme: Ledger, field: str, kwargs: dict[str, object]
) -> None:
    acme.buy_card("acme", amount="100", reference="O-1")
    arguments: dict[str, object] = {"ticket": "T-1", "hours": "1", "kind": "rfc", **kwargs}
    before = event_count(acme)
    with pytest.raises(InvalidInputError) as raised:
        acme.log_work("acme", **arguments)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert event_count(acme) == before


@pytest.mark.parametrize(
    "amount", ["0", "-5", "0.001", "12.345", "NaN", "-Infinity", "10000000.01", 0.1 + 0.2, "abc"]
)
def test_bad_amounts_are_refused(acme: Ledger, amount: object) -> None:
    before = event_count(acme)
    with pytest.raises(InvalidInputError) as raised:
        acme.buy_card("acme", amount=amount, reference="O-1")  # type: ignore[arg-type]
    assert raised.value.field == "amount"
    assert event_count(acme) == before


def test_unknown_customer_is_refused_and_writes_nothing(ledger: Ledger) -> None:
    with pytest.raises(UnknownCustomerError):
        ledger.log_work("ghost", kind="rfc", ticket="T-1", hours="1")
    with pytest.raises(UnknownCustomerError):
        ledger.buy_card("ghost", amount="100", reference="O-1")
    assert event_count(ledger) == 0


def test_work_in_the_future_is_refused(acme: Ledger, clock: FakeClock) -> None:
    with pytest.raises(InvalidInputError, match="future"):
        acme.log_work("acme", kind="rfc", ticket="T-1", hours="1", at=clock.now + timedelta(days=1))


def test_every_event_names_actor_and_effective_time(acme: Ledger, clock: FakeClock) -> None:
    acme.buy_card("acme", amount="100", reference="O-1", actor="billing")
    clock.advance(minutes=1)
    acme.log_work("acme", kind="rfc", ticket="T-1", hours="0.5", actor="jan")
    notifications = acme.app.notification_log.select(start=1, limit=100)
    events = [acme.app.mapper.to_domain_event(n) for n in notifications]
    assert [e.actor for e in events] == ["tester", "billing", "billing", "jan", "jan"]  # type: ignore[attr-defined]
    assert all(e.effective_at.tzinfo is not None for e in events)  # type: ignore[attr-defined]


def test_history_survives_reopening_the_store(store_url: str, clock: FakeClock) -> None:
    with Ledger.open(store_url, actor="a", clock=clock) as first:
        first.add_customer("acme", name="Acme", account_manager="Anna")
        first.buy_card("acme", amount="5000", reference="O-1")
        clock.advance(minutes=1)
        first.log_work("acme", kind="rfc", ticket="RFC-1", hours="4")
    with Ledger.open(store_url, actor="b", clock=clock) as second:
        assert second.balance("acme").balance == Decimal("4500.00")
        assert second.log_work("acme", kind="rfc", ticket="RFC-1", hours="4").duplicate


def test_long_lived_card_is_snapshotted_and_loads_the_same(acme: Ledger, clock: FakeClock) -> None:
    acme.buy_card("acme", amount="100000", reference="O-1")
    for number in range(150):
        clock.advance(minutes=1)
        acme.log_work("acme", kind="rfc", ticket=f"T-{number}", hours="0.25")
    card = acme.app.card("acme")
    assert card is not None
    assert acme.app.snapshots is not None
    assert list(acme.app.snapshots.get(card.id)), "a card past 100 events should have a snapshot"
    replayed = None
    for stored in acme.app.events.get(card.id):
        replayed = stored.mutate(replayed)  # type: ignore[attr-defined]
    assert isinstance(replayed, type(card))
    assert (replayed.balance, replayed.blocks) == (card.balance, card.blocks)
    assert card.balance == Decimal("100000.00") - 150 * Decimal("31.25")
