"""Buying a strippenkaart and topping it up: credits, idempotent on their order reference."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.commands.application import card_figures, retrying
from ledger.commands.clock import effective_time
from ledger.commands.results import Balance, CreditResult
from ledger.domain.money import DEFAULT_CURRENCY, format_money
from ledger.errors import CurrencyMismatchError, NoCardError, ReferenceConflictError

if TYPE_CHECKING:
    from datetime import datetime
    from decimal import Decimal

    from ledger.commands.application import LedgerApplication
    from ledger.commands.models import BuyCard, TopUpCard

PURCHASE = "purchase"
TOP_UP = "top-up"


def buy_card(app: LedgerApplication, command: BuyCard, now: datetime) -> CreditResult:
    """A one-off purchase: opens the card on first use, adds a block every time."""
    at = effective_time(command.at, now)

    def attempt() -> CreditResult:
        app.customer(command.customer)
        card = app.card(command.customer)
        if card is None:
            card = Strippenkaart(
                customer=command.customer,
                currency=command.currency,
                actor=command.actor,
                effective_at=at,
            )
        elif card.currency != command.currency:
            raise CurrencyMismatchError(command.customer, card.currency, command.currency)
        return _credit(app, card, PURCHASE, command.reference, command.amount, command.actor, at)

    return retrying(attempt)


def top_up(app: LedgerApplication, command: TopUpCard, now: datetime) -> CreditResult:
    """More credit on an existing card, in the card's currency."""
    at = effective_time(command.at, now)

    def attempt() -> CreditResult:
        app.customer(command.customer)
        card = app.card(command.customer)
        if card is None:
            raise NoCardError(command.customer)
        return _credit(app, card, TOP_UP, command.reference, command.amount, command.actor, at)

    return retrying(attempt)


def _credit(
    app: LedgerApplication,
    card: Strippenkaart,
    kind: str,
    reference: str,
    amount: Decimal,
    actor: str,
    at: datetime,
) -> CreditResult:
    existing = card.blocks.get(reference)
    if existing is not None:
        if (existing.kind, existing.amount) != (kind, amount):
            detail = f"a {existing.kind} of {format_money(existing.amount)} {card.currency}"
            raise ReferenceConflictError("reference", reference, detail)
        return _result(card, kind, reference, amount, duplicate=True)
    card.credit(reference=reference, kind=kind, amount=amount, actor=actor, effective_at=at)
    app.save(card)
    return _result(card, kind, reference, amount, duplicate=False)


def _result(
    card: Strippenkaart, kind: str, reference: str, amount: Decimal, *, duplicate: bool
) -> CreditResult:
    credited, debited, balance = card_figures(card)
    return CreditResult(
        customer=card.customer,
        kind=kind,
        reference=reference,
        amount=amount,
        currency=card.currency,
        credited=credited,
        debited=debited,
        balance=balance,
        duplicate=duplicate,
    )


def balance(app: LedgerApplication, customer: str) -> Balance:
    """The card's figures now; zeros in the default currency for a customer without a card."""
    app.customer(customer)
    card = app.card(customer)
    credited, debited, remaining = card_figures(card)
    currency = card.currency if card is not None else DEFAULT_CURRENCY
    return Balance(customer, currency, credited, debited, remaining)
