"""A customer's statement book: which monthly statements were issued, under which numbers.

Why an aggregate: a statement must be reproducible, so issuing one is recorded once, with the
exact cut of the log it was computed from (``log_position``: every event at or before it was
known when the statement closed). Regenerating it later reads the same events and gives the same
document, whatever was recorded since (even work back-dated into its month). Numbers run per
customer and calendar year (``ACME-2026-0003``) without gaps, because one aggregate hands them out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from ledger.aggregates.record import CustomerRecord, Record
from ledger.errors import StatementError

if TYPE_CHECKING:
    from datetime import datetime

IssuedStatement = dict[str, Any]
"""``{"number", "month", "closed_at", "log_position"}`` of one issued statement."""


class StatementBook(CustomerRecord):
    """One customer's issued statements, in month order."""

    KIND = "statement-book"

    class Opened(CustomerRecord.Opened):
        """A statement book was opened for a customer (with its first statement)."""

    class Issued(Record.Event):
        """A monthly statement was issued: its number, its month (``YYYY-MM``, Amsterdam), when it
        closed, and the log position it was computed from (events at or before it)."""

        customer: str
        number: str
        month: str
        closed_at: datetime
        log_position: int

    @event(Opened)
    def __init__(self, customer: str, actor: str, effective_at: datetime) -> None:
        self.customer = customer
        self.statements: dict[str, IssuedStatement] = {}

    @property
    def latest_month(self) -> str | None:
        return max(self.statements) if self.statements else None

    def next_number(self, month: str) -> str:
        """The number the statement for ``month`` gets: customer, year, sequence in that year."""
        year = month[:4]
        sequence = 1 + sum(1 for issued in self.statements if issued[:4] == year)
        return f"{self.customer.upper()}-{year}-{sequence:04d}"

    def issue(self, month: str, closed_at: datetime, log_position: int, actor: str) -> IssuedStatement:
        """Issue the statement for ``month``: statements are issued in month order, each once."""
        latest = self.latest_month
        if latest is not None and month <= latest:
            reason = f"statements are issued in month order; {latest} is already issued for {self.customer!r}"
            raise StatementError("month", reason)
        self._issued(
            customer=self.customer,
            number=self.next_number(month),
            month=month,
            closed_at=closed_at,
            log_position=log_position,
            actor=actor,
            effective_at=closed_at,
        )
        return self.statements[month]

    @event(Issued)
    def _issued(
        self,
        customer: str,
        number: str,
        month: str,
        closed_at: datetime,
        log_position: int,
        actor: str,
        effective_at: datetime,
    ) -> None:
        self.statements[month] = {
            "number": number,
            "month": month,
            "closed_at": closed_at,
            "log_position": log_position,
        }
