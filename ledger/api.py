"""The library's front door: ``Ledger.open(url)`` and one method per command or question.

Billing embeds this. Every method validates its arguments into a command model, runs the command
(retrying races), and returns a typed result; anything a caller can get wrong raises a
:class:`~ledger.errors.LedgerError` subclass, and then nothing was written.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, ParamSpec, Self, TypeVar, cast
from uuid import uuid4

from eventsourcing.persistence import PersistenceError

from ledger import lazy
from ledger.commands.queries import (
    AdminAccountsAt,
    AdminCheckAt,
    AdminHistoryOf,
    AdminWhoAt,
    BalanceOf,
    ContractHistoryOf,
    EngagementReportOf,
    EntitlementAt,
    EveryPerson,
    PacksAt,
    PersonOf,
    RateCardAt,
    SettingsAt,
    StatementCutOffOf,
    TicketEntriesOf,
    WorkEntryOf,
)
from ledger.config_source import named_config
from ledger.domain.money import DEFAULT_CURRENCY
from ledger.domain.texts import actor_name, customer_slug
from ledger.domain.time import parse_instant, parse_month
from ledger.errors import InvalidInputError, StoreError, UnknownDeliveryError
from ledger.eventstore.application import LedgerApplication
from ledger.eventstore.failures import STORE_FAILURES, store_error
from ledger.eventstore.opening import open_application
from ledger.store import StoreConfig, parse_store_url, resolve_url

# Imported on first use (see ledger.lazy): a handle that answers one question loads only the
# command, view or audit module that answers it. The same names, for type checkers:
if TYPE_CHECKING:
    from ledger.audit.bitemporal import balance_as_of
    from ledger.audit.export import ExportRow, export_rows
    from ledger.audit.seals import SealSummary, seal_key, seal_log
    from ledger.audit.verify import VerifyReport, ViewComparison, check_readable, verify_log
    from ledger.audit.witness import append_head, heads_shown, last_head, witness_path
    from ledger.commands import (
        identity,
        importing,
        invoice_export,
        statement_book,
    )
    from ledger.commands import people as people_commands
    from ledger.commands import settings as dated_settings
    from ledger.commands import tick as tick_command
    from ledger.commands.bus import Context, Handler, MessageBus
    from ledger.commands.models import (
        AcknowledgeAlert,
        AddCustomer,
        AddPack,
        AddPerson,
        AddWebhook,
        AdminStanding,
        AssignConsultant,
        BuyCard,
        ChangeAdminScope,
        ChangeContract,
        ChangeCustomer,
        ChangeMonthlyPlan,
        ChangePerson,
        CloseStatements,
        Command,
        DeactivatePerson,
        EndContract,
        EndEngagement,
        Evaluate,
        ExportInvoiceable,
        GrantAdminAccess,
        IssueDueStatements,
        IssueStatement,
        KickOff,
        LogVisit,
        LogWork,
        ReleaseConsultant,
        RemovePack,
        RemoveWebhook,
        RequestAdminAccess,
        ResumeAdminAccount,
        ReverseWork,
        RevokeAdminAccount,
        Seal,
        SetAlertThreshold,
        SetMonthlyPlan,
        SetRate,
        SetRounding,
        SetSetting,
        StartContract,
        StopMonthlyPlan,
        SuspendAdminAccount,
        Tick,
        TopUpCard,
        WithdrawAdminRequest,
    )
    from ledger.commands.results import CustomerListing, CustomerVersion
    from ledger.commands.unit_of_work import UnitOfWork
    from ledger.config import LedgerSettings
    from ledger.domain import alerts as alert_rules
    from ledger.domain import settings as setting_values
    from ledger.domain.identity import Acting, person_id
    from ledger.domain.statement_period import month_bounds
    from ledger.notify.deliver import Deliverer, DeliveryPolicy, RunResult, Senders
    from ledger.notify.documents import statement_pdfs
    from ledger.projections import compare, parallel
    from ledger.projections.alerts import in_force
    from ledger.projections.runtime import Projections
    from ledger.projections.statement_lines import IssuedRecord
    from ledger.statements import document as statement_document
    from ledger.statements import issued as issued_statements
else:
    lazy.modules(
        globals(),
        identity="ledger.commands.identity",
        importing="ledger.commands.importing",
        invoice_export="ledger.commands.invoice_export",
        statement_book="ledger.commands.statement_book",
        people_commands="ledger.commands.people",
        dated_settings="ledger.commands.settings",
        tick_command="ledger.commands.tick",
        compare="ledger.projections.compare",
        parallel="ledger.projections.parallel",
        statement_document="ledger.statements.document",
        issued_statements="ledger.statements.issued",
        alert_rules="ledger.domain.alerts",
        setting_values="ledger.domain.settings",
    )
    lazy.names(globals(), "ledger.audit.bitemporal", "balance_as_of")
    lazy.names(globals(), "ledger.audit.export", "ExportRow", "export_rows")
    lazy.names(globals(), "ledger.audit.seals", "SealSummary", "seal_key", "seal_log")
    lazy.names(
        globals(),
        "ledger.audit.verify",
        "VerifyReport",
        "ViewComparison",
        "check_readable",
        "verify_log",
    )
    lazy.names(globals(), "ledger.audit.witness", "append_head", "heads_shown", "last_head", "witness_path")
    lazy.names(
        globals(),
        "ledger.commands.models",
        "AcknowledgeAlert",
        "AddCustomer",
        "AddPack",
        "AddPerson",
        "AddWebhook",
        "AdminStanding",
        "AssignConsultant",
        "BuyCard",
        "ChangeAdminScope",
        "ChangeContract",
        "ChangeCustomer",
        "ChangeMonthlyPlan",
        "ChangePerson",
        "CloseStatements",
        "DeactivatePerson",
        "EndContract",
        "EndEngagement",
        "Evaluate",
        "ExportInvoiceable",
        "GrantAdminAccess",
        "IssueDueStatements",
        "IssueStatement",
        "KickOff",
        "LogVisit",
        "LogWork",
        "ReleaseConsultant",
        "RemovePack",
        "RemoveWebhook",
        "RequestAdminAccess",
        "ResumeAdminAccount",
        "ReverseWork",
        "RevokeAdminAccount",
        "Seal",
        "SetAlertThreshold",
        "SetMonthlyPlan",
        "SetRate",
        "SetRounding",
        "SetSetting",
        "StartContract",
        "StopMonthlyPlan",
        "SuspendAdminAccount",
        "Tick",
        "TopUpCard",
        "WithdrawAdminRequest",
    )
    lazy.names(globals(), "ledger.commands.results", "CustomerListing", "CustomerVersion")
    lazy.names(globals(), "ledger.commands.unit_of_work", "UnitOfWork")
    lazy.names(globals(), "ledger.config", "LedgerSettings")
    lazy.names(globals(), "ledger.domain.identity", "Acting", "person_id")
    lazy.names(globals(), "ledger.domain.statement_period", "month_bounds")
    lazy.names(globals(), "ledger.notify.deliver", "Deliverer", "DeliveryPolicy", "RunResult", "Senders")
    lazy.names(globals(), "ledger.notify.documents", "statement_pdfs")
    lazy.names(globals(), "ledger.projections.alerts", "in_force")
    lazy.names(globals(), "ledger.projections.runtime", "Projections")
    lazy.names(globals(), "ledger.projections.statement_lines", "IssuedRecord")

if TYPE_CHECKING:
    from types import TracebackType

    from ledger.commands.card_balance import CardFigures
    from ledger.commands.results import (
        AcknowledgementResult,
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
        MonthlyPlanResult,
        OnsiteChangeResult,
        OnsiteReport,
        PackChangeResult,
        PackList,
        RateCardChangeResult,
        RateCardView,
        ReversalResult,
        ThresholdResult,
        TickResult,
        WorkResult,
    )
    from ledger.commands.webhooks import WebhookResult
    from ledger.domain.calendar import WorkingCalendar
    from ledger.projections.alerts import Alert, WebhookView
    from ledger.projections.balances import BalanceRow
    from ledger.projections.invoiceable import InvoiceableLine
    from ledger.projections.outbox import Delivery
    from ledger.projections.parallel import RebuildResult
    from ledger.projections.runtime import ProjectionStatus
    from ledger.projections.work_records import WorkRecord
    from ledger.statements.document import Statement

P = ParamSpec("P")
R = TypeVar("R")

Number = Decimal | int | str
When = datetime | str | None
Tasks = Sequence[str] | str
"""Admin tasks: a list, or one string of comma-separated names and ``area.*`` wildcards."""


def _task_list(tasks: Tasks) -> tuple[str, ...]:
    if isinstance(tasks, str):
        return tuple(part for part in (item.strip() for item in tasks.split(",")) if part)
    if isinstance(tasks, list | tuple) and all(isinstance(task, str) for task in tasks):
        return tuple(tasks)
    msg = f"{type(tasks).__name__} is not a list of task names or one comma-separated string"
    raise InvalidInputError("tasks", msg)


def _store_errors(method: Callable[P, R]) -> Callable[P, R]:
    """Turn the store's own failures into one typed StoreError."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except STORE_FAILURES as error:
            raise store_error(error) from error

    return wrapper


