"""The strippenkaart: a customer's prepaid credit, kept as blocks that work consumes in a fixed order.

Every purchase, top-up and monthly credit is a :class:`CreditBlock` named by its idempotency
reference (a month's credit by its period, ``monthly:YYYY-MM``, so it can be recorded only once).
One money timeline (DOMAIN rule 9): every movement is booked at an effective moment, and a block's
remainder as of any moment is never negative. A debit takes money from the blocks in force at the
work's effective time, soonest expiry first, then oldest, ties by the order they were credited: one
answer, never "any of them". Because a reversal gives back what its entry took *at the moment it
was taken*, a block's remainder only ever falls over effective time; so what a backdated debit may
take from a block (the least remainder at any moment from then on) is simply its remainder now.
Late work the credit of its own time cannot pay may, under the ``later-credit`` policy, be paid
from credit in force when it is recorded, booked at the first moment that credit could pay: one
``Debited`` event per booking moment. The card pays what it can; the rest is the caller's to
invoice. The balance never goes below zero, checked when an event is made *and* when it is replayed.

A block may expire. Its remainder is written off by an ``Expired`` event only once a grace period
has passed since the expiry, so work dated before the expiry but logged late can still draw from
it. Once written off, the block is empty: work logged after the write-off cannot use it, even when
dated before the expiry (the write-off is final; such work goes to invoice, like any overage).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import event

from ledger.aggregates.record import CustomerRecord, Record
from ledger.domain import monthly
from ledger.domain.money import format_money
from ledger.domain.monthly import MonthlyDue, MonthlyTerm
from ledger.domain.time import date_of
from ledger.errors import (
    InvalidInputError,
    MonthlyPlanConflictError,
    NoMonthlyPlanError,
    ReferenceConflictError,
)

if TYPE_CHECKING:
    pass

ZERO = Decimal("0.00")
MONTHLY = "monthly"
MONTHLY_PREFIX = "monthly:"

Allocation = dict[str, Any]
"""``{"reference": str, "amount": Decimal, "booked_at": datetime}``: how much one debit took from one
block, and at which effective moment (entries from before the one timeline have no ``booked_at``:
their moment is the entry's own)."""


def booked_at(allocation: Allocation, default: datetime) -> datetime:
    """The moment an allocation was booked (older allocations: the entry's own time)."""
    moment = allocation.get("booked_at")
    return moment if isinstance(moment, datetime) else default


def by_booking(allocations: list[Allocation], default: datetime) -> list[tuple[datetime, list[Allocation]]]:
    """Allocations grouped by their booking moment, earliest first."""
    groups: dict[datetime, list[Allocation]] = {}
    for allocation in allocations:
        groups.setdefault(booked_at(allocation, default), []).append(allocation)
    return sorted(groups.items(), key=lambda item: item[0])


class LedgerInvariantError(RuntimeError):
    """Stored history contradicts an invariant: a bug or tampering, never bad input."""


@dataclass(frozen=True)
class Payment:
    """What a card paid for one work entry: from which blocks, how much in all, and why."""

    allocations: list[Allocation]
    paid: Decimal
    reason: str


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
    last_booked_at: datetime | None = None
    """The latest moment a debit was booked on this block: says whether later work used it."""

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


class Strippenkaart(CustomerRecord):
    """A customer's prepaid card, in one currency, opened by its first purchase."""

    KIND = "strippenkaart"

    class_version: ClassVar[int] = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Snapshots from before monthly plans and expiry: nothing expired, no plan."""
        state["expired"] = ZERO
        state["monthly_terms"] = []

    class Opened(CustomerRecord.Opened):
        """A strippenkaart was opened for a customer in one currency."""

        currency: str

    class Credited(Record.Event):
        """Credit was added as a new block: a purchase, a top-up or a monthly credit."""

        reference: str
        kind: str
        amount: Decimal
        expires_at: datetime | None
        balance_after: Decimal

    class Debited(Record.Event):
        """Work on a ticket was paid from the card; ``allocations`` says from which blocks.

        ``effective_at`` is when the money moved: the work's own time (``work_at``), or, for late
        work paid from credit bought after it, the first moment that credit could pay. ``entry``
        is the work entry's key (its own id, or the ticket).
        """

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["entry"] = state["ticket"]
            state["work_at"] = state["effective_at"]

        ticket: str
        entry: str
        work_at: datetime
        amount: Decimal
        allocations: list[Allocation]
        balance_after: Decimal

    class DebitReversed(Record.Event):
        """A work entry was reversed: exactly what it took goes back to the same blocks, effective at
        the moment it was taken (``effective_at``); ``decided_at`` is when the reversal was decided.
        ``reason`` is internal; ``note``, if any, is what a customer may read."""

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["entry"] = state["ticket"]
            state["decided_at"] = state["effective_at"]
            state["note"] = None

        ticket: str
        entry: str
        decided_at: datetime
        note: str | None
        amount: Decimal
        allocations: list[Allocation]
        reason: str
        balance_after: Decimal

    class MonthlyPlanSet(Record.Event):
        """A monthly amount was agreed: credit ``amount`` on ``day`` of each month from ``effective_at``
        (a date, 00:00 Amsterdam) until ``until`` (exclusive; None: open-ended)."""

        amount: Decimal
        day: int
        until: datetime | None

    class MonthlyPlanChanged(Record.Event):
        """The monthly amount changes from ``effective_at`` on; earlier months keep their amount."""

        amount: Decimal

    class MonthlyPlanStopped(Record.Event):
        """No monthly credit falls due from ``effective_at`` on."""

    class ExpiryWarned(Record.Event):
        """The clock found block ``reference`` expiring at ``expires_at`` with ``remaining`` unused:
        a warning for the account manager, effective the set number of days before the expiry."""

        reference: str
        remaining: Decimal
        expires_at: datetime

    class Expired(Record.Event):
        """A block's unused remainder was written off, effective at its expiry (after the grace period)."""

        reference: str
        amount: Decimal
        balance_after: Decimal

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

    @staticmethod
    def check_credit_terms(reference: str, expires_at: datetime | None, effective_at: datetime) -> None:
        """What a purchase or top-up may ask for at all, before any card is loaded.

        ``monthly:YYYY-MM`` names a month's credit: a purchase under it would stand in for that
        month ("Monthly:" reads the same on a statement). Credit expires after it takes effect.
        """
        if reference.casefold().startswith(MONTHLY_PREFIX):
            raise InvalidInputError("reference", f"{MONTHLY_PREFIX!r} is reserved for monthly credits")
        if expires_at is not None and expires_at <= effective_at:
            msg = (
                f"{expires_at.isoformat()} is not after the credit takes effect ({effective_at.isoformat()})"
            )
            raise InvalidInputError("expires_at", msg)

    def add_credit(
        self,
        reference: str,
        kind: str,
        amount: Decimal,
        actor: str,
        effective_at: datetime,
        expires_at: datetime | None = None,
    ) -> bool:
        """A purchase or top-up, idempotent on its reference: False when this very credit is on the
        card already; the same reference asking for anything else is refused."""
        self.check_credit_terms(reference, expires_at, effective_at)
        existing = self.blocks.get(reference)
        if existing is not None:
            if (existing.kind, existing.amount, existing.expires_at) == (kind, amount, expires_at):
                return False
            detail = f"a {existing.kind} of {format_money(existing.amount)} {self.currency}"
            if existing.expires_at is not None:
                detail += f" expiring {existing.expires_at.isoformat()}"
            raise ReferenceConflictError("reference", reference, detail)
        self.credit(reference, kind, amount, actor, effective_at, expires_at)
        return True

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
        self, until: datetime, actor: str, expires_after_months: Callable[[datetime], int | None]
    ) -> list[CreditBlock]:
        """Credit every month due by ``until`` that is not yet credited, each at its due moment,
        expiring after the number of months in force at that moment (None: never)."""
        recorded = []
        for due in self.monthly_credits_due(until):
            expires_at = None
            months = expires_after_months(due.due_at)
            if months is not None:
                expires_at = monthly.add_months(due.due_at, months)
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

    def write_off_expired(
        self, until: datetime, grace: timedelta, actor: str, only: Collection[str] | None = None
    ) -> list[WriteOff]:
        """Write off what is left on every block (of ``only``, if given) expired for longer than ``grace``.

        A reversal passes the blocks it gave money back to: credit restored to a block that has
        expired is written off again at its expiry, visibly, never resurrected.
        """
        written_off: list[WriteOff] = []
        for block, expired_at in self.expired_blocks(until, grace):
            if only is not None and block.reference not in only:
                continue
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

    def allocate(
        self, amount: Decimal, at: datetime, recorded_at: datetime | None = None
    ) -> list[Allocation]:
        """Which blocks would pay ``amount`` for work at ``at``, as much as they hold, in order.

        First the blocks in force at ``at``. With ``recorded_at`` (the ``later-credit`` policy),
        and if the card had credit in force at ``at`` at all, then blocks credited after ``at``
        that are in force at ``recorded_at``, each booked at its own start: the first moment it
        could pay. A block's remainder now is what it can give at
        any moment from its booking on (its remainder only falls over effective time).
        """
        allocations: list[Allocation] = []
        outstanding = amount
        for block, moment in self._candidates(at, recorded_at):
            if outstanding <= ZERO:
                break
            taken = min(block.remaining, outstanding)
            allocations.append({"reference": block.reference, "amount": taken, "booked_at": moment})
            outstanding -= taken
        return allocations

    def in_force_at(self, at: datetime) -> bool:
        """Whether any credit was in force at ``at`` (used up or not): work before the card was
        bought, or after all its credit expired, is work the card never could pay."""
        return any(
            block.effective_at <= at and (block.expires_at is None or at < block.expires_at)
            for block in self.blocks.values()
        )

    def _candidates(self, at: datetime, recorded_at: datetime | None) -> list[tuple[CreditBlock, datetime]]:
        ordered = sorted(self.blocks.values(), key=CreditBlock.order_key)
        candidates = [(block, at) for block in ordered if block.usable_at(at)]
        if recorded_at is not None and self.in_force_at(at):
            candidates += [
                (block, block.effective_at)
                for block in ordered
                if block.effective_at > at and block.usable_at(recorded_at)
            ]
        return candidates

    def debit(
        self, ticket: str, entry: str, allocations: list[Allocation], actor: str, work_at: datetime
    ) -> None:
        """Pay what ``allocations`` (from :meth:`allocate`) say: one event per booking moment."""
        for moment, group in by_booking(allocations, work_at):
            paid = sum((a["amount"] for a in group), ZERO)
            self._debited(
                ticket=ticket,
                entry=entry,
                work_at=work_at,
                amount=paid,
                allocations=group,
                balance_after=self.balance - paid,
                actor=actor,
                effective_at=moment,
            )

    def pay_for_work(
        self, ticket: str, entry: str, amount: Decimal, actor: str, at: datetime, recorded_at: datetime | None
    ) -> Payment:
        """Settle a work entry the card pays for: take what the blocks can give in the money timeline
        (see :meth:`allocate`), say why in words a customer accepts (DOMAIN rule 9), and debit it.
        What the card cannot pay is for the caller to invoice."""
        allocations = self.allocate(amount, at, recorded_at)
        reason = self._payment_reason(amount, allocations, at)  # before the debit moves the blocks
        self.debit(ticket, entry, allocations, actor, at)
        return Payment(allocations, sum((a["amount"] for a in allocations), ZERO), reason)

    def _payment_reason(self, amount: Decimal, planned: list[Allocation], at: datetime) -> str:
        """Why the card paid what it paid, in words a customer accepts (DOMAIN rule 9)."""
        uncovered = "not covered by a servicedesk contract, beheerpack or on-site engagement"
        day = date_of(at)
        own = sum((a["amount"] for a in planned if a["booked_at"] == at), ZERO)
        later = [a for a in planned if a["booked_at"] != at]
        paid = own + sum((a["amount"] for a in later), ZERO)
        if own == amount:
            return f"{uncovered}: paid from the strippenkaart, no invoice"
        in_force_then = self.in_force_at(at)
        used_since = any(
            block.last_booked_at is not None and block.last_booked_at > at
            for block in self.blocks.values()
            if block.effective_at <= at
        )
        if in_force_then and not used_since and not later:
            rest = amount - own
            if own == ZERO:
                return f"{uncovered}; the strippenkaart credit in force on {day} is used up: invoiceable"
            return (
                f"{uncovered}: the strippenkaart paid {format_money(own)} of "
                f"{format_money(amount)}; {format_money(rest)} is invoiceable (overage)"
            )
        parts = []
        if in_force_then and used_since:
            paid_then = f" (it paid {format_money(own)})" if own > ZERO else ""
            parts.append(f"credit in force on {day} was used by later work recorded earlier{paid_then}")
        elif in_force_then:
            parts.append(f"credit in force on {day} paid {format_money(own)}")
        else:
            parts.append(f"no strippenkaart credit was in force on {day}")
        parts.extend(
            f"{format_money(a['amount'])} paid from {a['reference']} credited {date_of(a['booked_at'])}"
            for a in later
        )
        rest = amount - paid
        parts.append(f"{format_money(rest)} is invoiceable" if rest > ZERO else "no invoice")
        return f"{uncovered}: " + "; ".join(parts)

    def pay(
        self, ticket: str, amount: Decimal, actor: str, at: datetime, entry: str | None = None
    ) -> list[Allocation]:
        """Pay as much of ``amount`` as the blocks in force at ``at`` hold; say from which blocks."""
        allocations = self.allocate(amount, at)
        self.debit(ticket, entry if entry is not None else ticket, allocations, actor, at)
        return allocations

    def reverse_debit(
        self,
        ticket: str,
        entry: str,
        allocations: list[Allocation],
        work_at: datetime,
        reason: str,
        note: str | None,
        actor: str,
        decided_at: datetime,
    ) -> None:
        """Give back exactly what a debit took, block by block, at the moments it was taken."""
        for moment, group in by_booking(allocations, work_at):
            amount = sum((a["amount"] for a in group), ZERO)
            self._debit_reversed(
                ticket=ticket,
                entry=entry,
                amount=amount,
                allocations=group,
                reason=reason,
                note=note,
                decided_at=decided_at,
                balance_after=self.balance + amount,
                actor=actor,
                effective_at=moment,
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
        entry: str,
        work_at: datetime,
        amount: Decimal,
        allocations: list[Allocation],
        balance_after: Decimal,
        actor: str,
        effective_at: datetime,
    ) -> None:
        for allocation in allocations:
            block = self.blocks[allocation["reference"]]
            block.remaining -= allocation["amount"]
            if block.last_booked_at is None or block.last_booked_at < effective_at:
                block.last_booked_at = effective_at
            if block.remaining < ZERO:
                msg = f"block {block.reference!r} went below zero on ticket {ticket!r}"
                raise LedgerInvariantError(msg)
        self.debited += amount
        self._check_balance(balance_after)

    @event(DebitReversed)
    def _debit_reversed(
        self,
        ticket: str,
        entry: str,
        amount: Decimal,
        allocations: list[Allocation],
        reason: str,
        note: str | None,
        decided_at: datetime,
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
