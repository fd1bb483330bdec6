"""The servicedesk contract of a customer: which tier is in force at any moment, past or future.

The contract is a timeline of dated changes (start, tier change, end). A question about a past
moment is answered by the changes effective by then, however the contract changed later; a change
may be recorded after the moment it takes effect (backdated), and the history shows both times.
A change is refused when the timeline it would produce makes no sense read in effective order:
starting while a contract is in force, changing or ending while none is, or a backdated change
that would leave a later recorded change without the contract it assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from eventsourcing.domain import event

from ledger.aggregates.record import CustomerRecord, DatedChange
from ledger.aggregates.strippenkaart import LedgerInvariantError
from ledger.aggregates.timeline import Change, TimelineRecord, in_effect_order, is_backdated, up_to
from ledger.domain.admin_access import Period
from ledger.domain.service_window import Tier
from ledger.domain.time import describe_instant
from ledger.errors import (
    ContractInForceError,
    HistoryConflictError,
    InvalidInputError,
    NoContractInForceError,
)

if TYPE_CHECKING:
    pass

STARTED, CHANGED, ENDED = "started", "tier-changed", "ended"
_DOING = {STARTED: "starting a contract", CHANGED: "changing the tier", ENDED: "ending the contract"}
FIELD = "effective_from"


@dataclass(frozen=True)
class ContractChange:
    """One entry of the history: what changed, effective when, recorded when and by whom."""

    change: str
    tier: Tier | None
    effective_at: datetime
    recorded_at: datetime
    actor: str
    backdated: bool


class ServicedeskContract(TimelineRecord):
    """A customer's servicedesk contract (Basis 10x5 or Comfort 24x7) over time."""

    KIND = "servicedesk-contract"
    CHANGES_MAX = 1000
    """A contract changes a few times a year; a thousand changes is a runaway script."""
    FULL = "the contract of {customer} already has {limit} changes"

    class Opened(CustomerRecord.Opened):
        """The contract record of a customer was opened; its first start follows at once."""

    class Started(DatedChange):
        """A contract of ``tier`` starts at ``effective_at`` (recorded at ``recorded_at``)."""

        tier: str

    class TierChanged(DatedChange):
        """The contract in force moves to ``tier`` from ``effective_at`` on."""

        tier: str

    class Ended(DatedChange):
        """The contract in force ends at ``effective_at``: from then on there is none."""

    @event(Opened)
    def __init__(self, customer: str, actor: str, effective_at: datetime) -> None:
        self.customer = customer
        self.changes: list[Change] = []

    # --- questions -----------------------------------------------------------------------------

    def tier_at(self, at: datetime) -> Tier | None:
        """The tier in force at ``at``, or None when no contract is."""
        in_force = up_to(self.changes, at)
        if not in_force:
            return None
        tier = in_force[-1]["tier"]
        return None if tier is None else Tier(tier)

    def in_force_periods(self) -> list[Period]:
        """The stretches with this contract in force, read at each moment something changed: what
        an admin grant must lie within.

        Tier changes do not break a stretch, and neither does an end and a new start at the same moment
        (the contract is in force at that moment, so there is no moment without one).
        """
        moments = sorted({change.effective_at for change in self.history()})
        periods: list[Period] = []
        start: datetime | None = None
        for moment in moments:
            in_force = self.tier_at(moment) is not None
            if in_force and start is None:
                start = moment
            elif not in_force and start is not None:
                periods.append(Period(start=start, end=moment))
                start = None
        if start is not None:
            periods.append(Period(start=start, end=None))
        return periods

    def history(self) -> list[ContractChange]:
        """Every change in effective order (ties: in the order recorded)."""
        return [
            ContractChange(
                change=change["change"],
                tier=None if change["tier"] is None else Tier(change["tier"]),
                effective_at=change["effective_at"],
                recorded_at=change["recorded_at"],
                actor=change["actor"],
                backdated=is_backdated(change),
            )
            for change in in_effect_order(self.changes)
        ]

    # --- decisions: validate, then record; False means "exactly this is already recorded" -------

    def start(self, tier: Tier, actor: str, effective_at: datetime, recorded_at: datetime) -> bool:
        if self._already(STARTED, tier, effective_at):
            return False
        self._check(STARTED, tier, effective_at)
        self._started(tier=tier.value, recorded_at=recorded_at, actor=actor, effective_at=effective_at)
        return True

    def change_tier(self, tier: Tier, actor: str, effective_at: datetime, recorded_at: datetime) -> bool:
        if self._already(CHANGED, tier, effective_at):
            return False
        current = self.tier_at(effective_at)
        if current is tier:
            msg = f"the contract of {self.customer!r} is already {tier} at {describe_instant(effective_at)}"
            raise InvalidInputError("tier", msg)
        self._check(CHANGED, tier, effective_at)
        self._tier_changed(tier=tier.value, recorded_at=recorded_at, actor=actor, effective_at=effective_at)
        return True

    def end(self, actor: str, effective_at: datetime, recorded_at: datetime) -> bool:
        if self._already(ENDED, None, effective_at):
            return False
        self._check(ENDED, None, effective_at)
        self._ended(recorded_at=recorded_at, actor=actor, effective_at=effective_at)
        return True

    def _already(self, kind: str, tier: Tier | None, effective_at: datetime) -> bool:
        return self._is_recorded(kind, effective_at, tier=None if tier is None else tier.value)

    def _check(self, kind: str, tier: Tier | None, effective_at: datetime) -> None:
        self._check_room()
        candidate = self._candidate(kind, effective_at, tier=None if tier is None else tier.value)
        problem = first_problem([*self.changes, candidate])
        if problem is None:
            return
        change, in_force = problem
        when = describe_instant(effective_at)
        if change is candidate and kind == STARTED:
            msg = f"a {in_force} contract is already in force for {self.customer!r} at {when}"
            raise ContractInForceError(FIELD, msg)
        if change is candidate:
            msg = f"no servicedesk contract is in force for {self.customer!r} at {when}; start one first"
            raise NoContractInForceError(FIELD, msg)
        found = f"a {in_force} contract" if in_force else "no contract"
        msg = (
            f"{_DOING[kind]} at {when} contradicts the change recorded for "
            f"{describe_instant(change['effective_at'])} ({change['change']}), which would then find "
            f"{found} in force"
        )
        raise HistoryConflictError(FIELD, msg)

    # --- mutators: replayed on every load, so they only apply and re-check ---------------------

    @event(Started)
    def _started(self, tier: str, recorded_at: datetime, actor: str, effective_at: datetime) -> None:
        self._append(STARTED, tier, recorded_at, actor, effective_at)

    @event(TierChanged)
    def _tier_changed(self, tier: str, recorded_at: datetime, actor: str, effective_at: datetime) -> None:
        self._append(CHANGED, tier, recorded_at, actor, effective_at)

    @event(Ended)
    def _ended(self, recorded_at: datetime, actor: str, effective_at: datetime) -> None:
        self._append(ENDED, None, recorded_at, actor, effective_at)

    def _append(
        self, kind: str, tier: str | None, recorded_at: datetime, actor: str, effective_at: datetime
    ) -> None:
        self._append_change(kind, recorded_at, actor, effective_at, tier=tier)
        if first_problem(self.changes) is not None:
            msg = f"contract of {self.customer!r}: stored history contradicts itself at change {kind}"
            raise LedgerInvariantError(msg)


def first_problem(changes: list[Change]) -> tuple[Change, str | None] | None:
    """The first change that makes no sense in effective order, with the tier in force before it."""
    tier: str | None = None
    for change in in_effect_order(changes):
        starts = change["change"] == STARTED
        if (starts and tier is not None) or (not starts and tier is None):
            return change, tier
        tier = change["tier"]
    return None
