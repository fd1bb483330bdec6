"""Invoice-free work records: every piece of work the strippenkaart paid for, as the customer sees it.

Table ``work_records_lines`` (one row per line, beside the events): ``line_id`` PK,
``notification_id``, ``customer``, ``card_id``, ``month`` (Amsterdam ``YYYY-MM`` of the effective
time), ``effective_at``, ``ticket``, ``line`` (``work`` or ``reversal``), ``description``, ``hours``,
``rate``, ``amount``, ``card_paid``, ``invoiceable``, ``balance_after``, ``currency``, ``reversed``.

A work entry appears when the card paid some or all of it (``card_paid`` > 0; an overage's
invoiceable rest is shown beside it). A **reversal is a line of its own**, dated at the reversal
and mirroring the entry with negative figures and the card's balance after the money went back;
the original line stays as it was, flagged ``reversed``. Why a line and not only a flag: a
statement for the month of the work must still show what was debited then, and the month of the
reversal must show the money coming back — history is corrected forward, never rewritten.
``balance_after`` is the card's balance right after the event, in recording order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.utils import get_topic

from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.aggregates.work_entry import WorkEntry
from ledger.domain.results import JsonResult
from ledger.domain.time import date_of, month_of
from ledger.domain.work import described
from ledger.projections.base import LedgerProjection
from ledger.projections.sql import ProjectionInvariantError, SQLiteView, SqlView

if TYPE_CHECKING:
    from uuid import UUID

ZERO = Decimal("0.00")
WORK = "work"
REVERSAL = "reversal"


@dataclass(frozen=True)
class WorkRecord(JsonResult):
    """One line of invoice-free work (or its reversal)."""

    customer: str
    month: str
    date: str
    at: datetime
    ticket: str
    line: str
    description: str
    hours: Decimal
    rate: Decimal
    amount: Decimal
    card_paid: Decimal
    invoiceable: Decimal
    balance_after: Decimal
    currency: str
    reversed: bool


class WorkRecordsView(TrackingRecorder, ABC):
    """What the work-records projection writes and what reports read."""

    @abstractmethod
    def record(self, line_id: str, card_id: UUID, record: WorkRecord, tracking: Tracking) -> None:
        """Add a line for work the card paid."""

    @abstractmethod
    def record_reversal(
        self,
        card_id: UUID,
        ticket: str,
        entry: str,
        at: datetime,
        reason: str,
        balance_after: Decimal,
        tracking: Tracking,
    ) -> None:
        """Flag the entry's line reversed and add the mirroring reversal line."""

    def prefetch_tickets(self, tickets: Sequence[tuple[UUID, str]]) -> None:
        """Read these tickets' lines ahead of their reversals (a view that reads nothing: no-op)."""

    @abstractmethod
    def records(self, customer: str | None = None, month: str | None = None) -> list[WorkRecord]:
        """Lines by effective time (then recording order), for a customer and/or month."""


