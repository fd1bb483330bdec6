"""Who pays for which work: a hand-written truth table from DOMAIN.md, run through the public library.

DOMAIN.md's order: (1) the servicedesk contract pays support within the channel it gives at that
moment (Basis: the servicedesk on working days 08:00–18:00 Amsterdam; Comfort: the servicedesk
then, the emergency line at every other moment); (2) a beheerpack pays any work on a component it
covers; (3) the on-site engagement pays on-site work within its focus areas; (4) the
strippenkaart pays the rest, as far as its credit goes; (5) what it cannot pay is invoiced.

Every row below was worked out by hand from those rules, not from the code: one piece of work of
2 h × 100.00 = 200.00 EUR, what is in force when it was done, and who must pay how much.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from ledger import Ledger
from tests.support import FakeClock

OPEN = "2026-03-03T10:00:00+01:00"
"""A Tuesday, 10:00 Amsterdam: the servicedesk is open."""
SATURDAY = "2026-03-07T10:00:00+01:00"
EVENING = "2026-03-03T19:30:00+01:00"
EASTER_MONDAY = "2026-04-06T10:00:00+02:00"
"""A Monday, 10:00, but a Dutch public holiday: the servicedesk is closed."""


@dataclass(frozen=True)
class Row:
    kind: str
    at: str
    contract: str | None = None
    pack_covers: str | None = None
    """The component a beheerpack covers, if the customer has one."""
    component: str | None = None
    engagement_focus: str | None = None
    """The focus area of an on-site engagement, if one was kicked off."""
    focus: str | None = None
    card: str | None = None
    """The card's credit, if the customer bought one."""
    payer: str = "?"
    card_cents: int = 0
    invoice_cents: int = 0


STRIPPENKAART, INVOICE = "strippenkaart", "invoice"
CONTRACT, PACK, ONSITE = "servicedesk-contract", "beheerpack", "onsite"

TABLE = [
    # support and the contract's channel
    Row("support", OPEN, card="1000", payer=STRIPPENKAART, card_cents=20000),
    Row("support", OPEN, contract="basis", card="1000", payer=CONTRACT),
    Row("support", SATURDAY, contract="basis", card="1000", payer=STRIPPENKAART, card_cents=20000),
    Row("support", EVENING, contract="basis", payer=INVOICE, invoice_cents=20000),
    Row("support", EASTER_MONDAY, contract="basis", card="1000", payer=STRIPPENKAART, card_cents=20000),
    Row("support", SATURDAY, contract="comfort", payer=CONTRACT),
    Row("support", EASTER_MONDAY, contract="comfort", payer=CONTRACT),
    Row("support", OPEN, contract="comfort", payer=CONTRACT),
    # only support falls under the contract
    Row("rfc", OPEN, contract="comfort", card="1000", payer=STRIPPENKAART, card_cents=20000),
    Row(
        "project",
        OPEN,
        contract="comfort",
        card="150",
        payer=STRIPPENKAART,
        card_cents=15000,
        invoice_cents=5000,
    ),
    Row("other", SATURDAY, contract="comfort", payer=INVOICE, invoice_cents=20000),
    # a beheerpack: any work on its component, after the contract's support
    Row("rfc", OPEN, contract="comfort", pack_covers="network", component="network", card="1000", payer=PACK),
    Row("support", OPEN, contract="basis", pack_covers="network", component="network", payer=CONTRACT),
    Row("support", SATURDAY, contract="basis", pack_covers="network", component="network", payer=PACK),
    Row("project", SATURDAY, pack_covers="network", component="network", payer=PACK),
    Row(
        "rfc",
        OPEN,
        pack_covers="network",
        component="backup",
        card="150",
        payer=STRIPPENKAART,
        card_cents=15000,
        invoice_cents=5000,
    ),
    Row("rfc", OPEN, pack_covers="network", payer=INVOICE, invoice_cents=20000),
    # on-site work within the engagement's focus areas, after a beheerpack
    Row("onsite", OPEN, engagement_focus="werkplekken", focus="werkplekken", payer=ONSITE),
    Row(
        "onsite",
        SATURDAY,
        contract="basis",
        engagement_focus="werkplekken",
        focus="werkplekken",
        payer=ONSITE,
    ),
    Row(
        "onsite",
        OPEN,
        engagement_focus="werkplekken",
        focus="security",
        card="1000",
        payer=STRIPPENKAART,
        card_cents=20000,
    ),
    Row("onsite", OPEN, focus="werkplekken", payer=INVOICE, invoice_cents=20000),
    Row(
        "onsite",
        OPEN,
        pack_covers="network",
        component="network",
        engagement_focus="werkplekken",
        focus="werkplekken",
        payer=PACK,
    ),
    # the card pays what it has, the rest is invoiced; no card, all invoiced
    Row("rfc", OPEN, card="200", payer=STRIPPENKAART, card_cents=20000),
    Row("rfc", OPEN, card="199.99", payer=STRIPPENKAART, card_cents=19999, invoice_cents=1),
    Row("rfc", OPEN, card="0.01", payer=STRIPPENKAART, card_cents=1, invoice_cents=19999),
    Row("rfc", OPEN, payer=INVOICE, invoice_cents=20000),
]


def cents(amount: Decimal) -> int:
    return int(amount * 100)


@pytest.mark.parametrize("row", TABLE, ids=[f"{n}-{row.kind}-{row.payer}" for n, row in enumerate(TABLE)])
def test_who_pays(row: Row) -> None:
    clock = FakeClock()
    clock.now = clock.now.replace(year=2026, month=6, day=1)
    with Ledger.open("memory://", actor="tester", clock=clock) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2026-01-01")
        if row.contract is not None:
            ledger.start_contract("acme", tier=row.contract, effective_from="2026-01-01")
        if row.pack_covers is not None:
            ledger.add_pack("acme", pack="pack", components=[row.pack_covers], effective_from="2026-01-01")
        if row.engagement_focus is not None:
            ledger.kick_off(
                "acme",
                focus_areas=[row.engagement_focus],
                visits="monthly",
                evaluation="quarterly",
                at="2026-01-05",
            )
        if row.card is not None:
            ledger.buy_card("acme", amount=row.card, reference="ORDER-1", at="2026-01-01")
        work = ledger.log_work(
            "acme",
            ticket="T-1",
            hours="2",
            rate="100.00",
            kind=row.kind,
            component=row.component,
            focus=row.focus,
            at=row.at,
        )
        assert (work.payer, cents(work.debited), cents(work.invoiceable)) == (
            row.payer,
            row.card_cents,
            row.invoice_cents,
        ), work.reason
        assert cents(work.amount) == 20000
        assert work.reason  # the entry says why
        if row.card is not None:
            assert cents(ledger.balance("acme").balance) == cents(Decimal(row.card)) - row.card_cents
