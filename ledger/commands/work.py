"""Recording work and reversing it: derive the amount, decide the payer, debit the card once."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ledger.aggregates.work_entry import WorkEntry
from ledger.commands.application import retrying
from ledger.commands.clock import effective_time
from ledger.commands.results import ReversalResult, WorkResult
from ledger.domain.money import DEFAULT_CURRENCY, DEFAULT_RATE, cost, format_money
from ledger.domain.payer import settle
from ledger.errors import UnknownWorkEntryError

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.aggregates.strippenkaart import Strippenkaart
    from ledger.commands.application import LedgerApplication
    from ledger.commands.models import LogWork, ReverseWork

ZERO = Decimal("0.00")


def log_work(app: LedgerApplication, command: LogWork, now: datetime) -> WorkResult:
    """Record work once per ticket; a repeat returns the original figures and writes nothing."""
    at = effective_time(command.at, now)

    def attempt() -> WorkResult:
        app.customer(command.customer)
        entry_id = WorkEntry.create_id(command.customer, command.ticket)
        existing = app.get_or_none(entry_id, WorkEntry)
        if existing is not None:
            return work_result(existing, duplicate=True)
        card = app.card(command.customer)
        entry = _record(command, card, at)
        if entry.card_paid > ZERO and card is not None:
            app.save(entry, card)
        else:
            app.save(entry)
        return work_result(entry, duplicate=False)

    return retrying(attempt)


def _record(command: LogWork, card: Strippenkaart | None, at: datetime) -> WorkEntry:
    if command.rate is not None:
        rate, rate_source = command.rate, "rate given on the entry"
    else:
        rate, rate_source = DEFAULT_RATE, "default rate"
    amount = cost(command.hours, rate)
    available = None
    if card is not None:
        available = sum((a["amount"] for a in card.allocate(amount, at)), ZERO)
    decision = settle(amount, coverage=None, card_available=available)
    allocations: list[dict[str, Any]] = []
    if card is not None and decision.card_pays > ZERO:
        allocations = card.debit(command.ticket, decision.card_pays, command.actor, at)
    return WorkEntry(
        customer=command.customer,
        ticket=command.ticket,
        description=command.description,
        kind=command.kind.value,
        component=command.component,
        hours=command.hours,
        billed_hours=command.hours,
        rounding="none",
        rate=rate,
        rate_source=rate_source,
        amount=amount,
        currency=card.currency if card is not None else DEFAULT_CURRENCY,
        payer=decision.payer.value,
        payer_reason=decision.reason,
        card_paid=decision.card_pays,
        invoiceable=decision.invoiceable,
        allocations=allocations,
        card_balance_after=card.balance if card is not None else None,
        source=command.source.value,
        actor=command.actor,
        effective_at=at,
    )


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
    return {
        "hours_given": entry.hours,
        "rounding": entry.rounding,
        "hours_billed": entry.billed_hours,
        "rate": entry.rate,
        "rate_source": entry.rate_source,
        "amount": entry.amount,
        "formula": (
            f"{format_money(entry.billed_hours)} h × {format_money(entry.rate)} "
            f"{entry.currency}/h = {format_money(entry.amount)} {entry.currency}"
        ),
        "payer": entry.payer,
        "reason": entry.payer_reason,
        "card_paid": entry.card_paid,
        "invoiceable": entry.invoiceable,
        "blocks": [{"reference": a["reference"], "amount": a["amount"]} for a in entry.allocations],
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
