"""Balances per customer and card, now and as of any past moment.

Tables (``balances_`` prefix, beside the events):

- ``customers(customer PK, name, account_manager)`` from ``Customer.Registered``;
- ``cards(card_id PK, customer, currency, credited, debited, expired, opened_at, last_movement_at)``:
  the running totals, updated by every movement (balance = credited − debited − expired);
- ``movements(notification_id PK, card_id, customer, effective_at, kind, reference, credit, debit,
  expired, balance_after)``: one row per purchase, top-up, monthly credit, debit (``debit`` > 0),
  reversal (``debit`` < 0) and expiry write-off (``expired`` > 0).

*As of* is judged by **effective time**: the balance as of T sums the movements whose
``effective_at`` ≤ T, whenever they were recorded. So back-dated work lowers the balance as of its
own date, and a report for a closed month changes only if someone records into that month.
``balance_after`` is the card's balance right after the event *in recording order*, as the event
states it; the view checks its own running total against it (assert both sides).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.utils import get_topic

from ledger.aggregates.customer import Customer
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.domain.results import JsonResult
from ledger.projections.base import LedgerProjection
from ledger.projections.sql import ProjectionInvariantError, SQLiteView, SqlView

if TYPE_CHECKING:
    from uuid import UUID

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class BalanceRow(JsonResult):
    """One card's figures, now or as of a moment."""

    customer: str
    name: str | None
    currency: str
    credited: Decimal
    debited: Decimal
    balance: Decimal
    last_movement_at: datetime | None
    expired: Decimal = ZERO


@dataclass(frozen=True)
class CardChange:
    """What one card event does to the card: the write side of a :class:`Movement`."""

    at: datetime
    kind: str
    reference: str
    credit: Decimal
    debit: Decimal
    balance_after: Decimal
    expired: Decimal = ZERO


@dataclass(frozen=True)
class Movement(JsonResult):
    """One change of a card's balance; ``credit`` and ``debit`` are what it adds to each total."""

    customer: str
    at: datetime
    kind: str
    reference: str
    credit: Decimal
    debit: Decimal
    balance_after: Decimal
    expired: Decimal = ZERO


@dataclass(frozen=True)
class CardTotals:
    """A card's row as the database holds it (money and time in the dialect's own values)."""

    customer: str
    credited: Any
    debited: Any
    expired: Any
    last_movement_at: Any


class BalancesView(TrackingRecorder, ABC):
    """What the balances projection writes and what reports read."""

    @abstractmethod
    def register_customer(self, customer: str, name: str, account_manager: str, tracking: Tracking) -> None:
        """Remember a customer's display name."""

    @abstractmethod
    def open_card(
        self, card_id: UUID, customer: str, currency: str, at: datetime, tracking: Tracking
    ) -> None:
        """Start a card at zero."""

    @abstractmethod
    def move(self, card_id: UUID, movement: CardChange, tracking: Tracking) -> None:
        """Record a movement and add it to the card's totals."""

    @abstractmethod
    def balances(self, as_of: datetime | None = None) -> list[BalanceRow]:
        """Every card's figures now, or from the movements effective at or before ``as_of``."""

    @abstractmethod
    def movements(self, customer: str | None = None) -> list[Movement]:
        """Movements in recording order, for one customer or all."""


