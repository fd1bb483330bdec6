"""Typed answers of the commands and queries; ``to_json()`` is the stable form scripts read.

Every result is a frozen pydantic model (:class:`~ledger.domain.results.Result`): amounts are
``Decimal`` (``Money``), in JSON strings with two decimals (``"500.00"``); moments are ``datetime``
(``Moment``), in JSON ISO 8601 with their offset. Nested data is typed too (a :class:`Record` per
shape: a history row, a grant, a derivation); handlers may build it from a dict, and readers may
still read it like one (``row["change"]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from ledger.domain.results import Balance as Balance
from ledger.domain.results import JsonResult as JsonResult
from ledger.domain.results import Moment, Money, Record, Result

# --- customers ---------------------------------------------------------------------------------


class CustomerResult(Result):
    customer: str
    name: str
    account_manager: str
    duplicate: bool
    account_manager_email: str | None = None
    effective_from: Moment | None = None


class CustomerVersion(Result):
    """One dated version of a customer's details."""

    effective_from: Moment
    name: str
    account_manager: str
    account_manager_email: str | None


class CustomerListing(Result):
    """A customer as in force at a moment, with every dated version."""

    customer: str
    name: str
    account_manager: str
    account_manager_email: str | None
    registered_at: Moment
    versions: tuple[CustomerVersion, ...]


# --- the card ----------------------------------------------------------------------------------


class CreditResult(Result):
    """A purchase or top-up, and the card's figures right after it."""

    customer: str
    kind: str
    reference: str
    amount: Money
    currency: str
    credited: Money
    debited: Money
    balance: Money
    duplicate: bool
    expires_at: Moment | None = None
    expired: Money = Decimal("0.00")


class MonthlyTerm(Record):
    """One term of a monthly plan: from when, how much (None: stopped), on which day."""

    starts_at: Moment = Field(alias="from")
    amount: str | None
    """The amount as printed (two decimals), as the plan has always shown it."""
    day: int | None


class MonthlyPlanResult(Result):
    """A monthly plan as agreed, and the card's figures after the months already due were credited."""

    customer: str
    action: str
    start: Moment
    terms: list[MonthlyTerm]
    credits_recorded: list[str]
    currency: str
    credited: Money
    debited: Money
    expired: Money
    balance: Money
    duplicate: bool


# --- work --------------------------------------------------------------------------------------


class EntitlementsInForce(Record):
    """What was in force at a work entry's moment, as recorded on the entry.

    Entries recorded before a key existed lack it (the oldest have none), and print without it.
    """

    model_config = ConfigDict(extra="allow")

    contract_tier: str | None = None
    channel: str | None = None
    channel_reason: str | None = None
    beheerpack: str | None = None
    focus: str | None = None
    onsite_focus_areas: list[str] | None = None


class PaidBlock(Record):
    """What one credit block paid for an entry, and when that was booked."""

    reference: str
    amount: Money
    booked_at: Moment


class Derivation(Record):
    """How a work entry's amount came about, step by step, from the entry alone."""

    hours_given: Money
    rounding: str
    hours_billed: Money
    role: str | None
    rate: Money
    rate_source: str
    amount: Money
    formula: str
    entitlements: EntitlementsInForce
    payer: str
    reason: str
    card_paid: Money
    invoiceable: Money
    blocks: list[PaidBlock]
    steps: list[str]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a command did, without its figures: for a caller that reads no more (the bulk import,
    see ``Context.outcome_only``), so that no result is built and validated for it."""

    duplicate: bool


class WorkResult(Result):
    """A recorded work entry: the figures as recorded, and whether this call was a repeat."""

    customer: str
    ticket: str
    at: Moment
    kind: str
    component: str | None
    description: str
    hours: Money
    rate: Money
    amount: Money
    currency: str
    payer: str
    reason: str
    debited: Money
    invoiceable: Money
    balance: Money
    derivation: Derivation
    duplicate: bool
    reversed: bool
    entry: str = ""
    engineer: str | None = None


class ReversalResult(Result):
    customer: str
    ticket: str
    restored: Money
    invoiceable_voided: Money
    balance: Money
    reason: str
    duplicate: bool
    entry: str = ""
    note: str | None = None
    effective_at: Moment | None = None
    written_off: Money = Decimal("0.00")


# --- entitlements: contract, packs, rate card --------------------------------------------------


class EntitlementResult(Result):
    """What a customer is entitled to at a moment: the support channel, the tier, and why."""

    customer: str
    at: Moment
    channel: str
    tier: str | None
    reason: str
    beheerpacks: dict[str, list[str]]
    onsite_focus_areas: list[str] | None = None
    """The focus areas of the on-site engagement in force then; None without one."""


class ContractChangeRow(Record):
    """One change of the servicedesk contract, with both its times."""

    change: str
    tier: str | None
    effective_at: Moment
    recorded_at: Moment
    actor: str
    backdated: bool


class ContractChangeResult(Result):
    """A recorded contract change, and the tier in force right from its moment on."""

    customer: str
    change: str
    tier: str | None
    effective_at: Moment
    recorded_at: Moment
    backdated: bool
    duplicate: bool


class ContractHistory(Result):
    """The whole contract timeline; ``tier_now`` is the tier in force at the ledger's clock."""

    customer: str
    tier_now: str | None
    changes: list[ContractChangeRow]


