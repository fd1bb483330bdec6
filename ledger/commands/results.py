"""Typed answers of the commands and queries; ``to_json`` is the stable form scripts read.

Amounts are ``Decimal``; in JSON they are strings with two decimals (``"500.00"``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ledger.domain.money import format_money


def _jsonable(value: object) -> Any:
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


class JsonResult:
    """Mixin: a dataclass result rendered as a JSON-ready dict in field order."""

    def to_json(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class CustomerResult(JsonResult):
    customer: str
    name: str
    account_manager: str
    duplicate: bool


@dataclass(frozen=True)
class Balance(JsonResult):
    customer: str
    currency: str
    credited: Decimal
    debited: Decimal
    balance: Decimal
    expired: Decimal = Decimal("0.00")
    """Written off after expiry; balance = credited − debited − expired."""


@dataclass(frozen=True)
class CreditResult(JsonResult):
    """A purchase or top-up, and the card's figures right after it."""

    customer: str
    kind: str
    reference: str
    amount: Decimal
    currency: str
    credited: Decimal
    debited: Decimal
    balance: Decimal
    duplicate: bool
    expires_at: datetime | None = None
    expired: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class WorkResult(JsonResult):
    """A recorded work entry: the figures as recorded, and whether this call was a repeat."""

    customer: str
    ticket: str
    at: datetime
    kind: str
    component: str | None
    description: str
    hours: Decimal
    rate: Decimal
    amount: Decimal
    currency: str
    payer: str
    reason: str
    debited: Decimal
    invoiceable: Decimal
    balance: Decimal
    derivation: dict[str, Any]
    duplicate: bool
    reversed: bool
    entry: str = ""
    engineer: str | None = None


@dataclass(frozen=True)
class ReversalResult(JsonResult):
    customer: str
    ticket: str
    restored: Decimal
    invoiceable_voided: Decimal
    balance: Decimal
    reason: str
    duplicate: bool
    entry: str = ""
    note: str | None = None
    effective_at: datetime | None = None
    written_off: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class EntitlementResult(JsonResult):
    """What a customer is entitled to at a moment: the support channel, the tier, and why."""

    customer: str
    at: datetime
    channel: str
    tier: str | None
    reason: str
    beheerpacks: dict[str, list[str]]
    onsite_focus_areas: list[str] | None = None
    """The focus areas of the on-site engagement in force then; None without one."""


@dataclass(frozen=True)
class ContractChangeResult(JsonResult):
    """A recorded contract change, and the tier in force right from its moment on."""

    customer: str
    change: str
    tier: str | None
    effective_at: datetime
    recorded_at: datetime
    backdated: bool
    duplicate: bool


@dataclass(frozen=True)
class MonthlyPlanResult(JsonResult):
    """A monthly plan as agreed, and the card's figures after the months already due were credited."""

    customer: str
    action: str
    start: datetime
    terms: list[dict[str, Any]]
    credits_recorded: list[str]
    currency: str
    credited: Decimal
    debited: Decimal
    expired: Decimal
    balance: Decimal
    duplicate: bool


@dataclass(frozen=True)
class ContractHistory(JsonResult):
    """The whole contract timeline; ``tier_now`` is the tier in force at the ledger's clock."""

    customer: str
    tier_now: str | None
    changes: list[dict[str, Any]]


@dataclass(frozen=True)
class PackChangeResult(JsonResult):
    customer: str
    change: str
    pack: str
    components: list[str]
    effective_at: datetime
    recorded_at: datetime
    backdated: bool
    duplicate: bool


@dataclass(frozen=True)
class PackList(JsonResult):
    """The packs active at ``at`` (pack → components) and every change ever recorded."""

    customer: str
    at: datetime
    active: dict[str, list[str]]
    history: list[dict[str, Any]]


@dataclass(frozen=True)
class RateCardChangeResult(JsonResult):
    """A recorded rate or rounding change and the card version it made."""

    customer: str
    change: str
    card_version: int
    terms: dict[str, Any]
    effective_at: datetime
    recorded_at: datetime
    duplicate: bool


@dataclass(frozen=True)
class RateCardView(JsonResult):
    """The rates and rounding in force at ``at``, and the card's whole history."""

    customer: str
    at: datetime
    general_rate: Decimal
    general_rate_source: str
    role_rates: dict[str, dict[str, Any]]
    rounding: str
    rounding_source: str
    history: list[dict[str, Any]]