class WorkRecordsSql(WorkRecordsView, SqlView):
    """The work-records view in SQL, for any dialect."""

    table_names = ("lines",)
    table_statements = (
        "CREATE TABLE IF NOT EXISTS {lines} (line_id TEXT PRIMARY KEY, notification_id {bigint} NOT NULL, "
        "customer TEXT NOT NULL, card_id TEXT NOT NULL, month TEXT NOT NULL, "
        "effective_at {instant} NOT NULL, ticket TEXT NOT NULL, line TEXT NOT NULL, "
        "description TEXT NOT NULL, hours {money} NOT NULL, rate {money} NOT NULL, "
        "amount {money} NOT NULL, card_paid {money} NOT NULL, invoiceable {money} NOT NULL, "
        "balance_after {money} NOT NULL, currency TEXT NOT NULL, reversed {flag} NOT NULL)",
        "CREATE INDEX IF NOT EXISTS {prefix}_lines_by_month ON {lines} (customer, month)",
        "CREATE INDEX IF NOT EXISTS {prefix}_lines_by_ticket ON {lines} (card_id, ticket)",
    )

    def record(self, line_id: str, card_id: UUID, record: WorkRecord, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self._insert(cursor, line_id, tracking.notification_id, card_id, record)

    def _insert(self, cursor: Any, line_id: str, notification_id: int, card_id: UUID, r: WorkRecord) -> None:
        money = self.to_db_decimal
        self.defer(
            cursor,
            "INSERT INTO {lines} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                line_id,
                notification_id,
                r.customer,
                str(card_id),
                r.month,
                self.to_db_instant(r.at),
                r.ticket,
                r.line,
                r.description,
                money(r.hours),
                money(r.rate),
                money(r.amount),
                money(r.card_paid),
                money(r.invoiceable),
                money(r.balance_after),
                r.currency,
                r.reversed,
            ),
        )
        memo = self.batch_memo()
        if memo is not None:  # a reversal later in the batch finds its line here, unread
            memo[("line", line_id)] = r
            if r.line == WORK:
                memo.setdefault(("work", str(card_id), r.ticket), []).append(line_id)

    def _batch_line(self, card_id: UUID, ticket: str, entry: str) -> tuple[str, WorkRecord] | None:
        """The entry's work line if this batch wrote it, as written (None: read it). A line
        written in this batch is newer than any stored one, and so is anything written for it."""
        memo = self.batch_memo()
        if not memo:
            return None
        for line_id in memo.get(("work", str(card_id), ticket), ()):
            record: WorkRecord = memo[("line", line_id)]
            if line_id == str(WorkEntry.create_id(record.customer, ticket, entry)):
                return line_id, record
        return None

    def record_reversal(
        self,
        card_id: UUID,
        ticket: str,
        entry: str,
        at: datetime,
        reason: str,
        balance_after: Decimal,
        tracking: Tracking,
    ) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            memo = self.batch_memo()
            written = self._batch_line(card_id, ticket, entry)
            if written is not None:
                line_id, original = written
                mirror_id = f"{line_id}:reversal"
                mirrored = memo is not None and ("line", mirror_id) in memo
            elif memo is not None and ("stored", str(card_id), ticket) in memo:
                stored = memo[("stored", str(card_id), ticket)]  # read before the batch wrote
                row = self._entry_line(stored, ticket, entry)
                line_id, original = str(row["line_id"]), self._record(row)
                mirror_id = f"{line_id}:reversal"
                mirrored = ("line", mirror_id) in memo or any(r["line_id"] == mirror_id for r in stored)
            else:
                row = self._stored_line(cursor, card_id, ticket, entry)
                line_id, original = str(row["line_id"]), self._record(row)
                mirror_id = f"{line_id}:reversal"
                self.execute(cursor, "SELECT line_id FROM {lines} WHERE line_id = %s", (mirror_id,))
                mirrored = cursor.fetchone() is not None
            if mirrored:  # a further part of the same reversal (another booking moment)
                self.defer(
                    cursor,
                    "UPDATE {lines} SET balance_after = %s WHERE line_id = %s",
                    (self.to_db_decimal(balance_after), mirror_id),
                    key=("balance_after", mirror_id),
                )
                if memo is not None and ("line", mirror_id) in memo:
                    memo[("line", mirror_id)] = replace(
                        memo[("line", mirror_id)], balance_after=balance_after
                    )
                return
            self.defer(
                cursor,
                "UPDATE {lines} SET reversed = %s WHERE line_id = %s",
                (True, line_id),
                key=("reversed", line_id),
            )
            if memo is not None and ("line", line_id) in memo:
                memo[("line", line_id)] = replace(original, reversed=True)
            mirror = replace(
                original,
                month=month_of(at),
                date=date_of(at),
                at=at,
                line=REVERSAL,
                description=f"reversal: {reason}",
                hours=-original.hours,
                amount=-original.amount,
                card_paid=-original.card_paid,
                invoiceable=-original.invoiceable,
                balance_after=balance_after,
                reversed=False,
            )
            self._insert(cursor, mirror_id, tracking.notification_id, card_id, mirror)

    def prefetch_tickets(self, tickets: Sequence[tuple[UUID, str]]) -> None:
        """The stored lines of these (card, ticket) pairs, work and reversals, read at once into
        the batch's memo for :meth:`record_reversal` (a line this batch writes is in its memo)."""
        keys = [(str(card_id), ticket) for card_id, ticket in tickets]
        with self.transaction(commit=False) as cursor:
            self.read_ahead(cursor, "stored", "SELECT * FROM {lines} WHERE", ("card_id", "ticket"), keys)

    def _stored_line(self, cursor: Any, card_id: UUID, ticket: str, entry: str) -> Any:
        """The entry's work line as stored, or :class:`ProjectionInvariantError`."""
        self.execute(
            cursor,
            "SELECT * FROM {lines} WHERE card_id = %s AND ticket = %s AND line = %s",
            (str(card_id), ticket, WORK),
        )
        return self._entry_line(cursor.fetchall(), ticket, entry)

    def _entry_line(self, lines: Sequence[Any], ticket: str, entry: str) -> Any:
        """The entry's own work line among a ticket's lines (a ticket may carry many entries, each
        its own line), or :class:`ProjectionInvariantError`."""
        rows = [
            r
            for r in lines
            if r["line"] == WORK and r["line_id"] == str(WorkEntry.create_id(r["customer"], ticket, entry))
        ]
        if not rows:
            msg = f"work_records: reversal of entry {entry!r} ({ticket!r}), which the card never paid"
            raise ProjectionInvariantError(msg)
        return rows[0]

    def records(self, customer: str | None = None, month: str | None = None) -> list[WorkRecord]:
        conditions, params = [], []
        for column, value in (("customer", customer), ("month", month)):
            if value is not None:
                conditions.append(f"{column} = %s")
                params.append(value)
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        rows = self.query(
            "SELECT * FROM {lines} " + where + "ORDER BY customer, effective_at, notification_id", params
        )
        return [self._record(row) for row in rows]

    def _record(self, row: Any) -> WorkRecord:
        money = self.from_db_decimal
        at = self.from_db_instant(row["effective_at"])
        return WorkRecord(
            customer=row["customer"],
            month=row["month"],
            date=date_of(at),
            at=at,
            ticket=row["ticket"],
            line=row["line"],
            description=row["description"],
            hours=money(row["hours"]),
            rate=money(row["rate"]),
            amount=money(row["amount"]),
            card_paid=money(row["card_paid"]),
            invoiceable=money(row["invoiceable"]),
            balance_after=money(row["balance_after"]),
            currency=row["currency"],
            reversed=bool(row["reversed"]),
        )


