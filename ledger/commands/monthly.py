"""The monthly amount: agree, change and stop a strippenkaart's monthly credit.

Plan dates are whole days (00:00 Amsterdam). A plan command also records every month already due
at the ledger's clock, so a card bought monthly today shows today's credit without waiting for the
next tick; later months are recorded by the clock (:mod:`ledger.commands.tick`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.commands.application import retrying
from ledger.commands.clock_index import newly_indexed
from ledger.commands.results import MonthlyPlanResult
from ledger.commands.settings import monthly_expiry_reader
from ledger.domain import monthly
from ledger.domain.money import format_money
from ledger.errors import CurrencyMismatchError, InvalidInputError, NoCardError

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.commands.application import LedgerApplication
    from ledger.commands.models import ChangeMonthlyPlan, SetMonthlyPlan, StopMonthlyPlan

PlanDecision = Callable[[Strippenkaart], bool]
"""Applies one plan decision to the card; False when it was recorded before (nothing new)."""


def set_monthly_plan(app: LedgerApplication, command: SetMonthlyPlan, now: datetime) -> MonthlyPlanResult:
    """Buy a monthly amount; opens the card when the customer has none yet."""
    start = monthly.day_start(command.start if command.start is not None else now)
    until = monthly.day_start(command.until) if command.until is not None else None
    if until is not None and until <= start:
        msg = f"{monthly.local_date(until)} is not after the start {monthly.local_date(start)}"
        raise InvalidInputError("until", msg)
    day = command.day if command.day is not None else monthly.local_date(start).day

    def open_card() -> Strippenkaart:
        app.customer(command.customer)
        card = app.card(command.customer)
        if card is None:
            return Strippenkaart(
                customer=command.customer,
                currency=command.currency,
                actor=command.actor,
                effective_at=min(start, now),
            )
        if card.currency != command.currency:
            raise CurrencyMismatchError(command.customer, card.currency, command.currency)
        return card

    def decide(card: Strippenkaart) -> bool:
        return card.set_monthly_plan(command.amount, day, start, until, command.actor)

    return _run(app, "set", open_card, decide, start, command.actor, now)


def change_monthly_plan(
    app: LedgerApplication, command: ChangeMonthlyPlan, now: datetime
) -> MonthlyPlanResult:
    """A new monthly amount from a date on; months before it keep theirs."""
    start = monthly.day_start(command.start)

    def decide(card: Strippenkaart) -> bool:
        return card.change_monthly_plan(command.amount, start, command.actor)

    return _run(app, "change", _existing_card(app, command.customer), decide, start, command.actor, now)


def stop_monthly_plan(app: LedgerApplication, command: StopMonthlyPlan, now: datetime) -> MonthlyPlanResult:
    """No monthly credit from a date on."""
    start = monthly.day_start(command.start)

    def decide(card: Strippenkaart) -> bool:
        return card.stop_monthly_plan(start, command.actor)

    return _run(app, "stop", _existing_card(app, command.customer), decide, start, command.actor, now)


def _existing_card(app: LedgerApplication, customer: str) -> Callable[[], Strippenkaart]:
    def load() -> Strippenkaart:
        app.customer(customer)
        card = app.card(customer)
        if card is None:
            raise NoCardError(customer)
        return card

    return load


def _run(
    app: LedgerApplication,
    action: str,
    load: Callable[[], Strippenkaart],
    decide: PlanDecision,
    start: datetime,
    actor: str,
    now: datetime,
) -> MonthlyPlanResult:
    """Load, decide, credit the months already due, save (with the clock index entry) — retried on races."""

    def attempt() -> MonthlyPlanResult:
        card = load()
        needed_before = card.needs_clock
        changed = decide(card)
        credits = card.record_monthly_credits(now, actor, monthly_expiry_reader(app))
        if changed or credits:
            index = newly_indexed(
                app,
                card,
                needed_before=needed_before,
                needs_now=card.needs_clock,
                actor=actor,
                effective_at=start,
            )
            app.save(card, *index)
        return _result(card, action, start, [b.reference for b in credits], duplicate=not changed)

    return retrying(attempt)


def _result(
    card: Strippenkaart, action: str, start: datetime, credits: list[str], *, duplicate: bool
) -> MonthlyPlanResult:
    terms = [
        {
            "from": term.starts_at,
            "amount": None if term.amount is None else format_money(term.amount),
            "day": term.day,
        }
        for term in card.monthly_terms
    ]
    return MonthlyPlanResult(
        customer=card.customer,
        action=action,
        start=start,
        terms=terms,
        credits_recorded=credits,
        currency=card.currency,
        credited=card.credited,
        debited=card.debited,
        expired=card.expired,
        balance=card.balance,
        duplicate=duplicate,
    )
