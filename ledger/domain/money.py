"""Money and hours: ``Decimal`` values that obey the ledger's rules, or an error naming the field.

Why a module of its own: every amount the ledger records passes through here, so the rules of
DOMAIN.md (two decimals, no floats, nothing zero or negative, half-up cents) are written once.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from ledger.domain.grammar import decimal_text
from ledger.errors import InvalidInputError

CENT = Decimal("0.01")
DEFAULT_CURRENCY = "EUR"
DEFAULT_RATE = Decimal("125.00")

AMOUNT_MAX = Decimal("10000000.00")
"""Largest single purchase, top-up or monthly credit: ten million, far beyond any real order."""
RATE_MAX = Decimal("10000.00")
"""Largest hourly rate."""
HOURS_PER_ENTRY_MAX = Decimal("1000.00")
"""Largest number of hours on one work entry; more is a typo, or should be split over tickets."""

_CURRENCY = re.compile(r"[A-Z]{3}")


def _to_decimal(value: object, field: str) -> Decimal:
    """Turn str (in the ledger's number grammar), int or Decimal into a finite Decimal.

    Floats and booleans are refused outright: ``0.1 + 0.2`` is not money.
    """
    if isinstance(value, bool | float):
        msg = f"{type(value).__name__} {value!r} is not allowed; give a decimal string such as '12.50'"
        raise InvalidInputError(field, msg)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        number = Decimal(decimal_text(value, field))
    else:
        raise InvalidInputError(field, f"{type(value).__name__} is not a number")
    if not number.is_finite():
        raise InvalidInputError(field, f"{value!r} is not a finite number")
    return number


def _bounded_two_places(value: object, field: str, maximum: Decimal) -> Decimal:
    number = _to_decimal(value, field)
    if number <= 0:
        raise InvalidInputError(field, f"must be greater than zero, got {number}")
    if number > maximum:
        raise InvalidInputError(field, f"{number} exceeds the maximum of {maximum}")
    if number != number.quantize(CENT):
        raise InvalidInputError(field, f"{number} has more than two decimals")
    return number.quantize(CENT)


def parse_amount(value: object, field: str = "amount") -> Decimal:
    """A positive amount of money with at most two decimals, as ``Decimal('0.00')``."""
    return _bounded_two_places(value, field, AMOUNT_MAX)


def parse_rate(value: object, field: str = "rate") -> Decimal:
    """A positive hourly rate with at most two decimals."""
    return _bounded_two_places(value, field, RATE_MAX)


def parse_hours(value: object, field: str = "hours") -> Decimal:
    """A positive number of hours with at most two decimals (0.01 h is 36 seconds)."""
    return _bounded_two_places(value, field, HOURS_PER_ENTRY_MAX)


def parse_currency(value: object, field: str = "currency") -> str:
    """A three-letter ISO 4217 code, upper-cased."""
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value.strip().upper()):
        shown = repr(value[:40]) if isinstance(value, str) else type(value).__name__
        raise InvalidInputError(field, f"{shown} is not a three-letter currency code")
    return value.strip().upper()


def cost(hours: Decimal, rate: Decimal) -> Decimal:
    """Hours × rate, rounded half-up to the cent: 0.1 h × 99.99 = 10.00."""
    return (hours * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def work_cost(hours: Decimal, rate: Decimal) -> Decimal:
    """:func:`cost` of a work entry, refused when it rounds to 0.00 (0.01 h × 0.01): an entry
    that costs nothing yet names a payer would only clutter statements and alerts."""
    amount = cost(hours, rate)
    if amount <= 0:
        msg = f"{format_money(hours)} h × {format_money(rate)} rounds to 0.00; nothing to record"
        raise InvalidInputError("hours", msg)
    return amount


def format_money(amount: Decimal) -> str:
    """Two decimals, no exponent, no thousands separator: the form JSON output uses."""
    return str(amount.quantize(CENT))


PERCENT_MAX = Decimal("100.00")


def parse_percent(value: object, field: str = "percent") -> Decimal:
    """A percentage above 0 and at most 100, with at most two decimals."""
    return _bounded_two_places(value, field, PERCENT_MAX)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``amount``, half-up to the cent."""
    return (amount * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
