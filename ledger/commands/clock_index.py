"""Reading and extending the clock index (an ``EventSourcedLog`` of aggregate ids).

An entry is appended in the same ``save()`` as the aggregate's event that first needed the clock:
both commit or neither does. Two racing writers collide on the log's version (and on the
aggregate's), the loser retries and finds the aggregate indexed already.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from eventsourcing.application import EventSourcedLog

from ledger.aggregates.clock_index import CLOCK_INDEX_ID, ClockIndexed

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from eventsourcing.domain import Aggregate
    from eventsourcing.persistence import EventStore

INDEX_PAGE_SIZE = 1000
"""Entries read per query while walking the index."""
INDEX_ENTRIES_MAX = 1_000_000
"""More aggregates with time-driven facts than this is a bug, not a customer base."""


class HasEvents(Protocol):
    """The application, or a unit of work: what the index's log is kept in."""

    @property
    def events(self) -> EventStore[UUID]: ...


class ClockIndex:
    """The aggregates the clock must visit, in the order they were indexed."""

    def __init__(self, store: HasEvents) -> None:
        self.log: EventSourcedLog[ClockIndexed] = EventSourcedLog(store.events, CLOCK_INDEX_ID, ClockIndexed)

    def entry(self, aggregate: Aggregate, actor: str, effective_at: datetime) -> ClockIndexed:
        """A new entry for ``aggregate``; save it together with the aggregate's new events."""
        return self.log.trigger_event(
            aggregate_id=aggregate.id,
            kind=type(aggregate).__name__,
            actor=actor,
            effective_at=effective_at,
        )

    def aggregate_ids(self) -> list[UUID]:
        """Every indexed aggregate once, oldest entry first."""
        seen: dict[UUID, None] = {}
        position: int | None = None
        while len(seen) < INDEX_ENTRIES_MAX:
            page = list(self.log.get(gt=position, limit=INDEX_PAGE_SIZE))
            for logged in page:
                seen.setdefault(logged.aggregate_id, None)
            if len(page) < INDEX_PAGE_SIZE:
                break
            position = page[-1].originator_version
        return list(seen)


def newly_indexed(
    store: HasEvents,
    aggregate: Aggregate,
    *,
    needed_before: bool,
    needs_now: bool,
    actor: str,
    effective_at: datetime,
) -> list[ClockIndexed]:
    """The index entry to save with ``aggregate`` when it has just started to need the clock."""
    if needs_now and not needed_before:
        return [ClockIndex(store).entry(aggregate, actor, effective_at)]
    return []
