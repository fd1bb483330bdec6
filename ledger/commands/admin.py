"""Admin accounts (beheeraccounts): requests, grants, scope changes, suspensions, revocations,
and the questions a security officer asks: may this account do this now, who could then, what
happened.

Tasks are resolved against the deployment's catalogue before anything is loaded; an account and
its roster entry are written in one transaction. The access check reads the account and the
servicedesk contract and calls the pure :func:`ledger.domain.admin_access.decide`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.aggregates.admin_account import (
    GRANTED,
    REQUESTED,
    RESUMED,
    REVOKED,
    SCOPE_CHANGED,
    SUSPENDED,
    WITHDRAWN,
    AdminAccount,
)
from ledger.aggregates.admin_roster import AdminRoster
from ledger.commands.clock_index import newly_indexed
from ledger.commands.entitlements import contract_of
from ledger.commands.models import (
    ChangeAdminScope,
    GrantAdminAccess,
    RequestAdminAccess,
    ResumeAdminAccount,
    RevokeAdminAccount,
    SuspendAdminAccount,
    WithdrawAdminRequest,
)
from ledger.commands.people import anyone_registered, person_or_none
from ledger.commands.results import (
    AdminAccountList,
    AdminChangeResult,
    AdminCheckResult,
    AdminHistory,
    AdminWhoResult,
)
from ledger.domain.admin_access import Grant, Period, Request, decide, standing
from ledger.domain.roles import APPROVERS, CUSTOMER_CONTACT, RESUMERS
from ledger.errors import IdentityError, UnknownAdminAccountError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from ledger.aggregates.clock_index import ClockIndexed
    from ledger.aggregates.timeline import Change
    from ledger.commands.bus import Asked, Context
    from ledger.commands.queries import AdminAccountsAt, AdminCheckAt, AdminHistoryOf, AdminWhoAt
    from ledger.commands.unit_of_work import Reader, UnitOfWork


# --- lookups -----------------------------------------------------------------------------------


def account_of(app: Reader, customer: str, account: str) -> AdminAccount | None:
    return app.get_or_none(AdminAccount.create_id(customer, account), AdminAccount)


def roster_of(app: Reader, customer: str) -> AdminRoster | None:
    return app.get_or_none(AdminRoster.create_id(customer), AdminRoster)


def existing_account(app: Reader, customer: str, account: str) -> AdminAccount:
    app.customer(customer)
    found = account_of(app, customer, account)
    if found is None:
        raise UnknownAdminAccountError(customer, account)
    return found


def contract_periods(app: Reader, customer: str) -> list[Period]:
    contract = contract_of(app, customer)
    return [] if contract is None else contract.in_force_periods()


# --- commands ----------------------------------------------------------------------------------


def request_access(uow: UnitOfWork, command: RequestAdminAccess, context: Context) -> AdminChangeResult:
    """A customer contact asks for tasks on an account (opening the account if it is new)."""
    resolution = context.services.catalogue().resolve(command.tasks)
    _own_customer_only(uow, context.actor, command.customer)
    account, roster = _open(uow, command.customer, command.account, context.actor, context.at)
    number = account.request(
        list(resolution.asked),
        list(resolution.tasks),
        command.reason,
        context.actor,
        context.at,
        context.now,
        command.holder,
    )
    _save(uow, account, roster)
    return _result(account, REQUESTED, number=number)


def grant_access(uow: UnitOfWork, command: GrantAdminAccess, context: Context) -> AdminChangeResult:
    """Provider staff grant tasks from ``valid_from`` (default now) until ``valid_until``."""
    resolution = context.services.catalogue().resolve(command.tasks)
    _holds_role(uow, context.actor, APPROVERS, "approve admin access")
    account = existing_account(uow, command.customer, command.account)
    had_end_dates = _has_end_dates(account)
    number = account.grant(
        list(resolution.asked),
        list(resolution.tasks),
        context.at,
        command.valid_until,
        contract_periods(uow, command.customer),
        context.actor,
        context.now,
        command.rfc,
    )
    # A grant that runs out enters the clock index, so `ledger tick` records its expiry.
    index = newly_indexed(
        uow,
        account,
        needed_before=had_end_dates,
        needs_now=_has_end_dates(account),
        actor=context.actor,
        effective_at=context.at,
    )
    uow.save(account, *index)
    return _result(account, GRANTED, number=number)


def change_scope(uow: UnitOfWork, command: ChangeAdminScope, context: Context) -> AdminChangeResult:
    resolution = context.services.catalogue().resolve(command.tasks)
    account = existing_account(uow, command.customer, command.account)
    current = account.state_at(context.at).grant
    if current is not None and set(resolution.tasks) - set(current.tasks):
        _holds_role(uow, context.actor, APPROVERS, "widen admin access")
    number = account.change_scope(
        list(resolution.asked),
        list(resolution.tasks),
        command.reason,
        context.actor,
        context.at,
        context.now,
        command.rfc,
    )
    uow.save(account)
    return _result(account, SCOPE_CHANGED, number=number)


def suspend(uow: UnitOfWork, command: SuspendAdminAccount, context: Context) -> AdminChangeResult:
    """Suspend from ``effective_from`` (default now; past or future) until resumed."""
    account = existing_account(uow, command.customer, command.account)
    account.suspend(command.reason, context.actor, context.at, context.now)
    uow.save(account)
    return _result(account, SUSPENDED)


def revoke(uow: UnitOfWork, command: RevokeAdminAccount, context: Context) -> AdminChangeResult:
    account = existing_account(uow, command.customer, command.account)
    account.revoke(command.reason, context.actor, context.at, context.now)
    uow.save(account)
    return _result(account, REVOKED)


def withdraw(uow: UnitOfWork, command: WithdrawAdminRequest, context: Context) -> AdminChangeResult:
    account = existing_account(uow, command.customer, command.account)
    number = account.withdraw(command.reason, context.actor, context.at, context.now)
    uow.save(account)
    return _result(account, WITHDRAWN, number=number)


def resume(uow: UnitOfWork, command: ResumeAdminAccount, context: Context) -> AdminChangeResult:
    account = existing_account(uow, command.customer, command.account)
    _holds_role(uow, context.actor, RESUMERS, "resume a suspended admin account")
    account.resume(command.reason, context.actor, context.at, context.now)
    uow.save(account)
    return _result(account, RESUMED)


def _holds_role(app: Reader, actor: str, roles: frozenset[str], doing: str) -> None:
    """Once anyone is registered, whoever widens access must be an active person with the role.

    Why in every identity mode: four-eyes means two accountable people, and once the provider keeps a
    register, an approver nobody registered is nobody accountable.
    """
    if not anyone_registered(app):
        return
    person = person_or_none(app, actor)
    if person is None or not person.active or not roles.intersection(person.roles):
        need = " or ".join(sorted(roles))
        msg = f"to {doing}, {actor} must be an active registered {need}"
        raise IdentityError("actor", msg)


def _own_customer_only(app: Reader, actor: str, customer: str) -> None:
    """A registered customer contact asks for access for their own customer only."""
    person = person_or_none(app, actor)
    if person is None or CUSTOMER_CONTACT not in person.roles:
        return
    if person.customer != customer:
        msg = f"{actor} is a customer-contact of {person.customer!r}; they may not ask for {customer!r}"
        raise IdentityError("customer", msg)


def _open(
    app: Reader, customer: str, name: str, actor: str, at: datetime
) -> tuple[AdminAccount, AdminRoster | None]:
    """The account, or a new one plus its roster entry (the roster is returned only when changed)."""
    app.customer(customer)
    account = account_of(app, customer, name)
    if account is not None:
        return account, None
    roster = roster_of(app, customer)
    if roster is None:
        roster = AdminRoster(customer=customer, actor=actor, effective_at=at)
    roster.add(name, actor, at)
    return AdminAccount(customer=customer, account=name, actor=actor, effective_at=at), roster


def _save(
    app: UnitOfWork,
    account: AdminAccount,
    roster: AdminRoster | None,
    index: Sequence[ClockIndexed] = (),
) -> None:
    """One transaction: a new account never exists without its roster entry, or the reverse."""
    if roster is None:
        app.save(account, *index)
    else:
        app.save(roster, account, *index)


def _has_end_dates(account: AdminAccount) -> bool:
    """Whether any grant of the account carries a ``valid_until`` the clock must record."""
    return any(change.get("valid_until") is not None for change in account.changes)


def _result(account: AdminAccount, kind: str, number: int | None = None) -> AdminChangeResult:
    change = account.changes[-1]
    if change["change"] != kind:  # the decision records exactly one change of this kind
        msg = f"expected a {kind} change, found {change['change']}"
        raise RuntimeError(msg)
    return _as_result(account, change, duplicate=False, number=number)


def _as_result(
    account: AdminAccount, change: Change, *, duplicate: bool, number: int | None = None
) -> AdminChangeResult:
    return AdminChangeResult(
        customer=account.customer,
        account=account.account,
        change=change["change"],
        number=number if number is not None else change.get("number", change.get("grant")),
        asked=list(change.get("asked", [])),
        tasks=list(change.get("tasks", [])),
        effective_at=change["effective_at"],
        valid_until=change.get("valid_until"),
        request=change.get("request"),
        actor=change["actor"],
        recorded_at=change["recorded_at"],
        duplicate=duplicate,
        rfc=change.get("rfc"),
        holder=account.holder,
    )


# --- questions ---------------------------------------------------------------------------------


def check(app: Reader, query: AdminCheckAt, asked: Asked) -> AdminCheckResult:
    """May ``account`` do ``task`` at ``at``? Default deny; the reason names the grant or the gap."""
    customer, account, at = query.customer, query.account, asked.at
    name = asked.services.catalogue().known(query.task)
    found = existing_account(app, customer, account)
    decision = decide(found.state_at(at), contract_periods(app, customer), customer, name, at)
    return AdminCheckResult(
        customer=customer,
        account=account,
        task=name,
        at=at,
        allowed=decision.allowed,
        reason=decision.reason,
        grant=None if decision.grant is None else grant_json(decision.grant),
    )


def who(app: Reader, query: AdminWhoAt, asked: Asked) -> AdminWhoResult:
    """Every account of the customer that could do ``task`` at ``at``, and why each other could not."""
    customer, at = query.customer, asked.at
    name = asked.services.catalogue().known(query.task)
    app.customer(customer)
    contract = contract_periods(app, customer)
    allowed: list[dict[str, Any]] = []
    denied: list[dict[str, Any]] = []
    for account in _accounts(app, customer):
        decision = decide(account.state_at(at), contract, customer, name, at)
        if decision.grant is not None:
            allowed.append({"account": account.account, "grant": grant_json(decision.grant)})
        else:
            denied.append({"account": account.account, "reason": decision.reason})
    return AdminWhoResult(customer=customer, task=name, at=at, allowed=allowed, denied=denied)


def account_list(app: Reader, query: AdminAccountsAt, asked: Asked) -> AdminAccountList:
    """Each account's standing at ``at``, its grant then, and any request still pending."""
    customer, at = query.customer, asked.at
    app.customer(customer)
    contract = contract_periods(app, customer)
    rows: list[dict[str, Any]] = []
    for account in _accounts(app, customer):
        state = account.state_at(at)
        pending = account.pending()
        rows.append(
            {
                "account": account.account,
                "status": standing(state, contract, customer, at),
                "grant": None if state.grant is None else grant_json(state.grant),
                "pending_request": None if pending is None else request_json(pending),
            }
        )
    return AdminAccountList(customer=customer, at=at, accounts=rows)


