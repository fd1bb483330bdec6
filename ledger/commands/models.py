"""Command models: what a caller may ask the ledger to record, validated before anything is loaded.

Each command names its actor and, optionally, its effective time (``at``; the ledger's clock when
left out). Validation failures become :class:`~ledger.errors.InvalidInputError` naming the field.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Self
from uuid import UUID

from pydantic import model_validator

from ledger.aggregates.work_entry import WorkEntry
from ledger.commands.fields import (
    AccountName,
    Actor,
    Amount,
    Currency,
    DayOfMonth,
    Email,
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
from ledger.commands.message import Message
from ledger.domain.cadence import EvaluationCadence, EvaluationOutcome, VisitCadence
from ledger.domain.money import DEFAULT_CURRENCY
from ledger.domain.service_window import Tier
from ledger.domain.settings import IDENTITY, spec_of
from ledger.domain.work import WorkKind
from ledger.errors import InvalidInputError


class WorkSource(StrEnum):
    """The door a work entry came in through: an auditor tells typed entries from bulk imports."""

    CLI = "cli"
    API = "api"
    IMPORT = "import"


class Command(Message):
    """Base of all commands: immutable, no unknown fields, errors as ledger errors.

    ``actor`` is who the caller named (None: the handle's actor or default decides; the bus
    resolves it against the identity mode). The class says which row of the role table it is
    (``COMMAND``) and which field holds its effective time (``WHEN``; None: it takes effect when
    it is handled), and whether that may lie in the future (dated terms may, work and money not).
    """

    COMMAND: ClassVar[str] = ""
    WHEN: ClassVar[str | None] = "at"
    FUTURE_ALLOWED: ClassVar[bool] = False
    AUTHORISED_ON_HELD: ClassVar[bool] = False
    """Whether the identity check may take the settings this thread holds without reading them
    (see ``MessageBus._authorised_once``): for a frequent command whose handler appends once, or
    reads them in its prefetched block, so that the check costs no query of its own."""

    actor: Actor | None = None
    at: Instant | None = None

    def role_command(self) -> str:
        """The row of the role table that says who may run this command."""
        return self.COMMAND

    def creates(self) -> tuple[UUID, ...]:
        """Ids this command creates when absent: a batch learns in one query which exist."""
        return ()

    def effective_input(self) -> datetime | None:
        """The effective time the caller gave, if any (the bus fills in the clock's)."""
        value = None if self.WHEN is None else getattr(self, self.WHEN)
        return value if isinstance(value, datetime) else None


class UndatedCommand(Command):
    """A command that takes effect when it is handled (a time of its own, if any, it checks itself)."""

    WHEN: ClassVar[str | None] = None


class AddCustomer(Command):
    COMMAND: ClassVar[str] = "customer add"

    customer: Slug
    name: Name
    account_manager: Name
    account_manager_email: Email | None = None


class ChangeCustomer(Command):
    """New details from ``at`` on (required: a change is dated); fields left None stay as they are."""

    COMMAND: ClassVar[str] = "customer change"

    customer: Slug
    name: Name | None = None
    account_manager: Name | None = None
    account_manager_email: Email | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.at is None:
            raise InvalidInputError("from", "a change needs the date it takes effect (--from DATE)")
        if self.name is None and self.account_manager is None and self.account_manager_email is None:
            raise InvalidInputError("customer", "give --name, --account-manager or --account-manager-email")
        return self


class BuyCard(Command):
    """Buy a strippenkaart (one-off amount); a second purchase adds a new block to the same card."""

    COMMAND: ClassVar[str] = "card buy"

    customer: Slug
    amount: Amount
    currency: Currency = DEFAULT_CURRENCY
    reference: Reference
    expires_at: Instant | None = None


class TopUpCard(Command):
    COMMAND: ClassVar[str] = "card top-up"

    customer: Slug
    amount: Amount
    reference: Reference
    expires_at: Instant | None = None


class SetMonthlyPlan(UndatedCommand):
    """Buy a monthly amount: a credit on ``day`` of every month from ``start`` until ``until``.

    ``start`` and ``until`` are dates (a time is taken as its Amsterdam date); without a start, the
    plan starts today; without a day, on the day of the start.
    """

    COMMAND: ClassVar[str] = "card buy"

    customer: Slug
    amount: Amount
    day: DayOfMonth | None = None
    start: Instant | None = None
    until: Instant | None = None
    currency: Currency = DEFAULT_CURRENCY


class ChangeMonthlyPlan(UndatedCommand):
    COMMAND: ClassVar[str] = "card change"

    customer: Slug
    amount: Amount
    start: Instant


class StopMonthlyPlan(UndatedCommand):
    COMMAND: ClassVar[str] = "card stop"

    customer: Slug
    start: Instant


class Tick(UndatedCommand):
    """Advance the ledger's clock: record every fact that has fallen due up to ``until`` (default now)."""

    COMMAND: ClassVar[str] = "tick"

    until: Instant | None = None


class LogWork(Command):
    """Hours on a ticket. ``entry`` is the time entry's own id and idempotency key (per customer);
    without it the ticket is the key (one entry per ticket). ``engineer`` did the work; ``actor``
    recorded it. ``kind`` has no default: support forgotten as such must not reach the card."""

    COMMAND: ClassVar[str] = "work log"
    AUTHORISED_ON_HELD: ClassVar[bool] = True

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

    def creates(self) -> tuple[UUID, ...]:
        return (WorkEntry.create_id(self.customer, self.ticket, self.entry),)

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

    COMMAND: ClassVar[str] = "work reverse"

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


class DatedChange(Command):
    """A change of terms from ``effective_from`` on, which may lie in the past or the future."""

    WHEN: ClassVar[str | None] = "effective_from"
    FUTURE_ALLOWED: ClassVar[bool] = True


class ContractCommand(DatedChange):
    """A dated change of a servicedesk contract; ``effective_from`` may lie in the past or future."""

    customer: Slug
    effective_from: Instant


class StartContract(ContractCommand):
    COMMAND: ClassVar[str] = "contract start"

    tier: Tier


class ChangeContract(ContractCommand):
    COMMAND: ClassVar[str] = "contract change"

    tier: Tier


class EndContract(ContractCommand):
    COMMAND: ClassVar[str] = "contract end"


class AddPack(DatedChange):
    COMMAND: ClassVar[str] = "pack add"

    customer: Slug
    pack: Label
    components: tuple[Label, ...]
    effective_from: Instant


class RemovePack(DatedChange):
    COMMAND: ClassVar[str] = "pack remove"

    customer: Slug
    pack: Label
    effective_from: Instant


class SetRate(DatedChange):
    """A rate on the customer's rate card; without ``role`` it is the general rate."""

    COMMAND: ClassVar[str] = "rate set"

    customer: Slug
    rate: Rate
    role: Label | None = None
    effective_from: Instant


class SetRounding(DatedChange):
    """The billing increment and minimum, in minutes (0 and 0: no rounding)."""

    COMMAND: ClassVar[str] = "rate rounding"

    customer: Slug
    increment_minutes: Minutes
    minimum_minutes: Minutes = 0
    effective_from: Instant


class OnsiteCommand(Command):
    """A fact about a customer's on-site engagement; ``at`` may not lie in the future."""

    customer: Slug


class KickOff(OnsiteCommand):
    COMMAND: ClassVar[str] = "onsite kickoff"

    focus_areas: tuple[Label, ...]
    visits: VisitCadence
    evaluation: EvaluationCadence


class AssignConsultant(OnsiteCommand):
    COMMAND: ClassVar[str] = "onsite assign"

    consultant: Name


class ReleaseConsultant(OnsiteCommand):
    COMMAND: ClassVar[str] = "onsite release"

    consultant: Name


class LogVisit(OnsiteCommand):
    COMMAND: ClassVar[str] = "onsite visit"

    consultant: Name
    hours: Hours
    focus: Label
    reference: Reference


class Evaluate(OnsiteCommand):
    COMMAND: ClassVar[str] = "onsite evaluate"

    outcome: EvaluationOutcome
    focus_areas: tuple[Label, ...] | None = None
    notes: OptionalText = ""


class EndEngagement(OnsiteCommand):
    COMMAND: ClassVar[str] = "onsite end"


class AdminCommand(Command):
    """A change to one admin account of a customer; tasks are resolved against the catalogue later."""

    customer: Slug
    account: AccountName


class RequestAdminAccess(AdminCommand):
    COMMAND: ClassVar[str] = "admin request"

    tasks: tuple[str, ...]
    reason: RequiredText
    holder: Actor | None = None


class GrantAdminAccess(AdminCommand):
    COMMAND: ClassVar[str] = "admin grant"
    WHEN: ClassVar[str | None] = "valid_from"
    FUTURE_ALLOWED: ClassVar[bool] = True

    tasks: tuple[str, ...]
    valid_from: Instant | None = None
    valid_until: Instant | None = None
    rfc: Reference


class ChangeAdminScope(AdminCommand, DatedChange):
    COMMAND: ClassVar[str] = "admin scope"

    tasks: tuple[str, ...]
    effective_from: Instant | None = None
    reason: RequiredText
    rfc: Reference | None = None


class AdminStanding(AdminCommand, DatedChange):
    """Suspend, resume or revoke an account from ``effective_from`` (default now) on."""

    COMMAND: ClassVar[str] = "admin suspend"

    effective_from: Instant | None = None
    reason: RequiredText


class SuspendAdminAccount(AdminStanding):
    COMMAND: ClassVar[str] = "admin suspend"


class ResumeAdminAccount(AdminStanding):
    COMMAND: ClassVar[str] = "admin resume"


class RevokeAdminAccount(AdminStanding):
    COMMAND: ClassVar[str] = "admin revoke"


class WithdrawAdminRequest(AdminStanding):
    """Withdraw the account's open request unanswered (``effective_from`` is when)."""

    COMMAND: ClassVar[str] = "admin withdraw"


class SetAlertThreshold(Command):
    """The customer's nearly-used threshold: a percentage of the balance after the latest credit,
    or an amount; exactly one."""

    COMMAND: ClassVar[str] = "customer threshold"

    customer: Slug
    percent: Percent | None = None
    amount: Amount | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.percent is None) == (self.amount is None):
            raise InvalidInputError("threshold", "give a percentage or an amount, exactly one of them")
        return self


