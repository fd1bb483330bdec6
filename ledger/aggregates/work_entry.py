"""A work entry: hours on one ticket for one customer, with its whole derivation and its payer.

One aggregate per (customer, ticket) makes the ticket reference the idempotency key: a second
recording of the same ticket collides on the store's unique key even when two processes race.
The entry records how its amount came about (hours → rounding → rate and its source → amount →
payer and why), so any line can be explained from the ledger alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate, event

from ledger.aggregates.ids import natural_id
from ledger.aggregates.strippenkaart import Allocation, LedgerInvariantError

if TYPE_CHECKING:
    from datetime import datetime
    from decimal import Decimal
    from uuid import UUID


UNKNOWN_SOURCE = "unknown"
"""The source of entries recorded before version 2 of ``WorkEntry.Recorded`` said where they came from."""


class WorkEntry(Aggregate):
    """Work done for a customer under one ticket reference."""

    class_version = 2
    """Version 2 of the aggregate's state (snapshots) has ``source``."""

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["source"] = UNKNOWN_SOURCE
        state.setdefault("role", None)
        state.setdefault("entitlements", {})

    class Recorded(Aggregate.Created):
        """Work was recorded, its amount derived and its payer decided.

        ``card_paid`` is what the strippenkaart paid (taken from the blocks in ``allocations``),
        ``invoiceable`` what goes on an invoice; together they make ``amount`` unless another
        entitlement covered the work, in which case both are zero. ``entitlements`` is what was
        in force at the work's moment (contract tier and channel, covering beheerpack), so the
        payer can be explained later even after the contract changed. ``source`` is the door it came
        in through (``cli``, ``api``, ``import``; ``unknown`` for entries from before version 2).
        """

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 predates the entitlement evidence too: no role, nothing recorded.
            state["source"] = UNKNOWN_SOURCE
            state.setdefault("role", None)
            state.setdefault("entitlements", {})

        customer: str
        ticket: str
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
        actor: str
        effective_at: datetime

    class Reversed(Aggregate.Event):
        """The entry was reversed: what the card paid went back, the invoiceable part is void."""

        reason: str
        actor: str
        effective_at: datetime

    @staticmethod
    def create_id(customer: str, ticket: str) -> UUID:
        return natural_id("work", customer, ticket)

    @event(Recorded)
    def __init__(
        self,
        customer: str,
        ticket: str,
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

    def reverse(self, reason: str, actor: str, effective_at: datetime) -> bool:
        """Mark the entry reversed; False (and no event) when it already was."""
        if self.reversed:
            return False
        self._reversed(reason=reason, actor=actor, effective_at=effective_at)
        return True

    @event(Reversed)
    def _reversed(self, reason: str, actor: str, effective_at: datetime) -> None:
        self.reversed = True
        self.reversal_reason = reason
