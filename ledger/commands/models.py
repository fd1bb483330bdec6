"""Command models: what a caller may ask the ledger to record, validated before anything is loaded.

Each command names its actor and, optionally, its effective time (``at``; the ledger's clock when
left out). Validation failures become :class:`~ledger.errors.InvalidInputError` naming the field.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from ledger.commands.fields import (
    AccountName,
    Amount,
    Currency,
    DayOfMonth,
    Hours,
    Instant,
    Label,
    Minutes,
    Month,
    Name,
    OptionalText,
    Percent,
    Rate,
    Reference,
    RequiredText,
    Slug,
)
from ledger.domain.cadence import EvaluationCadence, EvaluationOutcome, VisitCadence
from ledger.domain.money import DEFAULT_CURRENCY
from ledger.domain.service_window import Tier
from ledger.domain.work import WorkKind
from ledger.errors import InvalidInputError


class WorkSource(StrEnum):
    """The door a work entry came in through: an auditor tells typed entries from bulk imports."""

    CLI = "cli"
    API = "api"
    IMPORT = "import"


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
    if first["type"] == "missing":
        return InvalidInputError(field, "is required")
    if first["type"] == "enum":
        return InvalidInputError(field, f"{first['input']!r} is not one of {first['ctx']['expected']}")
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
    """Hours on a ticket. ``entry`` is the time entry's own id and idempotency key (per customer);
    without it the ticket is the key (one entry per ticket). ``engineer`` did the work; ``actor``
    recorded it. ``kind`` has no default: support forgotten as such must not reach the card."""

    customer: Slug
    ticket: Reference
    entry: Reference | None = None
    engineer: Name | None = None
    hours: Hours
    rate: Rate | None = None
    description: OptionalText = ""
    kind: WorkKind | None = None

    @model_validator(mode="after")
    def _kind_given(self) -> Self:
        if self.kind is None:
            choices = ", ".join(kind.value for kind in WorkKind)
            raise InvalidInputError("kind", f"is required: one of {choices}")
        return self

    @property
    def work_kind(self) -> WorkKind:
        """The kind, which validation made sure is given."""
        if self.kind is None:
            raise InvalidInputError("kind", "is required")
        return self.kind

    component: Label | None = None
    role: Label | None = None
    source: WorkSource = WorkSource.API
    focus: Label | None = None
    """The on-site focus area the work was for; only on-site work names one."""

    @model_validator(mode="after")
    def _focus_only_on_site(self) -> Self:
        if self.focus is not None and self.kind is not WorkKind.ONSITE:
            raise InvalidInputError("focus", "only on-site work (kind onsite) names a focus area")
        return self


class ReverseWork(Command):
    """Reverse one entry, named by ``entry`` or by ``ticket``. ``at`` is when the reversal was
    decided; it takes effect at the entry's own time. ``reason`` is internal, ``note`` for the customer."""

    customer: Slug
    ticket: Reference | None = None
    entry: Reference | None = None
    reason: RequiredText
    note: OptionalText | None = None

    @model_validator(mode="after")
    def _names_an_entry(self) -> Self:
        if self.ticket is None and self.entry is None:
            raise InvalidInputError("entry", "name the entry to reverse: --entry ID or --ticket REF")
        return self


class ContractCommand(Command):
    """A dated change of a servicedesk contract; ``effective_from`` may lie in the past or future."""

    customer: Slug
    effective_from: Instant


class StartContract(ContractCommand):
    tier: Tier


class ChangeContract(ContractCommand):
    tier: Tier


class EndContract(ContractCommand):
    pass


class AddPack(Command):
    customer: Slug
    pack: Label
    components: tuple[Label, ...]
    effective_from: Instant


class RemovePack(Command):
    customer: Slug
    pack: Label
    effective_from: Instant


class SetRate(Command):
    """A rate on the customer's rate card; without ``role`` it is the general rate."""

    customer: Slug
    rate: Rate
    role: Label | None = None
    effective_from: Instant


class SetRounding(Command):
    """The billing increment and minimum, in minutes (0 and 0: no rounding)."""

    customer: Slug
    increment_minutes: Minutes
    minimum_minutes: Minutes = 0
    effective_from: Instant


class OnsiteCommand(Command):
    """A fact about a customer's on-site engagement; ``at`` may not lie in the future."""

    customer: Slug


class KickOff(OnsiteCommand):
    focus_areas: tuple[Label, ...]
    visits: VisitCadence
    evaluation: EvaluationCadence


class AssignConsultant(OnsiteCommand):
    consultant: Name


class ReleaseConsultant(OnsiteCommand):
    consultant: Name


class LogVisit(OnsiteCommand):
    consultant: Name
    hours: Hours
    focus: Label
    reference: Reference


class Evaluate(OnsiteCommand):
    outcome: EvaluationOutcome
    focus_areas: tuple[Label, ...] | None = None
    notes: OptionalText = ""


class EndEngagement(OnsiteCommand):
    pass


class AdminCommand(Command):
    """A change to one admin account of a customer; tasks are resolved against the catalogue later."""

    customer: Slug
    account: AccountName


class RequestAdminAccess(AdminCommand):
    tasks: tuple[str, ...]
    reason: RequiredText


class GrantAdminAccess(AdminCommand):
    tasks: tuple[str, ...]
    valid_from: Instant | None = None
    valid_until: Instant | None = None


class ChangeAdminScope(AdminCommand):
    tasks: tuple[str, ...]
    effective_from: Instant | None = None
    reason: RequiredText


class AdminStanding(AdminCommand):
    """Suspend, resume or revoke an account from ``effective_from`` (default now) on."""

    effective_from: Instant | None = None
    reason: RequiredText


class SuspendAdminAccount(AdminStanding):
    pass


class ResumeAdminAccount(AdminStanding):
    pass


class RevokeAdminAccount(AdminStanding):
    pass


class SetAlertThreshold(Command):
    """The customer's nearly-used threshold: a percentage of the balance after the latest credit,
    or an amount; exactly one."""

    customer: Slug
    percent: Percent | None = None
    amount: Amount | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.percent is None) == (self.amount is None):
            raise InvalidInputError("threshold", "give a percentage or an amount, exactly one of them")
        return self


class AcknowledgeAlert(Command):
    alert_id: Reference


class IssueStatement(Command):
    """Issue the customer's statement for a closed month (``YYYY-MM``, Europe/Amsterdam)."""

    customer: Slug
    month: Month
