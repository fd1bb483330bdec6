"""CSV cells that are safe to open in a spreadsheet (CSV injection, as OWASP describes it).

Why: Excel, LibreOffice and Google Sheets run a cell that begins with ``=``, ``+``, ``-`` or ``@``
(or a tab or carriage return before one) as a formula, so a customer name or ticket typed as
``=HYPERLINK(...)`` would act when billing opens a report. Such a cell is written with a leading
``'``, which spreadsheets show as text. A plain number (``-12.50``) is no formula and is left alone,
so amounts stay numbers.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?$")


def neutralise(cell: str) -> str:
    """``cell``, prefixed with ``'`` when a spreadsheet would read it as a formula."""
    if cell.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(cell):
        return "'" + cell
    return cell
