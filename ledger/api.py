"""The library's front door: ``Ledger.open(url)`` and one method per command or question.

Billing embeds this. Every method validates its arguments into a command model, runs the command
(retrying races), and returns a typed result; anything a caller can get wrong raises a
:class:`~ledger.errors.LedgerError` subclass, and then nothing was written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ParamSpec, Self, TypeVar
from uuid import uuid4

from eventsourcing.persistence import PersistenceError

from ledger.aggregates.work_entry import WorkEntry
from ledger.commands import admin, cards, contracts, customers, entitlements, rates, work
from ledger.commands import packs as beheerpacks
from ledger.commands.application import Clock, LedgerApplication
from ledger.commands.fields import admin_account_name, customer_slug
from ledger.commands.models import (
    AddCustomer,
    AddPack,
    BuyCard,
    ChangeAdminScope,
    ChangeContract,
    EndContract,
    GrantAdminAccess,
    LogWork,
    RemovePack,
    RequestAdminAccess,
    ResumeAdminAccount,
    ReverseWork,
    RevokeAdminAccount,
    SetRate,
    SetRounding,
    StartContract,
    SuspendAdminAccount,
    TopUpCard,
)
from ledger.config import LedgerSettings
from ledger.domain.money import DEFAULT_CURRENCY
from ledger.domain.time import parse_instant
from ledger.errors import InvalidInputError, StoreError, UnknownWorkEntryError
from ledger.store import StoreConfig, parse_store_url, provisioning, resolve_url

if TYPE_CHECKING:
    from types import TracebackType

    from ledger.aggregates.admin_account import GrantExpiry
    from ledger.commands.results import (
        AdminAccountList,
        AdminChangeResult,
        AdminCheckResult,
        AdminHistory,
        AdminWhoResult,
        Balance,
        ContractChangeResult,
        ContractHistory,
        CreditResult,
        CustomerResult,
        EntitlementResult,
        PackChangeResult,
        PackList,
        RateCardChangeResult,
        RateCardView,
        ReversalResult,
        WorkResult,
    )

P = ParamSpec("P")
R = TypeVar("R")

Number = Decimal | int | str
When = datetime | str | None
Tasks = Sequence[str] | str
"""Admin tasks: a list, or one string of comma-separated names and ``area.*`` wildcards."""


def _task_list(tasks: Tasks) -> tuple[str, ...]:
    if isinstance(tasks, str):
        return tuple(part for part in (item.strip() for item in tasks.split(",")) if part)
    return tuple(tasks)


def _store_errors(method: Callable[P, R]) -> Callable[P, R]:
    """Turn the store's own failures (database down, disk full) into one typed StoreError."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except PersistenceError as error:
            detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            msg = f"store: {detail}"
            raise StoreError(msg) from error

    return wrapper


DEFAULT_ACTOR = "system"


def utc_now() -> datetime:
    return datetime.now(UTC)


