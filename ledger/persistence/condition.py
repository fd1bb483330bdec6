"""The read condition an append may carry, and the conflict it raises when it fails."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import IntegrityError

ReadCondition = tuple[Sequence[UUID], int]
"""(ids of the aggregates a command read, the log position up to which it knows them)."""


class ReadSetChangedError(IntegrityError):
    """An aggregate the command read was changed by another writer after the position it knew.

    An ``IntegrityError`` like a version conflict, so the command is re-run on fresh state."""