def _store_errors_streaming(method: Callable[P, Iterator[R]]) -> Callable[P, Iterator[R]]:
    """Like :func:`_store_errors`, for methods that stream: failures surface while iterating."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Iterator[R]:
        try:
            yield from method(*args, **kwargs)
        except STORE_FAILURES as error:
            raise store_error(error) from error

    return wrapper


DEFAULT_ACTOR = "system"


def utc_now() -> datetime:
    return datetime.now(UTC)


Clock = Callable[[], datetime]
"""Effective times: the command's own ``at``, or the ledger's clock when it gave none."""


def _seal(uow: UnitOfWork, command: Seal, context: Context) -> SealSummary:
    """The audit seal, run by the bus like every write (its rules are the auditor's)."""
    return seal_log(uow.app, command.key, context.actor, context.now)


def _command_table() -> dict[type[Command], Handler]:
    from ledger.commands.handlers import HANDLERS
    from ledger.commands.models import Seal

    return {**HANDLERS, Seal: _seal}


def _check_handle_arguments(config: object, actor: object, clock: object, settings: object) -> None:
    """The handle's own arguments, checked before a store is touched."""
    if not isinstance(config, StoreConfig):
        raise InvalidInputError(
            "config", f"{type(config).__name__} is not a StoreConfig; use Ledger.open(url)"
        )
    if actor is not None:
        actor_name(actor)
    if not callable(clock):
        raise InvalidInputError("clock", f"{type(clock).__name__} is not a clock (a function returning now)")
    if settings is not None and not isinstance(settings, LedgerSettings):
        raise InvalidInputError("settings", f"{type(settings).__name__} is not LedgerSettings")


class Ledger:
    """An open ledger on one store. Use as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        config: StoreConfig,
        *,
        actor: str | None = None,
        clock: Clock = utc_now,
        settings: LedgerSettings | None = None,
        default_actor: str | None = DEFAULT_ACTOR,
    ):
        _check_handle_arguments(config, actor, clock, settings)
        self.config = config
        if settings is None and named_config() is not None:
            settings = LedgerSettings.load()
        self._settings = settings
        """None: no settings file, the defaults (made on first use, see :attr:`settings`)."""
        self.actor = actor
        """The actor named for this handle (None: not named; see :meth:`_acting`)."""
        self._default_actor = default_actor
        self._login: str | None = None
        self.clock = clock
        try:
            self.app = open_application(config, LedgerApplication)
        except (PersistenceError, OSError) as error:
            detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise StoreError("db", f"database {config.display}: {detail}") from error
        self._projections: Projections | None = None
        if self._settings is not None:  # the defaults would seed nothing: they are the dated settings' own
            try:
                dated_settings.seed_from_config(self.app, self._settings)
            except STORE_FAILURES as error:
                self.app.close()
                raise store_error(error) from error

    @property
    def settings(self) -> LedgerSettings:
        """The deployment's settings: given, read from the file ``LEDGER_CONFIG`` names when the
        handle was opened, else the defaults, made when first read (a question that needs none of
        them loads no model machinery)."""
        if self._settings is None:
            self._settings = LedgerSettings()
        return self._settings

    @property
    def default_actor(self) -> str | None:
        """Who an unnamed write is recorded as in ``open`` mode (never used when authenticated, and
        nobody when the settings require an actor)."""
        return None if self.settings.security.require_actor else self._default_actor

    @functools.cached_property
    def calendar(self) -> WorkingCalendar:
        """The working calendar of the config file (its holiday tables load on first use)."""
        return self.settings.calendar.working_calendar()

    @functools.cached_property
    def due_fact_producers(self) -> list[tick_command.DueFactProducer]:
        """What :meth:`tick` records, in order; later features append their producers here."""
        return tick_command.default_producers(self.app)

    @functools.cached_property
    def bus(self) -> MessageBus:
        """The one door: every command method builds its command, and every question of the records
        its query, and hands it here. The command table loads with the first command: a handle that
        only asks questions never imports the command handlers."""
        from ledger.commands.bus import MessageBus, Services

        services = Services(
            calendar=lambda: self.calendar,
            catalogue=lambda: self.settings.admin.catalogue(),
            projections=lambda: self.projections,
            producers=lambda: self.due_fact_producers,
        )
        return MessageBus(
            self.app,
            handlers=_command_table,
            clock=lambda: self.clock(),
            authorise=self._authorise,
            services=services,
        )

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        actor: str | None = None,
        clock: Clock = utc_now,
        settings: LedgerSettings | None = None,
        default_actor: str | None = DEFAULT_ACTOR,
    ) -> Self:
        """Open the store at ``url`` (else ``LEDGER_DATABASE_URL``, else ``sqlite:///ledger.db``).

        ``actor`` names who records through this handle (a method's own ``actor=`` wins); without
        one, writes are recorded as ``system`` — unless the settings require an actor, in which case
        they are refused. ``settings`` default to the file named by ``LEDGER_CONFIG``, else the
        built-in defaults.

        Every write is checked against the ``identity`` setting in force (see docs/identity.md):
        in ``registered`` mode ``actor`` must be an active person whose role allows the command; in
        ``authenticated`` mode the actor is the database login's person (PostgreSQL) or the
        operating-system user's (SQLite), and an ``actor`` naming anyone else is refused.
        """
        return cls(
            parse_store_url(resolve_url(url)),
            actor=actor,
            clock=clock,
            settings=settings,
            default_actor=default_actor,
        )

    def close(self) -> None:
        if self._projections is not None:
            self._projections.close()
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

    def _acting(self, command: str, actor: str | None) -> Acting:
        """Who runs ``command`` (a row of the role table), checked against the identity mode.

        A method's own ``actor`` wins over the handle's; the default actor stands in only in
        ``open`` and ``registered`` modes (when authenticated, the login decides). Every actor is
        normalised here, once, so each write path stores one spelling per person.
        """
        named = self.actor if actor is None else actor
        acting = identity.authorise(self.app, command, named, self.clock(), self.login, self.default_actor)
        self.app.login = acting.login
        return acting

    def login(self) -> str:
        """The login behind this handle: PostgreSQL's ``session_user``, else the OS user."""
        if self._login is None:
            self._login = identity.session_login(self.app)
        return self._login

    def _authorise(self, command: str, actor: str | None) -> Acting:
        """The bus's actor resolution. Facts the clock records are recorded as ``clock`` (or the
        actor named); outside ``open`` mode whoever runs the clock must still be allowed to, and a
        handle's named actor must be valid."""
        if command != "tick":
            return self._acting(command, actor)
        if self.actor is not None or identity.mode_at(self.app, self.clock()) != setting_values.OPEN:
            acting = self._acting(command, None)
        else:
            self.app.login = None
            acting = Acting(tick_command.CLOCK_ACTOR, None, setting_values.OPEN)
        recorded_as = person_id(actor) if actor is not None else tick_command.CLOCK_ACTOR
        return Acting(recorded_as, acting.login, acting.mode)

    # --- commands ------------------------------------------------------------------------------

    @_store_errors
    def add_customer(
        self,
        customer: str,
        *,
        name: str,
        account_manager: str,
        account_manager_email: str | None = None,
        actor: str | None = None,
        at: When = None,
    ) -> CustomerResult:
        """Register a customer (id slug, display name, account manager and where alerts are mailed)."""
        command = AddCustomer.build(
            customer=customer,
            name=name,
            account_manager=account_manager,
            account_manager_email=account_manager_email,
            actor=actor,
            at=at,
        )
        return cast("CustomerResult", self.bus.handle(command))

    @_store_errors
    def change_customer(
        self,
        customer: str,
        *,
        effective_from: When,
        name: str | None = None,
        account_manager: str | None = None,
        account_manager_email: str | None = None,
        actor: str | None = None,
    ) -> CustomerResult:
        """New details from ``effective_from`` on (dated: alerts go to the account manager in charge
        at each alert's effective time); fields left None stay as they are."""
        command = ChangeCustomer.build(
            customer=customer,
            name=name,
            account_manager=account_manager,
            account_manager_email=account_manager_email,
            actor=actor,
            at=effective_from,
        )
        return cast("CustomerResult", self.bus.handle(command))

    @_store_errors
    def customers(self, *, at: When = None) -> list[CustomerListing]:
        """Every customer as in force at ``at`` (default now), with all its dated versions."""
        moment = self.clock() if at is None else parse_instant(at, "at")
        listed = []
        for slug, versions in self.projections.fresh("alerts").customers().items():
            current = in_force(versions, moment)
            listed.append(
                CustomerListing(
                    customer=slug,
                    name=current.name,
                    account_manager=current.account_manager,
                    account_manager_email=current.account_manager_email,
                    registered_at=versions[0].since,
                    versions=tuple(
                        CustomerVersion(
                            effective_from=v.since,
                            name=v.name,
                            account_manager=v.account_manager,
                            account_manager_email=v.account_manager_email,
                        )
                        for v in versions
                    ),
                )
            )
        return listed

    @_store_errors
    def buy_card(
        self,
        customer: str,
        *,
        amount: Number,
        currency: str = DEFAULT_CURRENCY,
        reference: str | None = None,
        expires_at: When = None,
        actor: str | None = None,
        at: When = None,
    ) -> CreditResult:
        """Buy a strippenkaart for a one-off amount; ``reference`` (order number) makes it idempotent.

        ``expires_at``: the credit cannot be used from then on, and what is left is written off by
        the clock once the grace period has passed.
        """
        command = BuyCard.build(
            customer=customer,
            amount=amount,
            currency=currency,
            reference=reference if reference is not None else f"purchase-{uuid4().hex[:12]}",
            expires_at=expires_at,
            actor=actor,
            at=at,
        )
        return cast("CreditResult", self.bus.handle(command))

    @_store_errors
    def top_up(
        self,
        customer: str,
        *,
        amount: Number,
        reference: str | None = None,
        expires_at: When = None,
        actor: str | None = None,
        at: When = None,
    ) -> CreditResult:
        """Add credit to the customer's card; ``reference`` (invoice number) makes it idempotent."""
        command = TopUpCard.build(
            customer=customer,
            amount=amount,
            reference=reference if reference is not None else f"top-up-{uuid4().hex[:12]}",
            expires_at=expires_at,
            actor=actor,
            at=at,
        )
        return cast("CreditResult", self.bus.handle(command))

    @_store_errors
    def buy_monthly(
        self,
        customer: str,
        *,
        amount: Number,
        day: int | None = None,
        start: When = None,
        until: When = None,
        currency: str = DEFAULT_CURRENCY,
        actor: str | None = None,
    ) -> MonthlyPlanResult:
        """Buy a monthly amount: ``amount`` credited on ``day`` of each month from ``start`` until ``until``.

        Dates are whole days in Amsterdam; ``start`` defaults to today and ``day`` to the start's
        day (31 means the last day in shorter months). Opens the card if there is none. Months
        already due are credited at once; later ones by :meth:`tick`.
        """
        command = SetMonthlyPlan.build(
            customer=customer,
            amount=amount,
            day=day,
            start=start,
            until=until,
            currency=currency,
            actor=actor,
        )
        return cast("MonthlyPlanResult", self.bus.handle(command))

    @_store_errors
    def change_monthly(
        self, customer: str, *, amount: Number, start: When, actor: str | None = None
    ) -> MonthlyPlanResult:
        """A new monthly amount for the months due from ``start`` on; earlier months keep theirs."""
        command = ChangeMonthlyPlan.build(customer=customer, amount=amount, start=start, actor=actor)
        return cast("MonthlyPlanResult", self.bus.handle(command))

    @_store_errors
    def stop_monthly(self, customer: str, *, start: When, actor: str | None = None) -> MonthlyPlanResult:
        """No monthly credit falls due from ``start`` on."""
        command = StopMonthlyPlan.build(customer=customer, start=start, actor=actor)
        return cast("MonthlyPlanResult", self.bus.handle(command))

    @_store_errors
    def set_setting(
        self, key: str, value: str, *, effective_from: When, actor: str | None = None
    ) -> dated_settings.SettingResult:
        """Record a dated setting: ``key`` takes ``value`` from ``effective_from`` on (may be backdated).

        The keys are in :mod:`ledger.domain.settings`; a bad key or value raises InvalidInputError.
        """
        if effective_from is None:
            raise InvalidInputError("from", "is required: the date the setting takes effect")
        start = parse_instant(effective_from, "from")
        command = SetSetting.build(key=key, value=value, effective_from=start, actor=actor)
        return cast("dated_settings.SettingResult", self.bus.handle(command))

    @_store_errors
    def settings_in_force(self, *, at: When = None) -> list[dated_settings.SettingView]:
        """Every dated setting as in force at ``at`` (default now), with since when and who set it."""
        return cast("list[dated_settings.SettingView]", self.bus.handle(SettingsAt.build(at=at)))

    @_store_errors
    def tick(self, until: When = None, *, actor: str | None = None) -> TickResult:
        """Record everything due up to ``until`` (default now): monthly credits, expiry write-offs,
        evaluations due, grant expiries, and the statements of months that have ended.

        Safe to call every minute, twice, or from two processes at once: a fact is recorded once.
        Recorded as actor ``clock`` unless ``actor`` is given.
        """
        return cast("TickResult", self.bus.handle(Tick.build(until=until, actor=actor)))

    @_store_errors
    def import_csv(
        self, source: importing.Source, *, progress: importing.Progress | None = None
    ) -> importing.ImportResult:
        """Import history from a CSV file (path or open text stream); the format is in
        :mod:`ledger.commands.importing`. Every row is validated first (nothing is written when one
        is wrong), then applied through the ordinary commands in batches; a re-run writes nothing.
        ``progress(done, total)`` is called after every committed batch.
        """
        return importing.import_csv(self.bus, source, self._acting("import", None), progress=progress)

    @_store_errors
    def log_work(
        self,
        customer: str,
        *,
        ticket: str,
        hours: Number,
        kind: str | None = None,
        entry: str | None = None,
        engineer: str | None = None,
        rate: Number | None = None,
        description: str = "",
        component: str | None = None,
        role: str | None = None,
        source: str = "api",
        focus: str | None = None,
        actor: str | None = None,
        at: When = None,
    ) -> WorkResult:
        """Record a time entry on a ticket; the payer is decided and the card debited once per entry.

        ``kind`` (support, rfc, project, onsite, other) has no default. ``entry`` is the entry's own
        id and idempotency key (many entries per ticket); without it the ticket is the key. A repeat
        of a key with the same figures is answered as a duplicate, with other figures refused
        (ReferenceConflictError). ``engineer`` is who did the work (the actor recorded it).
        Without ``rate`` the rate card's rate for ``role`` (else its general rate) at the work's
        time applies; the rounding rule in force then decides the billed hours. On-site work
        (``kind="onsite"``) names its ``focus`` area: within the focus areas of the engagement in
        force then, the engagement pays.
        ``source`` says through which door the entry came (``api``, ``cli``, ``import``).
        """
        command = LogWork.build(
            customer=customer,
            ticket=ticket,
            entry=entry,
            engineer=engineer,
            hours=hours,
            rate=rate,
            description=description,
            kind=kind,
            component=component,
            role=role,
            source=source,
            focus=focus,
            actor=actor,
            at=at,
        )
        return cast("WorkResult", self.bus.handle(command))

    @_store_errors
    def reverse_work(
        self,
        customer: str,
        *,
        reason: str,
        ticket: str | None = None,
        entry: str | None = None,
        note: str | None = None,
        actor: str | None = None,
        at: When = None,
    ) -> ReversalResult:
        """Reverse one entry (by ``entry``, or by ``ticket`` when the ticket has one entry): the card
        gets back exactly what that entry took, effective at the entry's own time. ``at`` is when
        the reversal was decided (not before the work). ``reason`` is internal; ``note`` is what
        the customer's statement shows (else a neutral correction line)."""
        command = ReverseWork.build(
            customer=customer,
            ticket=ticket,
            entry=entry,
            reason=reason,
            note=note,
            actor=actor,
            at=at,
        )
        return cast("ReversalResult", self.bus.handle(command))

    @_store_errors
    def ticket_entries(self, customer: str, ticket: str) -> list[WorkResult]:
        """Every time entry on a ticket, as recorded (reversed ones included, marked)."""
        query = TicketEntriesOf.build(customer=customer, ticket=ticket)
        return cast("list[WorkResult]", self.bus.handle(query))

    @_store_errors
    def start_contract(
        self, customer: str, *, tier: str, effective_from: When, actor: str | None = None
    ) -> ContractChangeResult:
        """Start a servicedesk contract (``basis`` or ``comfort``) at ``effective_from``."""
        command = StartContract.build(
            customer=customer,
            tier=tier,
            effective_from=effective_from,
            actor=actor,
        )
        return cast("ContractChangeResult", self.bus.handle(command))

    @_store_errors
    def change_contract(
        self, customer: str, *, tier: str, effective_from: When, actor: str | None = None
    ) -> ContractChangeResult:
        """Move the contract in force to another tier from ``effective_from`` on (may be backdated)."""
        command = ChangeContract.build(
            customer=customer,
            tier=tier,
            effective_from=effective_from,
            actor=actor,
        )
        return cast("ContractChangeResult", self.bus.handle(command))

    @_store_errors
    def end_contract(
        self, customer: str, *, effective_from: When, actor: str | None = None
    ) -> ContractChangeResult:
        """End the contract in force at ``effective_from``."""
        command = EndContract.build(customer=customer, effective_from=effective_from, actor=actor)
        return cast("ContractChangeResult", self.bus.handle(command))

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
            actor=actor,
        )
        return cast("PackChangeResult", self.bus.handle(command))

    @_store_errors
    def remove_pack(
        self, customer: str, *, pack: str, effective_from: When, actor: str | None = None
    ) -> PackChangeResult:
        """Deactivate beheerpack ``pack`` from ``effective_from`` on."""
        command = RemovePack.build(
            customer=customer,
            pack=pack,
            effective_from=effective_from,
            actor=actor,
        )
        return cast("PackChangeResult", self.bus.handle(command))

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
            actor=actor,
        )
        return cast("RateCardChangeResult", self.bus.handle(command))

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
            actor=actor,
        )
        return cast("RateCardChangeResult", self.bus.handle(command))

    # --- on-site support -------------------------------------------------------------------------

    @_store_errors
    def kick_off(
        self,
        customer: str,
        *,
        focus_areas: list[str] | tuple[str, ...],
        visits: str,
        evaluation: str,
        actor: str | None = None,
        at: When = None,
    ) -> OnsiteChangeResult:
        """Record the kick-off of an on-site engagement: its focus areas, visit cadence
        (weekly, biweekly, monthly) and evaluation cadence (quarterly, half-yearly)."""
        command = KickOff.build(
            customer=customer,
            focus_areas=focus_areas,
            visits=visits,
            evaluation=evaluation,
            actor=actor,
            at=at,
        )
        return cast("OnsiteChangeResult", self.bus.handle(command))

    @_store_errors
    def assign_consultant(
        self, customer: str, *, consultant: str, actor: str | None = None, at: When = None
    ) -> OnsiteChangeResult:
        """Assign a consultant to the customer's on-site engagement."""
        command = AssignConsultant.build(customer=customer, consultant=consultant, actor=actor, at=at)
        return cast("OnsiteChangeResult", self.bus.handle(command))

    @_store_errors
    def release_consultant(
        self, customer: str, *, consultant: str, actor: str | None = None, at: When = None
    ) -> OnsiteChangeResult:
        """Release a consultant from the customer's on-site engagement."""
        command = ReleaseConsultant.build(customer=customer, consultant=consultant, actor=actor, at=at)
        return cast("OnsiteChangeResult", self.bus.handle(command))

    @_store_errors
    def log_visit(
        self,
        customer: str,
        *,
        consultant: str,
        hours: Number,
        focus: str,
        reference: str,
        actor: str | None = None,
        at: When = None,
    ) -> OnsiteChangeResult:
        """Record a consultant's visit (hours on one focus area); ``reference`` makes it idempotent."""
        command = LogVisit.build(
            customer=customer,
            consultant=consultant,
            hours=hours,
            focus=focus,
            reference=reference,
            actor=actor,
            at=at,
        )
        return cast("OnsiteChangeResult", self.bus.handle(command))

    @_store_errors
    def evaluate(
        self,
        customer: str,
        *,
        outcome: str,
        focus_areas: list[str] | tuple[str, ...] | None = None,
        notes: str = "",
        actor: str | None = None,
        at: When = None,
    ) -> OnsiteChangeResult:
        """Record an evaluation (continue, adjust with new ``focus_areas``, or stop); it sets the
        next due date, and stop ends the engagement."""
        command = Evaluate.build(
            customer=customer,
            outcome=outcome,
            focus_areas=focus_areas,
            notes=notes,
            actor=actor,
            at=at,
        )
        return cast("OnsiteChangeResult", self.bus.handle(command))

    @_store_errors
    def end_engagement(
        self, customer: str, *, actor: str | None = None, at: When = None
    ) -> OnsiteChangeResult:
        """End the customer's on-site engagement."""
        command = EndEngagement.build(customer=customer, actor=actor, at=at)
        return cast("OnsiteChangeResult", self.bus.handle(command))

    # --- questions -----------------------------------------------------------------------------

    @_store_errors
    def balance(self, customer: str, *, as_of: When = None, as_known_at: When = None) -> Balance:
        """Credited, debited and remaining on the customer's card.

        With ``as_of`` and/or ``as_known_at`` the answer is bitemporal (a
        :class:`~ledger.audit.bitemporal.HistoricBalance`): in effect at ``as_of`` (default now),
        counting only events recorded by ``as_known_at`` (default: everything recorded so far).
        """
        if as_of is None and as_known_at is None:
            return self.card_figures(customer).result()
        slug = customer_slug(customer)
        moment = parse_instant(as_of, "as_of") if as_of is not None else self.clock()
        known = parse_instant(as_known_at, "as_known_at") if as_known_at is not None else None
        return balance_as_of(self.app, slug, moment, known)

    @_store_errors
    def card_figures(self, customer: str) -> CardFigures:
        """:meth:`balance` now as plain figures, without the result model: what ``ledger balance``
        prints (its ``to_json()`` is the balance's)."""
        return cast("CardFigures", self.bus.handle(BalanceOf.build(customer=customer)))

    @_store_errors
    def work_entry(self, customer: str, *, ticket: str | None = None, entry: str | None = None) -> WorkResult:
        """A recorded work entry with its derivation, named by its key or its (single-entry) ticket."""
        query = WorkEntryOf.build(customer=customer, ticket=ticket, entry=entry)
        return cast("WorkResult", self.bus.handle(query))

    @_store_errors
    def entitlement(self, customer: str, *, at: When = None) -> EntitlementResult:
        """The support channel (servicedesk, emergency-line or none), tier and why, at ``at``."""
        query = EntitlementAt.build(customer=customer, at=at)
        return cast("EntitlementResult", self.bus.handle(query))

    @_store_errors
    def contract_history(self, customer: str) -> ContractHistory:
        """Every contract change in effective order, with effective and recorded times."""
        return cast("ContractHistory", self.bus.handle(ContractHistoryOf.build(customer=customer)))

    @_store_errors
    def packs(self, customer: str, *, at: When = None) -> PackList:
        """The beheerpacks active at ``at`` (default now) and their whole history."""
        return cast("PackList", self.bus.handle(PacksAt.build(customer=customer, at=at)))

    @_store_errors
    def rate_card(self, customer: str, *, at: When = None) -> RateCardView:
        """The rates and rounding in force at ``at`` (default now) and the card's history."""
        return cast("RateCardView", self.bus.handle(RateCardAt.build(customer=customer, at=at)))

    # --- audit ---------------------------------------------------------------------------------

    @_store_errors_streaming
    def export_events(
        self,
        *,
        customer: str | None = None,
        effective_from: When = None,
        effective_to: When = None,
    ) -> Iterator[ExportRow]:
        """Every stored event as an :class:`ExportRow`, in log order, streamed in batches.

        ``effective_from``/``effective_to`` select on effective time (from inclusive, to
        exclusive; a bare date is 00:00 Amsterdam); ``customer`` keeps that customer's events.
        """
        slug = None
        if customer is not None:
            slug = customer_slug(customer)
            self.app.customer(slug)
        start = parse_instant(effective_from, "from") if effective_from is not None else None
        end = parse_instant(effective_to, "to") if effective_to is not None else None
        yield from export_rows(self.app, customer=slug, effective_from=start, effective_to=end)

    @_store_errors
    def seal(self, *, key: str | None = None, witness: str | os.PathLike[str] | None = None) -> SealSummary:
        """Hash every record since the last seal into the log's seal chain.

        ``key`` (else ``$LEDGER_SEAL_KEY``; hex or text) signs each new seal with HMAC-SHA256.
        ``witness`` (else ``$LEDGER_WITNESS_FILE``) is a file, best on another volume, that the
        new head is appended to (see :mod:`ledger.audit.witness`).
        """
        from ledger.audit.seals import SEAL_KEY_VARIABLE  # a constant: not importable lazily

        secret = seal_key(key if key is not None else os.environ.get(SEAL_KEY_VARIABLE))
        target = witness_path(witness)
        previous = last_head(target) if target is not None else None  # an unusable witness: refused now
        now = self.clock()
        summary = cast("SealSummary", self.bus.handle(Seal(key=secret)))
        if target is not None and previous != summary.head:
            append_head(target, summary.head, now)
        return summary

    @_store_errors
    def verify(
        self,
        *,
        key: str | None = None,
        view_comparisons: Sequence[ViewComparison] | None = None,
        expect_heads: Sequence[str] = (),
        head_files: Sequence[str | os.PathLike[str]] = (),
        witness: str | os.PathLike[str] | None = None,
    ) -> VerifyReport:
        """Check every seal against the stored bytes, every head shown, every invariant, snapshot
        and view; see :class:`VerifyReport` (its ``status`` says which kind of finding, if any).

        ``key`` (else ``$LEDGER_SEAL_KEY``) checks the seals' signatures. ``expect_heads`` (heads
        as ``seal`` printed them), ``head_files`` and ``witness`` (else ``$LEDGER_WITNESS_FILE``)
        are heads the chain must still contain.
        """
        from ledger.audit.seals import SEAL_KEY_VARIABLE  # a constant: not importable lazily

        secret = seal_key(key if key is not None else os.environ.get(SEAL_KEY_VARIABLE))
        heads = heads_shown(expect_heads, head_files, witness_path(witness))
        check_readable(self.app)
        if view_comparisons is None:
            view_comparisons = compare.view_comparisons(self.projections)
        elif not isinstance(view_comparisons, list | tuple) or not all(map(callable, view_comparisons)):
            msg = f"{type(view_comparisons).__name__} is not a list of view comparisons"
            raise InvalidInputError("view_comparisons", msg)
        return verify_log(
            self.app, secret, view_comparisons, heads, lambda: parallel.snapshots_elsewhere(self.projections)
        )

    @_store_errors
    def log_position(self) -> int:
        """The position of the newest stored event (0 for an empty log)."""
        return int(self.app.recorder.max_notification_id() or 0)

    # --- reports (projections; each read first catches its view up: read-your-writes) ----------

    @property
    def projections(self) -> Projections:
        """The views of this ledger, built in its store on first use."""
        if self._projections is None:
            self._projections = Projections(self.app, self.config, self.settings)
        return self._projections

    @_store_errors
    def report_balances(self, as_of: When = None) -> list[BalanceRow]:
        """Every card's credited, debited and balance; ``as_of`` sums movements effective by then."""
        moment = None if as_of is None else parse_instant(as_of, "as_of")
        view = self.projections.fresh("balances")
        rows: list[BalanceRow] = view.balances(moment)
        return rows

    @_store_errors
    def work_records(self, customer: str, month: str) -> list[WorkRecord]:
        """The customer's invoice-free work (and reversals) in a month (``YYYY-MM``, Amsterdam)."""
        slug = customer_slug(customer)
        key = _month_key(month)
        self.app.customer(slug)
        view = self.projections.fresh("work_records")
        records: list[WorkRecord] = view.records(slug, key)
        # the balance after each line in effective order, exactly as the statement shows it
        _, end = month_bounds(key)
        position = int(self.app.recorder.max_notification_id() or 0)
        lines = self.projections.fresh("statements").lines(slug, end, position)
        balances = statement_document.effective_balances(lines)
        shown = []
        for record in records:
            found = balances.get((record.at, record.ticket, record.line))
            shown.append(dataclasses.replace(record, balance_after=found.pop(0)) if found else record)
        return shown

    @_store_errors
    def invoiceable_lines(
        self, month: str, *, customer: str | None = None, include_void: bool = False
    ) -> list[InvoiceableLine]:
        """What billing should invoice for a month; void (reversed) lines only when asked."""
        key = _month_key(month)
        slug = None if customer is None else customer_slug(customer)
        view = self.projections.fresh("invoiceable")
        lines: list[InvoiceableLine] = view.lines(key, slug, include_void=include_void)
        exports = invoice_export.exports_of(self.app)
        return [
            dataclasses.replace(line, export=str(exports[line.entry_id]))
            if line.entry_id in exports
            else line
            for line in lines
        ]

    @_store_errors
    def export_invoiceable(self, until: When, *, actor: str | None = None) -> invoice_export.InvoiceExport:
        """Export every invoiceable line effective before ``until`` that no export held yet (late
        ones flagged), and a credit for each exported line reversed since; numbered and recorded.
        Nothing new: an export without a number, nothing recorded."""
        if until is None:
            raise InvalidInputError("until", "is required: export the lines effective before this")
        command = ExportInvoiceable.build(until=parse_instant(until, "until"), actor=actor)
        return cast("invoice_export.InvoiceExport", self.bus.handle(command))

    # --- alerts --------------------------------------------------------------------------------

    @_store_errors
    def set_alert_threshold(
        self,
        customer: str,
        *,
        percent: Number | None = None,
        amount: Number | None = None,
        actor: str | None = None,
        at: When = None,
    ) -> ThresholdResult:
        """The customer's nearly-used threshold: ``percent`` of the balance after the latest credit,
        or a fixed ``amount``; in force for card movements effective from ``at`` (default now) on."""
        command = SetAlertThreshold.build(
            customer=customer, percent=percent, amount=amount, actor=actor, at=at
        )
        return cast("ThresholdResult", self.bus.handle(command))

    @_store_errors
    def alerts(
        self,
        customer: str | None = None,
        *,
        include_acknowledged: bool = False,
        kind: str | None = None,
        since: When = None,
        account_manager: str | None = None,
    ) -> list[Alert]:
        """Alerts in the order they were raised; open ones only unless ``include_acknowledged``;
        ``since`` keeps those raised (recorded) from then on; ``account_manager`` those whose
        account manager in charge at the alert's effective time has that name."""
        slug = None
        if customer is not None:
            slug = customer_slug(customer)
            self.app.customer(slug)
        known = alert_rules.ALERT_KINDS
        if kind is not None and (not isinstance(kind, str) or kind not in known):
            raise InvalidInputError("kind", f"unknown alert kind {kind!r}; known: {', '.join(known)}")
        if account_manager is not None and not isinstance(account_manager, str):
            raise InvalidInputError("account_manager", f"{type(account_manager).__name__} is not a name")
        moment = None if since is None else parse_instant(since, "since")
        view = self.projections.fresh("alerts")
        found: list[Alert] = view.alerts(
            slug,
            include_acknowledged=include_acknowledged,
            kind=kind,
            since=moment,
            account_manager=account_manager,
        )
        return found

    # --- delivery ------------------------------------------------------------------------------

    @_store_errors
    def add_webhook(
        self, url: str, *, secret_env: str, kinds: list[str] | None = None, actor: str | None = None
    ) -> WebhookResult:
        """Deliver alerts raised from now on (of ``kinds``; all when empty) to ``url``, signed with
        the secret in environment variable ``secret_env`` (the secret never enters the log)."""
        command = AddWebhook.build(url=url, secret_env=secret_env, kinds=kinds, actor=actor)
        return cast("WebhookResult", self.bus.handle(command))

    @_store_errors
    def remove_webhook(self, url: str, *, actor: str | None = None) -> WebhookResult:
        return cast("WebhookResult", self.bus.handle(RemoveWebhook.build(url=url, actor=actor)))

    @_store_errors
    def webhooks(self) -> list[WebhookView]:
        found: list[WebhookView] = self.projections.fresh("alerts").webhooks()
        return found

    def deliverer(self, senders: Senders | None = None, policy: DeliveryPolicy | None = None) -> Deliverer:
        """The outbox's deliverer on this ledger (senders and policy from the environment by default)."""
        if senders is not None and not isinstance(senders, Senders):
            raise InvalidInputError("senders", f"{type(senders).__name__} is not Senders")
        if policy is not None and not isinstance(policy, DeliveryPolicy):
            raise InvalidInputError("policy", f"{type(policy).__name__} is not a DeliveryPolicy")
        senders = senders if senders is not None else Senders.from_env()  # a bad setting is refused
        policy = policy if policy is not None else DeliveryPolicy.from_env()  # before the view moves
        return Deliverer(
            view=self.projections.fresh("alerts"),
            senders=senders,
            policy=policy,
            clock=self.clock,
            documents=statement_pdfs(self.statement),
        )

    @_store_errors
    def notify_run(self, senders: Senders | None = None, policy: DeliveryPolicy | None = None) -> RunResult:
        """One delivery round: every due delivery sent, acknowledged ones recorded."""
        return self.deliverer(senders, policy).run_once()  # its view caught up with the log

    @_store_errors
    def deliveries(self, status: str | None = None) -> list[Delivery]:
        found: list[Delivery] = self.projections.fresh("alerts").deliveries(status)
        return found

    @_store_errors
    def retry_delivery(self, delivery_or_alert_id: str) -> list[str]:
        """Make a dead (or waiting) delivery due now, attempts from zero; an alert id retries all of
        that alert's undelivered deliveries. The ids requeued; UnknownDeliveryError if none."""
        view = self.projections.fresh("alerts")
        ids = [d.id for d in view.deliveries() if delivery_or_alert_id in (d.id, d.alert_id)]
        requeued: list[str] = view.requeue(ids, self.clock())
        if not requeued:
            raise UnknownDeliveryError(delivery_or_alert_id)
        return requeued

    @_store_errors
    def acknowledge_alert(
        self, alert_id: str, *, actor: str | None = None, at: When = None
    ) -> AcknowledgementResult:
        """Acknowledge an alert (an event, with actor); acknowledging it again changes nothing."""
        command = AcknowledgeAlert.build(alert_id=alert_id, actor=actor, at=at)
        return cast("AcknowledgementResult", self.bus.handle(command))

    # --- statements ----------------------------------------------------------------------------

    @_store_errors
    def issue_statement(self, customer: str, month: str, *, actor: str | None = None) -> Statement:
        """Issue (number and freeze) the customer's statement for a month that has ended.

        Idempotent: a month already issued returns that statement, unchanged. Months are issued
        in order; the issued statement raises a ``statement-ready`` alert.
        """
        command = IssueStatement.build(customer=customer, month=month, actor=actor)
        return self._documents([cast("statement_book.Issued", self.bus.handle(command))])[0]

    @_store_errors
    def issue_due_statements(self, until: When = None, *, actor: str | None = None) -> list[Statement]:
        """Issue every statement that has fallen due by ``until`` (default now): each month, from
        the customer's first, whose cut-off (dated setting ``statements.cut-off``: by default the
        3rd working day of the next month, 00:00 Amsterdam) is at or before it. Returns the new
        ones; again, it issues nothing. This is what ``ledger tick`` calls."""
        moment = self.clock() if until is None else parse_instant(until, "at")
        command = IssueDueStatements.build(until=moment, actor=actor)
        return self._documents(cast("list[statement_book.Issued]", self.bus.handle(command)))

    @_store_errors
    def close_statements(
        self, month: str, customers: Sequence[str] = (), *, actor: str | None = None
    ) -> list[Statement]:
        """Close an ended month on purpose, before its cut-off: issue its statements (and earlier
        months not issued yet) for ``customers``, or for every customer with a card or work.
        Returns the newly issued ones; closing again issues nothing."""
        if isinstance(customers, str) or not isinstance(customers, Sequence):
            raise InvalidInputError("customers", "is not a list of customer ids")
        slugs = tuple(customer_slug(customer) for customer in customers)
        command = CloseStatements.build(month=_month_key(month), customers=slugs, actor=actor)
        return self._documents(cast("list[statement_book.Issued]", self.bus.handle(command)))

    def _documents(self, issued: list[statement_book.Issued]) -> list[Statement]:
        """The documents of issued statements, as the read side composes them."""
        view = self.projections.fresh("statements")
        return [
            issued_statements.compose_issued(
                view,
                record.customer,
                record.month,
                IssuedRecord(
                    record.customer, record.month, record.number, record.closed_at, record.log_position
                ),
            )
            for record in issued
        ]

    @_store_errors
    def statement_cut_off(self, month: str) -> datetime:
        """When the tick issues ``month``'s statements (the dated cut-off in force at its end)."""
        return cast("datetime", self.bus.handle(StatementCutOffOf.build(month=month)))

    @_store_errors
    def statement(self, customer: str, month: str) -> Statement:
        """The issued statement for a month, or a provisional one (no number) from what is known now."""
        slug = customer_slug(customer)
        return issued_statements.statement(self.app, self.projections, slug, _month_key(month), self.clock())

    @_store_errors
    def projection_status(self) -> list[ProjectionStatus]:
        """Each view's position, the log's last id, and how far behind the view is."""
        return self.projections.status()

    @_store_errors
    def rebuild_projection(
        self, name: str | None = None, *, workers: int | str | None = None
    ) -> list[RebuildResult]:
        """Rebuild one view (or all) from the first event; safe beside running runners.

        A big log is rebuilt by up to ``workers`` processes (None: one per core; 1: this process
        alone), each rebuilding its own views (on SQLite in a staging file of its own, copied into
        the store: see :mod:`ledger.projections.staging`)."""
        from ledger.projections.parallel import worker_count

        return self.projections.rebuild(name, None if workers is None else worker_count(workers))

    @_store_errors
    def onsite_report(self, customer: str) -> OnsiteReport:
        """The on-site engagement now: focus areas, consultants, visits and hours per focus area
        since the last evaluation, last and next evaluation."""
        return cast("OnsiteReport", self.bus.handle(EngagementReportOf.build(customer=customer)))

    # --- people and roles ------------------------------------------------------------------------

    @_store_errors
    def add_person(
        self,
        person: str,
        *,
        name: str,
        roles: Sequence[str] | str,
        customer: str | None = None,
        email: str | None = None,
        db_role: str | None = None,
        actor: str | None = None,
    ) -> people_commands.PersonView:
        """Register ``person`` (an id such as an e-mail address, normalised) with ``roles``.

        A ``customer-contact`` is bound to one ``customer``; ``db_role`` is the database (or
        operating-system) login that is this person in ``authenticated`` mode.
        """
        values = {"name": name, "roles": roles, "customer": customer, "email": email, "db_role": db_role}
        command = AddPerson.build(person=person, details=values, actor=actor)
        return cast("people_commands.PersonView", self.bus.handle(command))

    @_store_errors
    def change_person(
        self,
        person: str,
        *,
        name: str | None = None,
        roles: Sequence[str] | str | None = None,
        customer: str | None = None,
        email: str | None = None,
        db_role: str | None = None,
        actor: str | None = None,
    ) -> people_commands.PersonView:
        """Change the details given (``""`` clears customer, email or db_role); not one's own."""
        changes = {"name": name, "roles": roles, "customer": customer, "email": email, "db_role": db_role}
        command = ChangePerson.build(person=person, changes=changes, actor=actor)
        return cast("people_commands.PersonView", self.bus.handle(command))

    @_store_errors
    def deactivate_person(
        self, person: str, *, reason: str, actor: str | None = None
    ) -> people_commands.PersonView:
        """From now on ``person`` may not act and their login is free; not one's own record."""
        command = DeactivatePerson.build(person=person, reason=reason, actor=actor)
        return cast("people_commands.PersonView", self.bus.handle(command))

    @_store_errors
    def person(self, person: str) -> people_commands.PersonView:
        """One registered person, or UnknownPersonError."""
        return cast("people_commands.PersonView", self.bus.handle(PersonOf.build(person=person)))

    @_store_errors
    def people(self) -> list[people_commands.PersonView]:
        """Every registered person (active or not), by id."""
        return cast("list[people_commands.PersonView]", self.bus.handle(EveryPerson.build()))

    # --- admin accounts (beheeraccounts) -------------------------------------------------------

    @_store_errors
    def request_admin(
        self,
        customer: str,
        *,
        account: str,
        tasks: Tasks,
        reason: str,
        holder: str | None = None,
        actor: str | None = None,
        at: When = None,
    ) -> AdminChangeResult:
        """A customer contact asks for admin ``tasks`` (names or ``area.*``) on ``account``, and why.

        The first request names the account's ``holder`` (default: the requester); refused while
        another request for the account is open.
        """
        command = RequestAdminAccess.build(
            customer=customer,
            account=account,
            tasks=_task_list(tasks),
            reason=reason,
            holder=holder,
            actor=actor,
            at=at,
        )
        return cast("AdminChangeResult", self.bus.handle(command))

    @_store_errors
    def grant_admin(
        self,
        customer: str,
        *,
        account: str,
        tasks: Tasks,
        rfc: str,
        valid_from: When = None,
        valid_until: When = None,
        actor: str | None = None,
    ) -> AdminChangeResult:
        """Grant ``tasks`` from ``valid_from`` (default now) up to, not including, ``valid_until``,
        under RFC ``rfc``.

        Answers the open request (there must be one, asking for these tasks) and is refused
        (four-eyes) when ``actor`` made that request or holds the account.
        """
        command = GrantAdminAccess.build(
            customer=customer,
            account=account,
            tasks=_task_list(tasks),
            valid_from=valid_from,
            valid_until=valid_until,
            rfc=rfc,
            actor=actor,
        )
        return cast("AdminChangeResult", self.bus.handle(command))

    @_store_errors
    def change_admin_scope(
        self,
        customer: str,
        *,
        account: str,
        tasks: Tasks,
        reason: str,
        effective_from: When = None,
        rfc: str | None = None,
        actor: str | None = None,
    ) -> AdminChangeResult:
        """Give the grant in force other tasks from ``effective_from`` on.

        Fewer tasks take one person; adding any task answers an open request (four-eyes as for a
        grant) and needs the ``rfc`` it is decided under.
        """
        command = ChangeAdminScope.build(
            customer=customer,
            account=account,
            tasks=_task_list(tasks),
            reason=reason,
            effective_from=effective_from,
            rfc=rfc,
            actor=actor,
        )
        return cast("AdminChangeResult", self.bus.handle(command))

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
        return self._change_standing(SuspendAdminAccount, customer, account, reason, effective_from, actor)

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
        return self._change_standing(ResumeAdminAccount, customer, account, reason, effective_from, actor)

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
        return self._change_standing(RevokeAdminAccount, customer, account, reason, effective_from, actor)

    @_store_errors
    def withdraw_admin_request(
        self,
        customer: str,
        *,
        account: str,
        reason: str,
        effective_from: When = None,
        actor: str | None = None,
    ) -> AdminChangeResult:
        """Withdraw the open request of ``account`` unanswered, so another may be filed."""
        return self._change_standing(WithdrawAdminRequest, customer, account, reason, effective_from, actor)

    def _change_standing(
        self,
        kind: type[AdminStanding],
        customer: str,
        account: str,
        reason: str,
        effective_from: When,
        actor: str | None,
    ) -> AdminChangeResult:
        """Suspend, resume and revoke differ only in the command they build."""
        command = kind.build(
            customer=customer,
            account=account,
            reason=reason,
            effective_from=effective_from,
            actor=actor,
        )
        return cast("AdminChangeResult", self.bus.handle(command))

    @_store_errors
    def admin_check(self, customer: str, *, account: str, task: str, at: When = None) -> AdminCheckResult:
        """May ``account`` do ``task`` at ``at`` (default now)? Default deny, with the reason."""
        query = AdminCheckAt.build(customer=customer, account=account, task=task, at=at)
        return cast("AdminCheckResult", self.bus.handle(query))

    @_store_errors
    def admin_who(self, customer: str, *, task: str, at: When = None) -> AdminWhoResult:
        """Which of the customer's accounts could do ``task`` at ``at``, and why the others could not."""
        query = AdminWhoAt.build(customer=customer, task=task, at=at)
        return cast("AdminWhoResult", self.bus.handle(query))

    @_store_errors
    def admin_accounts(self, customer: str, *, at: When = None) -> AdminAccountList:
        """Every admin account of the customer with its standing and grant at ``at`` (default now)."""
        return cast("AdminAccountList", self.bus.handle(AdminAccountsAt.build(customer=customer, at=at)))

    @_store_errors
    def admin_history(self, customer: str, *, account: str | None = None) -> AdminHistory:
        """Every admin-account change of the customer (or of ``account``), in effective order."""
        query = AdminHistoryOf.build(customer=customer, account=account)
        return cast("AdminHistory", self.bus.handle(query))


def _month_key(month: str) -> str:
    first = parse_month(month)
    return f"{first.year:04d}-{first.month:02d}"
