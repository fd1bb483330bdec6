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


@dataclass(frozen=True)
class ReversalResult(JsonResult):
    customer: str
    ticket: str
    restored: Decimal
    invoiceable_voided: Decimal
    balance: Decimal
    reason: str
    duplicate: bool


@dataclass(frozen=True)
class EntitlementResult(JsonResult):
    """What a customer is entitled to at a moment: the support channel, the tier, and why."""

    customer: str
    at: datetime
    channel: str
    tier: str | None
    reason: str
    beheerpacks: dict[str, list[str]]


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
