"""Recording work and reversing it: derive the amount, decide the payer, debit the card once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ledger.aggregates.rate_card import rate_quote, rounding_quote
from ledger.aggregates.work_entry import WorkEntry
from ledger.commands.application import retrying
from ledger.commands.clock import effective_time
from ledger.commands.entitlements import entitlements_at, rate_card_of, work_log_reads
from ledger.commands.results import ReversalResult, WorkResult
from ledger.domain.calendar import WorkingCalendar
from ledger.domain.money import DEFAULT_CURRENCY, format_money, work_cost
from ledger.domain.payer import Entitlements, WorkFacts, resolve_coverage, settle
from ledger.errors import UnknownWorkEntryError

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.aggregates.rate_card import RateCard
    from ledger.aggregates.strippenkaart import Strippenkaart
    from ledger.commands.application import LedgerApplication
    from ledger.commands.models import LogWork, ReverseWork

ZERO = Decimal("0.00")


def log_work(
    app: LedgerApplication, command: LogWork, now: datetime, calendar: WorkingCalendar | None = None
) -> WorkResult:
    """Record work once per ticket; a repeat returns the original figures and writes nothing.

    The work is judged by what was in force at its effective time: the contract's channel, the
    beheerpack covering its component, the rate and rounding on the rate card.
    """
    at = effective_time(command.at, now)
    calendar = calendar if calendar is not None else WorkingCalendar()

    def attempt() -> WorkResult:
        entry_id = WorkEntry.create_id(command.customer, command.ticket)
        with app.prefetched([entry_id, *work_log_reads(command.customer)], creates=[entry_id]):
            existing = app.get_or_none(entry_id, WorkEntry)
            if existing is not None:
                return work_result(existing, duplicate=True)
            card = app.card(command.customer)
            if card is None:  # a card is only ever opened for a registered customer
                app.customer(command.customer)
            entitlements = entitlements_at(app, command.customer, command.component, at, calendar)
            pricing = _price(command, rate_card_of(app, command.customer), at)
            entry = _record(command, entitlements, pricing, card, at)
            # Saved inside the block, so that the card, lent by the block, stays cached.
            if entry.card_paid > ZERO and card is not None:
                app.save(entry, card)
            else:
                app.save(entry)
            return work_result(entry, duplicate=False)

    return retrying(attempt)


@dataclass(frozen=True)
class Pricing:
    """Hours given → rounding → billed hours → rate and its source → amount."""

    billed_hours: Decimal
    rounding: str
    rate: Decimal
    rate_source: str
    amount: Decimal


def _price(command: LogWork, rate_card: RateCard | None, at: datetime) -> Pricing:
    if command.rate is not None:
        rate, rate_source = command.rate, "rate given on the entry (overrides the rate card)"
    else:
        quote = rate_quote(rate_card, at, command.role)
        rate, rate_source = quote.rate, quote.source
    rounding = rounding_quote(rate_card, at)
    billed = rounding.rule.apply(command.hours)
    applied = "none"
    if not rounding.rule.is_none:
        applied = (
            f"{rounding.rule.describe()} ({rounding.source}): "
            f"{format_money(command.hours)} h → {format_money(billed)} h"
        )
    return Pricing(billed, applied, rate, rate_source, work_cost(billed, rate))


def _record(
    command: LogWork,
    entitlements: Entitlements,
    pricing: Pricing,
    card: Strippenkaart | None,
    at: datetime,
) -> WorkEntry:
    coverage = resolve_coverage(WorkFacts(command.kind, command.component, command.focus), entitlements)
    available = None
    if card is not None and coverage is None:
        available = sum((a["amount"] for a in card.allocate(pricing.amount, at)), ZERO)
    decision = settle(pricing.amount, coverage=coverage, card_available=available)
    allocations: list[dict[str, Any]] = []
    if card is not None and decision.card_pays > ZERO:
        allocations = card.debit(command.ticket, decision.card_pays, command.actor, at)
    return WorkEntry(
        customer=command.customer,
        ticket=command.ticket,
        description=command.description,
        kind=command.kind.value,
        component=command.component,
        role=command.role,
        hours=command.hours,
        billed_hours=pricing.billed_hours,
        rounding=pricing.rounding,
        rate=pricing.rate,
        rate_source=pricing.rate_source,
        amount=pricing.amount,
        currency=card.currency if card is not None else DEFAULT_CURRENCY,
        payer=decision.payer.value,
        payer_reason=decision.reason,
        entitlements=_entitlements_json(entitlements, command.focus),
        card_paid=decision.card_pays,
        invoiceable=decision.invoiceable,
        allocations=allocations,
        card_balance_after=card.balance if card is not None else None,
        source=command.source.value,
        actor=command.actor,
        effective_at=at,
    )


def _entitlements_json(entitlements: Entitlements, focus: str | None) -> dict[str, Any]:
    """What was in force at the work's moment, as recorded on the entry (with the on-site focus
    area the work named, so an on-site payer can be explained from the entry alone)."""
    contract = entitlements.contract
    onsite = entitlements.onsite
    return {
        "contract_tier": None if contract.tier is None else contract.tier.value,
        "channel": contract.channel.value,
        "channel_reason": contract.reason,
        "beheerpack": entitlements.beheerpack,
        "focus": focus,
        "onsite_focus_areas": None if onsite is None else list(onsite.focus_areas),
    }


def reverse_work(app: LedgerApplication, command: ReverseWork, now: datetime) -> ReversalResult:
    """Undo a work entry: the card gets back exactly what it paid; reversing twice does nothing."""
    at = effective_time(command.at, now)

    def attempt() -> ReversalResult:
        app.customer(command.customer)
        entry_id = WorkEntry.create_id(command.customer, command.ticket)
        entry = app.get_or_none(entry_id, WorkEntry)
        if entry is None:
            raise UnknownWorkEntryError(command.customer, command.ticket)
        card = app.card(command.customer)
        if not entry.reverse(command.reason, command.actor, at):
            return _reversal_result(entry, card, duplicate=True)
        if entry.card_paid > ZERO and card is not None:
            card.reverse_debit(entry.ticket, entry.allocations, command.reason, command.actor, at)
            app.save(entry, card)
        else:
            app.save(entry)
        return _reversal_result(entry, card, duplicate=False)

    return retrying(attempt)


def _reversal_result(entry: WorkEntry, card: Strippenkaart | None, *, duplicate: bool) -> ReversalResult:
    return ReversalResult(
        customer=entry.customer,
        ticket=entry.ticket,
        restored=entry.card_paid,
        invoiceable_voided=entry.invoiceable,
        balance=card.balance if card is not None else ZERO,
        reason=entry.reversal_reason or "",
        duplicate=duplicate,
    )


def derivation(entry: WorkEntry) -> dict[str, Any]:
    """How the amount came about, step by step, from the entry alone."""
    currency = entry.currency
    formula = (
        f"{format_money(entry.billed_hours)} h × {format_money(entry.rate)} "
        f"{currency}/h = {format_money(entry.amount)} {currency}"
    )
    return {
        "hours_given": entry.hours,
        "rounding": entry.rounding,
        "hours_billed": entry.billed_hours,
        "role": entry.role,
        "rate": entry.rate,
        "rate_source": entry.rate_source,
        "amount": entry.amount,
        "formula": formula,
        "entitlements": entry.entitlements,
        "payer": entry.payer,
        "reason": entry.payer_reason,
        "card_paid": entry.card_paid,
        "invoiceable": entry.invoiceable,
        "blocks": [{"reference": a["reference"], "amount": a["amount"]} for a in entry.allocations],
        "steps": [
            f"hours given: {format_money(entry.hours)} h",
            f"rounding: {entry.rounding}",
            f"hours billed: {format_money(entry.billed_hours)} h",
            f"rate: {format_money(entry.rate)} {currency}/h from {entry.rate_source}",
            f"amount: {formula}",
            f"payer: {entry.payer}, because {entry.payer_reason}",
            f"card paid {format_money(entry.card_paid)} {currency}, "
            f"invoiceable {format_money(entry.invoiceable)} {currency}",
        ],
    }


def work_result(entry: WorkEntry, *, duplicate: bool) -> WorkResult:
    """The entry's figures as recorded (for a repeat too: the original, not a recomputation)."""
    return WorkResult(
        customer=entry.customer,
        ticket=entry.ticket,
        at=entry.effective_at,
        kind=entry.kind,
        component=entry.component,
        description=entry.description,
        hours=entry.hours,
        rate=entry.rate,
        amount=entry.amount,
        currency=entry.currency,
        payer=entry.payer,
        reason=entry.payer_reason,
        debited=entry.card_paid,
        invoiceable=entry.invoiceable,
        balance=entry.card_balance_after if entry.card_balance_after is not None else ZERO,
        derivation=derivation(entry),
        duplicate=duplicate,
        reversed=entry.reversed,
    )
