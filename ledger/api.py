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
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ParamSpec, Self, TypeVar
from uuid import uuid4

from eventsourcing.persistence import MapperDeserialisationError, PersistenceError

from ledger import lazy
from ledger.commands.application import Clock, LedgerApplication, retrying
from ledger.commands.fields import actor_name, admin_account_name, customer_slug, reference
from ledger.config import LedgerSettings
from ledger.domain.alerts import ALERT_KINDS
from ledger.domain.grammar import DATE_TEXT
from ledger.domain.identity import person_id
from ledger.domain.money import DEFAULT_CURRENCY
from ledger.domain.settings import IDENTITY, OPEN, canonical_value, spec_of
from ledger.domain.time import AMSTERDAM, parse_instant, parse_month
from ledger.errors import InvalidInputError, StoreError, UnknownDeliveryError
from ledger.persistence.mapper import UnknownTopicError
from ledger.store import StoreConfig, parse_store_url, provisioning, resolve_url

# Imported on first use (see ledger.lazy): a handle that answers one question loads only the
# command, view or audit module that answers it. The same names, for type checkers:
if TYPE_CHECKING:
    from ledger.audit.bitemporal import balance_as_of
    from ledger.audit.export import ExportRow, export_rows
    from ledger.audit.seals import SealSummary, seal_key, seal_log
    from ledger.audit.verify import VerifyReport, ViewComparison, check_readable, verify_log
    from ledger.audit.witness import append_head, heads_shown, last_head, witness_path
    from ledger.commands import (
        admin,
        cards,
        contracts,
        customers,
        entitlements,
        identity,
        importing,
        invoice_export,
        monthly,
        onsite,
        rates,
        statements,
        work,
    )
    from ledger.commands import alerts as alert_commands
    from ledger.commands import packs as beheerpacks
    from ledger.commands import people as people_commands
    from ledger.commands import settings as dated_settings
    from ledger.commands import tick as tick_command
    from ledger.commands import webhooks as webhook_commands
    from ledger.commands.models import (
        AcknowledgeAlert,
        AddCustomer,
        AddPack,
        AdminStanding,
        AssignConsultant,
        BuyCard,
        ChangeAdminScope,
        ChangeContract,
        ChangeCustomer,
        ChangeMonthlyPlan,
        EndContract,
        EndEngagement,
        Evaluate,
        GrantAdminAccess,
        IssueStatement,
        KickOff,
        LogVisit,
        LogWork,
        ReleaseConsultant,
        RemovePack,
        RequestAdminAccess,
        ResumeAdminAccount,
        ReverseWork,
        RevokeAdminAccount,
        SetAlertThreshold,
        SetMonthlyPlan,
        SetRate,
        SetRounding,
        StartContract,
        StopMonthlyPlan,
        SuspendAdminAccount,
        Tick,
        TopUpCard,
        WithdrawAdminRequest,
    )
    from ledger.commands.results import CustomerListing, CustomerVersion
    from ledger.notify.deliver import Deliverer, DeliveryPolicy, RunResult, Senders
    from ledger.projections import compare
    from ledger.projections.alerts import in_force
    from ledger.projections.runtime import Projections
    from ledger.statements import document as statement_document
