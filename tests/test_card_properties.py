"""Properties of the strippenkaart over any sequence of buys, top-ups, work and reversals.

A small independent model (a balance and a dict of tickets) is run beside the ledger; after every
step both must agree, and the ledger's own invariants must hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import ClassVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ledger import Ledger, ReferenceConflictError
from ledger.commands.results import CreditResult
from tests.support import FakeClock, examples
from tests.tally import Tally

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2000"), places=2)
hours = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("12"), places=2)
rates = st.one_of(st.none(), st.decimals(min_value=Decimal("1"), max_value=Decimal("250"), places=2))
tickets = st.sampled_from([f"T-{n}" for n in range(12)])
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
    tally: ClassVar[Tally]

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

    @rule(amount=amounts, reference=references, top_up=st.booleans(), again=st.integers(0, 3))
    def credit(self, amount: Decimal, reference: str, top_up: bool, again: int) -> None:
        """A credit; a reference sent before is mostly sent again as it was (``again``), else
        with whatever figures were drawn (then usually refused)."""
        self.tick()
        kind = "top-up" if top_up and self.has_card else "purchase"
        known = self.model.credits.get(reference)
        if known is not None and again:
            kind, amount = known
        if known is not None and known != (kind, amount):
            with pytest.raises(ReferenceConflictError):
                self._credit(kind, amount, reference)
            self.tally.saw("credit_conflict_refused")
            return
        result = self._credit(kind, amount, reference)
        assert result.duplicate == (known is not None)
        if known is None:
            self.model.credits[reference] = (kind, amount)
            self.model.credited += amount
        self.has_card = True
        self.tally.saw("credit_repeated" if known is not None else "credited")

    def _credit(self, kind: str, amount: Decimal, reference: str) -> CreditResult:
        if kind == "top-up":
            return self.ledger.top_up("acme", amount=amount, reference=reference)
        return self.ledger.buy_card("acme", amount=amount, reference=reference)

    @rule(ticket=tickets, worked=hours, rate=rates, again=st.integers(0, 3))
    def log(self, ticket: str, worked: Decimal, rate: Decimal | None, again: int) -> None:
        self.tick()
        if ticket in self.figures and again:  # mostly the same entry again, as it was sent
            worked, rate = self.figures[ticket]
        if ticket in self.figures and self.figures[ticket] != (worked, rate):
            # The same key with other figures is refused, naming what differs; nothing is written.
            with pytest.raises(ReferenceConflictError):
                self.ledger.log_work("acme", kind="rfc", ticket=ticket, hours=worked, rate=rate)
            self.tally.saw("work_conflict_refused")
            return
        result = self.ledger.log_work("acme", kind="rfc", ticket=ticket, hours=worked, rate=rate)
        self.figures[ticket] = (worked, rate)
        if ticket in self.model.work:
            assert result.duplicate
            paid, invoice, _ = self.model.work[ticket]
            assert (result.debited, result.invoiceable) == (paid, invoice)
            self.tally.saw("work_repeated")
            return
        amount = (worked * (rate or Decimal("125.00"))).quantize(CENT, rounding=ROUND_HALF_UP)
        paid = min(amount, self.model.balance)
        assert (result.amount, result.debited, result.invoiceable) == (amount, paid, amount - paid)
        self.model.debited += paid
        self.model.work[ticket] = (paid, amount - paid, False)
        self.tally.saw("work_on_card" if paid > ZERO else "work_invoiced")

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
        self.tally.saw("reversal_repeated" if reversed_before else "reversed")

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


def run_card_machine(machine: type[CardMachine], count: int, steps: int) -> None:
    tally = Tally()
    machine.tally = tally
    run_state_machine_as_test(
        machine, settings=settings(max_examples=count, stateful_step_count=steps, deadline=None)
    )
    # Floors well below what a run sees on average (about 3 credits and 1 paid entry per example), so
    # that they fail only when commands stop being accepted, not on an unlucky draw.
    tally.at_least(credited=max(1, count // 2), work_on_card=max(1, count // 5), reversed=1)
    refused = tally["credit_conflict_refused"] + tally["work_conflict_refused"]
    assert refused * 3 <= sum(tally.values()), dict(tally)


def test_card_in_memory() -> None:
    run_card_machine(CardMachine, examples(60), 30)


@pytest.mark.slow
def test_card_on_sqlite() -> None:
    run_card_machine(SQLiteCardMachine, examples(10), 20)
