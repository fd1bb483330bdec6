"""The monthly amount: agree, change and stop a strippenkaart's monthly credit.

Plan dates are whole days (00:00 Amsterdam). A plan command also records every month already due
at the ledger's clock, so a card bought monthly today shows today's credit without waiting for the
next tick; later months are recorded by the clock (:mod:`ledger.commands.tick`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.commands.cards import open_card
from ledger.commands.clock_index import newly_indexed
from ledger.commands.results import MonthlyPlanResult
from ledger.commands.settings import monthly_expiry_reader
from ledger.domain import monthly
from ledger.domain.money import format_money
from ledger.errors import InvalidInputError, NoCardError

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.commands.bus import Context
    from ledger.commands.models import ChangeMonthlyPlan, SetMonthlyPlan, StopMonthlyPlan
    from ledger.commands.unit_of_work import UnitOfWork


def set_monthly_plan(uow: UnitOfWork, command: SetMonthlyPlan, context: Context) -> MonthlyPlanResult:
    """Buy a monthly amount; opens the card when the customer has none yet."""
    now = context.now
    start = monthly.day_start(command.start if command.start is not None else now)
    until = monthly.day_start(command.until) if command.until is not None else None
    if until is not None and until <= start:
        msg = f"{monthly.local_date(until)} is not after the start {monthly.local_date(start)}"
        raise InvalidInputError("until", msg)
    day = command.day if command.day is not None else monthly.local_date(start).day
    card = open_card(uow, command.customer, command.currency, context.actor, min(start, now))
    needed_before = card.needs_clock
    changed = card.set_monthly_plan(command.amount, day, start, until, context.actor)
    return _saved(uow, card, "set", start, changed, needed_before, context)


def change_monthly_plan(uow: UnitOfWork, command: ChangeMonthlyPlan, context: Context) -> MonthlyPlanResult:
    """A new monthly amount from a date on; months before it keep theirs."""
    start = monthly.day_start(command.start)
    card = _existing_card(uow, command.customer)
    needed_before = card.needs_clock
    changed = card.change_monthly_plan(command.amount, start, context.actor)
    return _saved(uow, card, "change", start, changed, needed_before, context)


def stop_monthly_plan(uow: UnitOfWork, command: StopMonthlyPlan, context: Context) -> MonthlyPlanResult:
    """No monthly credit from a date on."""
    start = monthly.day_start(command.start)
    card = _existing_card(uow, command.customer)
    needed_before = card.needs_clock
    changed = card.stop_monthly_plan(start, context.actor)
    return _saved(uow, card, "stop", start, changed, needed_before, context)


def _existing_card(uow: UnitOfWork, customer: str) -> Strippenkaart:
    uow.customer(customer)
    card = uow.card(customer)
    if card is None:
        raise NoCardError(customer)
    return card


def _saved(
    uow: UnitOfWork,
    card: Strippenkaart,
    action: str,
    start: datetime,
    changed: bool,
    needed_before: bool,
    context: Context,
) -> MonthlyPlanResult:
    """Credit the months already due and save (with the clock index entry)."""
    credits = card.record_monthly_credits(context.now, context.actor, monthly_expiry_reader(uow))
    if changed or credits:
        index = newly_indexed(
            uow,
            card,
            needed_before=needed_before,
            needs_now=card.needs_clock,
            actor=context.actor,
            effective_at=start,
        )
        uow.save(card, *index)
    return _result(card, action, start, [b.reference for b in credits], duplicate=not changed)


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
