"""Buying a strippenkaart and topping it up: credits, idempotent on their order reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.commands.card_balance import card_figures
from ledger.commands.clock_index import newly_indexed
from ledger.commands.results import CreditResult
from ledger.errors import CurrencyMismatchError, NoCardError

if TYPE_CHECKING:
    from ledger.commands.bus import Context
    from ledger.commands.models import BuyCard, TopUpCard
    from ledger.commands.unit_of_work import UnitOfWork

PURCHASE = "purchase"
TOP_UP = "top-up"


def buy_card(uow: UnitOfWork, command: BuyCard, context: Context) -> CreditResult:
    """A one-off purchase: opens the card on first use, adds a block every time."""
    Strippenkaart.check_credit_terms(command.reference, command.expires_at, context.at)
    card = open_card(uow, command.customer, command.currency, context.actor, context.at)
    credit = Credit(PURCHASE, command.reference, command.amount, command.expires_at)
    return _credit(uow, card, credit, context.actor, context.at)


def open_card(
    uow: UnitOfWork, customer: str, currency: str, actor: str, opened_at: datetime
) -> Strippenkaart:
    """The registered customer's card in ``currency``, opened on first use; another currency is
    refused (one currency per card)."""
    uow.customer(customer)
    card = uow.card(customer)
    if card is None:
        return Strippenkaart(customer=customer, currency=currency, actor=actor, effective_at=opened_at)
    if card.currency != currency:
        raise CurrencyMismatchError(customer, card.currency, currency)
    return card


def top_up(uow: UnitOfWork, command: TopUpCard, context: Context) -> CreditResult:
    """More credit on an existing card, in the card's currency."""
    Strippenkaart.check_credit_terms(command.reference, command.expires_at, context.at)
    uow.customer(command.customer)
    card = uow.card(command.customer)
    if card is None:
        raise NoCardError(command.customer)
    credit = Credit(TOP_UP, command.reference, command.amount, command.expires_at)
    return _credit(uow, card, credit, context.actor, context.at)


@dataclass(frozen=True)
class Credit:
    """What a purchase or top-up asks for; the same reference must always ask for the same."""

    kind: str
    reference: str
    amount: Decimal
    expires_at: datetime | None


def _credit(uow: UnitOfWork, card: Strippenkaart, credit: Credit, actor: str, at: datetime) -> CreditResult:
    needed_before = card.needs_clock
    recorded = card.add_credit(credit.reference, credit.kind, credit.amount, actor, at, credit.expires_at)
    if not recorded:
        return _result(card, credit, duplicate=True)
    index = newly_indexed(
        uow, card, needed_before=needed_before, needs_now=card.needs_clock, actor=actor, effective_at=at
    )
    uow.save(card, *index)
    return _result(card, credit, duplicate=False)


def _result(card: Strippenkaart, credit: Credit, *, duplicate: bool) -> CreditResult:
    credited, debited, balance = card_figures(card)
    return CreditResult(
        customer=card.customer,
        kind=credit.kind,
        reference=credit.reference,
        amount=credit.amount,
        currency=card.currency,
        credited=credited,
        debited=debited,
        balance=balance,
        duplicate=duplicate,
        expires_at=credit.expires_at,
        expired=card.expired,
    )
