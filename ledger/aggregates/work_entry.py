"""A work entry: hours on one ticket for one customer, with its whole derivation and its payer.

One aggregate per (customer, entry key): the entry's own id (``--entry``), or the ticket when none
is given, so many engineers can book time on one ticket. The key is the idempotency key: a second
recording collides on the store's unique key even when two processes race, and a repeat with other
figures is refused by :meth:`WorkEntry.differences`.
The entry records how its amount came about (hours → rounding → rate and its source → amount →
payer and why), so any line can be explained from the ledger alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from ledger.aggregates.ids import natural_id
from ledger.aggregates.record import Record
from ledger.aggregates.strippenkaart import Allocation, LedgerInvariantError
from ledger.errors import InvalidInputError, ReferenceConflictError

if TYPE_CHECKING:
    from datetime import datetime
    from decimal import Decimal
    from uuid import UUID


RATE_GIVEN = "rate given on the entry (overrides the rate card)"
"""The rate source of an entry that named its own rate."""

UNKNOWN_SOURCE = "unknown"
"""The source of entries recorded before version 2 of ``WorkEntry.Recorded`` said where they came from."""


class WorkEntry(Record):
    """Work done for a customer under one ticket reference."""

    class_version = 3
    """Version 2 of the aggregate's state (snapshots) has ``source``; version 3 ``entry``, ``engineer``."""

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["source"] = UNKNOWN_SOURCE
        state.setdefault("role", None)
        state.setdefault("entitlements", {})

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["entry"] = state["ticket"]
        state["engineer"] = None
        state.setdefault("focus", None)
        state.setdefault("reversal_note", None)
        state.setdefault("reversal_decided_at", None)

    class Recorded(Record.Created):
        """Work was recorded, its amount derived and its payer decided.

        ``card_paid`` is what the strippenkaart paid (taken from the blocks in ``allocations``),
        ``invoiceable`` what goes on an invoice; together they make ``amount`` unless another
        entitlement covered the work, in which case both are zero. ``entitlements`` is what was
        in force at the work's moment (contract tier and channel, covering beheerpack), so the
        payer can be explained later even after the contract changed. ``source`` is the door it came
        in through (``cli``, ``api``, ``import``; ``unknown`` for entries from before version 2).
        """

        class_version = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 predates the entitlement evidence too: no role, nothing recorded.
            state["source"] = UNKNOWN_SOURCE
            state.setdefault("role", None)
            state.setdefault("entitlements", {})

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            # Version 3: many entries per ticket (the key), and who did the work.
            state["entry"] = state["ticket"]
            state["engineer"] = None

        customer: str
        ticket: str
        entry: str
        engineer: str | None
        description: str
        kind: str
        component: str | None
        role: str | None
        hours: Decimal
        billed_hours: Decimal
        rounding: str
        rate: Decimal
        rate_source: str
        amount: Decimal
        currency: str
        payer: str
        payer_reason: str
        entitlements: dict[str, Any]
        card_paid: Decimal
        invoiceable: Decimal
        allocations: list[Allocation]
        card_balance_after: Decimal | None
        source: str

    class Reversed(Record.Event):
        """The entry was reversed: what the card paid went back, the invoiceable part is void.

        ``effective_at`` is the entry's own time (a reversal undoes the entry where it stood);
        ``decided_at`` when the reversal was decided. ``reason`` is internal; ``note`` is for the
        customer (None: a neutral "correction" line).
        """

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["decided_at"] = state["effective_at"]
            state["note"] = None

        reason: str
        note: str | None
        decided_at: datetime

    @staticmethod
    def create_id(customer: str, ticket: str, entry: str | None = None) -> UUID:
        """Keyed by the ticket (one entry per ticket, as before) or by the entry's own id.

        The library calls this with ``__init__``'s arguments, where ``entry`` is the key: equal to
        the ticket for an entry keyed by its ticket.
        """
        if entry is None or entry == ticket:
            return natural_id("work", customer, ticket)
        return natural_id("work-entry", customer, entry)

    @event(Recorded)
    def __init__(
        self,
        customer: str,
        ticket: str,
        entry: str,
        engineer: str | None,
        description: str,
        kind: str,
        component: str | None,
        role: str | None,
        hours: Decimal,
        billed_hours: Decimal,
        rounding: str,
        rate: Decimal,
        rate_source: str,
        amount: Decimal,
        currency: str,
        payer: str,
        payer_reason: str,
        entitlements: dict[str, Any],
        card_paid: Decimal,
        invoiceable: Decimal,
        allocations: list[Allocation],
        card_balance_after: Decimal | None,
        source: str,
        actor: str,
        effective_at: datetime,
    ) -> None:
        if card_paid + invoiceable not in (amount, 0):
            msg = f"work entry {ticket!r}: card {card_paid} + invoice {invoiceable} != {amount}"
            raise LedgerInvariantError(msg)
        self.customer = customer
        self.ticket = ticket
        self.entry = entry
        self.engineer = engineer
        self.description = description
        self.kind = kind
        self.component = component
        self.role = role
        self.hours = hours
        self.billed_hours = billed_hours
        self.rounding = rounding
        self.rate = rate
        self.rate_source = rate_source
        self.amount = amount
        self.currency = currency
        self.payer = payer
        self.payer_reason = payer_reason
        self.entitlements = entitlements
        self.card_paid = card_paid
        self.invoiceable = invoiceable
        self.allocations = allocations
        self.card_balance_after = card_balance_after
        self.source = source
        self.recorded_by = actor
        self.effective_at = effective_at
        self.reversed = False
        self.reversal_reason: str | None = None
        self.reversal_note: str | None = None
        self.reversal_decided_at: datetime | None = None

    @property
    def rate_given(self) -> Decimal | None:
        """The rate the entry itself named (None: the rate card's rate applied)."""
        return self.rate if self.rate_source == RATE_GIVEN else None

    def differences(self, figures: dict[str, object]) -> list[str]:
        """The fields in which a repeat of this entry's key asks for something else than recorded.

        ``figures`` holds only what the repeat states; a field it leaves out (no ``--at``, no
        ``--engineer``) cannot differ.
        """
        recorded: dict[str, object] = {
            "ticket": self.ticket,
            "hours": self.hours,
            "rate": self.rate_given,
            "kind": self.kind,
            "component": self.component,
            "role": self.role,
            "focus": (self.entitlements or {}).get("focus"),
            "at": self.effective_at,
            "engineer": self.engineer,
        }
        return [field for field, value in figures.items() if field in recorded and recorded[field] != value]

    def check_repeat(self, figures: dict[str, object], field: str, key: str) -> None:
        """Same key, same figures: a repeat (nothing to do). Same key, other figures: refused,
        naming what differs, so that a second entry is never taken for the first."""
        differing = self.differences(figures)
        if differing:
            detail = f"an entry with other {', '.join(differing)} (give the new entry its own --entry id)"
            raise ReferenceConflictError(field, key, detail)

    def reverse(self, reason: str, note: str | None, actor: str, decided_at: datetime) -> bool:
        """Mark the entry reversed at its own time; False (and no event) when it already was."""
        if self.reversed:
            return False
        if decided_at < self.effective_at:
            msg = (
                f"{decided_at.isoformat()} is before the work it reverses ({self.effective_at.isoformat()}); "
                "a reversal is decided after the work"
            )
            raise InvalidInputError("at", msg)
        self._reversed(
            reason=reason, note=note, decided_at=decided_at, actor=actor, effective_at=self.effective_at
        )
        return True

    @event(Reversed)
    def _reversed(
        self, reason: str, note: str | None, decided_at: datetime, actor: str, effective_at: datetime
    ) -> None:
        self.reversed = True
        self.reversal_reason = reason
        self.reversal_note = note
        self.reversal_decided_at = decided_at
