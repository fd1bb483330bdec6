"""A customer's beheerpacks: which managed-service pack covers which component, at any moment.

Kept as a timeline of dated additions and removals (see :mod:`ledger.aggregates.timeline`), so
work is judged by the packs active at its own moment. One component is covered by at most one
active pack at a time: otherwise "who pays" would have two answers and the customer would be
paying twice for the same component.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from eventsourcing.domain import event

from ledger.aggregates.record import CustomerRecord, DatedChange
from ledger.aggregates.strippenkaart import LedgerInvariantError
from ledger.aggregates.timeline import Change, TimelineRecord, in_effect_order, is_backdated, up_to
from ledger.domain.names import normalize_label
from ledger.domain.time import describe_instant
from ledger.errors import (
    ComponentCoveredError,
    HistoryConflictError,
    InvalidInputError,
    PackActiveError,
    PackNotActiveError,
    TimelineError,
)

if TYPE_CHECKING:
    pass

ADDED, REMOVED = "added", "removed"
FIELD = "effective_from"
COMPONENTS_PER_PACK_MAX = 50


@dataclass(frozen=True)
class PackChange:
    """One entry of the history of the customer's packs."""

    change: str
    pack: str
    components: tuple[str, ...]
    effective_at: datetime
    recorded_at: datetime
    actor: str
    backdated: bool


class BeheerpackPortfolio(TimelineRecord):
    """The beheerpacks of one customer over time."""

    KIND = "beheerpacks"
    CHANGES_MAX = 2000
    FULL = "the beheerpacks of {customer} already have {limit} changes"

    class Opened(CustomerRecord.Opened):
        """The beheerpack record of a customer was opened; its first pack follows at once."""

    class PackAdded(DatedChange):
        """Beheerpack ``pack`` covers ``components`` from ``effective_at`` on."""

        pack: str
        components: list[str]

    class PackRemoved(DatedChange):
        """Beheerpack ``pack`` no longer covers anything from ``effective_at`` on."""

        pack: str

    @event(Opened)
    def __init__(self, customer: str, actor: str, effective_at: datetime) -> None:
        self.customer = customer
        self.changes: list[Change] = []

    # --- questions -----------------------------------------------------------------------------

    def active_at(self, at: datetime) -> dict[str, tuple[str, ...]]:
        """Pack name → the components it covers, for the packs active at ``at`` (sorted by name)."""
        active = _replay(up_to(self.changes, at))
        return {pack: tuple(active[pack]) for pack in sorted(active)}

    def covering(self, component: str, at: datetime) -> str | None:
        """The active pack covering ``component`` at ``at``, if any (there is at most one)."""
        wanted = normalize_label(component, "component")
        for pack, components in self.active_at(at).items():
            if wanted in components:
                return pack
        return None

    def history(self) -> list[PackChange]:
        return [
            PackChange(
                change=change["change"],
                pack=change["pack"],
                components=tuple(change["components"]),
                effective_at=change["effective_at"],
                recorded_at=change["recorded_at"],
                actor=change["actor"],
                backdated=is_backdated(change),
            )
            for change in in_effect_order(self.changes)
        ]

    # --- decisions: validate, then record; False means "exactly this is already recorded" -------

    def add(
        self, pack: str, components: list[str], actor: str, effective_at: datetime, recorded_at: datetime
    ) -> bool:
        pack = normalize_label(pack, "pack")
        covered = _components(components)
        if self._already(ADDED, pack, covered, effective_at):
            return False
        self._check(ADDED, pack, covered, effective_at)
        self._pack_added(
            pack=pack, components=covered, recorded_at=recorded_at, actor=actor, effective_at=effective_at
        )
        return True

    def remove(self, pack: str, actor: str, effective_at: datetime, recorded_at: datetime) -> bool:
        pack = normalize_label(pack, "pack")
        if self._already(REMOVED, pack, [], effective_at):
            return False
        self._check(REMOVED, pack, [], effective_at)
        self._pack_removed(pack=pack, recorded_at=recorded_at, actor=actor, effective_at=effective_at)
        return True

    def _already(self, kind: str, pack: str, components: list[str], effective_at: datetime) -> bool:
        return self._is_recorded(kind, effective_at, pack=pack, components=components)

    def _check(self, kind: str, pack: str, components: list[str], effective_at: datetime) -> None:
        self._check_room()
        candidate = self._candidate(kind, effective_at, pack=pack, components=components)
        problem = first_problem([*self.changes, candidate])
        if problem is None:
            return
        change, error = problem
        if change is candidate:
            raise error
        msg = (
            f"{'adding' if kind == ADDED else 'removing'} {pack!r} at {describe_instant(effective_at)} "
            f"contradicts the change recorded for {describe_instant(change['effective_at'])} "
            f"({change['pack']!r} {change['change']}): {error.reason}"
        )
        raise HistoryConflictError(FIELD, msg)

    # --- mutators: replayed on every load, so they only apply and re-check ---------------------

    @event(PackAdded)
    def _pack_added(
        self, pack: str, components: list[str], recorded_at: datetime, actor: str, effective_at: datetime
    ) -> None:
        self._append(ADDED, pack, components, recorded_at, actor, effective_at)

    @event(PackRemoved)
    def _pack_removed(self, pack: str, recorded_at: datetime, actor: str, effective_at: datetime) -> None:
        self._append(REMOVED, pack, [], recorded_at, actor, effective_at)

    def _append(
        self,
        kind: str,
        pack: str,
        components: list[str],
        recorded_at: datetime,
        actor: str,
        effective_at: datetime,
    ) -> None:
        self._append_change(kind, recorded_at, actor, effective_at, pack=pack, components=list(components))
        if first_problem(self.changes) is not None:
            msg = f"beheerpacks of {self.customer!r}: stored history contradicts itself at {pack!r}"
            raise LedgerInvariantError(msg)


def first_problem(changes: list[Change]) -> tuple[Change, TimelineError] | None:
    """The first change that makes no sense in effective order, and the error it would raise."""
    active: dict[str, list[str]] = {}
    for change in in_effect_order(changes):
        pack, when = change["pack"], describe_instant(change["effective_at"])
        if change["change"] == REMOVED:
            if pack not in active:
                return change, PackNotActiveError(FIELD, f"beheerpack {pack!r} is not active at {when}")
            del active[pack]
            continue
        if pack in active:
            return change, PackActiveError(FIELD, f"beheerpack {pack!r} is already active at {when}")
        for other, covered in active.items():
            shared = sorted(set(covered) & set(change["components"]))
            if shared:
                msg = f"{', '.join(shared)} is already covered by beheerpack {other!r} at {when}"
                return change, ComponentCoveredError("components", msg)
        active[pack] = list(change["components"])
    return None


def _replay(changes: list[Change]) -> dict[str, list[str]]:
    active: dict[str, list[str]] = {}
    for change in changes:
        if change["change"] == ADDED:
            active[change["pack"]] = list(change["components"])
        else:
            active.pop(change["pack"], None)
    return active


def _components(components: list[str]) -> list[str]:
    """Normalised, de-duplicated, sorted: the same set always records the same way."""
    normalized = sorted({normalize_label(component, "components") for component in components})
    if not normalized:
        raise InvalidInputError("components", "name at least one component the pack covers")
    if len(normalized) > COMPONENTS_PER_PACK_MAX:
        msg = f"{len(normalized)} components; the maximum per pack is {COMPONENTS_PER_PACK_MAX}"
        raise InvalidInputError("components", msg)
    return normalized
