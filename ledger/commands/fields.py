"""Validated field types shared by the command models.

Each type runs the ledger's own parser (which names the field in its error) before pydantic sees
the value, so a float never becomes money and a naive time never becomes an instant.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, ValidationInfo

from ledger.domain import money
from ledger.domain.names import normalize_label
from ledger.domain.rounding import parse_minutes
from ledger.domain.time import parse_instant, parse_month
from ledger.errors import InvalidInputError

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
REFERENCE_LENGTH_MAX = 100
NAME_LENGTH_MAX = 200
TEXT_LENGTH_MAX = 2000
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
"""Control characters other than tab and newline (one regex scan, not a Python loop per character)."""


def _field(info: ValidationInfo) -> str:
    return info.field_name or "value"


def _text(value: object, field: str, maximum: int, *, required: bool) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(field, f"{type(value).__name__} is not text")
    text = value.strip()
    if required and not text:
        raise InvalidInputError(field, "is empty")
    if len(text) > maximum:
        raise InvalidInputError(field, f"is {len(text)} characters long; the maximum is {maximum}")
    if _CONTROL.search(text):
        raise InvalidInputError(field, "contains control characters")
    return text


def parse_slug(value: object, info: ValidationInfo) -> str:
    return customer_slug(value, _field(info))


def customer_slug(value: object, field: str = "customer") -> str:
    """A customer id: lower-case letters, digits and inner hyphens, at most 64 characters."""
    text = _text(value, field, 64, required=True)
    if not SLUG_PATTERN.match(text):
        msg = f"{text!r} is not a customer id (lower-case letters, digits and hyphens, e.g. 'acme')"
        raise InvalidInputError(field, msg)
    return text


def parse_reference(value: object, info: ValidationInfo) -> str:
    """A ticket, order or invoice reference: one line of printable text without spaces at the ends."""
    return reference(value, _field(info))


def reference(value: object, field: str) -> str:
    """:func:`parse_reference` outside a model."""
    text = _text(value, field, REFERENCE_LENGTH_MAX, required=True)
    if "\n" in text or "\t" in text:
        raise InvalidInputError(field, "must be a single line")
    return text


def parse_name(value: object, info: ValidationInfo) -> str:
    field = _field(info)
    text = _text(value, field, NAME_LENGTH_MAX, required=True)
    if "\n" in text:
        raise InvalidInputError(field, "must be a single line")
    return text


def parse_required_text(value: object, info: ValidationInfo) -> str:
    return _text(value, _field(info), TEXT_LENGTH_MAX, required=True)


def parse_optional_text(value: object, info: ValidationInfo) -> str:
    return _text("" if value is None else value, _field(info), TEXT_LENGTH_MAX, required=False)


def parse_day_of_month(value: object, info: ValidationInfo) -> int:
    """A day of the month, 1–31 (31 means the last day in shorter months)."""
    field = _field(info)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 31:
        raise InvalidInputError(field, f"{value!r} is not a day of the month (1–31)")
    return value


Slug = Annotated[str, BeforeValidator(parse_slug)]
Reference = Annotated[str, BeforeValidator(parse_reference)]
Name = Annotated[str, BeforeValidator(parse_name)]
RequiredText = Annotated[str, BeforeValidator(parse_required_text)]
OptionalText = Annotated[str, BeforeValidator(parse_optional_text)]
Amount = Annotated[Decimal, BeforeValidator(lambda v, i: money.parse_amount(v, _field(i)))]
Rate = Annotated[Decimal, BeforeValidator(lambda v, i: money.parse_rate(v, _field(i)))]
Hours = Annotated[Decimal, BeforeValidator(lambda v, i: money.parse_hours(v, _field(i)))]
Currency = Annotated[str, BeforeValidator(lambda v, i: money.parse_currency(v, _field(i)))]
Instant = Annotated[datetime, BeforeValidator(lambda v, i: parse_instant(v, _field(i)))]
Label = Annotated[str, BeforeValidator(lambda v, i: normalize_label(v, _field(i)))]
"""A component, beheerpack or role name: lower-case, trimmed, so spellings cannot diverge."""
Minutes = Annotated[int, BeforeValidator(lambda v, i: parse_minutes(v, _field(i)))]
DayOfMonth = Annotated[int, BeforeValidator(parse_day_of_month)]

ACCOUNT_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9._@-]{0,98}[a-z0-9])?$")


def admin_account_name(value: object, field: str = "account") -> str:
    """An admin account name (``adm-jan``, ``jan.admin@acme.nl``): compared lower-cased, as in AD."""
    text = _text(value, field, 100, required=True).lower()
    if not ACCOUNT_PATTERN.match(text):
        msg = f"{text!r} is not an account name (letters, digits and . _ @ -, e.g. 'adm-jan')"
        raise InvalidInputError(field, msg)
    return text


AccountName = Annotated[str, BeforeValidator(lambda v, i: admin_account_name(v, _field(i)))]


Percent = Annotated[Decimal, BeforeValidator(lambda v, i: money.parse_percent(v, _field(i)))]
"""A percentage above 0 and at most 100, with at most two decimals."""


def month_key(value: object, field: str = "month") -> str:
    """A calendar month as ``YYYY-MM``."""
    first = parse_month(value, field)
    return f"{first.year:04d}-{first.month:02d}"


Month = Annotated[str, BeforeValidator(lambda v, i: month_key(v, _field(i)))]