else:
    lazy.names(globals(), "ledger.audit.bitemporal", "balance_as_of")
    lazy.names(globals(), "ledger.audit.export", "export_rows")
    lazy.names(globals(), "ledger.audit.seals", "seal_key", "seal_log")
    lazy.names(globals(), "ledger.audit.verify", "check_readable", "verify_log")
    lazy.names(globals(), "ledger.audit.witness", "append_head", "heads_shown", "last_head", "witness_path")
    lazy.modules(
        globals(),
        admin="ledger.commands.admin",
        cards="ledger.commands.cards",
        contracts="ledger.commands.contracts",
        customers="ledger.commands.customers",
        entitlements="ledger.commands.entitlements",
        identity="ledger.commands.identity",
        importing="ledger.commands.importing",
        invoice_export="ledger.commands.invoice_export",
        monthly="ledger.commands.monthly",
        onsite="ledger.commands.onsite",
        rates="ledger.commands.rates",
        statements="ledger.commands.statements",
        work="ledger.commands.work",
        alert_commands="ledger.commands.alerts",
        beheerpacks="ledger.commands.packs",
        people_commands="ledger.commands.people",
        dated_settings="ledger.commands.settings",
        tick_command="ledger.commands.tick",
        webhook_commands="ledger.commands.webhooks",
        compare="ledger.projections.compare",
        statement_document="ledger.statements.document",
    )
    lazy.names(
        globals(),
        "ledger.commands.models",
        "AcknowledgeAlert",
        "AddCustomer",
        "AddPack",
        "AssignConsultant",
        "BuyCard",
        "ChangeAdminScope",
        "ChangeContract",
        "ChangeCustomer",
        "ChangeMonthlyPlan",
        "EndContract",
        "EndEngagement",
        "Evaluate",
        "GrantAdminAccess",
        "IssueStatement",
        "KickOff",
        "LogVisit",
        "LogWork",
        "ReleaseConsultant",
        "RemovePack",
        "RequestAdminAccess",
        "ResumeAdminAccount",
        "ReverseWork",
        "RevokeAdminAccount",
        "SetAlertThreshold",
        "SetMonthlyPlan",
        "SetRate",
        "SetRounding",
        "StartContract",
        "StopMonthlyPlan",
        "SuspendAdminAccount",
        "Tick",
        "TopUpCard",
        "WithdrawAdminRequest",
    )
    lazy.names(globals(), "ledger.commands.results", "CustomerListing", "CustomerVersion")
    lazy.names(globals(), "ledger.notify.deliver", "Deliverer", "DeliveryPolicy", "Senders")
    lazy.names(globals(), "ledger.projections.alerts", "in_force")
    lazy.names(globals(), "ledger.projections.runtime", "Projections")

if TYPE_CHECKING:
    from types import TracebackType

    from ledger.aggregates.admin_account import GrantExpiry
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
        EvaluationDueItem,
        EvaluationDueResult,
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
    from ledger.projections.runtime import ProjectionStatus, RebuildResult
    from ledger.projections.work_records import WorkRecord
    from ledger.statements.document import Statement

P = ParamSpec("P")
R = TypeVar("R")

Number = Decimal | int | str
When = datetime | str | None
Day = date | str


def _day(value: Day, field: str) -> date:
    """A calendar date (``date`` or ``YYYY-MM-DD``); due dates are dates in Europe/Amsterdam."""
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str) and DATE_TEXT.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise InvalidInputError(field, f"{value!r} is not a date in the form YYYY-MM-DD") from None
    else:
        shown = repr(value[:40]) if isinstance(value, str) else type(value).__name__
        raise InvalidInputError(field, f"{shown} is not a date in the form YYYY-MM-DD")
    parse_instant(day, field)  # the same years as every other date
    return day


def _store_error(error: Exception) -> StoreError:
    """The store's own failure (database down, disk full, unreadable bytes) as one typed error."""
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, UnknownTopicError):
        reason = f"{detail}; the log was altered or written by something else (run ledger audit verify)"
    elif isinstance(error, MapperDeserialisationError):
        reason = (
            "a stored event cannot be read; check LEDGER_CIPHER_KEY and LEDGER_COMPRESS "
            f"(the store was written with other settings) or the data is damaged ({detail})"
        )
    else:
        reason = detail
    return StoreError("store", reason)


STORE_FAILURES = (PersistenceError, MapperDeserialisationError)


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
            raise _store_error(error) from error

    return wrapper