class AcknowledgeAlert(Command):
    COMMAND: ClassVar[str] = "alerts acknowledge"

    alert_id: Reference


class IssueStatement(UndatedCommand):
    """Issue the customer's statement for a closed month (``YYYY-MM``, Europe/Amsterdam)."""

    COMMAND: ClassVar[str] = "statement issue"

    customer: Slug
    month: Month
    closed_at: Instant | None = None
    """When it closes (default now); the clock's run closes at its ``until``."""


class IssueDueStatements(UndatedCommand):
    """Issue every statement due by ``until`` (default now), month by month."""

    COMMAND: ClassVar[str] = "statement issue"

    until: Instant | None = None


class CloseStatements(UndatedCommand):
    """Close an ended month on purpose: issue its statements for ``customers`` (empty: everyone)."""

    COMMAND: ClassVar[str] = "statement issue"

    month: Month
    customers: tuple[Slug, ...] = ()


class RecordDueFacts(UndatedCommand):
    """The clock's visit of one indexed aggregate: record what has fallen due on it by ``until``."""

    COMMAND: ClassVar[str] = "tick"

    aggregate_id: UUID
    until: Instant


class ExportInvoiceable(UndatedCommand):
    """Export every invoiceable line effective before ``until`` that no export held yet."""

    COMMAND: ClassVar[str] = "invoiceable export"

    until: Instant


