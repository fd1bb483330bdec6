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
from ledger.commands import cards, customers, work
from ledger.commands.application import Clock, LedgerApplication
from ledger.commands.fields import customer_slug
from ledger.commands.models import AddCustomer, BuyCard, LogWork, ReverseWork, TopUpCard
from ledger.config import LedgerSettings
from ledger.domain.money import DEFAULT_CURRENCY
from ledger.domain.time import parse_instant, parse_month
from ledger.errors import StoreError, UnknownWorkEntryError
from ledger.projections.runtime import Projections
from ledger.store import StoreConfig, ensure_schema, parse_store_url, resolve_url

if TYPE_CHECKING:
    from types import TracebackType

    from ledger.commands.results import (
        Balance,
        CreditResult,
        CustomerResult,
        ReversalResult,
        WorkResult,
    )
    from ledger.projections.balances import BalanceRow
    from ledger.projections.invoiceable import InvoiceableLine
    from ledger.projections.runtime import ProjectionStatus, RebuildResult
    from ledger.projections.work_records import WorkRecord

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


def utc_now() -> datetime:
    return datetime.now(UTC)


class Ledger:
    """An open ledger on one store. Use as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        config: StoreConfig,
        *,
        actor: str = "system",
        clock: Clock = utc_now,
        settings: LedgerSettings | None = None,
    ):
        self.config = config
        self.settings = settings if settings is not None else LedgerSettings.load()
        self.actor = actor
        self.clock = clock
        ensure_schema(config)
        try:
            self.app = LedgerApplication(env=config.env)
        except (PersistenceError, OSError) as error:
            msg = f"database {config.display}: {str(error).strip().splitlines()[0]}"
            raise StoreError(msg) from error
        self._projections: Projections | None = None

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        actor: str = "system",
        clock: Clock = utc_now,
        settings: LedgerSettings | None = None,
    ) -> Self:
        """Open the store at ``url`` (else ``LEDGER_DATABASE_URL``, else ``sqlite:///ledger.db``).

        ``settings`` default to the file named by ``LEDGER_CONFIG``, else the built-in defaults.
        """
        return cls(parse_store_url(resolve_url(url)), actor=actor, clock=clock, settings=settings)

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

    def _common(self, actor: str | None, at: When) -> dict[str, Any]:
        return {"actor": self.actor if actor is None else actor, "at": at}

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

    # --- reports (projections; each read first catches its view up: read-your-writes) ----------

    @property
    def projections(self) -> Projections:
        """The views of this ledger, built in its store on first use."""
        if self._projections is None:
            self._projections = Projections(self.app, self.config)
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
        return records

    @_store_errors
    def invoiceable_lines(
        self, month: str, *, customer: str | None = None, include_void: bool = False
    ) -> list[InvoiceableLine]:
        """What billing should invoice for a month; void (reversed) lines only when asked."""
        key = _month_key(month)
        slug = None if customer is None else customer_slug(customer)
        view = self.projections.fresh("invoiceable")
        lines: list[InvoiceableLine] = view.lines(key, slug, include_void=include_void)
        return lines

    @_store_errors
    def projection_status(self) -> list[ProjectionStatus]:
        """Each view's position, the log's last id, and how far behind the view is."""
        return self.projections.status()

    @_store_errors
    def rebuild_projection(self, name: str | None = None) -> list[RebuildResult]:
        """Rebuild one view (or all) from the first event; safe beside running runners."""
        return self.projections.rebuild(name)


def _month_key(month: str) -> str:
    first = parse_month(month)
    return f"{first.year:04d}-{first.month:02d}"
