"""Invoiceable lines for billing: overage and work whose payer is ``invoice``, per customer and month.

Table ``invoiceable_lines`` (beside the events): ``entry_id`` PK (the work entry), ``notification_id``,
``customer``, ``month`` (Amsterdam ``YYYY-MM`` of the work's effective time), ``effective_at``,
``ticket``, ``kind``, ``description``, ``hours``, ``rate``, ``amount`` (the whole work),
``invoiceable`` (the part to invoice: all of it, or an overage's rest), ``currency``, ``payer``,
``reason``, ``void``, ``voided_at``, ``void_reason``.

A reversed entry **voids** its line (kept, flagged, with when and why) rather than deleting it, so
billing can see that a line it may already have exported is no longer owed. Lines stay in the
month of the work, whenever they were recorded or voided.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.utils import get_topic

from ledger.aggregates.work_entry import WorkEntry
from ledger.domain.results import JsonResult
from ledger.domain.time import date_of, month_of
from ledger.domain.work import described
from ledger.projections.base import LedgerProjection
from ledger.projections.sql import SQLiteView, SqlView

ZERO = Decimal("0.00")
NOT_EXPORTED = "not exported"
EXPORT_LINES_MAX = 100_000
"""At most this many lines are read for one invoice export."""


@dataclass(frozen=True)
class InvoiceableLine(JsonResult):
    """One line billing should invoice (unless ``void``)."""

    customer: str
    month: str
    date: str
    at: datetime
    ticket: str
    kind: str
    description: str
    hours: Decimal
    rate: Decimal
    amount: Decimal
    invoiceable: Decimal
    currency: str
    payer: str
    reason: str
    void: bool
    voided_at: datetime | None
    void_reason: str | None
    entry_id: str = ""
    """The work entry the line is part of: what invoice exports record."""
    export: str = NOT_EXPORTED
    """The number of the invoice export that held the line, or ``not exported`` (filled by the reader)."""


class InvoiceableView(TrackingRecorder, ABC):
    """What the invoiceable projection writes and what billing reads."""

    @abstractmethod
    def add_line(self, entry_id: str, line: InvoiceableLine, tracking: Tracking) -> None:
        """Add the invoiceable part of a work entry."""

    @abstractmethod
    def void_line(self, entry_id: str, at: datetime, reason: str, tracking: Tracking) -> None:
        """Mark a reversed entry's line void (nothing happens when it had none)."""

    @abstractmethod
    def lines(
        self, month: str | None = None, customer: str | None = None, *, include_void: bool = False
    ) -> list[InvoiceableLine]:
        """Lines by customer, then effective time, then recording order."""

    @abstractmethod
    def lines_before(self, until: datetime) -> list[InvoiceableLine]:
        """Every line (void ones too) effective before ``until``, in recording order."""