class BalancesSql(BalancesView, SqlView):
    """The balances view in SQL, for any dialect."""

    table_names = ("customers", "cards", "movements")
    table_statements = (
        "CREATE TABLE IF NOT EXISTS {customers} (customer TEXT PRIMARY KEY, name TEXT NOT NULL, "
        "account_manager TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {cards} (card_id TEXT PRIMARY KEY, customer TEXT NOT NULL, "
        "currency TEXT NOT NULL, credited {money} NOT NULL, debited {money} NOT NULL, "
        "expired {money} NOT NULL, opened_at {instant} NOT NULL, last_movement_at {instant})",
        "CREATE TABLE IF NOT EXISTS {movements} (notification_id {bigint} PRIMARY KEY, "
        "card_id TEXT NOT NULL, customer TEXT NOT NULL, effective_at {instant} NOT NULL, "
        "kind TEXT NOT NULL, reference TEXT NOT NULL, credit {money} NOT NULL, "
        "debit {money} NOT NULL, expired {money} NOT NULL, balance_after {money} NOT NULL)",
        "CREATE INDEX IF NOT EXISTS {prefix}_movements_by_time ON {movements} (effective_at)",
    )

    def register_customer(self, customer: str, name: str, account_manager: str, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.defer(
                cursor,
                "INSERT INTO {customers} VALUES (%s, %s, %s)",
                (customer, name, account_manager),
            )

    def open_card(
        self, card_id: UUID, customer: str, currency: str, at: datetime, tracking: Tracking
    ) -> None:
        zero = self.to_db_decimal(ZERO)
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.defer(
                cursor,
                "INSERT INTO {cards} VALUES (%s, %s, %s, %s, %s, %s, %s, NULL)",
                (str(card_id), customer, currency, zero, zero, zero, self.to_db_instant(at)),
            )
            memo = self.batch_memo()
            if memo is not None:
                memo[str(card_id)] = CardTotals(customer, zero, zero, zero, None)

    def move(self, card_id: UUID, movement: CardChange, tracking: Tracking) -> None:
        at = self.to_db_instant(movement.at)
        key = str(card_id)
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            card = self._totals(cursor, key)
            last = card.last_movement_at
            card = CardTotals(
                card.customer,
                card.credited + self.to_db_decimal(movement.credit),
                card.debited + self.to_db_decimal(movement.debit),
                card.expired + self.to_db_decimal(movement.expired),
                at if last is None or last < at else last,
            )
            balance = (
                self.from_db_decimal(card.credited)
                - self.from_db_decimal(card.debited)
                - self.from_db_decimal(card.expired)
            )
            if balance != movement.balance_after:
                msg = (
                    f"balances: card of {card.customer!r} is at {balance} in the view, "
                    f"the event says {movement.balance_after}"
                )
                raise ProjectionInvariantError(msg)
            memo = self.batch_memo()
            if memo is not None:
                memo[key] = card
            self.defer(
                cursor,
                "UPDATE {cards} SET credited = %s, debited = %s, expired = %s, last_movement_at = %s "
                "WHERE card_id = %s",
                (card.credited, card.debited, card.expired, card.last_movement_at, key),
                key=("cards", key),
            )
            self.defer(
                cursor,
                "INSERT INTO {movements} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    tracking.notification_id,
                    key,
                    card.customer,
                    at,
                    movement.kind,
                    movement.reference,
                    self.to_db_decimal(movement.credit),
                    self.to_db_decimal(movement.debit),
                    self.to_db_decimal(movement.expired),
                    self.to_db_decimal(movement.balance_after),
                ),
            )

    def _totals(self, cursor: Any, card_id: str) -> CardTotals:
        """The card's running totals as stored (in the batch's memo once read or written)."""
        memo = self.batch_memo()
        found = None if memo is None else memo.get(card_id)
        if found is not None:
            return found  # type: ignore[no-any-return]
        self.execute(
            cursor,
            "SELECT customer, credited, debited, expired, last_movement_at FROM {cards} WHERE card_id = %s",
            (card_id,),
        )
        row = cursor.fetchone()
        if row is None:
            msg = f"balances: a movement on card {card_id} that was never opened"
            raise ProjectionInvariantError(msg)
        return CardTotals(
            row["customer"], row["credited"], row["debited"], row["expired"], row["last_movement_at"]
        )

    def balances(self, as_of: datetime | None = None) -> list[BalanceRow]:
        if as_of is None:
            rows = self.query(
                "SELECT c.customer, u.name, c.currency, c.credited, c.debited, c.expired, c.last_movement_at "
                "FROM {cards} c LEFT JOIN {customers} u ON u.customer = c.customer ORDER BY c.customer"
            )
        else:
            rows = self.query(
                "SELECT c.customer, u.name, c.currency, SUM(m.credit) AS credited, "
                "SUM(m.debit) AS debited, SUM(m.expired) AS expired, MAX(m.effective_at) AS last_movement_at "
                "FROM {cards} c JOIN {movements} m ON m.card_id = c.card_id "
                "LEFT JOIN {customers} u ON u.customer = c.customer WHERE m.effective_at <= %s "
                "GROUP BY c.customer, u.name, c.currency ORDER BY c.customer",
                (self.to_db_instant(as_of),),
            )
        return [self._balance_row(row) for row in rows]

    def _balance_row(self, row: Any) -> BalanceRow:
        credited = self.from_db_decimal(row["credited"])
        debited = self.from_db_decimal(row["debited"])
        expired = self.from_db_decimal(row["expired"])
        last = row["last_movement_at"]
        return BalanceRow(
            customer=row["customer"],
            name=row["name"],
            currency=row["currency"],
            credited=credited,
            debited=debited,
            balance=credited - debited - expired,
            last_movement_at=None if last is None else self.from_db_instant(last),
            expired=expired,
        )

    def movements(self, customer: str | None = None) -> list[Movement]:
        if customer is None:
            rows = self.query("SELECT * FROM {movements} ORDER BY notification_id")
        else:
            rows = self.query(
                "SELECT * FROM {movements} WHERE customer = %s ORDER BY notification_id", (customer,)
            )
        return [
            Movement(
                customer=row["customer"],
                at=self.from_db_instant(row["effective_at"]),
                kind=row["kind"],
                reference=row["reference"],
                credit=self.from_db_decimal(row["credit"]),
                debit=self.from_db_decimal(row["debit"]),
                balance_after=self.from_db_decimal(row["balance_after"]),
                expired=self.from_db_decimal(row["expired"]),
            )
            for row in rows
        ]


