"""Recording work and reversing it: derive the amount, decide the payer, debit the card once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ledger.aggregates.rate_card import rate_quote, rounding_quote
from ledger.aggregates.settings import DatedSettings
from ledger.aggregates.strippenkaart import booked_at
from ledger.aggregates.ticket import Ticket
from ledger.aggregates.work_entry import RATE_GIVEN, WorkEntry
from ledger.commands.entitlements import entitlements_at, rate_card_of, work_log_reads
from ledger.commands.identity import check_on_behalf
from ledger.commands.results import Outcome, ReversalResult, WorkResult
from ledger.commands.settings import book as settings_book
from ledger.commands.settings import calendar_at, expiry_grace, in_force
from ledger.domain.money import DEFAULT_CURRENCY, format_money, work_cost
from ledger.domain.payer import Entitlements, WorkFacts, resolve_coverage, settle
from ledger.domain.settings import LATE_WORK_POLICY, LATER_CREDIT
from ledger.errors import InvalidInputError, UnknownWorkEntryError

if TYPE_CHECKING:
    from ledger.aggregates.rate_card import RateCard
    from ledger.aggregates.strippenkaart import Strippenkaart
    from ledger.commands.bus import Asked, Context
    from ledger.commands.models import LogWork, ReverseWork
    from ledger.commands.queries import TicketEntriesOf, WorkEntryOf
    from ledger.commands.unit_of_work import Reader, UnitOfWork

ZERO = Decimal("0.00")


def log_work(uow: UnitOfWork, command: LogWork, context: Context) -> WorkResult | Outcome:
    """Record one time entry; a repeat of its key returns the original figures and writes nothing,
    a repeat with other figures is refused (ReferenceConflictError naming what differs).

    The work is judged by what was in force at its effective time: the contract's channel, the
    beheerpack covering its component, the rate and rounding on the rate card. The card pays in the
    one money timeline (see :mod:`ledger.aggregates.strippenkaart`).
    """
    check_on_behalf(uow, context.acting, command.engineer)
    at = context.at
    key = command.entry if command.entry is not None else command.ticket
    entry_id = WorkEntry.create_id(command.customer, command.ticket, command.entry)
    reads = [entry_id, *work_log_reads(command.customer), DatedSettings.create_id()]
    with uow.prefetched(reads, creates=[entry_id]):
        existing = uow.get_or_none(entry_id, WorkEntry)
        if existing is not None:
            existing.check_repeat(_figures(command), "entry" if command.entry is not None else "ticket", key)
            return Outcome(duplicate=True) if context.outcome_only else work_result(existing, duplicate=True)
        card = uow.card(command.customer)
        if card is None:  # a card is only ever opened for a registered customer
            uow.customer(command.customer)
        settings = settings_book(uow)  # read once: the calendar and the late-work policy
        working_days = calendar_at(settings, context.services.calendar, at)
        entitlements = entitlements_at(uow, command.customer, command.component, at, working_days)
        pricing = _price(command, rate_card_of(uow, command.customer), at)
        policy = in_force(settings, LATE_WORK_POLICY, at)
        recorded_at = context.now if policy == LATER_CREDIT else None
        entry = _record(command, key, entitlements, pricing, card, context.actor, at, recorded_at)
        saved: list[Any] = [entry]
        if entry.card_paid > ZERO and card is not None:
            saved.append(card)
        if key != command.ticket:
            saved.append(_indexed(uow, command, key, context.actor, at))
        # Saved inside the block, so that the card, lent by the block, stays cached.
        uow.save(*saved)
        return Outcome(duplicate=False) if context.outcome_only else work_result(entry, duplicate=False)


def _indexed(uow: UnitOfWork, command: LogWork, entry: str, actor: str, at: datetime) -> Ticket:
    """The ticket's index of entries, with this one added."""
    ticket_id = Ticket.create_id(command.customer, command.ticket)
    index = uow.get_or_none(ticket_id, Ticket) or Ticket(command.customer, command.ticket, actor, at)
    index.add(entry, actor, at)
    return index


