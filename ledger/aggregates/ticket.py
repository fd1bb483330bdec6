"""A ticket's time entries: which entry keys were booked on one ticket, so they can be listed and named.

Why an aggregate: ``work show --ticket`` and ``work reverse --ticket`` must find every entry on a
ticket from the write side alone (projections may lag). Only entries with their own ``--entry`` key
are indexed here; the entry keyed by the ticket itself is found by its natural id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from ledger.aggregates.ids import natural_id
from ledger.aggregates.record import Record
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

ENTRIES_PER_TICKET_MAX = 10_000
"""How many time entries one ticket may carry."""


class Ticket(Record):
    """The time entries booked on one ticket of one customer."""

    class Opened(Record.Created):
        """A ticket got its first time entry with an id of its own."""

        customer: str
        ticket: str

    class EntryAdded(Record.Event):
        """A time entry (``entry``, its own id) was booked on the ticket."""

        entry: str

    @staticmethod
    def create_id(customer: str, ticket: str) -> UUID:
        return natural_id("ticket", customer, ticket)

    @event(Opened)
    def __init__(self, customer: str, ticket: str, actor: str, effective_at: datetime) -> None:
        self.customer = customer
        self.ticket = ticket
        self.entries: list[str] = []

    def add(self, entry: str, actor: str, effective_at: datetime) -> None:
        """Index ``entry`` on this ticket (once)."""
        if entry in self.entries:
            return
        if len(self.entries) >= ENTRIES_PER_TICKET_MAX:
            msg = f"ticket {self.ticket!r} already has {ENTRIES_PER_TICKET_MAX} entries"
            raise InvalidInputError("ticket", msg)
        self._entry_added(entry=entry, actor=actor, effective_at=effective_at)

    @event(EntryAdded)
    def _entry_added(self, entry: str, actor: str, effective_at: datetime) -> None:
        self.entries.append(entry)