@dataclass(frozen=True)
class TickItem(JsonResult):
    """One fact the clock recorded."""

    kind: str
    customer: str
    reference: str
    amount: Decimal
    effective_at: datetime


@dataclass(frozen=True)
class TickResult(JsonResult):
    """What one tick recorded, counted per kind (every kind the clock knows, zero included)."""

    until: datetime
    actor: str
    visited: int
    recorded: dict[str, int]
    items: tuple[TickItem, ...]
    statements: tuple[str, ...] = ()
    """Numbers of the monthly statements this tick issued (months that had ended)."""

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data["items"] = [item.to_json() for item in self.items]
        return data


@dataclass(frozen=True)
class OnsiteChangeResult(JsonResult):
    """A recorded on-site fact (kick-off, assignment, release, visit, evaluation, end)."""

    customer: str
    change: str
    at: datetime
    details: dict[str, Any]
    next_evaluation_due: str | None
    duplicate: bool


@dataclass(frozen=True)
class OnsiteReport(JsonResult):
    """What an evaluation meeting needs: the engagement now, and the visits since the last evaluation.

    ``status`` is ``in force``, ``ended`` or ``none``; ``since`` is the last evaluation (the kick-off
    before the first); ``visits_expected`` is what the visit cadence promises over that period.
    """

    customer: str
    status: str
    kicked_off: datetime | None
    ended: datetime | None
    visit_cadence: str | None
    evaluation_cadence: str | None
    focus_areas: list[str]
    consultants: list[str]
    last_evaluation: dict[str, Any] | None
    next_evaluation_due: str | None
    evaluation_due_raised: bool
    since: datetime | None
    visits: list[dict[str, Any]]
    visits_expected: int
    hours_by_focus_area: dict[str, Decimal]
    hours_by_consultant: dict[str, Decimal]
    hours_total: Decimal
    evaluations: list[dict[str, Any]]


@dataclass(frozen=True)
class EvaluationDueItem(JsonResult):
    """An open engagement's next evaluation date, whom to tell, and whether the clock raised it."""

    customer: str
    account_manager: str
    due_date: str
    raised: bool


@dataclass(frozen=True)
class EvaluationDueResult(JsonResult):
    """The clock's ``EvaluationDue`` for one engagement; ``duplicate``: raised before, nothing written."""

    customer: str
    account_manager: str
    due_date: str
    duplicate: bool


@dataclass(frozen=True)
class AdminChangeResult(JsonResult):
    """A recorded admin-account change; ``number`` is the request's or grant's number."""

    customer: str
    account: str
    change: str
    number: int | None
    asked: list[str]
    tasks: list[str]
    effective_at: datetime
    valid_until: datetime | None
    request: int | None
    actor: str
    recorded_at: datetime
    duplicate: bool


@dataclass(frozen=True)
class AdminCheckResult(JsonResult):
    """May ``account`` do ``task`` at ``at``: the grant that allows it, or why not."""

    customer: str
    account: str
    task: str
    at: datetime
    allowed: bool
    reason: str
    grant: dict[str, Any] | None


@dataclass(frozen=True)
class AdminAccountList(JsonResult):
    """Every admin account of a customer with its standing at ``at``."""

    customer: str
    at: datetime
    accounts: list[dict[str, Any]]


@dataclass(frozen=True)
class AdminHistory(JsonResult):
    """Every change of the customer's admin accounts (or one), in effective order."""

    customer: str
    account: str | None
    changes: list[dict[str, Any]]


@dataclass(frozen=True)
class AdminWhoResult(JsonResult):
    """Which accounts could do ``task`` at ``at`` (with their grant), and why the others could not."""

    customer: str
    task: str
    at: datetime
    allowed: list[dict[str, Any]]
    denied: list[dict[str, Any]]


@dataclass(frozen=True)
class ThresholdResult(JsonResult):
    """The nearly-used threshold now set for a customer (a percentage or an amount)."""

    customer: str
    percent: Decimal | None
    amount: Decimal | None
    effective_at: datetime
    duplicate: bool


@dataclass(frozen=True)
class AcknowledgementResult(JsonResult):
    """An acknowledged alert; ``duplicate`` when it had been acknowledged before (then by whom)."""

    alert_id: str
    customer: str
    kind: str
    acknowledged_by: str
    acknowledged_at: datetime
    duplicate: bool