def _store_errors_streaming(method: Callable[P, Iterator[R]]) -> Callable[P, Iterator[R]]:
    """Like :func:`_store_errors`, for methods that stream: failures surface while iterating."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Iterator[R]:
        try:
            yield from method(*args, **kwargs)
        except STORE_FAILURES as error:
            raise _store_error(error) from error

    return wrapper


DEFAULT_ACTOR = "system"


def utc_now() -> datetime:
    return datetime.now(UTC)


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
        self.settings = settings if settings is not None else LedgerSettings.load()
        self.actor = actor
        """The actor named for this handle (None: not named; see :meth:`_acting`)."""
        self.default_actor = None if self.settings.security.require_actor else default_actor
        """Who an unnamed write is recorded as in ``open`` mode (never used when authenticated)."""
        self._login: str | None = None
        self.clock = clock
        try:
            with provisioning(config):
                self.app = LedgerApplication(env=config.env)
        except (PersistenceError, OSError) as error:
            detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise StoreError("db", f"database {config.display}: {detail}") from error
        self._projections: Projections | None = None
        try:
            dated_settings.seed_from_config(self.app, self.settings)
        except STORE_FAILURES as error:
            self.app.close()
            raise _store_error(error) from error

    @functools.cached_property
    def calendar(self) -> WorkingCalendar:
        """The working-day calendar of the settings, made (and checked) on first use: the
        holidays library costs more to load than most questions take to answer."""
        return self.settings.calendar.working_calendar()

    @functools.cached_property
    def due_fact_producers(self) -> list[tick_command.DueFactProducer]:
        """What :meth:`tick` records, in order; later features append their producers here."""
        return tick_command.default_producers(self.app)

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

    def _common(self, actor: str | None, at: When, command: str) -> dict[str, Any]:
        return {"actor": self._acting(command, actor).actor, "at": at}

    def _acting(self, command: str, actor: str | None) -> identity.Acting:
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

    def _clock_actor(self, actor: str | None, command: str) -> str:
        """Facts the clock records are recorded as ``clock`` (or ``actor``); outside ``open`` mode
        whoever runs the clock must still be allowed to, and a handle's named actor must be valid."""
        if self.actor is not None or identity.mode_at(self.app, self.clock()) != OPEN:
            self._acting(command, None)
        else:
            self.app.login = None
        return person_id(actor) if actor is not None else tick_command.CLOCK_ACTOR

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
            **self._common(actor, at, "customer add"),
        )
        return customers.add_customer(self.app, command, self.clock())

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
            **self._common(actor, effective_from, "customer change"),
        )
        return customers.change_customer(self.app, command, self.clock())

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
                        CustomerVersion(v.since, v.name, v.account_manager, v.account_manager_email)
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
            **self._common(actor, at, "card buy"),
        )
        return cards.buy_card(self.app, command, self.clock())

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
            **self._common(actor, at, "card top-up"),
        )
        return cards.top_up(self.app, command, self.clock())

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
            **self._common(actor, None, "card buy"),
        )
        return monthly.set_monthly_plan(self.app, command, self.clock())

    @_store_errors
    def change_monthly(
        self, customer: str, *, amount: Number, start: When, actor: str | None = None
    ) -> MonthlyPlanResult:
        """A new monthly amount for the months due from ``start`` on; earlier months keep theirs."""
        command = ChangeMonthlyPlan.build(
            customer=customer, amount=amount, start=start, **self._common(actor, None, "card change")
        )
        return monthly.change_monthly_plan(self.app, command, self.clock())

    @_store_errors
    def stop_monthly(self, customer: str, *, start: When, actor: str | None = None) -> MonthlyPlanResult:
        """No monthly credit falls due from ``start`` on."""
        command = StopMonthlyPlan.build(
            customer=customer, start=start, **self._common(actor, None, "card stop")
        )
        return monthly.stop_monthly_plan(self.app, command, self.clock())

    @_store_errors
    def set_setting(
        self, key: str, value: str, *, effective_from: When, actor: str | None = None
    ) -> dated_settings.SettingResult:
        """Record a dated setting: ``key`` takes ``value`` from ``effective_from`` on (may be backdated).

        The keys are in :mod:`ledger.domain.settings`; a bad key or value raises InvalidInputError.
        """
        spec = spec_of(key)
        command = "settings set identity" if spec.key == IDENTITY else "settings set"
        chosen = self._common(actor, None, command)["actor"]
        if effective_from is None:
            raise InvalidInputError("from", "is required: the date the setting takes effect")
        start = parse_instant(effective_from, "from")
        if spec.key == IDENTITY:
            identity.check_identity_change(self.app, canonical_value(IDENTITY, value), start, self.clock())
        return dated_settings.set_setting(self.app, key, value, start, chosen)

    @_store_errors
    def settings_in_force(self, *, at: When = None) -> list[dated_settings.SettingView]:
        """Every dated setting as in force at ``at`` (default now), with since when and who set it."""
        return dated_settings.settings_at(self.app, self._moment(at))

    @_store_errors
    def tick(self, until: When = None, *, actor: str | None = None) -> TickResult:
        """Record everything due up to ``until`` (default now): monthly credits, expiry write-offs,
        evaluations due, grant expiries, and the statements of months that have ended.

        Safe to call every minute, twice, or from two processes at once: a fact is recorded once.
        Recorded as actor ``clock`` unless ``actor`` is given.
        """
        command = Tick.build(until=until, actor=self._clock_actor(actor, "tick"))
        result = tick_command.tick(self.app, command, self.clock(), self.due_fact_producers)
        # Statements last: a month closes with the credits and write-offs due in it recorded.
        issued = statements.issue_due_statements(
            self.app, self.projections, result.until, command.actor, self.calendar
        )
        return dataclasses.replace(result, statements=tuple(s.number or "" for s in issued))

    @_store_errors
    def import_csv(
        self, source: importing.Source, *, progress: importing.Progress | None = None
    ) -> importing.ImportResult:
        """Import history from a CSV file (path or open text stream); the format is in
        :mod:`ledger.commands.importing`. Every row is validated first (nothing is written when one
        is wrong), then applied through the ordinary commands in batches; a re-run writes nothing.
        ``progress(done, total)`` is called after every committed batch.
        """
        actor = self._common(None, None, "import")["actor"]
        return importing.import_csv(
            self.app, source, actor=actor, now=self.clock(), calendar=self.calendar, progress=progress
        )

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
        acting = self._acting("work log", actor)
        identity.check_on_behalf(self.app, acting, engineer)
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
            actor=acting.actor,
            at=at,
        )
        return work.log_work(self.app, command, self.clock(), self.calendar)

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
            **self._common(actor, at, "work reverse"),
        )
        return work.reverse_work(self.app, command, self.clock())

    @_store_errors
    def ticket_entries(self, customer: str, ticket: str) -> list[WorkResult]:
        """Every time entry on a ticket, as recorded (reversed ones included, marked)."""
        slug = customer_slug(customer)
        self.app.customer(slug)
        entries = work.ticket_entries(self.app, slug, reference(ticket, "ticket"))
        return [work.work_result(entry, duplicate=False) for entry in entries]

    @_store_errors
    def start_contract(
        self, customer: str, *, tier: str, effective_from: When, actor: str | None = None
    ) -> ContractChangeResult:
        """Start a servicedesk contract (``basis`` or ``comfort``) at ``effective_from``."""
        command = StartContract.build(
            customer=customer,
            tier=tier,
            effective_from=effective_from,
            **self._common(actor, None, "contract start"),
        )
        return contracts.start_contract(self.app, command, self.clock())

    @_store_errors
    def change_contract(
        self, customer: str, *, tier: str, effective_from: When, actor: str | None = None
    ) -> ContractChangeResult:
        """Move the contract in force to another tier from ``effective_from`` on (may be backdated)."""
        command = ChangeContract.build(
            customer=customer,
            tier=tier,
            effective_from=effective_from,
            **self._common(actor, None, "contract change"),
        )
        return contracts.change_contract(self.app, command, self.clock())

    @_store_errors
    def end_contract(
        self, customer: str, *, effective_from: When, actor: str | None = None
    ) -> ContractChangeResult:
        """End the contract in force at ``effective_from``."""
        command = EndContract.build(
            customer=customer, effective_from=effective_from, **self._common(actor, None, "contract end")
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
            **self._common(actor, None, "pack add"),
        )
        return beheerpacks.add_pack(self.app, command, self.clock())

    @_store_errors
    def remove_pack(
        self, customer: str, *, pack: str, effective_from: When, actor: str | None = None
    ) -> PackChangeResult:
        """Deactivate beheerpack ``pack`` from ``effective_from`` on."""
        command = RemovePack.build(
            customer=customer,
            pack=pack,
            effective_from=effective_from,
            **self._common(actor, None, "pack remove"),
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
            **self._common(actor, None, "rate set"),
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
            **self._common(actor, None, "rate rounding"),
        )
        return rates.set_rounding(self.app, command, self.clock())

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
            **self._common(actor, at, "onsite kickoff"),
        )
        return onsite.kick_off(self.app, command, self.clock())

    @_store_errors
    def assign_consultant(
        self, customer: str, *, consultant: str, actor: str | None = None, at: When = None
    ) -> OnsiteChangeResult:
        """Assign a consultant to the customer's on-site engagement."""
        command = AssignConsultant.build(
            customer=customer, consultant=consultant, **self._common(actor, at, "onsite assign")
        )
        return onsite.assign_consultant(self.app, command, self.clock())

    @_store_errors
    def release_consultant(
        self, customer: str, *, consultant: str, actor: str | None = None, at: When = None
    ) -> OnsiteChangeResult:
        """Release a consultant from the customer's on-site engagement."""
        command = ReleaseConsultant.build(
            customer=customer, consultant=consultant, **self._common(actor, at, "onsite release")
        )
        return onsite.release_consultant(self.app, command, self.clock())

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
            **self._common(actor, at, "onsite visit"),
        )
        return onsite.log_visit(self.app, command, self.clock())

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
            **self._common(actor, at, "onsite evaluate"),
        )
        return onsite.evaluate(self.app, command, self.clock())

    @_store_errors
    def end_engagement(
        self, customer: str, *, actor: str | None = None, at: When = None
    ) -> OnsiteChangeResult:
        """End the customer's on-site engagement."""
        command = EndEngagement.build(customer=customer, **self._common(actor, at, "onsite end"))
        return onsite.end_engagement(self.app, command, self.clock())

    @_store_errors
    def raise_evaluation_due(
        self, customer: str, *, due_date: Day, actor: str = "clock"
    ) -> EvaluationDueResult:
        """Record that the engagement's evaluation is due on ``due_date`` — once per due date."""
        return onsite.raise_evaluation_due(
            self.app, customer_slug(customer), _day(due_date, "due_date"), self._clock_actor(actor, "tick")
        )

    @_store_errors
    def raise_due_evaluations(
        self, *, today: Day | None = None, actor: str = "clock"
    ) -> list[EvaluationDueResult]:
        """For the clock: raise every evaluation due by ``today`` (default: the clock's Amsterdam
        date) not raised yet; returns what this call recorded."""
        day = self.clock().astimezone(AMSTERDAM).date() if today is None else _day(today, "today")
        return onsite.raise_due_evaluations(self.app, day, self._clock_actor(actor, "tick"))

    # --- questions -----------------------------------------------------------------------------

    @_store_errors
    def balance(self, customer: str, *, as_of: When = None, as_known_at: When = None) -> Balance:
        """Credited, debited and remaining on the customer's card.

        With ``as_of`` and/or ``as_known_at`` the answer is bitemporal (a
        :class:`~ledger.audit.bitemporal.HistoricBalance`): in effect at ``as_of`` (default now),
        counting only events recorded by ``as_known_at`` (default: everything recorded so far).
        """
        slug = customer_slug(customer)
        if as_of is None and as_known_at is None:
            return cards.balance(self.app, slug)
        moment = parse_instant(as_of, "as_of") if as_of is not None else self.clock()
        known = parse_instant(as_known_at, "as_known_at") if as_known_at is not None else None
        return balance_as_of(self.app, slug, moment, known)

    @_store_errors
    def work_entry(self, customer: str, *, ticket: str | None = None, entry: str | None = None) -> WorkResult:
        """A recorded work entry with its derivation, named by its key or its (single-entry) ticket."""
        if ticket is None and entry is None:
            raise InvalidInputError("entry", "name the entry: entry=ID or ticket=REF")
        slug = customer_slug(customer)
        found = work.find_entry(
            self.app,
            slug,
            None if ticket is None else reference(ticket, "ticket"),
            None if entry is None else reference(entry, "entry"),
        )
        return work.work_result(found, duplicate=False)

    def _moment(self, at: When) -> datetime:
        return self.clock() if at is None else parse_instant(at, "at")

    @_store_errors
    def entitlement(self, customer: str, *, at: When = None) -> EntitlementResult:
        """The support channel (servicedesk, emergency-line or none), tier and why, at ``at``."""
        moment = self._moment(at)
        calendar = dated_settings.calendar_at(dated_settings.book(self.app), self.calendar, moment)
        return entitlements.entitlement(self.app, customer_slug(customer), moment, calendar)

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
        now = self.clock()
        actor = self._common(None, None, "audit seal")["actor"]
        summary = retrying(lambda: seal_log(self.app, secret, actor, now))
        if target is not None and last_head(target) != summary.head:
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
        return verify_log(self.app, secret, view_comparisons, heads)

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
        _, end = statement_document.month_bounds(key)
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
        chosen = self._common(actor, None, "invoiceable export")["actor"]
        moment = parse_instant(until, "until")
        return invoice_export.export_invoiceable(self.app, self.projections, moment, chosen, self.clock())

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
            customer=customer, percent=percent, amount=amount, **self._common(actor, at, "customer threshold")
        )
        return alert_commands.set_alert_threshold(self.app, command, self.clock())

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
        if kind is not None and (not isinstance(kind, str) or kind not in ALERT_KINDS):
            raise InvalidInputError("kind", f"unknown alert kind {kind!r}; known: {', '.join(ALERT_KINDS)}")
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
        chosen = self._common(actor, None, "webhook add")["actor"]
        return webhook_commands.add_webhook(self.app, url, secret_env, kinds, chosen, self.clock())

    @_store_errors
    def remove_webhook(self, url: str, *, actor: str | None = None) -> WebhookResult:
        chosen = self._common(actor, None, "webhook remove")["actor"]
        return webhook_commands.remove_webhook(self.app, url, chosen, self.clock())

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
        view = self.projections.fresh("alerts")
        return Deliverer(
            view=view,
            senders=senders if senders is not None else Senders.from_env(),
            policy=policy if policy is not None else DeliveryPolicy.from_env(),
            clock=self.clock,
        )

    @_store_errors
    def notify_run(self, senders: Senders | None = None, policy: DeliveryPolicy | None = None) -> RunResult:
        """One delivery round: every due delivery sent, acknowledged ones recorded."""
        self.projections.catch_up("alerts")
        return self.deliverer(senders, policy).run_once()

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
        command = AcknowledgeAlert.build(alert_id=alert_id, **self._common(actor, at, "alerts acknowledge"))

        def lookup(wanted: str) -> Alert | None:
            found: Alert | None = self.projections.fresh("alerts").alert(wanted)
            return found

        return alert_commands.acknowledge_alert(self.app, command, self.clock(), lookup)

    # --- statements ----------------------------------------------------------------------------

    @_store_errors
    def issue_statement(self, customer: str, month: str, *, actor: str | None = None) -> Statement:
        """Issue (number and freeze) the customer's statement for a month that has ended.

        Idempotent: a month already issued returns that statement, unchanged. Months are issued
        in order; the issued statement raises a ``statement-ready`` alert.
        """
        command = IssueStatement.build(
            customer=customer, month=month, **self._common(actor, None, "statement issue")
        )
        issued, _ = statements.issue_statement(
            self.app, self.projections, command.customer, command.month, command.actor, self.clock()
        )
        return issued

    @_store_errors
    def issue_due_statements(self, until: When = None, *, actor: str | None = None) -> list[Statement]:
        """Issue every statement that has fallen due by ``until`` (default now): each month, from
        the customer's first, whose cut-off (dated setting ``statements.cut-off``: by default the
        3rd working day of the next month, 00:00 Amsterdam) is at or before it. Returns the new
        ones; again, it issues nothing. This is what ``ledger tick`` calls."""
        moment = self._moment(until)
        chosen = self._common(actor, None, "statement issue")["actor"]
        return statements.issue_due_statements(self.app, self.projections, moment, chosen, self.calendar)

    @_store_errors
    def close_statements(
        self, month: str, customers: Sequence[str] = (), *, actor: str | None = None
    ) -> list[Statement]:
        """Close an ended month on purpose, before its cut-off: issue its statements (and earlier
        months not issued yet) for ``customers``, or for every customer with a card or work.
        Returns the newly issued ones; closing again issues nothing."""
        if isinstance(customers, str) or not isinstance(customers, Sequence):
            raise InvalidInputError("customers", "is not a list of customer ids")
        chosen = self._common(actor, None, "statement issue")["actor"]
        slugs = [customer_slug(customer) for customer in customers] or None
        return statements.close_month(
            self.app, self.projections, _month_key(month), slugs, chosen, self.clock()
        )

    def statement_cut_off(self, month: str) -> datetime:
        """When the tick issues ``month``'s statements (the dated cut-off in force at its end)."""
        return statements.cut_off_of(self.app, self.calendar, _month_key(month))

    @_store_errors
    def statement(self, customer: str, month: str) -> Statement:
        """The issued statement for a month, or a provisional one (no number) from what is known now."""
        slug = customer_slug(customer)
        return statements.statement(self.app, self.projections, slug, _month_key(month), self.clock())

    @_store_errors
    def projection_status(self) -> list[ProjectionStatus]:
        """Each view's position, the log's last id, and how far behind the view is."""
        return self.projections.status()

    @_store_errors
    def rebuild_projection(self, name: str | None = None) -> list[RebuildResult]:
        """Rebuild one view (or all) from the first event; safe beside running runners."""
        return self.projections.rebuild(name)

    @_store_errors
    def onsite_report(self, customer: str) -> OnsiteReport:
        """The on-site engagement now: focus areas, consultants, visits and hours per focus area
        since the last evaluation, last and next evaluation."""
        return onsite.engagement_report(self.app, customer_slug(customer), self.clock())

    @_store_errors
    def evaluations_due(self, *, until: Day, since: Day | None = None) -> list[EvaluationDueItem]:
        """Open engagements whose next evaluation falls in ``since..until`` (``since`` left out:
        overdue ones too), with the account manager to tell and whether it was raised."""
        start = None if since is None else _day(since, "since")
        return onsite.evaluations_due(self.app, until=_day(until, "until"), since=start)

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
        chosen = self._common(actor, None, "person add")["actor"]
        values = {"name": name, "roles": roles, "customer": customer, "email": email, "db_role": db_role}
        return people_commands.add_person(self.app, person, values, chosen, self.clock())

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
        chosen = self._common(actor, None, "person change")["actor"]
        changes = {"name": name, "roles": roles, "customer": customer, "email": email, "db_role": db_role}
        return people_commands.change_person(self.app, person, changes, chosen, self.clock())

    @_store_errors
    def deactivate_person(
        self, person: str, *, reason: str, actor: str | None = None
    ) -> people_commands.PersonView:
        """From now on ``person`` may not act and their login is free; not one's own record."""
        chosen = self._common(actor, None, "person deactivate")["actor"]
        return people_commands.deactivate_person(self.app, person, reason, chosen, self.clock())

    @_store_errors
    def person(self, person: str) -> people_commands.PersonView:
        """One registered person, or UnknownPersonError."""
        return people_commands.find(self.app, person)

    @_store_errors
    def people(self) -> list[people_commands.PersonView]:
        """Every registered person (active or not), by id."""
        return people_commands.everyone(self.app)

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
            **self._common(actor, at, "admin request"),
        )
        return admin.request_access(self.app, command, self.clock(), self.settings.admin.catalogue())

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
            **self._common(actor, None, "admin grant"),
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
            **self._common(actor, None, "admin scope"),
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
            **self._common(actor, None, kind.COMMAND),
        )
        return admin.change_standing(self.app, command, self.clock())

    @_store_errors
    def record_admin_expiry(
        self, customer: str, *, account: str, grant: int, actor: str | None = None
    ) -> AdminChangeResult:
        """Record that ``grant`` of ``account`` ran out (the clock calls this; repeats record once)."""
        chosen = self._common(actor, None, "tick")["actor"]
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


def _month_key(month: str) -> str:
    first = parse_month(month)
    return f"{first.year:04d}-{first.month:02d}"