class Seal(UndatedCommand):
    """Hash every record since the last seal into the seal chain (signed with ``key`` if given)."""

    COMMAND: ClassVar[str] = "audit seal"

    key: bytes | None = None


class SetSetting(UndatedCommand):
    """``key`` takes ``value`` from ``effective_from`` on; key and value are checked by the handler
    against the settings' own grammar (:mod:`ledger.domain.settings`)."""

    COMMAND: ClassVar[str] = "settings set"

    key: Any
    value: Any
    effective_from: Instant

    def role_command(self) -> str:
        spec = spec_of(self.key)
        return "settings set identity" if spec.key == IDENTITY else self.COMMAND


class AddPerson(UndatedCommand):
    """Register a person; the details are checked by :func:`ledger.commands.people.details_of`."""

    COMMAND: ClassVar[str] = "person add"

    person: Any
    details: dict[str, Any]


class ChangePerson(UndatedCommand):
    COMMAND: ClassVar[str] = "person change"

    person: Any
    changes: dict[str, Any]


class DeactivatePerson(UndatedCommand):
    COMMAND: ClassVar[str] = "person deactivate"

    person: Any
    reason: Any


class AddWebhook(UndatedCommand):
    COMMAND: ClassVar[str] = "webhook add"

    url: Any
    secret_env: Any
    kinds: Any = None


class RemoveWebhook(UndatedCommand):
    COMMAND: ClassVar[str] = "webhook remove"

    url: Any