def _figures(command: LogWork) -> dict[str, object]:
    """What a repeat of the entry's key states: only these can differ from what was recorded."""
    figures: dict[str, object] = {
        "ticket": command.ticket,
        "hours": command.hours,
        "rate": command.rate,
        "kind": command.work_kind.value,
        "component": command.component,
        "role": command.role,
        "focus": command.focus,
    }
    if command.at is not None:
        figures["at"] = command.at
    if command.engineer is not None:
        figures["engineer"] = command.engineer
    return figures


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
        rate, rate_source = command.rate, RATE_GIVEN
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
    key: str,
    entitlements: Entitlements,
    pricing: Pricing,
    card: Strippenkaart | None,
    actor: str,
    at: datetime,
    recorded_at: datetime | None,
) -> WorkEntry:
    """Decide the payer and, when the card pays, debit it in the money timeline.

    ``recorded_at`` (the ``later-credit`` policy) lets credit in force now pay what the credit of
    the work's own time no longer can; None (``strict``) invoices that rest.
    """
    coverage = resolve_coverage(WorkFacts(command.work_kind, command.component, command.focus), entitlements)
    payment = None
    if card is not None and coverage is None:
        payment = card.pay_for_work(command.ticket, key, pricing.amount, actor, at, recorded_at)
    available = None if payment is None else payment.paid
    decision = settle(pricing.amount, coverage=coverage, card_available=available)
    reason = decision.reason if payment is None else payment.reason
    planned = [] if payment is None else payment.allocations
    return WorkEntry(
        customer=command.customer,
        ticket=command.ticket,
        entry=key,
        engineer=command.engineer,
        description=command.description,
        kind=command.work_kind.value,
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
        payer_reason=reason,
        entitlements=_entitlements_json(entitlements, command.focus),
        card_paid=decision.card_pays,
        invoiceable=decision.invoiceable,
        allocations=planned,
        card_balance_after=card.balance if card is not None else None,
        source=command.source.value,
        actor=actor,
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


def find_entry(app: Reader, customer: str, ticket: str | None, entry: str | None) -> WorkEntry:
    """The entry named by its own key, or by its ticket (refused when the ticket has several)."""
    app.customer(customer)
    if entry is not None:
        found = app.get_or_none(WorkEntry.create_id(customer, ticket or "", entry), WorkEntry)
        if found is None and ticket is None:  # an entry keyed by its ticket, named by that key
            found = app.get_or_none(WorkEntry.create_id(customer, entry), WorkEntry)
        if found is None or (ticket is not None and found.ticket != ticket):
            raise UnknownWorkEntryError(customer, entry)
        return found
    assert ticket is not None
    entries = ticket_entries(app, customer, ticket)
    if not entries:
        raise UnknownWorkEntryError(customer, ticket)
    if len(entries) > 1:
        keys = ", ".join(e.entry for e in entries[:10])
        msg = f"ticket {ticket!r} has {len(entries)} entries ({keys}); name one with --entry"
        raise InvalidInputError("entry", msg)
    return entries[0]


def work_entry(app: Reader, query: WorkEntryOf, asked: Asked) -> WorkResult:
    return work_result(find_entry(app, query.customer, query.ticket, query.entry), duplicate=False)


def entries_on_ticket(app: Reader, query: TicketEntriesOf, asked: Asked) -> list[WorkResult]:
    app.customer(query.customer)
    entries = ticket_entries(app, query.customer, query.ticket)
    return [work_result(entry, duplicate=False) for entry in entries]


def ticket_entries(app: Reader, customer: str, ticket: str) -> list[WorkEntry]:
    """Every time entry on a ticket: the one keyed by the ticket, then those with their own ids."""
    found: list[WorkEntry] = []
    keyed_by_ticket = app.get_or_none(WorkEntry.create_id(customer, ticket), WorkEntry)
    if keyed_by_ticket is not None:
        found.append(keyed_by_ticket)
    index = app.get_or_none(Ticket.create_id(customer, ticket), Ticket)
    for key in index.entries if index is not None else []:  # entries with their own ids
        entry = app.get_or_none(WorkEntry.create_id(customer, ticket, key), WorkEntry)
        if entry is not None:
            found.append(entry)
    return found


def reverse_work(uow: UnitOfWork, command: ReverseWork, context: Context) -> ReversalResult:
    """Undo a work entry at its own time: the card gets back exactly what it paid, where and when
    it paid it; credit given back to a block that has since expired is written off again."""
    entry = find_entry(uow, command.customer, command.ticket, command.entry)
    card = uow.card(command.customer)
    if not entry.reverse(command.reason, command.note, context.actor, context.at):
        return _reversal_result(entry, card, ZERO, duplicate=True)
    if entry.card_paid == ZERO or card is None:
        uow.save(entry)
        return _reversal_result(entry, card, ZERO, duplicate=False)
    expired_before = card.expired
    card.reverse_debit(
        entry.ticket,
        entry.entry,
        entry.allocations,
        entry.effective_at,
        command.reason,
        command.note,
        context.actor,
        context.at,
    )
    grace = expiry_grace(uow, context.now)
    card.write_off_expired(
        context.now, grace, context.actor, only={a["reference"] for a in entry.allocations}
    )
    uow.save(entry, card)
    return _reversal_result(entry, card, card.expired - expired_before, duplicate=False)


def _reversal_result(
    entry: WorkEntry, card: Strippenkaart | None, written_off: Decimal, *, duplicate: bool
) -> ReversalResult:
    return ReversalResult(
        customer=entry.customer,
        ticket=entry.ticket,
        restored=entry.card_paid,
        invoiceable_voided=entry.invoiceable,
        balance=card.balance if card is not None else ZERO,
        reason=entry.reversal_reason or "",
        duplicate=duplicate,
        entry=entry.entry,
        note=entry.reversal_note,
        effective_at=entry.effective_at,
        written_off=written_off,
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
        "blocks": [
            {
                "reference": a["reference"],
                "amount": a["amount"],
                "booked_at": booked_at(a, entry.effective_at),
            }
            for a in entry.allocations
        ],
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
        entry=entry.entry,
        engineer=entry.engineer,
    )
