"""Expiring credit: consumption order, late work within the grace period, write-offs by the clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from ledger import InvalidInputError, Ledger, ReferenceConflictError
from ledger.config import LedgerSettings, StrippenkaartSettings
from ledger.domain.time import AMSTERDAM
from tests.support import FakeClock, event_count


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


def blocks_paid(work: dict[str, object]) -> list[tuple[str, str]]:
    derivation = work["derivation"]
    assert isinstance(derivation, dict)
    return [(b["reference"], b["amount"]) for b in derivation["blocks"]]


@pytest.fixture
def acme(ledger: Ledger, clock: FakeClock) -> Ledger:
    clock.now = local("2026-03-02 09:00")
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna de Vries")
    return ledger


def test_work_takes_the_soonest_expiry_first_then_the_oldest(acme: Ledger, clock: FakeClock) -> None:
    acme.buy_card("acme", amount="100", reference="NO-EXPIRY")
    acme.top_up("acme", amount="100", reference="LATER", expires_at="2026-12-31")
    acme.top_up("acme", amount="100", reference="SOONER", expires_at="2026-06-30")
    acme.top_up("acme", amount="100", reference="SOONER-TOO", expires_at="2026-06-30")
    clock.advance(hours=1)
    work = acme.log_work("acme", kind="rfc", ticket="T-1", hours="2.4", rate="125").to_json()
    assert blocks_paid(work) == [("SOONER", "100.00"), ("SOONER-TOO", "100.00"), ("LATER", "100.00")]
    clock.advance(hours=1)
    rest = acme.log_work("acme", kind="rfc", ticket="T-2", hours="0.4", rate="125").to_json()
    assert blocks_paid(rest) == [("NO-EXPIRY", "50.00")]


def test_an_expired_block_pays_nothing_for_work_after_its_expiry(acme: Ledger, clock: FakeClock) -> None:
    acme.buy_card("acme", amount="100", reference="O-1", expires_at="2026-03-10")
    clock.now = local("2026-03-10 09:00")
    work = acme.log_work("acme", kind="rfc", ticket="T-1", hours="1")
    assert (work.payer, work.invoiceable) == ("invoice", Decimal("125.00"))


def test_late_work_within_the_grace_period_draws_from_the_expired_block(
    acme: Ledger, clock: FakeClock
) -> None:
    acme.buy_card("acme", amount="300", reference="O-1", expires_at="2026-04-01")
    clock.now = local("2026-04-07 23:59")  # six days after expiry: within the default 7 days' grace
    assert acme.tick().items == ()
    late = acme.log_work("acme", kind="rfc", ticket="LATE-1", hours="1", at=local("2026-03-31 16:00"))
    assert (late.payer, late.debited, late.balance) == ("strippenkaart", Decimal("125.00"), Decimal("175.00"))

    clock.now = local("2026-04-08 00:00")  # expiry + 7 days: the grace is over
    ticked = acme.tick()
    assert [(i.kind, i.reference, i.amount, i.effective_at) for i in ticked.items] == [
        ("expiry-write-off", "O-1", Decimal("175.00"), local("2026-04-01 00:00"))
    ]
    balance = acme.balance("acme")
    assert (balance.credited, balance.debited, balance.expired, balance.balance) == (
        Decimal("300.00"),
        Decimal("125.00"),
        Decimal("175.00"),
        Decimal("0.00"),
    )
    # Logged after the write-off, work dated before the expiry finds the block empty: it is invoiced.
    later = acme.log_work("acme", kind="rfc", ticket="LATE-2", hours="1", at=local("2026-03-31 17:00"))
    assert (later.payer, later.invoiceable) == ("invoice", Decimal("125.00"))
    assert acme.tick().items == ()


def test_the_write_off_waits_for_the_configured_grace(store_url: str) -> None:
    clock = FakeClock(local("2026-03-02 09:00"))
    rules = LedgerSettings(strippenkaart=StrippenkaartSettings(expiry_grace_days=14))
    with Ledger.open(store_url, actor="t", clock=clock, settings=rules) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        ledger.buy_card("acme", amount="80", reference="O-1", expires_at="2026-04-01")
        clock.now = local("2026-04-15 00:00") - timedelta(seconds=1)
        assert ledger.tick().recorded["expiry-write-off"] == 0
        clock.now = local("2026-04-15 00:00")
        assert ledger.tick().recorded["expiry-write-off"] == 1
        assert ledger.balance("acme").expired == Decimal("80.00")


def test_a_reversal_after_the_write_off_is_written_off_again(acme: Ledger, clock: FakeClock) -> None:
    acme.buy_card("acme", amount="300", reference="O-1", expires_at="2026-04-01")
    clock.advance(hours=1)
    acme.log_work("acme", kind="rfc", ticket="T-1", hours="1")
    clock.now = local("2026-05-01 09:00")
    assert [str(i.amount) for i in acme.tick().items] == ["175.00"]
    reversal = acme.reverse_work("acme", ticket="T-1", reason="logged on the wrong customer")
    # Back on its block at the work's time; the block has expired, so it is written off again at once.
    assert (reversal.restored, reversal.written_off, reversal.balance) == (
        Decimal("125.00"),
        Decimal("125.00"),
        Decimal("0.00"),
    )
    assert acme.tick().items == ()
    balance = acme.balance("acme")
    assert (balance.debited, balance.expired, balance.balance) == (
        Decimal("0.00"),
        Decimal("300.00"),
        Decimal("0.00"),
    )


def test_monthly_credit_expires_by_the_deployment_rule(store_url: str) -> None:
    clock = FakeClock(local("2026-01-01 09:00"))
    rules = LedgerSettings(strippenkaart=StrippenkaartSettings(monthly_credit_expires_after_months=2))
    with Ledger.open(store_url, actor="t", clock=clock, settings=rules) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        ledger.buy_monthly("acme", amount="100", day=31, start="2026-01-01")
        clock.now = local("2026-05-01 09:00")
        ticked = ledger.tick()
        assert [(i.kind, i.reference, i.effective_at.date().isoformat()) for i in ticked.items] == [
            ("monthly-credit", "monthly:2026-01", "2026-01-31"),
            ("monthly-credit", "monthly:2026-02", "2026-02-28"),
            ("monthly-credit", "monthly:2026-03", "2026-03-31"),
            ("monthly-credit", "monthly:2026-04", "2026-04-30"),
            ("expiry-write-off", "monthly:2026-01", "2026-03-31"),  # Jan 31 + 2 months, + 7 days' grace
        ]
        card = ledger.app.card("acme")
        assert card is not None
        assert card.blocks["monthly:2026-02"].expires_at == local("2026-04-28 00:00")
        assert card.blocks["monthly:2026-04"].expires_at == local("2026-06-30 00:00")
        clock.now = local("2026-05-05 00:00")  # Apr 28 + 7 days
        assert [i.reference for i in ledger.tick().items] == ["monthly:2026-02"]
        balance = ledger.balance("acme")
        assert (balance.credited, balance.expired, balance.balance) == (
            Decimal("400.00"),
            Decimal("200.00"),
            Decimal("200.00"),
        )


def test_expiry_must_follow_the_credit_and_is_part_of_the_idempotency_key(acme: Ledger) -> None:
    before = event_count(acme)
    with pytest.raises(InvalidInputError, match=r"expires_at: .* is not after the credit takes effect"):
        acme.buy_card("acme", amount="100", reference="O-1", expires_at="2026-03-01")
    assert event_count(acme) == before
    acme.buy_card("acme", amount="100", reference="O-1", expires_at="2026-06-01")
    assert acme.buy_card("acme", amount="100", reference="O-1", expires_at="2026-06-01").duplicate
    with pytest.raises(ReferenceConflictError, match="expiring 2026-06-01"):
        acme.buy_card("acme", amount="100", reference="O-1", expires_at="2026-07-01")


def test_replay_checks_credited_minus_debited_minus_expired(acme: Ledger, clock: FakeClock) -> None:
    acme.buy_card("acme", amount="300", reference="O-1", expires_at="2026-04-01")
    clock.advance(hours=1)
    acme.log_work("acme", kind="rfc", ticket="T-1", hours="1")
    clock.now = local("2026-05-01 09:00")
    acme.tick()
    card = acme.app.card("acme")
    assert card is not None
    events = list(acme.app.events.get(card.id))
    assert [type(e).__name__ for e in events] == ["Opened", "Credited", "Debited", "Expired"]
    assert card.credited - card.debited - card.expired == card.balance == Decimal("0.00")


def test_the_monthly_reference_prefix_is_reserved(acme: Ledger) -> None:
    before = event_count(acme)
    with pytest.raises(InvalidInputError, match="reference: 'monthly:' is reserved"):
        acme.buy_card("acme", amount="100", reference="monthly:2026-04")
    with pytest.raises(InvalidInputError, match="reference: 'monthly:' is reserved"):
        acme.top_up("acme", amount="100", reference="monthly:2026-04")
    assert event_count(acme) == before
