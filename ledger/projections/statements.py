"""What monthly statements are made of: every card movement with its position in the log.

Tables (``statements_`` prefix, beside the events):

- ``customers(customer PK, name, account_manager)`` and ``cards(card_id PK, customer, currency,
  opened_at)``: who a statement is for; ``cards`` is also the index of customers with a card that
  :func:`~ledger.commands.statements.issue_due_statements` walks (no scan of the log);
- ``lines(notification_id PK, customer, section, kind, effective_at, reference, description, hours,
  rate, amount, invoiceable)``: one row per change of a card's balance — a credit
  (``section='credit'``, its kind ``purchase``, ``top-up``, ``monthly`` …), invoice-free work
  (``work``: hours, rate, and the card's part as a negative ``amount``), a reversal (``work``, kind
  ``reversal``, positive), and any other deduction (``other``, e.g. an expiry write-off);
- ``issued(customer, month, number, closed_at, log_position)``: the statements issued so far.

Why its own lines rather than the balances view's movements: a statement needs the work's
description, hours and rate beside the money, and every row's ``notification_id``, because a
statement is computed from the rows with ``notification_id <= log_position`` of its issue — that is
what makes it reproducible byte for byte, whatever is recorded later.
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
from ledger.aggregates.statement_book import StatementBook
from ledger.aggregates.strippenkaart import Strippenkaart, booked_at
from ledger.aggregates.work_entry import WorkEntry
from ledger.domain.time import date_of
from ledger.projections.base import LedgerProjection
from ledger.projections.sql import PostgresView, ProjectionInvariantError, SQLiteView, SqlView

if TYPE_CHECKING:
    from uuid import UUID

ZERO = Decimal("0.00")
CREDIT = "credit"
WORK = "work"
OTHER = "other"


@dataclass(frozen=True)
class CardHolder:
    """A customer with a card: what a statement's heading needs."""

    customer: str
    name: str
    account_manager: str
    currency: str
    opened_at: datetime


@dataclass(frozen=True)
class CardLine:
    """One change of a card's balance; ``amount`` is signed (credit positive, use negative)."""

    notification_id: int
    section: str
    kind: str
    at: datetime
    reference: str
    description: str
    hours: Decimal | None
    rate: Decimal | None
    amount: Decimal
    invoiceable: Decimal


@dataclass(frozen=True)
class IssuedRecord:
    """An issued statement as the book recorded it."""

    customer: str
    month: str
    number: str
    closed_at: datetime
    log_position: int


class StatementsView(TrackingRecorder, ABC):
    """What the statements projection writes and what statements are computed from."""

    @abstractmethod
    def register_customer(
        self, customer: str, name: str, account_manager: str, tracking: Tracking
    ) -> None: ...

    @abstractmethod
    def open_card(
        self, card_id: UUID, customer: str, currency: str, at: datetime, tracking: Tracking
    ) -> None: ...

    @abstractmethod
    def add_line(
        self, card_id: UUID | None, customer: str | None, line: CardLine, tracking: Tracking
    ) -> None:
        """Add a line for the card (by id) or the customer's card (by slug)."""

    @abstractmethod
    def add_reversal(
        self, card_id: UUID, ticket: str, at: datetime, reason: str, amount: Decimal, tracking: Tracking
    ) -> None:
        """Money back for a ticket's work; hours and rate mirror the work line."""

    @abstractmethod
    def record_issued(self, record: IssuedRecord, tracking: Tracking) -> None: ...

    @abstractmethod
    def holder(self, customer: str) -> CardHolder | None: ...

    @abstractmethod
    def lines(self, customer: str, before: datetime, known_at: int) -> list[CardLine]:
        """The card's lines effective before ``before`` and recorded at or before ``known_at``,
        by effective time, then recording order."""

    @abstractmethod
    def issued(self, customer: str, month: str) -> IssuedRecord | None: ...

    @abstractmethod
    def due_candidates(self) -> list[tuple[CardHolder, str | None]]:
        """Every customer with a card, and the latest month issued for them (if any)."""


