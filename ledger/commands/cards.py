"""Buying a strippenkaart and topping it up: credits, idempotent on their order reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger.aggregates.strippenkaart import MONTHLY_PREFIX, Strippenkaart
from ledger.commands.application import card_figures, retrying
from ledger.commands.clock import effective_time
from ledger.commands.clock_index import newly_indexed
from ledger.commands.results import Balance, CreditResult
from ledger.domain.money import DEFAULT_CURRENCY, format_money
from ledger.errors import CurrencyMismatchError, InvalidInputError, NoCardError, ReferenceConflictError

if TYPE_CHECKING:
    from ledger.commands.application import LedgerApplication
    from ledger.commands.models import BuyCard, TopUpCard

PURCHASE = "purchase"
TOP_UP = "top-up"


def buy_card(app: LedgerApplication, command: BuyCard, now: datetime) -> CreditResult:
    """A one-off purchase: opens the card on first use, adds a block every time."""
    at = effective_time(command.at, now)
    _check_reference(command.reference)
    _check_expiry(command.expires_at, at)

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
        credit = Credit(PURCHASE, command.reference, command.amount, command.expires_at)
        return _credit(app, card, credit, command.actor, at)

    return retrying(attempt)


def top_up(app: LedgerApplication, command: TopUpCard, now: datetime) -> CreditResult:
    """More credit on an existing card, in the card's currency."""
    at = effective_time(command.at, now)
    _check_reference(command.reference)
    _check_expiry(command.expires_at, at)

    def attempt() -> CreditResult:
        app.customer(command.customer)
        card = app.card(command.customer)
        if card is None:
            raise NoCardError(command.customer)
        credit = Credit(TOP_UP, command.reference, command.amount, command.expires_at)
        return _credit(app, card, credit, command.actor, at)

    return retrying(attempt)


@dataclass(frozen=True)
class Credit:
    """What a purchase or top-up asks for; the same reference must always ask for the same."""

    kind: str
    reference: str
    amount: Decimal
    expires_at: datetime | None


def _check_reference(reference: str) -> None:
    """``monthly:YYYY-MM`` names a month's credit; a purchase under it would stand in for that month."""
    if reference.casefold().startswith(MONTHLY_PREFIX):  # "Monthly:" would read the same on a statement
        raise InvalidInputError("reference", f"{MONTHLY_PREFIX!r} is reserved for monthly credits")


def _check_expiry(expires_at: datetime | None, at: datetime) -> None:
    if expires_at is not None and expires_at <= at:
        msg = f"{expires_at.isoformat()} is not after the credit takes effect ({at.isoformat()})"
        raise InvalidInputError("expires_at", msg)


def _credit(
    app: LedgerApplication, card: Strippenkaart, credit: Credit, actor: str, at: datetime
) -> CreditResult:
    existing = card.blocks.get(credit.reference)
    if existing is not None:
        asked = (credit.kind, credit.amount, credit.expires_at)
        if (existing.kind, existing.amount, existing.expires_at) != asked:
            detail = f"a {existing.kind} of {format_money(existing.amount)} {card.currency}"
            if existing.expires_at is not None:
                detail += f" expiring {existing.expires_at.isoformat()}"
            raise ReferenceConflictError("reference", credit.reference, detail)
        return _result(card, credit, duplicate=True)
    needed_before = card.needs_clock
    card.credit(
        reference=credit.reference,
        kind=credit.kind,
        amount=credit.amount,
        actor=actor,
        effective_at=at,
        expires_at=credit.expires_at,
    )
    index = newly_indexed(
        app, card, needed_before=needed_before, needs_now=card.needs_clock, actor=actor, effective_at=at
    )
    app.save(card, *index)
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


def balance(app: LedgerApplication, customer: str) -> Balance:
    """The card's figures now; zeros in the default currency for a customer without a card."""
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
