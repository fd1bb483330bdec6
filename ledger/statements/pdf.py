"""The statement as a PDF, from its HTML page and print CSS (A4), with WeasyPrint.

Why from the HTML: one layout for the page and the paper, so they cannot drift apart. WeasyPrint
needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0); it is imported only when a PDF is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.statements.html import render_html

if TYPE_CHECKING:
    from ledger.statements.document import Statement


def render_pdf(statement: Statement, language: str | None = None) -> bytes:
    """PDF bytes of the statement in ``language`` (default: the customer's)."""
    from weasyprint import HTML  # heavy (Pango): loaded only for a PDF

    document: bytes = HTML(string=render_html(statement, language)).write_pdf()
    return document
