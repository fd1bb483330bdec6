"""A unit of work for bulk writes: the handlers' ``save`` calls collected, committed once per batch.

Why: a bulk import runs the very same handlers as the single commands (same validation, same
decisions), but one transaction per row would make it as slow as typing the history in. The
batch stands in for the application: ``get_or_none`` answers from an identity map first, so a row
sees what earlier rows of the same batch did (the card a purchase opened, the debit of the work
before), and ``commit`` saves every changed aggregate in one ``app.save`` (one transaction). A
lost race surfaces there as ``IntegrityError``; the caller re-runs the batch from fresh state.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

from eventsourcing.domain import Aggregate

from ledger.aggregates.customer import Customer
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.commands.recorded import recorded_ids
from ledger.errors import UnknownCustomerError

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Sequence
    from uuid import UUID

    from eventsourcing.persistence import EventStore

    from ledger.commands.application import LedgerApplication

A = TypeVar("A", bound=Aggregate)

CARRIED_MAX = 5_000
"""Aggregates carried from one batch to the next at most; beyond, the next batch starts empty."""


class BatchingApplication:
    """The part of :class:`LedgerApplication` the command handlers use, with deferred saving."""

    def __init__(self, app: LedgerApplication, carried: BatchingApplication | None = None) -> None:
        """``carried``: a committed batch whose aggregates this one may start from, saving a load
        of each (a card with many entries is the costly one). If another writer changed one in
        between, the commit fails on its version and the caller re-runs without ``carried``."""
        self.app = app
        self.events: EventStore[UUID] = app.events
        """For the clock index's log; see :attr:`must_commit`."""
        self._seen: dict[UUID, Aggregate | None] = {}
        if carried is not None and not carried.pending and len(carried._seen) <= CARRIED_MAX:
            self._seen.update(carried._seen)
        self._changed: dict[UUID, Aggregate] = {}
        self._loose: list[Any] = []

    @property
    def must_commit(self) -> bool:
        """A handler saved a loose event (a clock-index entry): its log reads its next version from
        the store, so a second entry before this one is committed would collide with it."""
        return bool(self._loose)

    @property
    def pending(self) -> int:
        """Changed aggregates not yet committed."""
        return len(self._changed)

    def as_application(self) -> LedgerApplication:
        """This batch, typed as what the handlers take (they use only the methods defined here)."""
        return cast("LedgerApplication", self)

    def prefetch(self, aggregate_ids: Collection[UUID]) -> None:
        """Learn in one query which of these ids have no events yet, so that looking them up
        later in the batch costs nothing (a ticket's idempotency check, row after row)."""
        unknown = [aggregate_id for aggregate_id in aggregate_ids if aggregate_id not in self._seen]
        recorded = recorded_ids(self.app.recorder, unknown)
        if recorded is None:
            return
        for aggregate_id in unknown:
            if aggregate_id not in recorded:
                self._seen[aggregate_id] = None

    @contextmanager
    def prefetched(self, aggregate_ids: Sequence[UUID], creates: Sequence[UUID] = ()) -> Iterator[None]:
        """Nothing to do: the batch's identity map already answers, and must win over the store
        (an aggregate changed earlier in the batch is not stored yet)."""
        yield

    def get_or_none(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        if aggregate_id in self._seen:
            aggregate = self._seen[aggregate_id]
        else:
            aggregate = self.app.get_or_none(aggregate_id, Aggregate)
            self._seen[aggregate_id] = aggregate
        if aggregate is not None and not isinstance(aggregate, kind):
            msg = f"aggregate {aggregate_id} is a {type(aggregate).__name__}, not a {kind.__name__}"
            raise TypeError(msg)
        return aggregate

    def customer(self, slug: str) -> Customer:
        customer = self.get_or_none(Customer.create_id(slug), Customer)
        if customer is None:
            raise UnknownCustomerError(slug)
        return customer

    def card(self, slug: str) -> Strippenkaart | None:
        return self.get_or_none(Strippenkaart.create_id(slug), Strippenkaart)

    def save(self, *objects: Any) -> None:
        """Remember what a handler would have saved; nothing reaches the store until :meth:`commit`."""
        for item in objects:
            if isinstance(item, Aggregate):
                self._seen[item.id] = item
                self._changed[item.id] = item
            elif item is not None:
                self._loose.append(item)

    def commit(self) -> None:
        """Save every changed aggregate of the batch in one transaction (all or nothing)."""
        if self._changed or self._loose:
            self.app.save(*self._changed.values(), *self._loose)
        self._changed.clear()
        self._loose.clear()
