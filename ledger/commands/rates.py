"""The rate card: setting rates (general or per role) and the rounding policy, and reading it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.aggregates.rate_card import RATE, ROUNDING, RateCard, rate_quote, rounding_quote
from ledger.commands.entitlements import rate_card_of
from ledger.commands.models import SetRate
from ledger.commands.records import opened
from ledger.commands.results import RateCardChangeResult, RateCardView
from ledger.domain.rounding import RoundingRule

if TYPE_CHECKING:
    from ledger.commands.bus import Asked, Context
    from ledger.commands.models import SetRounding
    from ledger.commands.queries import RateCardAt
    from ledger.commands.unit_of_work import Reader, UnitOfWork


def set_rate(uow: UnitOfWork, command: SetRate, context: Context) -> RateCardChangeResult:
    card = opened(uow, RateCard, command.customer, context)
    recorded = card.set_rate(command.role, command.rate, context.actor, context.at, context.now)
    return _saved(uow, card, recorded, RATE, {"role": command.role, "rate": command.rate}, context)


def set_rounding(uow: UnitOfWork, command: SetRounding, context: Context) -> RateCardChangeResult:
    card = opened(uow, RateCard, command.customer, context)
    rule = RoundingRule(command.increment_minutes, command.minimum_minutes)
    recorded = card.set_rounding(rule, context.actor, context.at, context.now)
    terms = {"increment_minutes": rule.increment_minutes, "minimum_minutes": rule.minimum_minutes}
    return _saved(uow, card, recorded, ROUNDING, terms, context)


def _saved(
    uow: UnitOfWork, card: RateCard, recorded: bool, kind: str, terms: dict[str, Any], context: Context
) -> RateCardChangeResult:
    """Save what the card decided; the same terms again record once."""
    if recorded:
        uow.save(card)
    at = context.at
    change = next(
        c
        for c in reversed(card.history())
        if c["change"] == kind
        and c["effective_at"] == at
        and all(c[key] == value for key, value in terms.items())
    )
    return RateCardChangeResult(
        customer=card.customer,
        change=kind,
        card_version=change["card_version"],
        terms=terms,
        effective_at=at,
        recorded_at=change["recorded_at"],
        duplicate=not recorded,
    )


def rate_card(app: Reader, query: RateCardAt, asked: Asked) -> RateCardView:
    """The rates (general and every role ever named) and the rounding in force at ``at``."""
    customer, at = query.customer, asked.at
    app.customer(customer)
    card = rate_card_of(app, customer)
    general = rate_quote(card, at, None)
    rounding = rounding_quote(card, at)
    history = card.history() if card is not None else []
    roles = sorted({c["role"] for c in history if c["change"] == RATE and c["role"] is not None})
    role_rates = {}
    for role in roles:
        quote = rate_quote(card, at, role)
        role_rates[role] = {"rate": quote.rate, "source": quote.source}
    return RateCardView(
        customer=customer,
        at=at,
        general_rate=general.rate,
        general_rate_source=general.source,
        role_rates=role_rates,
        rounding=rounding.rule.describe(),
        rounding_source=rounding.source,
        history=[{key: value for key, value in c.items() if key != "sequence"} for c in history],
    )
