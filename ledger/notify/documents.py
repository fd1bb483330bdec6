"""The documents a mail carries along: an issued statement's PDF with its ``statement-ready`` alert.

The account manager forwards the statement to the customer; so the mail that says it is ready
carries it, rendered from the issued statement (which no later event changes) at sending time.
A statement that cannot be rendered fails the delivery, which is retried like any other failure:
the mail never goes out without the document it announces.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ledger.domain import alerts as rules
from ledger.notify.messages import Attachment

if TYPE_CHECKING:
    from ledger.projections.alerts import Alert
    from ledger.statements.document import Statement


def statement_pdfs(
    statement_of: Callable[[str, str], Statement],
) -> Callable[[Alert], list[Attachment]]:
    """For a ``statement-ready`` alert, the issued statement as PDF; nothing for other alerts."""

    def documents(alert: Alert) -> list[Attachment]:
        if alert.kind != rules.STATEMENT_READY:
            return []
        number, month = alert.details.get("number"), alert.details.get("month")
        if not isinstance(number, str) or not isinstance(month, str):
            msg = f"alert {alert.id} does not name its statement"
            raise LookupError(msg)
        statement = statement_of(alert.customer, month)
        if statement.number != number:
            msg = f"statement {number} of {alert.customer} for {month} is not the issued one"
            raise LookupError(msg)
        from ledger.statements.pdf import render_pdf  # WeasyPrint loads only when a PDF is made

        return [Attachment(filename=f"afschrift-{number}.pdf", content=render_pdf(statement))]

    return documents
