"""Validated field types shared by the command models.

Each type runs the ledger's own parser (which names the field in its error; the text fields' are
in :mod:`ledger.domain.texts`) before pydantic sees the value, so a float never becomes money and a
naive time never becomes an instant.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, ValidationInfo

from ledger.domain import money
from ledger.domain.grammar import whole_text
from ledger.domain.identity import person_id
from ledger.domain.names import normalize_label
from ledger.domain.rounding import parse_minutes
from ledger.domain.texts import (
    TEXT_LENGTH_MAX,
    admin_account_name,
    checked_text,
    customer_slug,
    email_address,
    month_key,
    name_text,
    reference,
)
from ledger.domain.time import parse_instant
from ledger.errors import InvalidInputError


def _field(info: ValidationInfo) -> str:
    return info.field_name or "value"


def parse_slug(value: object, info: ValidationInfo) -> str:
    return customer_slug(value, _field(info))


def parse_reference(value: object, info: ValidationInfo) -> str:
    """A ticket, order or invoice reference: one line of printable text without spaces at the ends."""
    return reference(value, _field(info))


def parse_name(value: object, info: ValidationInfo) -> str:
    return name_text(value, _field(info))


def parse_required_text(value: object, info: ValidationInfo) -> str:
    return checked_text(value, _field(info), TEXT_LENGTH_MAX, required=True)


def parse_optional_text(value: object, info: ValidationInfo) -> str:
    return checked_text("" if value is None else value, _field(info), TEXT_LENGTH_MAX, required=False)


def parse_day_of_month(value: object, info: ValidationInfo) -> int:
    """A day of the month, 1–31 (31 means the last day in shorter months)."""
    field = _field(info)
    if isinstance(value, str):
        value = whole_text(value, field, "a day of the month (1–31)")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 31:
        shown = repr(value) if isinstance(value, int) else type(value).__name__
        raise InvalidInputError(field, f"{shown} is not a day of the month (1–31)")
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
Email = Annotated[str, BeforeValidator(lambda v, i: email_address(v, _field(i)))]
"""A component, beheerpack or role name: lower-case, trimmed, so spellings cannot diverge."""
Minutes = Annotated[int, BeforeValidator(lambda v, i: parse_minutes(v, _field(i)))]
DayOfMonth = Annotated[int, BeforeValidator(parse_day_of_month)]

Actor = Annotated[str, BeforeValidator(lambda v, i: person_id(v, _field(i)))]
"""A person id or actor: one spelling per person (see :mod:`ledger.domain.identity`)."""

AccountName = Annotated[str, BeforeValidator(lambda v, i: admin_account_name(v, _field(i)))]

Percent = Annotated[Decimal, BeforeValidator(lambda v, i: money.parse_percent(v, _field(i)))]
"""A percentage above 0 and at most 100, with at most two decimals."""

Month = Annotated[str, BeforeValidator(lambda v, i: month_key(v, _field(i)))]
