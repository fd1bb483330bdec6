"""A beheeraccount (admin account) of one customer: who asked for which admin tasks, who granted
them, for when, and who suspended or revoked it.

The environment is locked by default: an account can do nothing until a grant is in force. The
account is a timeline of dated changes (see :mod:`ledger.aggregates.timeline`), so "what could this
account do at moment T" is answered from the changes effective by T, however late they were
recorded. The rules a security officer relies on:

- **Four-eyes wherever access widens**: a grant answers the open request (there is no grant
  without one) and covers no task that was not requested; a scope change that adds tasks answers
  a new request in the same way. The approver is neither the requester nor the account's holder.
  One request is open at a time: a second one is refused until the first is granted or withdrawn,
  so nobody can swap the requester of a request someone else is about to approve. Each approval
  records the RFC it was decided under. Narrowing, suspending and revoking take one person.
- **Resuming** a suspended account widens it again, so neither its holder nor the requester of its
  grant may do it (the role table adds: only a security officer).
- Actors reach the aggregate as person ids (:func:`ledger.domain.identity.person_id`), so two
  spellings of one person compare equal.
- **Validity**: a grant holds from ``valid_from`` up to, not including, ``valid_until``. A newer
  grant replaces the one before it from its own ``valid_from`` on.
- **Revocation** ends the grant in force from its effective time on, however late it is recorded,
  and also cancels grants recorded before it that would start later: revoked means nothing left.
  A grant after a revocation must start at or after it (and needs its own request or decision).
- **Suspension** pauses the account from its effective time until a resumption; the grant keeps its
  validity, so a resumed account has what it had unless that expired meanwhile.
- **Expiry** needs no event to take effect; the clock may record it (:meth:`AdminAccount.expire`)
  so the history shows it, and :meth:`AdminAccount.expiring_between` lists what is due.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from eventsourcing.domain import event

from ledger.aggregates.ids import natural_id
from ledger.aggregates.record import DatedChange, Record
from ledger.aggregates.timeline import Change, in_effect_order, is_backdated, up_to
from ledger.domain.admin_access import AccountState, Grant, Period, Request, Standing
from ledger.domain.time import EARLIEST, describe_instant
from ledger.errors import AdminGrantError, FourEyesError, InvalidInputError, NoContractInForceError

WITHDRAWN = "withdrawn"

if TYPE_CHECKING:
    from uuid import UUID

REQUESTED, GRANTED, SCOPE_CHANGED = "requested", "granted", "scope-changed"
SUSPENDED, RESUMED, REVOKED, EXPIRED = "suspended", "resumed", "revoked", "expired"
CHANGES_MAX = 500
"""An account changes a few times a year; hundreds of changes is a runaway script."""
JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class GrantExpiry:
    """A grant that runs out at ``valid_until`` (it was in force right before), for the clock."""

    customer: str
    account: str
    grant: int
    tasks: tuple[str, ...]
    valid_until: datetime
    recorded: bool


class AdminAccount(Record):
    """One admin account of one customer, known by (customer, account name)."""

    class Opened(Record.Created):
        """The record of an admin account was opened; its first request or grant follows at once."""

        customer: str
        account: str

    class Requested(DatedChange):
        """Customer contact ``actor`` asked for ``tasks`` (``asked`` as typed) because ``justification``,
        for the account held by ``holder`` (None in logs from before holders were recorded)."""

        number: int
        asked: list[str]
        tasks: list[str]
        justification: str
        holder: str | None = None

    class Withdrawn(DatedChange):
        """The open request ``request`` was withdrawn unanswered."""

        request: int
        reason: str

    class Granted(DatedChange):
        """Provider staff ``actor`` granted ``tasks`` from ``effective_at`` until ``valid_until``
        (None: open-ended), answering request ``request`` (None: granted without a request)."""

        number: int
        asked: list[str]
        tasks: list[str]
        valid_until: datetime | None
        request: int | None
        rfc: str | None = None

    class ScopeChanged(DatedChange):
        """Grant ``grant`` covers ``tasks`` from ``effective_at`` on (a new version of the grant)."""

        grant: int
        asked: list[str]
        tasks: list[str]
        request: int | None
        reason: str
        rfc: str | None = None

    class Suspended(DatedChange):
        """The account can do nothing from ``effective_at`` until it is resumed."""

        reason: str

    class Resumed(DatedChange):
        """A suspension ends at ``effective_at``; the grant in force applies again."""

        reason: str

    class Revoked(DatedChange):
        """The account loses every grant from ``effective_at`` on, including grants scheduled later."""

        reason: str

    class Expired(DatedChange):
        """Grant ``grant`` ran out at ``effective_at`` (its valid_until); recorded by the clock."""

        grant: int

    class ExpiryWarned(Record.Event):
        """The clock found grant ``grant`` running out at ``valid_until``: warn the account manager,
        effective a week before (a warning, not a change of access: ``changes`` keeps no trace)."""

        grant: int
        valid_until: datetime

    expiry_warned: tuple[int, ...] = ()
    """Grants already warned about (class default: accounts and snapshots from before warnings)."""

    @staticmethod
    def create_id(customer: str, account: str) -> UUID:
        return natural_id("admin-account", customer, account)

    @event(Opened)
    def __init__(self, customer: str, account: str, actor: str, effective_at: datetime) -> None:
        self.customer = customer
        self.account = account
        self.changes: list[Change] = []
        self.requests = 0
        self.grants = 0
        self.pending_request: int | None = None
        self.holder: str | None = None

    # --- questions -----------------------------------------------------------------------------

    def state_at(self, at: datetime) -> AccountState:
        """The grant, suspension and revocation in force at ``at``."""
        return state_at(self.account, self.changes, at)

    def pending(self) -> Request | None:
        """The request no grant has answered yet, if any."""
        if self.pending_request is None:
            return None
        return _requests(self.changes)[self.pending_request]

    def history(self) -> list[Change]:
        """Every change in effective order, each with ``backdated``."""
        return [{**change, "backdated": is_backdated(change)} for change in in_effect_order(self.changes)]

    def expiring_between(self, start: datetime, end: datetime) -> list[GrantExpiry]:
        """Grants whose ``valid_until`` lies in [start, end) and that were in force right before it.

        The clock calls this to record expiries; an expiry needs no event to take effect, so a
        check after ``valid_until`` denies whether or not this was ever called.
        """
        recorded = {change["grant"] for change in self.changes if change["change"] == EXPIRED}
        due: list[GrantExpiry] = []
        for change in self.changes:
            until = change.get("valid_until") if change["change"] == GRANTED else None
            if until is None or not start <= until < end:
                continue
            grant = self.state_at(until - JUST_BEFORE).grant
            if grant is None or grant.number != change["number"]:
                continue
            due.append(
                GrantExpiry(
                    self.customer, self.account, grant.number, grant.tasks, until, grant.number in recorded
                )
            )
        return due

    # --- decisions: validate, then record ------------------------------------------------------

    def request(
        self,
        asked: list[str],
        tasks: list[str],
        justification: str,
        actor: str,
        effective_at: datetime,
        recorded_at: datetime,
        holder: str | None = None,
    ) -> int:
        """Record a request for ``tasks``; refused while another is open. Returns its number.

        The first request names the account's holder (default: the requester); later ones keep it.
        """
        self._room()
        pending = self.pending()
        if pending is not None:
            msg = (
                f"request #{pending.number} by {pending.requested_by} for {self.account!r} is still open; "
                "it must be granted or withdrawn before another is filed"
            )
            raise AdminGrantError("request", msg)
        if holder is not None and self.holder is not None and holder != self.holder:
            msg = f"admin account {self.account!r} is held by {self.holder}, not {holder}"
            raise AdminGrantError("holder", msg)
        number = self.requests + 1
        self._requested(
            number=number,
            asked=list(asked),
            tasks=list(tasks),
            justification=justification,
            recorded_at=recorded_at,
            actor=actor,
            effective_at=effective_at,
            holder=self.holder or holder or actor,
        )
        return number

    def withdraw(self, reason: str, actor: str, effective_at: datetime, recorded_at: datetime) -> int:
        """Withdraw the open request unanswered (it widens nothing, so one person may)."""
        self._room()
        pending = self.pending()
        if pending is None:
            msg = f"admin account {self.account!r} has no open request to withdraw"
            raise AdminGrantError("request", msg)
        self._withdrawn(
            request=pending.number,
            reason=reason,
            recorded_at=recorded_at,
            actor=actor,
            effective_at=effective_at,
        )
        return pending.number

    def grant(
        self,
        asked: list[str],
        tasks: list[str],
        valid_from: datetime,
        valid_until: datetime | None,
        contract: list[Period],
        actor: str,
        recorded_at: datetime,
        rfc: str,
    ) -> int:
        """Grant ``tasks`` from ``valid_from``, answering the open request, under RFC ``rfc``; the
        customer's contract must be in force then."""
        self._room()
        request = self._four_eyes(actor, tasks, "grant")
        if valid_until is not None and valid_until <= valid_from:
            msg = f"{describe_instant(valid_until)} is not after valid_from {describe_instant(valid_from)}"
            raise InvalidInputError("valid_until", msg)
        for revoked in self._revocations():
            if revoked["effective_at"] > valid_from:
                when = describe_instant(revoked["effective_at"])
                msg = (
                    f"admin account {self.account!r} is revoked at {when}; "
                    "a new grant must start at or after that"
                )
                raise AdminGrantError("valid_from", msg)
        if not any(period.contains(valid_from) for period in contract):
            msg = (
                f"no servicedesk contract is in force for {self.customer!r} at "
                f"{describe_instant(valid_from)}; admin access needs one"
            )
            raise NoContractInForceError("valid_from", msg)
        number = self.grants + 1
        self._granted(
            number=number,
            asked=list(asked),
            tasks=list(tasks),
            valid_until=valid_until,
            request=request,
            recorded_at=recorded_at,
            actor=actor,
            effective_at=valid_from,
            rfc=rfc,
        )
        return number

    def change_scope(
        self,
        asked: list[str],
        tasks: list[str],
        reason: str,
        actor: str,
        effective_at: datetime,
        recorded_at: datetime,
        rfc: str | None = None,
    ) -> int:
        """Give the grant in force at ``effective_at`` other tasks.

        Fewer tasks (narrowing) takes one person and no request. Any task added widens the
        account: that answers the open request, four-eyes as for a grant, under an RFC.
        """
        self._room()
        grant = self._grant_holding_at(effective_at, "change the scope of")
        if tuple(tasks) == grant.tasks:
            msg = f"grant #{grant.number} of {self.account!r} already covers exactly these tasks"
            raise AdminGrantError("task", msg)
        added = [task for task in tasks if task not in grant.tasks]
        request = None
        if added:
            if rfc is None:
                raise InvalidInputError(
                    "rfc", "adding tasks is a new approval: give the RFC it is decided under"
                )
            request = self._four_eyes(actor, added, "widen the scope")
        self._scope_changed(
            grant=grant.number,
            asked=list(asked),
            tasks=list(tasks),
            request=request,
            reason=reason,
            recorded_at=recorded_at,
            actor=actor,
            effective_at=effective_at,
            rfc=rfc if added else None,
        )
        return grant.number

    def suspend(self, reason: str, actor: str, effective_at: datetime, recorded_at: datetime) -> None:
        self._room()
        held = self.state_at(effective_at).suspension
        if held is not None:
            since = describe_instant(held.effective_at)
            msg = (
                f"admin account {self.account!r} is already suspended at "
                f"{describe_instant(effective_at)} (since {since})"
            )
            raise AdminGrantError("effective_from", msg)
        self._suspended(reason=reason, recorded_at=recorded_at, actor=actor, effective_at=effective_at)

    def resume(self, reason: str, actor: str, effective_at: datetime, recorded_at: datetime) -> None:
        """End a suspension; not by the account's holder, nor by the requester of its grant."""
        self._room()
        state = self.state_at(effective_at)
        if state.suspension is None:
            msg = f"admin account {self.account!r} is not suspended at {describe_instant(effective_at)}"
            raise AdminGrantError("effective_from", msg)
        grant = state.grant
        requester = None if grant is None or grant.request is None else grant.request.requested_by
        if actor in (self.holder, requester):
            who = "holds the account" if actor == self.holder else "requested its grant"
            msg = f"{actor} {who}; four-eyes: someone else must resume {self.account!r}"
            raise FourEyesError("actor", msg)
        self._resumed(reason=reason, recorded_at=recorded_at, actor=actor, effective_at=effective_at)

    def revoke(self, reason: str, actor: str, effective_at: datetime, recorded_at: datetime) -> None:
        """End every grant from ``effective_at`` on; refused when no grant holds then or later."""
        self._room()
        if not self._any_grant_from(effective_at):
            msg = (
                f"no grant of admin account {self.account!r} is in force at or after "
                f"{describe_instant(effective_at)}; nothing to revoke"
            )
            raise AdminGrantError("effective_from", msg)
        self._revoked(reason=reason, recorded_at=recorded_at, actor=actor, effective_at=effective_at)

    def expire(self, grant: int, actor: str, recorded_at: datetime) -> bool:
        """Record that ``grant`` ran out; False when already recorded. Only once it has run out."""
        due = [
            item for item in self.expiring_between(EARLIEST, recorded_at + JUST_BEFORE) if item.grant == grant
        ]
        if not due:
            msg = f"grant #{grant} of {self.account!r} has not run out by {describe_instant(recorded_at)}"
            raise AdminGrantError("grant", msg)
        if due[0].recorded:
            return False
        self._room()
        self._expired(grant=grant, recorded_at=recorded_at, actor=actor, effective_at=due[0].valid_until)
        return True

    def warn_expiring(self, until: datetime, ahead: timedelta, actor: str) -> list[GrantExpiry]:
        """Warn once about each grant that runs out within ``ahead`` after ``until``, effective
        ``ahead`` before ``valid_until``; a grant that has already run out gets no warning."""
        warned = []
        for due in self.expiring_between(EARLIEST, until + ahead + JUST_BEFORE):
            if due.recorded or due.grant in self.expiry_warned or due.valid_until <= until:
                continue
            self._expiry_warned(
                grant=due.grant,
                valid_until=due.valid_until,
                actor=actor,
                effective_at=due.valid_until - ahead,
            )
            warned.append(due)
        return warned

    @event(ExpiryWarned)
    def _expiry_warned(self, grant: int, valid_until: datetime, actor: str, effective_at: datetime) -> None:
        self.expiry_warned = (*self.expiry_warned, grant)

    def _room(self) -> None:
        if len(self.changes) >= CHANGES_MAX:
            msg = f"admin account {self.account!r} already has {CHANGES_MAX} changes"
            raise InvalidInputError("account", msg)

    def _four_eyes(self, actor: str, tasks: list[str], doing: str) -> int:
        """The open request this approval answers: there must be one, it must ask for every task
        added, and the approver is neither its requester nor the account's holder."""
        pending = self.pending()
        if pending is None:
            msg = (
                f"admin account {self.account!r} has no open request; four-eyes: to {doing}, "
                "someone files 'admin request' and another person approves it"
            )
            raise FourEyesError("request", msg)
        if pending.requested_by == actor:
            msg = (
                f"{actor} requested these tasks (request #{pending.number}); "
                "four-eyes: someone else must grant them"
            )
            raise FourEyesError("actor", msg)
        if actor == self.holder:
            msg = f"{actor} holds admin account {self.account!r}; four-eyes: someone else must grant it tasks"
            raise FourEyesError("actor", msg)
        unasked = [task for task in tasks if task not in pending.tasks]
        if unasked:
            msg = f"request #{pending.number} did not ask for {', '.join(unasked)}; file a request for them"
            raise FourEyesError("task", msg)
        return pending.number

    def _grant_holding_at(self, at: datetime, doing: str) -> Grant:
        grant = self.state_at(at).grant
        if grant is None or not grant.holds_at(at):
            msg = (
                f"no grant of admin account {self.account!r} is in force at {describe_instant(at)} to {doing}"
            )
            raise AdminGrantError("effective_from", msg)
        return grant

    def _revocations(self) -> list[Change]:
        return [change for change in self.changes if change["change"] == REVOKED]

    def _any_grant_from(self, at: datetime) -> bool:
        """Does some grant hold at ``at`` or at a later change? (Access only begins at a change.)"""
        moments = [at, *(change["effective_at"] for change in self.changes if change["effective_at"] > at)]
        for moment in moments:
            grant = self.state_at(moment).grant
            if grant is not None and grant.holds_at(moment):
                return True
        return False

    # --- mutators: replayed on every load, so they only apply ----------------------------------

    @event(Requested)
    def _requested(
        self,
        number: int,
        asked: list[str],
        tasks: list[str],
        justification: str,
        recorded_at: datetime,
        actor: str,
        effective_at: datetime,
        holder: str | None = None,
    ) -> None:
        self.requests = number
        self.pending_request = number
        if self.holder is None:  # logs from before holders were recorded: the first requester
            self.holder = holder or actor
        self._append(
            REQUESTED, recorded_at, actor, effective_at,
            number=number, asked=list(asked), tasks=list(tasks), justification=justification,
            holder=self.holder,
        )  # fmt: skip

    @event(Withdrawn)
    def _withdrawn(
        self, request: int, reason: str, recorded_at: datetime, actor: str, effective_at: datetime
    ) -> None:
        self.pending_request = None
        self._append(WITHDRAWN, recorded_at, actor, effective_at, request=request, reason=reason)

    @event(Granted)
    def _granted(
        self,
        number: int,
        asked: list[str],
        tasks: list[str],
        valid_until: datetime | None,
        request: int | None,
        recorded_at: datetime,
        actor: str,
        effective_at: datetime,
        rfc: str | None = None,
    ) -> None:
        self.grants = number
        self.pending_request = None
        self._append(
            GRANTED, recorded_at, actor, effective_at,
            number=number, asked=list(asked), tasks=list(tasks), valid_until=valid_until, request=request,
            rfc=rfc,
        )  # fmt: skip

    @event(ScopeChanged)
    def _scope_changed(
        self,
        grant: int,
        asked: list[str],
        tasks: list[str],
        request: int | None,
        reason: str,
        recorded_at: datetime,
        actor: str,
        effective_at: datetime,
        rfc: str | None = None,
    ) -> None:
        if request is not None:
            self.pending_request = None
        self._append(
            SCOPE_CHANGED, recorded_at, actor, effective_at,
            grant=grant, asked=list(asked), tasks=list(tasks), request=request, reason=reason, rfc=rfc,
        )  # fmt: skip

    @event(Suspended)
    def _suspended(self, reason: str, recorded_at: datetime, actor: str, effective_at: datetime) -> None:
        self._append(SUSPENDED, recorded_at, actor, effective_at, reason=reason)

    @event(Resumed)
    def _resumed(self, reason: str, recorded_at: datetime, actor: str, effective_at: datetime) -> None:
        self._append(RESUMED, recorded_at, actor, effective_at, reason=reason)

    @event(Revoked)
    def _revoked(self, reason: str, recorded_at: datetime, actor: str, effective_at: datetime) -> None:
        self._append(REVOKED, recorded_at, actor, effective_at, reason=reason)

    @event(Expired)
    def _expired(self, grant: int, recorded_at: datetime, actor: str, effective_at: datetime) -> None:
        self._append(EXPIRED, recorded_at, actor, effective_at, grant=grant)

    def _append(
        self, kind: str, recorded_at: datetime, actor: str, effective_at: datetime, **details: object
    ) -> None:
        self.changes.append(
            {
                "sequence": len(self.changes),
                "change": kind,
                "effective_at": effective_at,
                "recorded_at": recorded_at,
                "actor": actor,
                **details,
            }
        )


