"""The library's front door: ``Ledger.open(url)`` and one method per command or question.

Billing embeds this. Every method validates its arguments into a command model, runs the command
(retrying races), and returns a typed result; anything a caller can get wrong raises a
:class:`~ledger.errors.LedgerError` subclass, and then nothing was written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ParamSpec, Self, TypeVar
from uuid import uuid4

from eventsourcing.persistence import PersistenceError

from ledger.aggregates.work_entry import WorkEntry
from ledger.commands import cards, contracts, customers, entitlements, onsite, rates, work
from ledger.commands import packs as beheerpacks
from ledger.commands.application import Clock, LedgerApplication
from ledger.commands.fields import customer_slug
from ledger.commands.models import (
    AddCustomer,
    AddPack,
    AssignConsultant,
    BuyCard,
    ChangeContract,
    EndContract,
    EndEngagement,
    Evaluate,
    KickOff,
    LogVisit,
    LogWork,
    ReleaseConsultant,
    RemovePack,
    ReverseWork,
    SetRate,
    SetRounding,
    StartContract,
    TopUpCard,
)
from ledger.config import LedgerSettings
from ledger.domain.money import DEFAULT_CURRENCY
from ledger.domain.time import AMSTERDAM, parse_instant
from ledger.errors import InvalidInputError, StoreError, UnknownWorkEntryError
from ledger.store import StoreConfig, parse_store_url, provisioning, resolve_url

if TYPE_CHECKING:
    from types import TracebackType

    from ledger.commands.results import (
        Balance,
        ContractChangeResult,
        ContractHistory,
        CreditResult,
        CustomerResult,
        EntitlementResult,
        EvaluationDueItem,
        EvaluationDueResult,
        OnsiteChangeResult,
        OnsiteReport,
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
Day = date | str


def _day(value: Day, field: str) -> date:
    """A calendar date (``date`` or ``YYYY-MM-DD``); due dates are dates in Europe/Amsterdam."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInputError(field, f"{value!r} is not a date in the form YYYY-MM-DD")


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
        focus: str | None = None,
        actor: str | None = None,
        at: When = None,
    ) -> WorkResult:
        """Record hours on a ticket; the payer is decided and the card debited once per ticket.

        Without ``rate`` the rate card's rate for ``role`` (else its general rate) at the work's
        time applies; the rounding rule in force then decides the billed hours. On-site work
        (``kind="onsite"``) names its ``focus`` area: within the focus areas of the engagement in
        force then, the engagement pays.
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
            focus=focus,
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
            **self._common(actor, at),
        )
        return onsite.kick_off(self.app, command, self.clock())

    @_store_errors
    def assign_consultant(
        self, customer: str, *, consultant: str, actor: str | None = None, at: When = None
    ) -> OnsiteChangeResult:
        """Assign a consultant to the customer's on-site engagement."""
        command = AssignConsultant.build(customer=customer, consultant=consultant, **self._common(actor, at))
        return onsite.assign_consultant(self.app, command, self.clock())

    @_store_errors
    def release_consultant(
        self, customer: str, *, consultant: str, actor: str | None = None, at: When = None
    ) -> OnsiteChangeResult:
        """Release a consultant from the customer's on-site engagement."""
        command = ReleaseConsultant.build(customer=customer, consultant=consultant, **self._common(actor, at))
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
            **self._common(actor, at),
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
            **self._common(actor, at),
        )
        return onsite.evaluate(self.app, command, self.clock())

    @_store_errors
    def end_engagement(
        self, customer: str, *, actor: str | None = None, at: When = None
    ) -> OnsiteChangeResult:
        """End the customer's on-site engagement."""
        command = EndEngagement.build(customer=customer, **self._common(actor, at))
        return onsite.end_engagement(self.app, command, self.clock())

    @_store_errors
    def raise_evaluation_due(
        self, customer: str, *, due_date: Day, actor: str = "clock"
    ) -> EvaluationDueResult:
        """Record that the engagement's evaluation is due on ``due_date`` — once per due date."""
        return onsite.raise_evaluation_due(
            self.app, customer_slug(customer), _day(due_date, "due_date"), actor
        )

    @_store_errors
    def raise_due_evaluations(
        self, *, today: Day | None = None, actor: str = "clock"
    ) -> list[EvaluationDueResult]:
        """For the clock: raise every evaluation due by ``today`` (default: the clock's Amsterdam
        date) not raised yet; returns what this call recorded."""
        day = self.clock().astimezone(AMSTERDAM).date() if today is None else _day(today, "today")
        return onsite.raise_due_evaluations(self.app, day, actor)

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
