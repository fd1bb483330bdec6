"""The strippenkaart: a customer's prepaid credit, kept as blocks that work consumes in a fixed order.

Every purchase, top-up and monthly credit is a :class:`CreditBlock` named by its idempotency
reference (a month's credit by its period, ``monthly:YYYY-MM``, so it can be recorded only once).
A debit takes money from the blocks in force at the work's effective time, soonest expiry first,
then oldest, ties by the order they were credited: one answer, never "any of them". The card pays
what it has; the rest is the caller's to invoice. The balance never goes below zero, and that is
checked when an event is made *and* when it is replayed.

A block may expire. Its remainder is written off by an ``Expired`` event only once a grace period
has passed since the expiry, so work dated before the expiry but logged late can still draw from
it. Once written off, the block is empty: work logged after the write-off cannot use it, even when
dated before the expiry (the write-off is final; such work goes to invoice, like any overage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate, event

from ledger.aggregates.ids import natural_id
from ledger.domain import monthly
from ledger.domain.monthly import MonthlyDue, MonthlyTerm
from ledger.errors import MonthlyPlanConflictError, NoMonthlyPlanError

if TYPE_CHECKING:
    from uuid import UUID

ZERO = Decimal("0.00")
MONTHLY = "monthly"
MONTHLY_PREFIX = "monthly:"

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


@dataclass(frozen=True)
class WriteOff:
    """An expired block's remainder, written off effective at its expiry."""

    reference: str
    amount: Decimal
    expired_at: datetime


