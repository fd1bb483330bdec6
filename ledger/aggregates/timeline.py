"""Dated changes kept as a list: what is in force at a moment is the latest change up to it.

Why a list and not "current state": questions are asked about past moments ("which tier applied
when this work was done?") and changes may be recorded after the fact, so the state at a moment
is derived from every change whose effective time is at or before it. Changes with the same
effective time are applied in the order they were recorded: the later-recorded one wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from ledger.aggregates.record import CustomerRecord
from ledger.domain.time import AMSTERDAM
from ledger.errors import InvalidInputError

Change = dict[str, Any]
"""``{"sequence": int, "effective_at": datetime, "recorded_at": datetime, "actor": str, ...}``:
JSON-transcodable so aggregates holding changes can be snapshotted."""


def in_effect_order(changes: Iterable[Change]) -> list[Change]:
    """Changes by effective time, ties by the order they were recorded."""
    return sorted(changes, key=lambda change: (change["effective_at"], change["sequence"]))


def up_to(changes: Iterable[Change], at: datetime) -> list[Change]:
    """The changes in force by ``at`` (effective at or before it), in effect order."""
    return [change for change in in_effect_order(changes) if change["effective_at"] <= at]


def is_backdated(change: Change) -> bool:
    """Recorded on a later Amsterdam day than it took effect: someone corrected the past."""
    effective_day = change["effective_at"].astimezone(AMSTERDAM).date()
    return bool(effective_day < change["recorded_at"].astimezone(AMSTERDAM).date())


class TimelineRecord(CustomerRecord):
    """A customer record kept as a list of dated changes (contract, beheerpacks, rate card).

    Each change is stored with its place in the recording order (``sequence``), its kind, its terms
    and both times; subclasses decide what makes sense and what a change means.
    """

    CHANGES_MAX: ClassVar[int]
    """A runaway script's ceiling: far above what a customer's record sees in its lifetime."""
    FULL: ClassVar[str]
    """The refusal once ``CHANGES_MAX`` is reached, with ``{customer}`` and ``{limit}``."""

    if TYPE_CHECKING:  # set by each subclass's first event; not declared at run time, where the
        customer: str  # library would read class annotations as an aggregate's dataclass fields
        changes: list[Change]

    def _is_recorded(self, kind: str, effective_at: datetime, **terms: object) -> bool:
        """Exactly this change (kind, terms, effective time) is recorded already: a repeat."""
        return any(
            change["change"] == kind
            and change["effective_at"] == effective_at
            and all(change.get(name) == value for name, value in terms.items())
            for change in self.changes
        )

    def _check_room(self) -> None:
        if len(self.changes) >= self.CHANGES_MAX:
            msg = self.FULL.format(customer=repr(self.customer), limit=self.CHANGES_MAX)
            raise InvalidInputError("effective_from", msg)

    def _candidate(self, kind: str, effective_at: datetime, **terms: object) -> Change:
        """The change as it would be stored, to test the timeline it would make before recording it."""
        return {"sequence": len(self.changes), "change": kind, **terms, "effective_at": effective_at}

    def _append_change(
        self, kind: str, recorded_at: datetime, actor: str, effective_at: datetime, **terms: object
    ) -> None:
        self.changes.append(
            {**self._candidate(kind, effective_at, **terms), "recorded_at": recorded_at, "actor": actor}
        )