class PackChangeRow(Record):
    """One beheerpack change, with both its times."""

    change: str
    pack: str
    components: list[str]
    effective_at: Moment
    recorded_at: Moment
    actor: str
    backdated: bool


class PackChangeResult(Result):
    customer: str
    change: str
    pack: str
    components: list[str]
    effective_at: Moment
    recorded_at: Moment
    backdated: bool
    duplicate: bool


class PackList(Result):
    """The packs active at ``at`` (pack → components) and every change ever recorded."""

    customer: str
    at: Moment
    active: dict[str, list[str]]
    history: list[PackChangeRow]


class RateTerms(Record):
    """A rate set: for ``role``, or the general rate when None."""

    role: str | None
    rate: Money


class RoundingTerms(Record):
    """A rounding rule set: round billed hours up to the increment, at least the minimum."""

    increment_minutes: int
    minimum_minutes: int


class RateCardChangeResult(Result):
    """A recorded rate or rounding change and the card version it made."""

    customer: str
    change: str
    card_version: int
    terms: RateTerms | RoundingTerms
    effective_at: Moment
    recorded_at: Moment
    duplicate: bool


class RoleRate(Record):
    """A role's rate in force, and where it came from."""

    rate: Money
    source: str


class RateChangeRow(Record):
    """A rate set on the card (its history as recorded)."""

    model_config = ConfigDict(extra="allow")

    change: Literal["rate"]
    effective_at: Moment
    recorded_at: Moment
    actor: str
    role: str | None
    rate: Money
    card_version: int


class RoundingChangeRow(Record):
    """A rounding rule set on the card (its history as recorded)."""

    model_config = ConfigDict(extra="allow")

    change: Literal["rounding"]
    effective_at: Moment
    recorded_at: Moment
    actor: str
    increment_minutes: int
    minimum_minutes: int
    card_version: int


RateCardRow = Annotated[RateChangeRow | RoundingChangeRow, Field(discriminator="change")]


class RateCardView(Result):
    """The rates and rounding in force at ``at``, and the card's whole history."""

    customer: str
    at: Moment
    general_rate: Money
    general_rate_source: str
    role_rates: dict[str, RoleRate]
    rounding: str
    rounding_source: str
    history: list[RateCardRow]


# --- the clock ---------------------------------------------------------------------------------


class TickItem(Result):
    """One fact the clock recorded."""

    kind: str
    customer: str
    reference: str
    amount: Money
    effective_at: Moment


class TickResult(Result):
    """What one tick recorded, counted per kind (every kind the clock knows, zero included)."""

    until: Moment
    actor: str
    visited: int
    recorded: dict[str, int]
    items: tuple[TickItem, ...]
    statements: tuple[str, ...] = ()
    """Numbers of the monthly statements this tick issued (months that had ended)."""


# --- on-site support ---------------------------------------------------------------------------


class KickOffDetails(Record):
    focus_areas: list[str]
    visit_cadence: str | None
    evaluation_cadence: str | None


class ConsultantDetails(Record):
    consultant: str


class VisitDetails(Record):
    reference: str | None
    consultant: str | None
    hours: Money | None
    focus_area: str | None


class EvaluationDetails(Record):
    outcome: str | None
    focus_areas: list[str] | None
    notes: str | None
    due: str | None


class EndDetails(Record):
    reason: str | None


OnsiteDetails = KickOffDetails | ConsultantDetails | VisitDetails | EvaluationDetails | EndDetails
"""What an on-site change recorded; each kind of change has its own keys."""


class OnsiteChangeResult(Result):
    """A recorded on-site fact (kick-off, assignment, release, visit, evaluation, end)."""

    customer: str
    change: str
    at: Moment
    details: OnsiteDetails
    next_evaluation_due: str | None
    duplicate: bool


class OnsiteVisit(Record):
    at: Moment
    consultant: str
    hours: Money
    focus_area: str
    reference: str


