"""Properties of the strippenkaart over any sequence of buys, top-ups, work and reversals.

A small independent model (a balance and a dict of tickets) is run beside the ledger; after every
step both must agree, and the ledger's own invariants must hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ledger import Ledger, ReferenceConflictError
from ledger.commands.results import CreditResult
from tests.support import FakeClock, examples

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2000"), places=2)
hours = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("12"), places=2)
rates = st.one_of(st.none(), st.decimals(min_value=Decimal("1"), max_value=Decimal("250"), places=2))
tickets = st.sampled_from([f"T-{n}" for n in range(8)])
references = st.sampled_from([f"R-{n}" for n in range(6)])


@dataclass
class Model:
    """What the ledger should say, computed the simplest possible way."""

    credited: Decimal = ZERO
    debited: Decimal = ZERO
    credits: dict[str, tuple[str, Decimal]] = field(default_factory=dict)
    work: dict[str, tuple[Decimal, Decimal, bool]] = field(default_factory=dict)  # paid, invoice, reversed

    @property
    def balance(self) -> Decimal:
        return self.credited - self.debited


class CardMachine(RuleBasedStateMachine):
    url = "memory://"

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.ledger = Ledger.open(self.url, actor="prop", clock=self.clock)
        self.ledger.add_customer("acme", name="Acme", account_manager="Anna")
        self.model = Model()
        self.figures: dict[str, tuple[Decimal, Decimal | None]] = {}
        self.has_card = False

    def teardown(self) -> None:
        self.ledger.close()

    def tick(self) -> None:
        self.clock.advance(minutes=1)

    @rule(amount=amounts, reference=references, top_up=st.booleans())
    def credit(self, amount: Decimal, reference: str, top_up: bool) -> None:
        self.tick()
        kind = "top-up" if top_up and self.has_card else "purchase"
        known = self.model.credits.get(reference)
        if known is not None and known != (kind, amount):
            with pytest.raises(ReferenceConflictError):
                self._credit(kind, amount, reference)
            return
        result = self._credit(kind, amount, reference)
        assert result.duplicate == (known is not None)
        if known is None:
            self.model.credits[reference] = (kind, amount)
            self.model.credited += amount
        self.has_card = True

    def _credit(self, kind: str, amount: Decimal, reference: str) -> CreditResult:
        if kind == "top-up":
            return self.ledger.top_up("acme", amount=amount, reference=reference)
        return self.ledger.buy_card("acme", amount=amount, reference=reference)

    @rule(ticket=tickets, worked=hours, rate=rates)
    def log(self, ticket: str, worked: Decimal, rate: Decimal | None) -> None:
        self.tick()
        if ticket in self.figures and self.figures[ticket] != (worked, rate):
            # The same key with other figures is refused, naming what differs; nothing is written.
            with pytest.raises(ReferenceConflictError):
                self.ledger.log_work("acme", kind="rfc", ticket=ticket, hours=worked, rate=rate)
            return
        result = self.ledger.log_work("acme", kind="rfc", ticket=ticket, hours=worked, rate=rate)
        self.figures[ticket] = (worked, rate)
        if ticket in self.model.work:
            assert result.duplicate
            paid, invoice, _ = self.model.work[ticket]
            assert (result.debited, result.invoiceable) == (paid, invoice)
            return
        amount = (worked * (rate or Decimal("125.00"))).quantize(CENT, rounding=ROUND_HALF_UP)
        paid = min(amount, self.model.balance)
        assert (result.amount, result.debited, result.invoiceable) == (amount, paid, amount - paid)
        self.model.debited += paid
        self.model.work[ticket] = (paid, amount - paid, False)

    @precondition(lambda self: bool(self.model.work))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        self.tick()
        ticket = data.draw(st.sampled_from(sorted(self.model.work)))
        paid, invoice, reversed_before = self.model.work[ticket]
        result = self.ledger.reverse_work("acme", ticket=ticket, reason="property test")
        assert result.duplicate == reversed_before
        if not reversed_before:
            assert result.restored == paid
            self.model.debited -= paid
            self.model.work[ticket] = (paid, invoice, True)

    @invariant()
    def balance_agrees_and_never_goes_negative(self) -> None:
        balance = self.ledger.balance("acme")
        assert balance.balance == balance.credited - balance.debited
        assert balance.balance >= ZERO
        assert (balance.credited, balance.debited) == (self.model.credited, self.model.debited)

    @invariant()
    def blocks_hold_exactly_the_balance(self) -> None:
        card = self.ledger.app.card("acme")
        if card is not None:
            assert sum((b.remaining for b in card.blocks.values()), ZERO) == card.balance
            assert all(ZERO <= b.remaining <= b.amount for b in card.blocks.values())


class SQLiteCardMachine(CardMachine):
    """The same machine on a SQLite file, fewer examples: the store must not change the answers."""

    def __init__(self) -> None:
        import tempfile

        self.folder = tempfile.TemporaryDirectory()
        type(self).url = f"sqlite:///{self.folder.name}/ledger.db"
        super().__init__()

    def teardown(self) -> None:
        super().teardown()
        self.folder.cleanup()


TestCardInMemory = CardMachine.TestCase
TestCardInMemory.settings = settings(max_examples=examples(60), stateful_step_count=30, deadline=None)
TestCardOnSQLite = SQLiteCardMachine.TestCase
TestCardOnSQLite.settings = settings(max_examples=examples(10), stateful_step_count=20, deadline=None)
