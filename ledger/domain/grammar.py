"""The one grammar for what people type: numbers, whole numbers, dates, months and one-line text.

Why one module: a number accepted in one place and refused in another (``1e3`` booking 1,000 hours,
``١٢`` or ``１２`` read as twelve, ``1_000`` as a thousand) is how bad input slips through. Every
parser of the ledger (money, hours, minutes, days, months, dates, identifiers) starts here, in the
library and so in the CLI and the import alike.

- a number is ASCII digits with at most one ``.`` (``12``, ``12.5``, ``12.50``): no sign, exponent,
  underscore, thousands separator, whitespace or other script's digits; how many decimals a field
  allows is the field's rule (two for money and hours);
- a date is ``YYYY-MM-DD`` and a month ``YYYY-MM`` in ASCII digits, the year four digits;
- an identifier is printable text: no control, invisible (zero-width) or bidi-override characters.
"""

from __future__ import annotations

import re

from ledger.errors import InvalidInputError

NUMBER_TEXT_LENGTH_MAX = 24
"""Longer text is no amount the ledger could accept; refused before any arithmetic."""
DECIMAL_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
WHOLE_TEXT = re.compile(r"[0-9]+")
MONTH_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})")
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
NUMBER_FORM = "ASCII digits with at most one '.', e.g. '12' or '12.50'"


def decimal_text(value: str, field: str) -> str:
    """``value`` when it is a number in the ledger's grammar; else a refusal that says the grammar."""
    if not value:
        raise InvalidInputError(field, "is empty")
    if len(value) > NUMBER_TEXT_LENGTH_MAX:
        raise InvalidInputError(field, f"is {len(value)} characters long; too long for a number")
    if not DECIMAL_TEXT.fullmatch(value):
        raise InvalidInputError(field, f"{value!r} is not a number ({NUMBER_FORM})")
    return value


def whole_text(value: str, field: str, what: str) -> int:
    """A whole number written in ASCII digits (no sign, no spaces), as ``int``."""
    if not value:
        raise InvalidInputError(field, "is empty")
    if len(value) > NUMBER_TEXT_LENGTH_MAX or not WHOLE_TEXT.fullmatch(value):
        raise InvalidInputError(field, f"{value[:40]!r} is not {what} (ASCII digits, e.g. '15')")
    return int(value)


def printable(text: str, field: str, *, lines: bool = False) -> str:
    """``text`` when every character is printable (tabs and newlines too when ``lines``).

    ``str.isprintable`` is false for control characters and for the invisible "format" ones
    (zero-width space, bidi overrides such as U+202E), which could make a reference or a name
    look like another in a report.
    """
    check = text.replace("\n", "").replace("\t", "") if lines else text
    if not check.isprintable():
        bad = next(ch for ch in check if not ch.isprintable())
        raise InvalidInputError(field, f"contains the invisible or control character U+{ord(bad):04X}")
    return text