class Ledger:
    """An open ledger on one store. Use as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        config: StoreConfig,
        *,
        actor: str | None = None,
        clock: Clock = utc_now,
        settings: LedgerSettings | None = None,
    ):
        self.config = config
        self.settings = settings if settings is not None else LedgerSettings.load()
        if actor is None and not self.settings.security.require_actor:
            actor = DEFAULT_ACTOR
        self.actor = actor
        self.clock = clock
        self.calendar = self.settings.calendar.working_calendar()
        try:
            with provisioning(config):
                self.app = LedgerApplication(env=config.env)
        except (PersistenceError, OSError) as error:
            msg = f"database {config.display}: {str(error).strip().splitlines()[0]}"
            raise StoreError(msg) from error

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        actor: str | None = None,
        clock: Clock = utc_now,
        settings: LedgerSettings | None = None,
    ) -> Self:
        """Open the store at ``url`` (else ``LEDGER_DATABASE_URL``, else ``sqlite:///ledger.db``).

        ``actor`` names who records through this handle (a method's own ``actor=`` wins); without
        one, writes are recorded as ``system`` — unless the settings require an actor, in which case
        they are refused. ``settings`` default to the file named by ``LEDGER_CONFIG``, else the
        built-in defaults.
        """
        return cls(parse_store_url(resolve_url(url)), actor=actor, clock=clock, settings=settings)

    def close(self) -> None:
        self.app.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _common(self, actor: str | None, at: When) -> dict[str, Any]:
        chosen = self.actor if actor is None else actor
        if chosen is None:
            reason = "this deployment requires every write to name its actor (--actor or LEDGER_ACTOR)"
            raise InvalidInputError("actor", reason)
        return {"actor": chosen, "at": at}

    # --- commands ------------------------------------------------------------------------------

    @_store_errors
    def add_customer(
        self,
        customer: str,
        *,
        name: str,
        account_manager: str,
        actor: str | None = None,
        at: When = None,
    ) -> CustomerResult:
        """Register a customer (id slug, display name, account manager)."""
        command = AddCustomer.build(
            customer=customer, name=name, account_manager=account_manager, **self._common(actor, at)
        )
        return customers.add_customer(self.app, command, self.clock())

    @_store_errors
    def buy_card(
        self,
        customer: str,
        *,
        amount: Number,
        currency: str = DEFAULT_CURRENCY,
        reference: str | None = None,
        actor: str | None = None,
        at: When = None,
    ) -> CreditResult:
        """Buy a strippenkaart for a one-off amount; ``reference`` (order number) makes it idempotent."""
        command = BuyCard.build(
            customer=customer,
            amount=amount,
            currency=currency,
            reference=reference if reference is not None else f"purchase-{uuid4().hex[:12]}",
            **self._common(actor, at),
        )
        return cards.buy_card(self.app, command, self.clock())

    @_store_errors
    def top_up(
        self,
        customer: str,
        *,
        amount: Number,
        reference: str | None = None,
        actor: str | None = None,
        at: When = None,
    ) -> CreditResult:
        """Add credit to the customer's card; ``reference`` (invoice number) makes it idempotent."""
        command = TopUpCard.build(
            customer=customer,
            amount=amount,
            reference=reference if reference is not None else f"top-up-{uuid4().hex[:12]}",
            **self._common(actor, at),
        )
        return cards.top_up(self.app, command, self.clock())

    @_store_errors
    def log_work(
        self,
        customer: str,
        *,
        ticket: str,
        hours: Number,
        rate: Number | None = None,
        description: str = "",
        kind: str = "rfc",
        component: str | None = None,
        role: str | None = None,
        actor: str | None = None,
        at: When = None,
    ) -> WorkResult:
        """Record hours on a ticket; the payer is decided and the card debited once per ticket.

        Without ``rate`` the rate card's rate for ``role`` (else its general rate) at the work's
        time applies; the rounding rule in force then decides the billed hours.
        """
        command = LogWork.build(
            customer=customer,
            ticket=ticket,
            hours=hours,
            rate=rate,
            description=description,
            kind=kind,
            component=component,
            role=role,
            **self._common(actor, at),
        )
        return work.log_work(self.app, command, self.clock(), self.calendar)

    @_store_errors
    def reverse_work(
        self,
        customer: str,
        *,
        ticket: str,
        reason: str,
        actor: str | None = None,
        at: When = None,
    ) -> ReversalResult:
        """Reverse the work on a ticket: the card gets back exactly what that entry took."""
        command = ReverseWork.build(
            customer=customer, ticket=ticket, reason=reason, **self._common(actor, at)
        )
        return work.reverse_work(self.app, command, self.clock())

    @_store_errors
    def start_contract(
        self, customer: str, *, tier: str, effective_from: When, actor: str | None = None
    ) -> ContractChangeResult:
        """Start a servicedesk contract (``basis`` or ``comfort``) at ``effective_from``."""
        command = StartContract.build(
            customer=customer, tier=tier, effective_from=effective_from, **self._common(actor, None)
        )
        return contracts.start_contract(self.app, command, self.clock())

    @_store_errors
    def change_contract(
        self, customer: str, *, tier: str, effective_from: When, actor: str | None = None
    ) -> ContractChangeResult:
        """Move the contract in force to another tier from ``effective_from`` on (may be backdated)."""
        command = ChangeContract.build(
            customer=customer, tier=tier, effective_from=effective_from, **self._common(actor, None)
        )
        return contracts.change_contract(self.app, command, self.clock())

    @_store_errors
    def end_contract(
        self, customer: str, *, effective_from: When, actor: str | None = None
    ) -> ContractChangeResult:
        """End the contract in force at ``effective_from``."""
        command = EndContract.build(
            customer=customer, effective_from=effective_from, **self._common(actor, None)
        )
        return contracts.end_contract(self.app, command, self.clock())

    @_store_errors
    def add_pack(
        self,
        customer: str,
        *,
        pack: str,
        components: list[str] | tuple[str, ...],
        effective_from: When,
        actor: str | None = None,
    ) -> PackChangeResult:
        """Activate beheerpack ``pack`` covering ``components`` from ``effective_from`` on."""
        command = AddPack.build(
            customer=customer,
            pack=pack,
            components=components,
            effective_from=effective_from,
            **self._common(actor, None),
        )
        return beheerpacks.add_pack(self.app, command, self.clock())

    @_store_errors
    def remove_pack(
        self, customer: str, *, pack: str, effective_from: When, actor: str | None = None
    ) -> PackChangeResult:
        """Deactivate beheerpack ``pack`` from ``effective_from`` on."""
        command = RemovePack.build(
            customer=customer, pack=pack, effective_from=effective_from, **self._common(actor, None)
        )
        return beheerpacks.remove_pack(self.app, command, self.clock())

    @_store_errors
    def set_rate(
        self,
        customer: str,
        *,
        rate: Number,
        role: str | None = None,
        effective_from: When,
        actor: str | None = None,
    ) -> RateCardChangeResult:
        """Set the hourly rate (for ``role``, else the general rate) from ``effective_from`` on."""
        command = SetRate.build(
            customer=customer,
            rate=rate,
            role=role,
            effective_from=effective_from,
            **self._common(actor, None),
        )
        return rates.set_rate(self.app, command, self.clock())

    @_store_errors
    def set_rounding(
        self,
        customer: str,
        *,
        increment_minutes: int | str,
        minimum_minutes: int | str = 0,
        effective_from: When,
        actor: str | None = None,
    ) -> RateCardChangeResult:
        """Round billed hours up to ``increment_minutes``, at least ``minimum_minutes`` (0, 0: none)."""
        command = SetRounding.build(
            customer=customer,
            increment_minutes=increment_minutes,
            minimum_minutes=minimum_minutes,
            effective_from=effective_from,
            **self._common(actor, None),
        )
        return rates.set_rounding(self.app, command, self.clock())

    # --- questions -----------------------------------------------------------------------------

    @_store_errors
    def balance(self, customer: str) -> Balance:
        """Credited, debited and remaining on the customer's card."""
        return cards.balance(self.app, customer_slug(customer))

    @_store_errors
    def work_entry(self, customer: str, *, ticket: str) -> WorkResult:
        """A recorded work entry with its derivation."""
        slug = customer_slug(customer)
        self.app.customer(slug)
        entry = self.app.get_or_none(WorkEntry.create_id(slug, ticket), WorkEntry)
        if entry is None:
            raise UnknownWorkEntryError(slug, ticket)
        return work.work_result(entry, duplicate=False)

    def _moment(self, at: When) -> datetime:
        return self.clock() if at is None else parse_instant(at, "at")

    @_store_errors
    def entitlement(self, customer: str, *, at: When = None) -> EntitlementResult:
        """The support channel (servicedesk, emergency-line or none), tier and why, at ``at``."""
        return entitlements.entitlement(self.app, customer_slug(customer), self._moment(at), self.calendar)

    @_store_errors
    def contract_history(self, customer: str) -> ContractHistory:
        """Every contract change in effective order, with effective and recorded times."""
        return contracts.contract_history(self.app, customer_slug(customer), self.clock())

    @_store_errors
    def packs(self, customer: str, *, at: When = None) -> PackList:
        """The beheerpacks active at ``at`` (default now) and their whole history."""
        return beheerpacks.pack_list(self.app, customer_slug(customer), self._moment(at))

    @_store_errors
    def rate_card(self, customer: str, *, at: When = None) -> RateCardView:
        """The rates and rounding in force at ``at`` (default now) and the card's history."""
        return rates.rate_card(self.app, customer_slug(customer), self._moment(at))

    # --- admin accounts (beheeraccounts) -------------------------------------------------------

    @_store_errors
    def request_admin(
        self,
        customer: str,
        *,
        account: str,
        tasks: Tasks,
        reason: str,
        actor: str | None = None,
        at: When = None,
    ) -> AdminChangeResult:
        """A customer contact asks for admin ``tasks`` (names or ``area.*``) on ``account``, and why."""
        command = RequestAdminAccess.build(
            customer=customer,
            account=account,
            tasks=_task_list(tasks),
            reason=reason,
            **self._common(actor, at),
        )
        return admin.request_access(self.app, command, self.clock(), self.settings.admin.catalogue())

    @_store_errors
    def grant_admin(
        self,
        customer: str,
        *,
        account: str,
        tasks: Tasks,
        valid_from: When = None,
        valid_until: When = None,
        actor: str | None = None,
    ) -> AdminChangeResult:
        """Grant ``tasks`` from ``valid_from`` (default now) up to, not including, ``valid_until``.

        Answers the pending request, and is refused (four-eyes) when ``actor`` made that request.
        """
        command = GrantAdminAccess.build(
            customer=customer,
            account=account,
            tasks=_task_list(tasks),
            valid_from=valid_from,
            valid_until=valid_until,
            **self._common(actor, None),
        )
        return admin.grant_access(self.app, command, self.clock(), self.settings.admin.catalogue())

    @_store_errors
    def change_admin_scope(
        self,
        customer: str,
        *,
        account: str,
        tasks: Tasks,
        reason: str,
        effective_from: When = None,
        actor: str | None = None,
    ) -> AdminChangeResult:
        """Give the grant in force other tasks from ``effective_from`` on (four-eyes as for a grant)."""
        command = ChangeAdminScope.build(
            customer=customer,
            account=account,
            tasks=_task_list(tasks),
            reason=reason,
            effective_from=effective_from,
            **self._common(actor, None),
        )
        return admin.change_scope(self.app, command, self.clock(), self.settings.admin.catalogue())

    @_store_errors
    def suspend_admin(
        self,
        customer: str,
        *,
        account: str,
        reason: str,
        effective_from: When = None,
        actor: str | None = None,
    ) -> AdminChangeResult:
        """Suspend ``account`` from ``effective_from`` (default now) until it is resumed."""
        command = SuspendAdminAccount.build(
            customer=customer,
            account=account,
            reason=reason,
            effective_from=effective_from,
            **self._common(actor, None),
        )
        return admin.change_standing(self.app, command, self.clock())

    @_store_errors
    def resume_admin(
        self,
        customer: str,
        *,
        account: str,
        reason: str,
        effective_from: When = None,
        actor: str | None = None,
    ) -> AdminChangeResult:
        """End the suspension of ``account`` at ``effective_from`` (default now)."""
        command = ResumeAdminAccount.build(
            customer=customer,
            account=account,
            reason=reason,
            effective_from=effective_from,
            **self._common(actor, None),
        )
        return admin.change_standing(self.app, command, self.clock())

    @_store_errors
    def revoke_admin(
        self,
        customer: str,
        *,
        account: str,
        reason: str,
        effective_from: When = None,
        actor: str | None = None,
    ) -> AdminChangeResult:
        """End every grant of ``account`` from ``effective_from`` (default now; may be backdated)."""
        command = RevokeAdminAccount.build(
            customer=customer,
            account=account,
            reason=reason,
            effective_from=effective_from,
            **self._common(actor, None),
        )
        return admin.change_standing(self.app, command, self.clock())

    @_store_errors
    def record_admin_expiry(
        self, customer: str, *, account: str, grant: int, actor: str | None = None
    ) -> AdminChangeResult:
        """Record that ``grant`` of ``account`` ran out (the clock calls this; repeats record once)."""
        chosen = self._common(actor, None)["actor"]
        return admin.record_expiry(
            self.app, customer_slug(customer), admin_account_name(account), grant, chosen, self.clock()
        )

    @_store_errors
    def admin_expiring(self, customer: str, *, start: When, end: When) -> list[GrantExpiry]:
        """Grants of ``customer`` whose ``valid_until`` lies in [start, end): the clock's due facts."""
        return admin.expiring_grants(
            self.app, customer_slug(customer), parse_instant(start, "start"), parse_instant(end, "end")
        )

    @_store_errors
    def admin_check(self, customer: str, *, account: str, task: str, at: When = None) -> AdminCheckResult:
        """May ``account`` do ``task`` at ``at`` (default now)? Default deny, with the reason."""
        return admin.check(
            self.app,
            customer_slug(customer),
            admin_account_name(account),
            task,
            self._moment(at),
            self.settings.admin.catalogue(),
        )

    @_store_errors
    def admin_who(self, customer: str, *, task: str, at: When = None) -> AdminWhoResult:
        """Which of the customer's accounts could do ``task`` at ``at``, and why the others could not."""
        return admin.who(
            self.app, customer_slug(customer), task, self._moment(at), self.settings.admin.catalogue()
        )

    @_store_errors
    def admin_accounts(self, customer: str, *, at: When = None) -> AdminAccountList:
        """Every admin account of the customer with its standing and grant at ``at`` (default now)."""
        return admin.account_list(self.app, customer_slug(customer), self._moment(at))

    @_store_errors
    def admin_history(self, customer: str, *, account: str | None = None) -> AdminHistory:
        """Every admin-account change of the customer (or of ``account``), in effective order."""
        name = None if account is None else admin_account_name(account)
        return admin.history(self.app, customer_slug(customer), name)
