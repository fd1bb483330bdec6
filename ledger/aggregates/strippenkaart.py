"""The strippenkaart: a customer's prepaid credit, kept as blocks that work consumes in a fixed order.

Every purchase, top-up (and, later, monthly credit) is a :class:`CreditBlock` named by its
idempotency reference. A debit takes money from the blocks in force at the work's effective time,
soonest expiry first, then oldest, ties by the order they were credited: one answer, never "any of
them". The card pays what it has; the rest is the caller's to invoice. The balance never goes
below zero, and that is checked when an event is made *and* when it is replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate, event

from ledger.aggregates.ids import natural_id

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

ZERO = Decimal("0.00")

Allocation = dict[str, Any]
"""``{"reference": str, "amount": Decimal}``: how much one debit took from one block."""


class LedgerInvariantError(RuntimeError):
    """Stored history contradicts an invariant: a bug or tampering, never bad input."""


@dataclass
class CreditBlock:
    """One credit on the card: what it added, what is left, and when it may be used."""

    reference: str
    kind: str
    amount: Decimal
    remaining: Decimal
    effective_at: datetime
    expires_at: datetime | None
    sequence: int

    def usable_at(self, at: datetime) -> bool:
        """In force at ``at``: already credited and not yet expired."""
        not_expired = self.expires_at is None or at < self.expires_at
        return self.effective_at <= at and not_expired and self.remaining > ZERO

    def order_key(self) -> tuple[bool, datetime | None, datetime, int]:
        """Soonest expiry first (no expiry last), then oldest, then credit order."""
        return (self.expires_at is None, self.expires_at, self.effective_at, self.sequence)


class Strippenkaart(Aggregate):
    """A customer's prepaid card, in one currency, opened by its first purchase."""

    class Opened(Aggregate.Created):
        """A strippenkaart was opened for a customer in one currency."""

        customer: str
        currency: str
        actor: str
        effective_at: datetime

    class Credited(Aggregate.Event):
        """Credit was added as a new block: a purchase, a top-up or a monthly credit."""

        reference: str
        kind: str
        amount: Decimal
        expires_at: datetime | None
        balance_after: Decimal
        actor: str
        effective_at: datetime

    class Debited(Aggregate.Event):
        """Work on a ticket was paid from the card; ``allocations`` says from which blocks."""

        ticket: str
        amount: Decimal
        allocations: list[Allocation]
        balance_after: Decimal
        actor: str
        effective_at: datetime

    class DebitReversed(Aggregate.Event):
        """A work entry was reversed: exactly what it took goes back to the same blocks."""

        ticket: str
        amount: Decimal
        allocations: list[Allocation]
        reason: str
        balance_after: Decimal
        actor: str
        effective_at: datetime

    @staticmethod
    def create_id(customer: str) -> UUID:
        return natural_id("strippenkaart", customer)

    @event(Opened)
    def __init__(self, customer: str, currency: str, actor: str, effective_at: datetime) -> None:
        self.customer = customer
        self.currency = currency
        self.blocks: dict[str, CreditBlock] = {}
        self.credited = ZERO
        self.debited = ZERO

    @property
    def balance(self) -> Decimal:
        return self.credited - self.debited

    # --- decisions -------------------------------------------------------------------------

    def credit(
        self,
        reference: str,
        kind: str,
        amount: Decimal,
        actor: str,
        effective_at: datetime,
        expires_at: datetime | None = None,
    ) -> None:
        """Add a block; the caller has already checked the reference is new."""
        if reference in self.blocks:
            msg = f"credit reference {reference!r} is already on this card"
            raise LedgerInvariantError(msg)
        self._credited(
            reference=reference,
            kind=kind,
            amount=amount,
            expires_at=expires_at,
            balance_after=self.balance + amount,
            actor=actor,
            effective_at=effective_at,
        )

    def allocate(self, amount: Decimal, at: datetime) -> list[Allocation]:
        """Which blocks would pay ``amount`` at ``at``: as much as they hold, in order."""
        usable = sorted(
            (block for block in self.blocks.values() if block.usable_at(at)),
            key=CreditBlock.order_key,
        )
        allocations: list[Allocation] = []
        outstanding = amount
        for block in usable:
            if outstanding <= ZERO:
                break
            taken = min(block.remaining, outstanding)
            allocations.append({"reference": block.reference, "amount": taken})
            outstanding -= taken
        return allocations

    def debit(self, ticket: str, amount: Decimal, actor: str, effective_at: datetime) -> list[Allocation]:
        """Pay as much of ``amount`` as the card holds at ``effective_at``; say from which blocks."""
        allocations = self.allocate(amount, effective_at)
        paid = sum((a["amount"] for a in allocations), ZERO)
        if paid > ZERO:
            self._debited(
                ticket=ticket,
                amount=paid,
                allocations=allocations,
                balance_after=self.balance - paid,
                actor=actor,
                effective_at=effective_at,
            )
        return allocations

    def reverse_debit(
        self,
        ticket: str,
        allocations: list[Allocation],
        reason: str,
        actor: str,
        effective_at: datetime,
    ) -> None:
        """Give back exactly what a debit took, block by block."""
        amount = sum((a["amount"] for a in allocations), ZERO)
        self._debit_reversed(
            ticket=ticket,
            amount=amount,
            allocations=allocations,
            reason=reason,
            balance_after=self.balance + amount,
            actor=actor,
            effective_at=effective_at,
        )

    # --- mutators: replayed on every load, so they only apply and re-check ---------------------

    @event(Credited)
    def _credited(
        self,
        reference: str,
        kind: str,
        amount: Decimal,
        expires_at: datetime | None,
        balance_after: Decimal,
        actor: str,
        effective_at: datetime,
    ) -> None:
        self.blocks[reference] = CreditBlock(
            reference=reference,
            kind=kind,
            amount=amount,
            remaining=amount,
            effective_at=effective_at,
            expires_at=expires_at,
            sequence=len(self.blocks),
        )
        self.credited += amount
        self._check_balance(balance_after)

    @event(Debited)
    def _debited(
        self,
        ticket: str,
        amount: Decimal,
        allocations: list[Allocation],
        balance_after: Decimal,
        actor: str,
        effective_at: datetime,
    ) -> None:
        for allocation in allocations:
            block = self.blocks[allocation["reference"]]
            block.remaining -= allocation["amount"]
            if block.remaining < ZERO:
                msg = f"block {block.reference!r} went below zero on ticket {ticket!r}"
                raise LedgerInvariantError(msg)
        self.debited += amount
        self._check_balance(balance_after)

    @event(DebitReversed)
    def _debit_reversed(
        self,
        ticket: str,
        amount: Decimal,
        allocations: list[Allocation],
        reason: str,
        balance_after: Decimal,
        actor: str,
        effective_at: datetime,
    ) -> None:
        for allocation in allocations:
            block = self.blocks[allocation["reference"]]
            block.remaining += allocation["amount"]
        self.debited -= amount
        self._check_balance(balance_after)

    def _check_balance(self, balance_after: Decimal) -> None:
        """Assert both sides: the balance the event states is the balance replay arrives at."""
        if self.balance < ZERO or self.balance != balance_after:
            msg = (
                f"strippenkaart {self.customer!r}: balance {self.balance} after replay, "
                f"event says {balance_after}"
            )
            raise LedgerInvariantError(msg)