class InvoiceableSql(InvoiceableView, SqlView):
    """The invoiceable view in SQL, for any dialect."""

    table_names = ("lines",)
    table_statements = (
        "CREATE TABLE IF NOT EXISTS {lines} (entry_id TEXT PRIMARY KEY, notification_id {bigint} NOT NULL, "
        "customer TEXT NOT NULL, month TEXT NOT NULL, effective_at {instant} NOT NULL, "
        "ticket TEXT NOT NULL, kind TEXT NOT NULL, description TEXT NOT NULL, hours {money} NOT NULL, "
        "rate {money} NOT NULL, amount {money} NOT NULL, invoiceable {money} NOT NULL, "
        "currency TEXT NOT NULL, payer TEXT NOT NULL, reason TEXT NOT NULL, void {flag} NOT NULL, "
        "voided_at {instant}, void_reason TEXT)",
        "CREATE INDEX IF NOT EXISTS {prefix}_lines_by_month ON {lines} (month, customer)",
    )

    def add_line(self, entry_id: str, line: InvoiceableLine, tracking: Tracking) -> None:
        money = self.to_db_decimal
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.defer(
                cursor,
                "INSERT INTO {lines} VALUES "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, NULL)",
                (
                    entry_id,
                    tracking.notification_id,
                    line.customer,
                    line.month,
                    self.to_db_instant(line.at),
                    line.ticket,
                    line.kind,
                    line.description,
                    money(line.hours),
                    money(line.rate),
                    money(line.amount),
                    money(line.invoiceable),
                    line.currency,
                    line.payer,
                    line.reason,
                    False,
                ),
            )

    def void_line(self, entry_id: str, at: datetime, reason: str, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.defer(
                cursor,
                "UPDATE {lines} SET void = %s, voided_at = %s, void_reason = %s WHERE entry_id = %s",
                (True, self.to_db_instant(at), reason, entry_id),
            )

    def lines(
        self, month: str | None = None, customer: str | None = None, *, include_void: bool = False
    ) -> list[InvoiceableLine]:
        conditions: list[str] = []
        params: list[Any] = []
        for column, value in (("month", month), ("customer", customer)):
            if value is not None:
                conditions.append(f"{column} = %s")
                params.append(value)
        if not include_void:
            conditions.append("void = %s")
            params.append(False)
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        rows = self.query(
            "SELECT * FROM {lines} " + where + "ORDER BY customer, effective_at, notification_id", params
        )
        return [self._line(row) for row in rows]

    def lines_before(self, until: datetime) -> list[InvoiceableLine]:
        rows = self.query(
            "SELECT * FROM {lines} WHERE effective_at < %s ORDER BY notification_id LIMIT %s",
            (self.to_db_instant(until), EXPORT_LINES_MAX),
        )
        return [self._line(row) for row in rows]

    def _line(self, row: Any) -> InvoiceableLine:
        money = self.from_db_decimal
        at = self.from_db_instant(row["effective_at"])
        voided_at = row["voided_at"]
        return InvoiceableLine(
            customer=row["customer"],
            month=row["month"],
            date=date_of(at),
            at=at,
            ticket=row["ticket"],
            kind=row["kind"],
            description=row["description"],
            hours=money(row["hours"]),
            rate=money(row["rate"]),
            amount=money(row["amount"]),
            invoiceable=money(row["invoiceable"]),
            currency=row["currency"],
            payer=row["payer"],
            reason=row["reason"],
            void=bool(row["void"]),
            voided_at=None if voided_at is None else self.from_db_instant(voided_at),
            void_reason=row["void_reason"],
            entry_id=row["entry_id"],
        )


class SQLiteInvoiceableView(InvoiceableSql, SQLiteView):
    """Invoiceable lines in the SQLite file of the events."""


class InvoiceableProjection(LedgerProjection[InvoiceableView]):
    """Work entries with an invoiceable part, voided when the entry is reversed."""

    name = "invoiceable"
    topics = (get_topic(WorkEntry.Recorded), get_topic(WorkEntry.Reversed))

    @singledispatchmethod
    def apply(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @apply.register(WorkEntry.Recorded)
    def _recorded(self, event: WorkEntry.Recorded, tracking: Tracking) -> None:
        if event.invoiceable <= ZERO:
            self.view.insert_tracking(tracking)
            return
        line = InvoiceableLine(
            customer=event.customer,
            month=month_of(event.effective_at),
            date=date_of(event.effective_at),
            at=event.effective_at,
            ticket=event.ticket,
            kind=event.kind,
            description=described(event.description, event.engineer),
            hours=event.billed_hours,
            rate=event.rate,
            amount=event.amount,
            invoiceable=event.invoiceable,
            currency=event.currency,
            payer=event.payer,
            reason=event.payer_reason,
            void=False,
            voided_at=None,
            void_reason=None,
        )
        self.view.add_line(str(event.originator_id), line, tracking)

    @apply.register(WorkEntry.Reversed)
    def _reversed(self, event: WorkEntry.Reversed, tracking: Tracking) -> None:
        # Voided when the reversal was decided (it takes effect at the entry's own time).
        self.view.void_line(str(event.originator_id), event.decided_at, event.reason, tracking)