class StatementsSql(StatementsView, SqlView):
    """The statements view in SQL, for any dialect."""

    table_names = ("customers", "cards", "lines", "issued")
    table_statements = (
        "CREATE TABLE IF NOT EXISTS {customers} (customer TEXT PRIMARY KEY, name TEXT NOT NULL, "
        "account_manager TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {cards} (card_id TEXT PRIMARY KEY, customer TEXT NOT NULL UNIQUE, "
        "currency TEXT NOT NULL, opened_at {instant} NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {lines} (notification_id {bigint} PRIMARY KEY, customer TEXT NOT NULL, "
        "section TEXT NOT NULL, kind TEXT NOT NULL, effective_at {instant} NOT NULL, "
        "reference TEXT NOT NULL, description TEXT NOT NULL, hours {money}, rate {money}, "
        "amount {money} NOT NULL, invoiceable {money} NOT NULL)",
        "CREATE INDEX IF NOT EXISTS {prefix}_lines_by_customer ON {lines} (customer, effective_at)",
        "CREATE TABLE IF NOT EXISTS {issued} (customer TEXT NOT NULL, month TEXT NOT NULL, "
        "number TEXT NOT NULL, closed_at {instant} NOT NULL, log_position {bigint} NOT NULL, "
        "PRIMARY KEY (customer, month))",
    )

    def register_customer(self, customer: str, name: str, account_manager: str, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.execute(
                cursor, "INSERT INTO {customers} VALUES (%s, %s, %s)", (customer, name, account_manager)
            )

    def open_card(
        self, card_id: UUID, customer: str, currency: str, at: datetime, tracking: Tracking
    ) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.execute(
                cursor,
                "INSERT INTO {cards} VALUES (%s, %s, %s, %s)",
                (str(card_id), customer, currency, self.to_db_instant(at)),
            )

    def add_line(
        self, card_id: UUID | None, customer: str | None, line: CardLine, tracking: Tracking
    ) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            owner = customer if customer is not None else self._owner(cursor, card_id)
            self._insert(cursor, owner, line, tracking.notification_id)
            if line.section == CREDIT and card_id is not None:
                # A purchase recorded later but effective earlier: the card holds credit since then.
                at = self.to_db_instant(line.at)
                self.execute(
                    cursor,
                    "UPDATE {cards} SET opened_at = %s WHERE card_id = %s AND opened_at > %s",
                    (at, str(card_id), at),
                )

    def add_reversal(
        self, card_id: UUID, ticket: str, at: datetime, reason: str, amount: Decimal, tracking: Tracking
    ) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            owner = self._owner(cursor, card_id)
            self.execute(
                cursor,
                "SELECT hours, rate FROM {lines} WHERE customer = %s AND kind = %s AND reference = %s",
                (owner, WORK, ticket),
            )
            work = cursor.fetchone()
            if work is None:
                msg = f"statements: reversal of ticket {ticket!r}, which the card never paid"
                raise ProjectionInvariantError(msg)
            hours = self.from_db_decimal(work["hours"])
            line = CardLine(
                tracking.notification_id,
                WORK,
                "reversal",
                at,
                ticket,
                f"reversal: {reason}",
                -hours,
                self.from_db_decimal(work["rate"]),
                amount,
                ZERO,
            )
            self._insert(cursor, owner, line, tracking.notification_id)

    def record_issued(self, record: IssuedRecord, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.execute(
                cursor,
                "INSERT INTO {issued} VALUES (%s, %s, %s, %s, %s)",
                (
                    record.customer,
                    record.month,
                    record.number,
                    self.to_db_instant(record.closed_at),
                    record.log_position,
                ),
            )

    def _owner(self, cursor: Any, card_id: UUID | None) -> str:
        self.execute(cursor, "SELECT customer FROM {cards} WHERE card_id = %s", (str(card_id),))
        row = cursor.fetchone()
        if row is None:
            msg = f"statements: a movement on card {card_id} that was never opened"
            raise ProjectionInvariantError(msg)
        return str(row["customer"])

    def _insert(self, cursor: Any, customer: str, line: CardLine, notification_id: int) -> None:
        money = self.to_db_decimal
        self.execute(
            cursor,
            "INSERT INTO {lines} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                notification_id,
                customer,
                line.section,
                line.kind,
                self.to_db_instant(line.at),
                line.reference,
                line.description,
                None if line.hours is None else money(line.hours),
                None if line.rate is None else money(line.rate),
                money(line.amount),
                money(line.invoiceable),
            ),
        )

    # --- reads ------------------------------------------------------------------------------------

    HOLDER = (
        "SELECT c.customer, u.name, u.account_manager, c.currency, c.opened_at FROM {cards} c "
        "JOIN {customers} u ON u.customer = c.customer "
    )

    def holder(self, customer: str) -> CardHolder | None:
        rows = self.query(self.HOLDER + "WHERE c.customer = %s", (customer,))
        return self._holder(rows[0]) if rows else None

    def _holder(self, row: Any) -> CardHolder:
        return CardHolder(
            customer=row["customer"],
            name=row["name"],
            account_manager=row["account_manager"],
            currency=row["currency"],
            opened_at=self.from_db_instant(row["opened_at"]),
        )

    def lines(self, customer: str, before: datetime, known_at: int) -> list[CardLine]:
        rows = self.query(
            "SELECT * FROM {lines} WHERE customer = %s AND effective_at < %s AND notification_id <= %s "
            "ORDER BY effective_at, notification_id",
            (customer, self.to_db_instant(before), known_at),
        )
        money = self.from_db_decimal
        return [
            CardLine(
                notification_id=int(row["notification_id"]),
                section=row["section"],
                kind=row["kind"],
                at=self.from_db_instant(row["effective_at"]),
                reference=row["reference"],
                description=row["description"],
                hours=None if row["hours"] is None else money(row["hours"]),
                rate=None if row["rate"] is None else money(row["rate"]),
                amount=money(row["amount"]),
                invoiceable=money(row["invoiceable"]),
            )
            for row in rows
        ]

    def issued(self, customer: str, month: str) -> IssuedRecord | None:
        rows = self.query("SELECT * FROM {issued} WHERE customer = %s AND month = %s", (customer, month))
        if not rows:
            return None
        row = rows[0]
        return IssuedRecord(
            customer=row["customer"],
            month=row["month"],
            number=row["number"],
            closed_at=self.from_db_instant(row["closed_at"]),
            log_position=int(row["log_position"]),
        )

    def due_candidates(self) -> list[tuple[CardHolder, str | None]]:
        rows = self.query(
            "SELECT c.customer, u.name, u.account_manager, c.currency, c.opened_at, "
            "(SELECT MAX(i.month) FROM {issued} i WHERE i.customer = c.customer) AS latest "
            "FROM {cards} c JOIN {customers} u ON u.customer = c.customer ORDER BY c.customer"
        )
        return [(self._holder(row), row["latest"]) for row in rows]


class SQLiteStatementsView(StatementsSql, SQLiteView):
    """Statement lines in the SQLite file of the events."""


class PostgresStatementsView(StatementsSql, PostgresView):
    """Statement lines in the PostgreSQL schema of the events."""


class StatementsProjection(LedgerProjection[StatementsView]):
    """Credits, invoice-free work, reversals and issued statements → statement lines.

    Expiry write-offs are lines of ``section='other'``: statements show them under "other changes".
    """

    name = "statements"
    topics = tuple(
        get_topic(cls)
        for cls in (
            Customer.Registered,
            Strippenkaart.Opened,
            Strippenkaart.Credited,
            Strippenkaart.Debited,
            Strippenkaart.DebitReversed,
            Strippenkaart.Expired,
            WorkEntry.Recorded,
            StatementBook.Issued,
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
        line = CardLine(
            tracking.notification_id,
            CREDIT,
            event.kind,
            event.effective_at,
            event.reference,
            event.kind,
            None,
            None,
            event.amount,
            ZERO,
        )
        self.view.add_line(event.originator_id, None, line, tracking)

    @apply.register(WorkEntry.Recorded)
    def _work(self, event: WorkEntry.Recorded, tracking: Tracking) -> None:
        if event.card_paid <= ZERO:
            self.view.insert_tracking(tracking)
            return
        # What the card paid at the work's own time; late work's part paid from later credit is
        # a line of its own at the moment it was booked (see ``_debited``).
        own = sum(
            (
                a["amount"]
                for a in event.allocations
                if booked_at(a, event.effective_at) == event.effective_at
            ),
            ZERO,
        )
        line = CardLine(
            tracking.notification_id,
            WORK,
            WORK,
            event.effective_at,
            event.ticket,
            event.description,
            event.billed_hours,
            event.rate,
            -own,
            event.invoiceable,
        )
        self.view.add_line(None, event.customer, line, tracking)

    @apply.register(Strippenkaart.Debited)
    def _debited(self, event: Strippenkaart.Debited, tracking: Tracking) -> None:
        if event.effective_at == event.work_at:  # on the work's own line
            self.view.insert_tracking(tracking)
            return
        line = CardLine(
            tracking.notification_id,
            WORK,
            WORK,
            event.effective_at,
            event.ticket,
            f"paid from later credit, for work on {date_of(event.work_at)}",
            None,
            None,
            -event.amount,
            ZERO,
        )
        self.view.add_line(event.originator_id, None, line, tracking)

    @apply.register(Strippenkaart.DebitReversed)
    def _reversed(self, event: Strippenkaart.DebitReversed, tracking: Tracking) -> None:
        self.view.add_reversal(
            event.originator_id, event.ticket, event.effective_at, event.reason, event.amount, tracking
        )

    @apply.register(Strippenkaart.Expired)
    def _expired(self, event: Strippenkaart.Expired, tracking: Tracking) -> None:
        line = CardLine(
            tracking.notification_id,
            OTHER,
            "expiry",
            event.effective_at,
            event.reference,
            "expired credit written off",
            None,
            None,
            -event.amount,
            ZERO,
        )
        self.view.add_line(event.originator_id, None, line, tracking)

    @apply.register(StatementBook.Issued)
    def _issued(self, event: StatementBook.Issued, tracking: Tracking) -> None:
        record = IssuedRecord(event.customer, event.month, event.number, event.closed_at, event.log_position)
        self.view.record_issued(record, tracking)
