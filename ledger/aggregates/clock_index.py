"""The clock index: which aggregates have facts that fall due with time alone.

Why an index: the clock runs every minute and must not scan the whole event log to find the few
cards with a monthly plan or an expiring block. An aggregate is entered once, in the same
transaction as the event that first gave it such a fact, so it cannot be missed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import DomainEvent

from ledger.aggregates.ids import natural_id

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

CLOCK_INDEX_ID = natural_id("clock-index")
"""The index is one event-sourced log under this fixed id."""


class ClockIndexed(DomainEvent):
    """An aggregate got its first fact that falls due with time; the clock visits it from now on."""

    aggregate_id: UUID
    kind: str
    actor: str
    effective_at: datetime