class Strippenkaart(Aggregate):
    """A customer's prepaid card, in one currency, opened by its first purchase."""

    class_version: ClassVar[int] = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Snapshots from before monthly plans and expiry: nothing expired, no plan."""
        state["expired"] = ZERO
        state["monthly_terms"] = []

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

    class MonthlyPlanSet(Aggregate.Event):
        """A monthly amount was agreed: credit ``amount`` on ``day`` of each month from ``effective_at``
        (a date, 00:00 Amsterdam) until ``until`` (exclusive; None: open-ended)."""

        amount: Decimal
        day: int
        until: datetime | None
        actor: str
        effective_at: datetime

    class MonthlyPlanChanged(Aggregate.Event):
        """The monthly amount changes from ``effective_at`` on; earlier months keep their amount."""

        amount: Decimal
        actor: str
        effective_at: datetime

    class MonthlyPlanStopped(Aggregate.Event):
        """No monthly credit falls due from ``effective_at`` on."""

        actor: str
        effective_at: datetime

    class ExpiryWarned(Aggregate.Event):
        """The clock found block ``reference`` expiring at ``expires_at`` with ``remaining`` unused:
        a warning for the account manager, effective the set number of days before the expiry."""

        reference: str
        remaining: Decimal
        expires_at: datetime
        actor: str
        effective_at: datetime

    class Expired(Aggregate.Event):
        """A block's unused remainder was written off, effective at its expiry (after the grace period)."""

        reference: str
        amount: Decimal
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
        self.expired = ZERO
        self.monthly_terms: list[MonthlyTerm] = []

    expiry_warned: tuple[str, ...] = ()
    """Blocks already warned about (class default: cards and snapshots from before warnings)."""

    @property
    def balance(self) -> Decimal:
        return self.credited - self.debited - self.expired

    @property
    def needs_clock(self) -> bool:
        """Whether facts fall due on this card with time alone: a monthly plan or an expiring block."""
        return bool(self.monthly_terms) or any(b.expires_at is not None for b in self.blocks.values())

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

    # --- the monthly amount --------------------------------------------------------------------

    def set_monthly_plan(
        self, amount: Decimal, day: int, start: datetime, until: datetime | None, actor: str
    ) -> bool:
        """Agree a monthly amount from ``start``; False when exactly this plan is already agreed."""
        terms = monthly.with_plan(self.monthly_terms, start, amount, day, until)
        if terms == self.monthly_terms:
            return False
        if monthly.in_force_from(self.monthly_terms, start):
            msg = "the card already has a monthly plan then; use 'card change' or 'card stop'"
            raise MonthlyPlanConflictError("from", msg)
        self._check_not_recorded_from(start)
        if monthly.periods_due_twice(terms, start):
            msg = (
                f"the earlier plan already credits {monthly.local_date(start):%Y-%m}; "
                "start the new plan in the month after, or on the same day of the month"
            )
            raise MonthlyPlanConflictError("from", msg)
        self._monthly_plan_set(amount=amount, day=day, until=until, actor=actor, effective_at=start)
        return True

    def change_monthly_plan(self, amount: Decimal, start: datetime, actor: str) -> bool:
        """A new monthly amount from ``start``; False when that change is already recorded."""
        current = monthly.term_in_force(self.monthly_terms, start)
        if current is None or current.amount is None:
            raise NoMonthlyPlanError(self.customer, monthly.local_date(start))
        if monthly.with_change(self.monthly_terms, start, amount) == self.monthly_terms:
            return False
        self._check_not_recorded_from(start)
        self._monthly_plan_changed(amount=amount, actor=actor, effective_at=start)
        return True

    def stop_monthly_plan(self, start: datetime, actor: str) -> bool:
        """No credit from ``start`` on; False when nothing would be credited from then anyway."""
        if not monthly.in_force_from(self.monthly_terms, start):
            if not self.monthly_terms:
                raise NoMonthlyPlanError(self.customer, monthly.local_date(start))
            return False
        self._check_not_recorded_from(start)
        self._monthly_plan_stopped(actor=actor, effective_at=start)
        return True

    def _check_not_recorded_from(self, start: datetime) -> None:
        """History is kept: a plan cannot change for a month whose credit is already recorded."""
        recorded = [b for b in self.blocks.values() if b.kind == MONTHLY and b.effective_at >= start]
        if recorded:
            latest = max(recorded, key=lambda b: b.effective_at)
            msg = (
                f"the credit {latest.reference!r} (due {latest.effective_at.date()}) is already recorded; "
                "a plan can change only after the last recorded month"
            )
            raise MonthlyPlanConflictError("from", msg)

    def monthly_credits_due(self, until: datetime) -> list[MonthlyDue]:
        """Months due at or before ``until`` whose credit is not on the card yet, oldest first."""
        return [
            due
            for due in monthly.dues(self.monthly_terms, until)
            if MONTHLY_PREFIX + due.period not in self.blocks
        ]

    def record_monthly_credits(
        self, until: datetime, actor: str, expires_after_months: int | None
    ) -> list[CreditBlock]:
        """Credit every month due by ``until`` that is not yet credited, each at its due moment."""
        recorded = []
        for due in self.monthly_credits_due(until):
            expires_at = None
            if expires_after_months is not None:
                expires_at = monthly.add_months(due.due_at, expires_after_months)
            reference = MONTHLY_PREFIX + due.period
            self.credit(reference, MONTHLY, due.amount, actor, due.due_at, expires_at)
            recorded.append(self.blocks[reference])
        return recorded

    # --- expiry ------------------------------------------------------------------------------

    def expired_blocks(self, until: datetime, grace: timedelta) -> list[tuple[CreditBlock, datetime]]:
        """Blocks with a remainder whose expiry plus ``grace`` has passed at ``until``, with that expiry."""
        return [
            (block, block.expires_at)
            for block in sorted(self.blocks.values(), key=CreditBlock.order_key)
            if block.expires_at is not None and block.expires_at + grace <= until and block.remaining > ZERO
        ]

    def warn_expiring(self, until: datetime, days: int, actor: str) -> list[CreditBlock]:
        """Warn once about every block with a remainder that expires within ``days`` after ``until``
        (effective ``days`` before the expiry, or at the credit if that is later). A block already
        expired gets no warning: its write-off lowers the balance, which the card alerts judge."""
        warned = []
        for block in sorted(self.blocks.values(), key=CreditBlock.order_key):
            expires_at = block.expires_at
            if expires_at is None or block.remaining <= ZERO or block.reference in self.expiry_warned:
                continue
            warn_at = expires_at - timedelta(days=days)
            if warn_at <= until < expires_at:
                self._expiry_warned(
                    reference=block.reference,
                    remaining=block.remaining,
                    expires_at=expires_at,
                    actor=actor,
                    effective_at=max(warn_at, block.effective_at),
                )
                warned.append(block)
        return warned

    def write_off_expired(self, until: datetime, grace: timedelta, actor: str) -> list[WriteOff]:
        """Write off what is left on every block expired for longer than ``grace``."""
        written_off: list[WriteOff] = []
        for block, expired_at in self.expired_blocks(until, grace):
            amount = block.remaining
            self._expired(
                reference=block.reference,
                amount=amount,
                balance_after=self.balance - amount,
                actor=actor,
                effective_at=expired_at,
            )
            written_off.append(WriteOff(block.reference, amount, expired_at))
        return written_off

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

    @event(MonthlyPlanSet)
    def _monthly_plan_set(
        self, amount: Decimal, day: int, until: datetime | None, actor: str, effective_at: datetime
    ) -> None:
        self.monthly_terms = monthly.with_plan(self.monthly_terms, effective_at, amount, day, until)

    @event(MonthlyPlanChanged)
    def _monthly_plan_changed(self, amount: Decimal, actor: str, effective_at: datetime) -> None:
        self.monthly_terms = monthly.with_change(self.monthly_terms, effective_at, amount)

    @event(MonthlyPlanStopped)
    def _monthly_plan_stopped(self, actor: str, effective_at: datetime) -> None:
        self.monthly_terms = monthly.with_stop(self.monthly_terms, effective_at)

    @event(ExpiryWarned)
    def _expiry_warned(
        self, reference: str, remaining: Decimal, expires_at: datetime, actor: str, effective_at: datetime
    ) -> None:
        self.expiry_warned = (*self.expiry_warned, reference)

    @event(Expired)
    def _expired(
        self, reference: str, amount: Decimal, balance_after: Decimal, actor: str, effective_at: datetime
    ) -> None:
        block = self.blocks[reference]
        block.remaining -= amount
        if block.remaining < ZERO:
            msg = f"block {reference!r} went below zero when its remainder expired"
            raise LedgerInvariantError(msg)
        self.expired += amount
        self._check_balance(balance_after)

    def _check_balance(self, balance_after: Decimal) -> None:
        """Assert both sides: the balance the event states is the balance replay arrives at.

        The balance is credited − debited − expired; each is summed from its own events.
        """
        if self.balance < ZERO or self.balance != balance_after:
            msg = (
                f"strippenkaart {self.customer!r}: balance {self.balance} after replay, "
                f"event says {balance_after}"
            )
            raise LedgerInvariantError(msg)