def state_at(account: str, changes: list[Change], at: datetime) -> AccountState:
    """Walk the changes effective by ``at`` in effective order; total over any stored history."""
    requests = _requests(changes)
    revocations = [change for change in changes if change["change"] == REVOKED]
    grant: Grant | None = None
    suspension: Standing | None = None
    revocation: Standing | None = None
    for change in up_to(changes, at):
        kind = change["change"]
        if kind == GRANTED and not _cancelled(change, revocations):
            grant, revocation = _grant(change, requests), None
        elif kind == SCOPE_CHANGED and grant is not None and grant.number == change["grant"]:
            grant = replace(
                grant,
                version=grant.version + 1,
                tasks=tuple(change["tasks"]),
                asked=tuple(change["asked"]),
                decided_by=change["actor"],
                rfc=change.get("rfc") or grant.rfc,
            )
        elif kind == SUSPENDED:
            suspension = _standing(change)
        elif kind == RESUMED:
            suspension = None
        elif kind == REVOKED:
            grant, suspension, revocation = None, None, _standing(change)
    return AccountState(account=account, grant=grant, suspension=suspension, revocation=revocation)


def _cancelled(granted: Change, revocations: list[Change]) -> bool:
    """A revocation recorded after a grant, effective by the grant's start, cancels it outright."""
    return any(
        revoked["sequence"] > granted["sequence"] and revoked["effective_at"] <= granted["effective_at"]
        for revoked in revocations
    )


def _grant(change: Change, requests: dict[int, Request]) -> Grant:
    request = change["request"]
    return Grant(
        number=change["number"],
        version=1,
        tasks=tuple(change["tasks"]),
        asked=tuple(change["asked"]),
        granted_by=change["actor"],
        decided_by=change["actor"],
        valid_from=change["effective_at"],
        valid_until=change["valid_until"],
        recorded_at=change["recorded_at"],
        request=None if request is None else requests[request],
        rfc=change.get("rfc"),
    )


def _standing(change: Change) -> Standing:
    return Standing(actor=change["actor"], effective_at=change["effective_at"], reason=change["reason"])


def _requests(changes: list[Change]) -> dict[int, Request]:
    return {
        change["number"]: Request(
            number=change["number"],
            requested_by=change["actor"],
            asked=tuple(change["asked"]),
            tasks=tuple(change["tasks"]),
            justification=change["justification"],
            effective_at=change["effective_at"],
            recorded_at=change["recorded_at"],
        )
        for change in changes
        if change["change"] == REQUESTED
    }
