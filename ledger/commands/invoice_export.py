"""Export invoiceable lines for billing, so that nothing is lost and nothing is sent twice.

``export_invoiceable(until)`` takes every invoiceable line effective before ``until`` that no
export held yet (any period: a line logged late for a period already exported is flagged ``late``)
and a credit line for every exported line that was reversed since, numbers the export and records
which lines it held (:class:`~ledger.aggregates.invoice_export.InvoiceExports`). Each line carries
what an accounting package needs: customer, period, description, hours, rate, amount excl. VAT,
and the VAT rate in force at the work's time (dated setting ``invoice.vat-rate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, cast

from ledger.aggregates.invoice_export import InvoiceExports
from ledger.commands.results import JsonResult
from ledger.commands.settings import value_at
from ledger.domain import settings as keys
from ledger.domain.money import CENT
from ledger.domain.time import describe_instant
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.commands.bus import Context
    from ledger.commands.models import ExportInvoiceable
    from ledger.commands.unit_of_work import Reader, UnitOfWork

LINE = "line"
CREDIT = "credit"


@dataclass(frozen=True)
class ExportLine(JsonResult):
    """One line of an invoice export; a credit has negative amounts."""

    export: int
    kind: str
    late: bool
    customer: str
    customer_name: str
    period: str
    date: str
    ticket: str
    description: str
    hours: Decimal
    rate: Decimal
    amount_excl_vat: Decimal
    vat_rate: Decimal
    vat_amount: Decimal
    amount_incl_vat: Decimal
    currency: str
    entry_id: str
    credits_export: int | None


@dataclass(frozen=True)
class InvoiceExport(JsonResult):
    """An export: its number (None when there was nothing new), its ``until`` and its lines."""

    number: int | None
    until: datetime
    lines: list[ExportLine]

    def to_json(self) -> dict[str, object]:
        return {
            "number": self.number,
            "until": self.until.isoformat(),
            "lines": [line.to_json() for line in self.lines],
        }


def export_invoiceable(uow: UnitOfWork, command: ExportInvoiceable, context: Context) -> InvoiceExport:
    """Export everything new by ``until`` (not in the future, not before the latest export's)."""
    until, now, actor = command.until, context.now, context.actor
    if until > now:
        raise InvalidInputError("until", f"{until.isoformat()} is in the future; export what has happened")
    view = context.services.projections().fresh("invoiceable")  # lines: InvoiceableLine
    book = uow.get_or_none(InvoiceExports.create_id(), InvoiceExports)
    if book is not None and book.latest_until is not None and until < book.latest_until:
        reason = f"is before the latest export's ({describe_instant(book.latest_until)})"
        raise InvalidInputError("until", reason)
    exported = {} if book is None else book.exported
    credited = {} if book is None else book.credited
    candidates = view.lines_before(until)
    new = [line for line in candidates if line.entry_id not in exported and not line.void]
    credits = [
        line
        for line in candidates
        if line.void and line.entry_id in exported and line.entry_id not in credited
    ]
    if not new and not credits:
        return InvoiceExport(None, until, [])
    latest = None if book is None else book.latest_until
    book = book or InvoiceExports(actor=actor, effective_at=now)
    ids = [line.entry_id for line in new]
    number = book.export(until, ids, [line.entry_id for line in credits], actor, now)
    uow.save(book)
    rows = [_row(uow, number, line, late=latest is not None and line.at < latest) for line in new]
    rows += [_row(uow, number, line, credits_export=exported[line.entry_id]) for line in credits]
    return InvoiceExport(number, until, rows)


def exports_of(app: Reader) -> dict[str, int]:
    """Which export held each work entry's line."""
    book = app.get_or_none(InvoiceExports.create_id(), InvoiceExports)
    return {} if book is None else dict(book.exported)


def _row(
    app: Reader,
    number: int,
    line: Any,
    *,
    late: bool = False,
    credits_export: int | None = None,
) -> ExportLine:
    sign = Decimal(-1) if credits_export is not None else Decimal(1)
    vat_rate = cast("Decimal", value_at(app, keys.INVOICE_VAT_RATE, line.at))
    amount = sign * line.invoiceable
    vat = (amount * vat_rate / 100).quantize(CENT, ROUND_HALF_UP)
    description = line.description or line.ticket
    if line.invoiceable != line.amount:  # an overage: the part the card could not pay
        description += f" (part not paid from credit; work {line.amount} {line.currency})"
    if credits_export is not None:
        description = f"Credit for export {credits_export}: {description}"
    return ExportLine(
        export=number,
        kind=CREDIT if credits_export is not None else LINE,
        late=late,
        customer=line.customer,
        customer_name=app.customer(line.customer).name,
        period=line.month,
        date=line.date,
        ticket=line.ticket,
        description=description,
        hours=sign * line.hours,
        rate=line.rate,
        amount_excl_vat=amount,
        vat_rate=vat_rate,
        vat_amount=vat,
        amount_incl_vat=amount + vat,
        currency=line.currency,
        entry_id=line.entry_id,
        credits_export=credits_export,
    )
