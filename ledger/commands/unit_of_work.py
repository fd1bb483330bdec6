"""Units of work: what a handler loads aggregates from and saves them to.

A handler is ``load → decide → save`` against a :class:`UnitOfWork`; it never commits, retries or
reads the clock. The bus opens the unit, runs the handler and commits it:

- :class:`CommandUnit`, one command: ``save`` appends at once through the application, inside the
  command cache's block (so the aggregates it lent stay cached, and the append carries the read
  condition of what the command decided on);
- :class:`BatchUnit`, a bulk import: ``save`` only remembers; an identity map answers loads, so a
  row sees what earlier rows of the batch did (the card a purchase opened, the debit of the work
  before), and ``commit`` appends every changed aggregate of the batch in one transaction. A lost
  race surfaces there as ``IntegrityError``; the bus re-runs the whole batch from fresh state.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from eventsourcing.domain import Aggregate

from ledger.aggregates.customer import Customer
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.eventstore.application import CustomerLookups, checked_kind
from ledger.eventstore.recorded_ids import IDS_PER_QUERY_MAX, recorded_ids

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Sequence
    from uuid import UUID

    from eventsourcing.persistence import EventStore

    from ledger.eventstore.application import LedgerApplication

A = TypeVar("A", bound=Aggregate)

_UNSEEN: Any = object()
"""Marks an id the batch has not looked up yet (None is an aggregate known to have no events)."""
CARRIED_MAX = 5_000
"""Aggregates carried from one batch to the next at most; beyond, the next batch starts empty."""


class Reader(Protocol):
    """What a lookup needs: the application and every unit of work answer it."""

    def get_or_none(self, aggregate_id: UUID, kind: type[A]) -> A | None: ...

    def customer(self, slug: str) -> Customer: ...

    def card(self, slug: str) -> Strippenkaart | None: ...


class UnitOfWork(Reader, Protocol):
    """Loads and saves of one command (or one batch of them); the bus commits it."""

    app: LedgerApplication
    """The store behind the unit, for what is not an aggregate (the log's position, the clock index)."""

    @property
    def events(self) -> EventStore[UUID]: ...

    def prefetched(
        self, aggregate_ids: Sequence[UUID], creates: Sequence[UUID] = ()
    ) -> AbstractContextManager[None]: ...

    def save(self, *objects: Any) -> None: ...

    def commit(self) -> None: ...


class CommandUnit:
    """One command's unit: loads through the command cache, saves append at once (conditionally)."""

    def __init__(self, app: LedgerApplication) -> None:
        self.app = app

    @property
    def events(self) -> EventStore[UUID]:
        return self.app.events

    def prefetched(
        self, aggregate_ids: Sequence[UUID], creates: Sequence[UUID] = ()
    ) -> AbstractContextManager[None]:
        return self.app.prefetched(aggregate_ids, creates)

    def get_or_none(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        return self.app.get_or_none(aggregate_id, kind)

    def customer(self, slug: str) -> Customer:
        return self.app.customer(slug)

    def card(self, slug: str) -> Strippenkaart | None:
        return self.app.card(slug)

    def save(self, *objects: Any) -> None:
        """Append now: a handler saves once, and inside its prefetched block when it has one."""
        self.app.save(*objects)

    def commit(self) -> None:
        """Nothing left: every save was appended (one transaction each, all or nothing)."""


class BatchUnit(CustomerLookups):
    """A bulk import's unit: saves collected, appended in one transaction by :meth:`commit`."""

    def __init__(self, app: LedgerApplication, carried: BatchUnit | None = None) -> None:
        """``carried``: a committed batch whose aggregates this one may start from, saving a load
        of each (a card with many entries is the costly one). If another writer changed one in
        between, the commit fails on its version and the bus re-runs without ``carried``."""
        self.app = app
        self._seen: dict[UUID, Aggregate | None] = {}
        if carried is not None and not carried.pending and len(carried._seen) <= CARRIED_MAX:
            self._seen.update(carried._seen)
        self._changed: dict[UUID, Aggregate] = {}
        self._loose: list[Any] = []

    @property
    def events(self) -> EventStore[UUID]:
        return self.app.events

    @property
    def must_commit(self) -> bool:
        """A handler saved a loose event (a clock-index entry): its log reads its next version from
        the store, so a second entry before this one is committed would collide with it."""
        return bool(self._loose)

    @property
    def pending(self) -> int:
        """Changed aggregates not yet committed."""
        return len(self._changed)

    def prefetch(self, aggregate_ids: Collection[UUID]) -> None:
        """Learn in one query per :data:`IDS_PER_QUERY_MAX` ids which of them have no events yet,
        so that looking them up later in the batch costs nothing (a ticket's idempotency check)."""
        unknown = [aggregate_id for aggregate_id in aggregate_ids if aggregate_id not in self._seen]
        for start in range(0, len(unknown), IDS_PER_QUERY_MAX):
            page = unknown[start : start + IDS_PER_QUERY_MAX]
            recorded = recorded_ids(self.app.recorder, page)
            if recorded is None:
                return
            for aggregate_id in page:
                if aggregate_id not in recorded:
                    self._seen[aggregate_id] = None

    @contextmanager
    def prefetched(self, aggregate_ids: Sequence[UUID], creates: Sequence[UUID] = ()) -> Iterator[None]:
        """Read in one query what the batch has not seen yet (a customer's first work row reads
        its card, contract, packs, rate card …: one round trip instead of one each); the batch's
        identity map answers the rest and wins over the store (an aggregate changed earlier in
        the batch is not stored yet)."""
        unseen = [aggregate_id for aggregate_id in aggregate_ids if aggregate_id not in self._seen]
        if unseen:
            self._seen.update(self.app.read_many(unseen))
        yield

    def get_or_none(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        # One lookup, not two: hashing a UUID is a Python call, and a row looks up some seven.
        aggregate = self._seen.get(aggregate_id, _UNSEEN)
        if aggregate is _UNSEEN:
            aggregate = self.app.get_or_none(aggregate_id, Aggregate)
            self._seen[aggregate_id] = aggregate
        return checked_kind(aggregate_id, aggregate, kind)

    def save(self, *objects: Any) -> None:
        """Remember what a handler saved; nothing reaches the store until :meth:`commit`."""
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
