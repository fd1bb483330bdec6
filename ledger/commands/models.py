"""Command models: what a caller may ask the ledger to record, validated before anything is loaded.

Each command names its actor and, optionally, its effective time (``at``; the ledger's clock when
left out). Validation failures become :class:`~ledger.errors.InvalidInputError` naming the field.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from ledger.commands.fields import (
    Amount,
    Currency,
    DayOfMonth,
    Hours,
    Instant,
    Name,
    OptionalText,
    Rate,
    Reference,
    RequiredText,
    Slug,
)
from ledger.domain.money import DEFAULT_CURRENCY
from ledger.errors import InvalidInputError


class WorkKind(StrEnum):
    """What kind of work an entry is; the payer resolution looks at it."""

    SUPPORT = "support"
    RFC = "rfc"
    PROJECT = "project"
    ONSITE = "onsite"
    OTHER = "other"


class Command(BaseModel):
    """Base of all commands: immutable, no unknown fields, errors as ledger errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: Name
    at: Instant | None = None

    @classmethod
    def build(cls, **values: Any) -> Self:
        """Validate ``values`` into a command or raise the first problem as an InvalidInputError."""
        try:
            return cls(**values)
        except ValidationError as error:
            raise _as_ledger_error(error) from None


def _as_ledger_error(error: ValidationError) -> InvalidInputError:
    first = error.errors()[0]
    original = first.get("ctx", {}).get("error")
    if isinstance(original, InvalidInputError):
        return original
    field = ".".join(str(part) for part in first["loc"]) or "input"
    return InvalidInputError(field, first["msg"].lower())


class AddCustomer(Command):
    customer: Slug
    name: Name
    account_manager: Name


class BuyCard(Command):
    """Buy a strippenkaart (one-off amount); a second purchase adds a new block to the same card."""

    customer: Slug
    amount: Amount
    currency: Currency = DEFAULT_CURRENCY
    reference: Reference
    expires_at: Instant | None = None


class TopUpCard(Command):
    customer: Slug
    amount: Amount
    reference: Reference
    expires_at: Instant | None = None


class SetMonthlyPlan(Command):
    """Buy a monthly amount: a credit on ``day`` of every month from ``start`` until ``until``.

    ``start`` and ``until`` are dates (a time is taken as its Amsterdam date); without a start, the
    plan starts today; without a day, on the day of the start.
    """

    customer: Slug
    amount: Amount
    day: DayOfMonth | None = None
    start: Instant | None = None
    until: Instant | None = None
    currency: Currency = DEFAULT_CURRENCY


class ChangeMonthlyPlan(Command):
    customer: Slug
    amount: Amount
    start: Instant


class StopMonthlyPlan(Command):
    customer: Slug
    start: Instant


class Tick(Command):
    """Advance the ledger's clock: record every fact that has fallen due up to ``until`` (default now)."""

    until: Instant | None = None


class LogWork(Command):
    customer: Slug
    ticket: Reference
    hours: Hours
    rate: Rate | None = None
    description: OptionalText = ""
    kind: WorkKind = WorkKind.RFC
    component: Reference | None = None


class ReverseWork(Command):
    customer: Slug
    ticket: Reference
    reason: RequiredText