class SQLiteWorkRecordsView(WorkRecordsSql, SQLiteView):
    """Work records in the SQLite file of the events."""


class WorkRecordsProjection(LedgerProjection[WorkRecordsView]):
    """Work the card paid for, and the reversals that gave the money back."""

    name = "work_records"
    topics = (get_topic(WorkEntry.Recorded), get_topic(Strippenkaart.DebitReversed))

    @singledispatchmethod
    def apply(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @apply.register(WorkEntry.Recorded)
    def _recorded(self, event: WorkEntry.Recorded, tracking: Tracking) -> None:
        if event.card_paid <= ZERO:
            self.view.insert_tracking(tracking)
            return
        if event.card_balance_after is None:
            msg = f"work_records: ticket {event.ticket!r} was paid by a card but names no balance"
            raise ProjectionInvariantError(msg)
        record = WorkRecord(
            customer=event.customer,
            month=month_of(event.effective_at),
            date=date_of(event.effective_at),
            at=event.effective_at,
            ticket=event.ticket,
            line=WORK,
            description=described(event.description, event.engineer),
            hours=event.billed_hours,
            rate=event.rate,
            amount=event.amount,
            card_paid=event.card_paid,
            invoiceable=event.invoiceable,
            balance_after=event.card_balance_after,
            currency=event.currency,
            reversed=False,
        )
        card_id = Strippenkaart.create_id(event.customer)
        self.view.record(str(event.originator_id), card_id, record, tracking)

    def prefetch(self, events: Sequence[Any]) -> None:
        reversals = [event for event in events if type(event) is Strippenkaart.DebitReversed]
        tickets = [(event.originator_id, event.ticket) for event in reversals]
        self.view.prefetch_tickets(tickets)

    @apply.register(Strippenkaart.DebitReversed)
    def _debit_reversed(self, event: Strippenkaart.DebitReversed, tracking: Tracking) -> None:
        self.view.record_reversal(
            event.originator_id,
            event.ticket,
            event.entry,
            event.effective_at,
            event.reason,
            event.balance_after,
            tracking,
        )