class SQLiteBalancesView(BalancesSql, SQLiteView):
    """Balances in the SQLite file of the events."""


class BalancesProjection(LedgerProjection[BalancesView]):
    """Customers, card openings, credits, debits and reversals → running and as-of balances."""

    name = "balances"
    topics = tuple(
        get_topic(cls)
        for cls in (
            Customer.Registered,
            Strippenkaart.Opened,
            Strippenkaart.Credited,
            Strippenkaart.Debited,
            Strippenkaart.DebitReversed,
            Strippenkaart.Expired,
        )
    )

    @singledispatchmethod
    def apply(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @apply.register(Customer.Registered)
    def _registered(self, event: Customer.Registered, tracking: Tracking) -> None:
        self.view.register_customer(event.slug, event.name, event.account_manager, tracking)

    @apply.register(Strippenkaart.Opened)
    def _opened(self, event: Strippenkaart.Opened, tracking: Tracking) -> None:
        self.view.open_card(event.originator_id, event.customer, event.currency, event.effective_at, tracking)

    @apply.register(Strippenkaart.Credited)
    def _credited(self, event: Strippenkaart.Credited, tracking: Tracking) -> None:
        change = CardChange(
            event.effective_at, event.kind, event.reference, event.amount, ZERO, event.balance_after
        )
        self.view.move(event.originator_id, change, tracking)

    @apply.register(Strippenkaart.Debited)
    def _debited(self, event: Strippenkaart.Debited, tracking: Tracking) -> None:
        change = CardChange(
            event.effective_at, "debit", event.ticket, ZERO, event.amount, event.balance_after
        )
        self.view.move(event.originator_id, change, tracking)

    @apply.register(Strippenkaart.DebitReversed)
    def _debit_reversed(self, event: Strippenkaart.DebitReversed, tracking: Tracking) -> None:
        change = CardChange(
            event.effective_at, "reversal", event.ticket, ZERO, -event.amount, event.balance_after
        )
        self.view.move(event.originator_id, change, tracking)

    @apply.register(Strippenkaart.Expired)
    def _expired(self, event: Strippenkaart.Expired, tracking: Tracking) -> None:
        change = CardChange(
            event.effective_at, "expiry", event.reference, ZERO, ZERO, event.balance_after, event.amount
        )
        self.view.move(event.originator_id, change, tracking)
