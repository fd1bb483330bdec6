"""The answer to :class:`~ledger.commands.queries.BalanceOf`: a card's figures now, as plain data,
which :meth:`Ledger.balance` turns into its result model.

Why plain data: ``ledger balance`` answers in a fresh process, which need not load the result
models' machinery (pydantic; benchmarks/README.md, row 7) to print them. ``result()`` is
the typed :class:`~ledger.domain.results.Balance` the library returns, and ``to_json()`` prints
the same JSON as that model (a test compares the two).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger.domain.money import DEFAULT_CURRENCY, format_money

if TYPE_CHECKING:
    from ledger.aggregates.strippenkaart import Strippenkaart
    from ledger.commands.bus import Asked
    from ledger.commands.queries import BalanceOf
    from ledger.commands.unit_of_work import Reader
    from ledger.domain.results import Balance


@dataclass(frozen=True)
class CardFigures:
    """A card's figures, in the fields (and their order) of :class:`~ledger.domain.results.Balance`."""

    customer: str
    currency: str
    credited: Decimal
    debited: Decimal
    balance: Decimal
    expired: Decimal

    def to_json(self) -> dict[str, str]:
        """The JSON of :meth:`result`: amounts as two-decimal strings."""
        data: dict[str, str] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            data[field.name] = format_money(value) if isinstance(value, Decimal) else value
        return data

    def result(self) -> Balance:
        from ledger.domain.results import Balance

        return Balance(**{field.name: getattr(self, field.name) for field in dataclasses.fields(self)})


def card_figures(card: Strippenkaart | None) -> tuple[Decimal, Decimal, Decimal]:
    """Credited, debited and balance of a card; zeros when there is none."""
    if card is None:
        zero = Decimal("0.00")
        return zero, zero, zero
    return card.credited, card.debited, card.balance


def balance(app: Reader, query: BalanceOf, asked: Asked) -> CardFigures:
    """The card's figures now; zeros in the default currency for a customer without a card."""
    customer = query.customer
    app.customer(customer)
    card = app.card(customer)
    credited, debited, remaining = card_figures(card)
    return CardFigures(
        customer=customer,
        currency=card.currency if card is not None else DEFAULT_CURRENCY,
        credited=credited,
        debited=debited,
        balance=remaining,
        expired=card.expired if card is not None else Decimal("0.00"),
    )
