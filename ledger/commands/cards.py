"""Buying a strippenkaart and topping it up: credits, idempotent on their order reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.commands.clock_index import newly_indexed
from ledger.commands.results import Balance, CreditResult
from ledger.domain.money import DEFAULT_CURRENCY
from ledger.errors import CurrencyMismatchError, NoCardError

if TYPE_CHECKING:
    from ledger.commands.bus import Asked, Context
    from ledger.commands.models import BuyCard, TopUpCard
    from ledger.commands.queries import BalanceOf
    from ledger.commands.unit_of_work import Reader, UnitOfWork

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


def card_figures(card: Strippenkaart | None) -> tuple[Decimal, Decimal, Decimal]:
    """Credited, debited and balance of a card; zeros when there is none."""
    if card is None:
        zero = Decimal("0.00")
        return zero, zero, zero
    return card.credited, card.debited, card.balance


def balance(app: Reader, query: BalanceOf, asked: Asked) -> Balance:
    """The card's figures now; zeros in the default currency for a customer without a card."""
    customer = query.customer
    app.customer(customer)
    card = app.card(customer)
    credited, debited, remaining = card_figures(card)
    currency = card.currency if card is not None else DEFAULT_CURRENCY
    expired = card.expired if card is not None else Decimal("0.00")
    return Balance(
        customer=customer,
        currency=currency,
        credited=credited,
        debited=debited,
        balance=remaining,
        expired=expired,
    )