def history(app: Reader, query: AdminHistoryOf, asked: Asked) -> AdminHistory:
    """Every change of the customer's accounts (or of one), in effective order, each naming its actor."""
    customer, account = query.customer, query.account
    accounts = [existing_account(app, customer, account)] if account is not None else None
    if accounts is None:
        app.customer(customer)
        accounts = _accounts(app, customer)
    changes = [
        {"account": found.account, **_change_json(change)} for found in accounts for change in found.history()
    ]
    changes.sort(key=lambda c: (c["effective_at"], c["recorded_at"], c["account"]))
    return AdminHistory(customer=customer, account=account, changes=changes)


def _accounts(app: Reader, customer: str) -> list[AdminAccount]:
    roster = roster_of(app, customer)
    names = sorted(roster.accounts) if roster is not None else []
    found = [account_of(app, customer, name) for name in names]
    return [account for account in found if account is not None]


HISTORY_FIELDS = (
    "grant",
    "request",
    "asked",
    "tasks",
    "valid_until",
    "justification",
    "reason",
    "rfc",
    "holder",
)


def _change_json(change: Change) -> dict[str, Any]:
    """One history row with the same keys for every kind of change (None where it does not apply)."""
    row: dict[str, Any] = {
        "change": change["change"],
        "effective_at": change["effective_at"],
        "recorded_at": change["recorded_at"],
        "actor": change["actor"],
        "backdated": change["backdated"],
    }
    for field in HISTORY_FIELDS:
        row[field] = change.get(field)
    if change["change"] == GRANTED:
        row["grant"] = change["number"]
    elif change["change"] == REQUESTED:
        row["request"] = change["number"]
    return row


def grant_json(grant: Grant) -> dict[str, Any]:
    return {
        "grant": grant.number,
        "version": grant.version,
        "tasks": list(grant.tasks),
        "asked": list(grant.asked),
        "granted_by": grant.granted_by,
        "decided_by": grant.decided_by,
        "valid_from": grant.valid_from,
        "valid_until": grant.valid_until,
        "recorded_at": grant.recorded_at,
        "request": None if grant.request is None else request_json(grant.request),
        "rfc": grant.rfc,
    }


def request_json(request: Request) -> dict[str, Any]:
    return {
        "request": request.number,
        "requested_by": request.requested_by,
        "asked": list(request.asked),
        "tasks": list(request.tasks),
        "justification": request.justification,
        "effective_at": request.effective_at,
        "recorded_at": request.recorded_at,
    }
