"""The read condition an append may carry, and the conflict it raises when it fails."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import IntegrityError

ReadCondition = tuple[Sequence[UUID], Sequence[int]]
"""(ids of the aggregates a command read, the version of each it decided on; 0: it had none).

The append is refused if any of them has an event after that version: the "expected version" of
every aggregate the decision rests on, not only of those it writes."""


class ReadSetChangedError(IntegrityError):
    """An aggregate the command read has an event after the version the command decided on.

    An ``IntegrityError`` like a version conflict, so the command is re-run on fresh state."""
