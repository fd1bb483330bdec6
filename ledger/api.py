"""The library's front door: ``Ledger.open(url)`` and one method per command or question.

Billing embeds this. Every method validates its arguments into a command model, runs the command
(retrying races), and returns a typed result; anything a caller can get wrong raises a
:class:`~ledger.errors.LedgerError` subclass, and then nothing was written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ParamSpec, Self, TypeVar
from uuid import uuid4

from eventsourcing.persistence import PersistenceError

from ledger.aggregates.work_entry import WorkEntry
from ledger.commands import cards, customers, monthly, work
from ledger.commands import tick as tick_command
from ledger.commands.application import Clock, LedgerApplication
from ledger.commands.fields import customer_slug
from ledger.commands.models import (
    AddCustomer,
    BuyCard,
    ChangeMonthlyPlan,
    LogWork,
    ReverseWork,
    SetMonthlyPlan,
    StopMonthlyPlan,
    Tick,
    TopUpCard,
)
from ledger.config import LedgerSettings
from ledger.domain.money import DEFAULT_CURRENCY
from ledger.errors import InvalidInputError, StoreError, UnknownWorkEntryError
from ledger.store import StoreConfig, parse_store_url, provisioning, resolve_url

if TYPE_CHECKING:
    from types import TracebackType

    from ledger.commands.results import (
        Balance,
        CreditResult,
        CustomerResult,
        MonthlyPlanResult,
        ReversalResult,
        TickResult,
        WorkResult,
    )

P = ParamSpec("P")
R = TypeVar("R")

Number = Decimal | int | str
When = datetime | str | None


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
        self.due_fact_producers: list[tick_command.DueFactProducer] = tick_command.default_producers(
            self.settings.strippenkaart
        )
        """What :meth:`tick` records, in order; later features append their producers here."""
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
            **self._common(actor, at),
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
            **self._common(actor, None),
        )
        return monthly.set_monthly_plan(self.app, command, self.clock(), self.settings.strippenkaart)

    @_store_errors
    def change_monthly(
        self, customer: str, *, amount: Number, start: When, actor: str | None = None
    ) -> MonthlyPlanResult:
        """A new monthly amount for the months due from ``start`` on; earlier months keep theirs."""
        command = ChangeMonthlyPlan.build(
            customer=customer, amount=amount, start=start, **self._common(actor, None)
        )
        return monthly.change_monthly_plan(self.app, command, self.clock(), self.settings.strippenkaart)

    @_store_errors
    def stop_monthly(self, customer: str, *, start: When, actor: str | None = None) -> MonthlyPlanResult:
        """No monthly credit falls due from ``start`` on."""
        command = StopMonthlyPlan.build(customer=customer, start=start, **self._common(actor, None))
        return monthly.stop_monthly_plan(self.app, command, self.clock(), self.settings.strippenkaart)

    @_store_errors
    def tick(self, until: When = None, *, actor: str | None = None) -> TickResult:
        """Record everything due up to ``until`` (default now): monthly credits, expiry write-offs.

        Safe to call every minute, twice, or from two processes at once: a fact is recorded once.
        Recorded as actor ``clock`` unless ``actor`` is given.
        """
        command = Tick.build(until=until, actor=actor if actor is not None else tick_command.CLOCK_ACTOR)
        return tick_command.tick(self.app, command, self.clock(), self.due_fact_producers)

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
        actor: str | None = None,
        at: When = None,
    ) -> WorkResult:
        """Record hours on a ticket; the payer is decided and the card debited once per ticket."""
        command = LogWork.build(
            customer=customer,
            ticket=ticket,
            hours=hours,
            rate=rate,
            description=description,
            kind=kind,
            component=component,
            **self._common(actor, at),
        )
        return work.log_work(self.app, command, self.clock())

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