class OnsiteEvaluation(Record):
    at: Moment
    due: str | None
    outcome: str
    focus_areas: list[str]
    notes: str | None
    next_due: str | None
    by: str


class OnsiteReport(Result):
    """What an evaluation meeting needs: the engagement now, and the visits since the last evaluation.

    ``status`` is ``in force``, ``ended`` or ``none``; ``since`` is the last evaluation (the kick-off
    before the first); ``visits_expected`` is what the visit cadence promises over that period.
    """

    customer: str
    status: str
    kicked_off: Moment | None
    ended: Moment | None
    visit_cadence: str | None
    evaluation_cadence: str | None
    focus_areas: list[str]
    consultants: list[str]
    last_evaluation: OnsiteEvaluation | None
    next_evaluation_due: str | None
    evaluation_due_raised: bool
    since: Moment | None
    visits: list[OnsiteVisit]
    visits_expected: int
    hours_by_focus_area: dict[str, Money]
    hours_by_consultant: dict[str, Money]
    hours_total: Money
    evaluations: list[OnsiteEvaluation]


class EvaluationDueItem(Result):
    """An open engagement's next evaluation date, whom to tell, and whether the clock raised it."""

    customer: str
    account_manager: str
    due_date: str
    raised: bool


class EvaluationDueResult(Result):
    """The clock's ``EvaluationDue`` for one engagement; ``duplicate``: raised before, nothing written."""

    customer: str
    account_manager: str
    due_date: str
    duplicate: bool


# --- admin accounts ----------------------------------------------------------------------------


class AdminChangeResult(Result):
    """A recorded admin-account change; ``number`` is the request's or grant's number."""

    customer: str
    account: str
    change: str
    number: int | None
    asked: list[str]
    tasks: list[str]
    effective_at: Moment
    valid_until: Moment | None
    request: int | None
    actor: str
    recorded_at: Moment
    duplicate: bool
    rfc: str | None = None
    holder: str | None = None


class AdminRequest(Record):
    """A request for admin tasks, as asked and as resolved against the catalogue."""

    request: int
    requested_by: str
    asked: list[str]
    tasks: list[str]
    justification: str | None
    effective_at: Moment
    recorded_at: Moment


class AdminGrant(Record):
    """A grant (its latest version) and the request it answered."""

    grant: int
    version: int
    tasks: list[str]
    asked: list[str]
    granted_by: str
    decided_by: str
    valid_from: Moment
    valid_until: Moment | None
    recorded_at: Moment
    request: AdminRequest | None
    rfc: str | None


class AdminCheckResult(Result):
    """May ``account`` do ``task`` at ``at``: the grant that allows it, or why not."""

    customer: str
    account: str
    task: str
    at: Moment
    allowed: bool
    reason: str
    grant: AdminGrant | None


class AdminAccountRow(Record):
    """An admin account's standing at a moment, its grant then, and any request still open."""

    account: str
    status: str
    grant: AdminGrant | None
    pending_request: AdminRequest | None


class AdminAccountList(Result):
    """Every admin account of a customer with its standing at ``at``."""

    customer: str
    at: Moment
    accounts: list[AdminAccountRow]


class AdminHistoryRow(Record):
    """One change of an admin account, with the same keys for every kind (None where not applicable)."""

    account: str
    change: str
    effective_at: Moment
    recorded_at: Moment
    actor: str
    backdated: bool
    grant: int | None
    request: int | None
    asked: list[str] | None
    tasks: list[str] | None
    valid_until: Moment | None
    justification: str | None
    reason: str | None
    rfc: str | None
    holder: str | None


class AdminHistory(Result):
    """Every change of the customer's admin accounts (or one), in effective order."""

    customer: str
    account: str | None
    changes: list[AdminHistoryRow]


class AllowedAccount(Record):
    account: str
    grant: AdminGrant


class DeniedAccount(Record):
    account: str
    reason: str


class AdminWhoResult(Result):
    """Which accounts could do ``task`` at ``at`` (with their grant), and why the others could not."""

    customer: str
    task: str
    at: Moment
    allowed: list[AllowedAccount]
    denied: list[DeniedAccount]


# --- alerts ------------------------------------------------------------------------------------


class ThresholdResult(Result):
    """The nearly-used threshold now set for a customer (a percentage or an amount)."""

    customer: str
    percent: Money | None
    amount: Money | None
    effective_at: Moment
    duplicate: bool


class AcknowledgementResult(Result):
    """An acknowledged alert; ``duplicate`` when it had been acknowledged before (then by whom)."""

    alert_id: str
    customer: str
    kind: str
    acknowledged_by: str
    acknowledged_at: Moment
    duplicate: bool
