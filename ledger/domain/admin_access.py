"""May this admin account do this task at this moment? A pure decision, default deny.

Why pure: the same function answers the live check, the auditor's "who could do this then", and
any replay, from nothing but the account's state at the moment and the customer's contract periods.
Access is allowed only when every condition holds; each ``return`` before the last one is a denial.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.domain.time import describe_instant

RFC_HINT = "request the change from the servicedesk as an RFC"
"""What every denial ends with: outside a grant, the environment stays locked."""


@dataclass(frozen=True)
class Request:
    """A customer contact's request for admin tasks, and why."""

    number: int
    requested_by: str
    asked: tuple[str, ...]
    tasks: tuple[str, ...]
    justification: str
    effective_at: datetime
    recorded_at: datetime


@dataclass(frozen=True)
class Grant:
    """One grant of an account as it stands at a moment: version 1 as granted, later ones rescoped."""

    number: int
    version: int
    tasks: tuple[str, ...]
    asked: tuple[str, ...]
    granted_by: str
    decided_by: str
    valid_from: datetime
    valid_until: datetime | None
    recorded_at: datetime
    request: Request | None
    rfc: str | None = None
    """The RFC the latest approval of this grant was decided under (None in older logs)."""

    def holds_at(self, at: datetime) -> bool:
        """Within its own validity (``valid_until`` is the first moment it no longer holds)."""
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)


@dataclass(frozen=True)
class Standing:
    """A suspension or revocation: who decided it, from when, and why."""

    actor: str
    effective_at: datetime
    reason: str


@dataclass(frozen=True)
class AccountState:
    """An account at one moment: its grant (if any), and whether it is suspended or was revoked."""

    account: str
    grant: Grant | None
    suspension: Standing | None
    revocation: Standing | None


@dataclass(frozen=True)
class Period:
    """A stretch of time with a servicedesk contract in force; ``end`` is the first moment without."""

    start: datetime
    end: datetime | None

    def contains(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


@dataclass(frozen=True)
class AccessDecision:
    """The answer: allowed or not, the grant that allows it (None when denied), and why."""

    allowed: bool
    reason: str
    grant: Grant | None


def decide(
    state: AccountState, contract: list[Period], customer: str, task: str, at: datetime
) -> AccessDecision:
    """Allowed only if a grant holds at ``at``, covers ``task``, the account is not suspended, and
    the customer's servicedesk contract has been in force without a break since the grant began."""
    when = describe_instant(at)
    grant = state.grant
    if grant is None:
        if state.revocation is not None:
            revoked = state.revocation
            return _deny(
                f"admin account {state.account!r} was revoked at {describe_instant(revoked.effective_at)} "
                f"by {revoked.actor} ({revoked.reason}); no grant for {task} is in force at {when}"
            )
        return _deny(f"no grant for {task} is in force for admin account {state.account!r} at {when}")
    label = f"grant #{grant.number} of {state.account!r}"
    if not grant.holds_at(at):
        until = describe_instant(grant.valid_until) if grant.valid_until is not None else "?"
        return _deny(f"{label} expired at {until}; no grant for {task} is in force at {when}")
    problem = _contract_problem(contract, grant, label, customer, at)
    if problem is not None:
        return _deny(f"{problem}; no grant for {task} is in force at {when}")
    if state.suspension is not None:
        held = state.suspension
        return _deny(
            f"admin account {state.account!r} is suspended since {describe_instant(held.effective_at)} "
            f"by {held.actor} ({held.reason})"
        )
    if task not in grant.tasks:
        return _deny(f"{label} (v{grant.version}) covers {', '.join(grant.tasks)}; not {task}")
    since = describe_instant(grant.valid_from)
    until = f" until {describe_instant(grant.valid_until)}" if grant.valid_until is not None else ""
    reason = f"{label} (v{grant.version}, granted by {grant.granted_by}, from {since}{until}) covers {task}"
    return AccessDecision(allowed=True, reason=reason, grant=grant)


def _deny(reason: str) -> AccessDecision:
    return AccessDecision(allowed=False, reason=f"{reason}; {RFC_HINT}", grant=None)


def _contract_problem(
    contract: list[Period], grant: Grant, label: str, customer: str, at: datetime
) -> str | None:
    """Why the contract does not carry the grant from its start up to ``at``, or None when it does.

    A contract that ended ends the grant for good: a later new contract does not revive it.
    """
    for period in contract:
        if period.contains(grant.valid_from):
            if period.end is not None and period.end <= at:
                ended = describe_instant(period.end)
                return f"the servicedesk contract of {customer!r} ended at {ended}, which ended {label}"
            return None
    start = describe_instant(grant.valid_from)
    return f"no servicedesk contract of {customer!r} was in force when {label} began ({start})"


def standing(state: AccountState, contract: list[Period], customer: str, at: datetime) -> str:
    """One word for lists: active, suspended, revoked, expired, contract-ended or no-grant."""
    grant = state.grant
    if grant is None:
        return "revoked" if state.revocation is not None else "no-grant"
    if not grant.holds_at(at):
        return "expired"
    if _contract_problem(contract, grant, "", customer, at) is not None:
        return "contract-ended"
    return "suspended" if state.suspension is not None else "active"
