"""The rate card: setting rates (general or per role) and the rounding policy, and reading it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.aggregates.rate_card import RATE, ROUNDING, RateCard, rate_quote, rounding_quote
from ledger.commands.application import retrying
from ledger.commands.clock import effective_time
from ledger.commands.entitlements import rate_card_of
from ledger.commands.models import SetRate
from ledger.commands.results import RateCardChangeResult, RateCardView
from ledger.domain.rounding import RoundingRule

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.commands.application import LedgerApplication
    from ledger.commands.models import SetRounding


def set_rate(app: LedgerApplication, command: SetRate, now: datetime) -> RateCardChangeResult:
    return _apply(app, command, now)


def set_rounding(app: LedgerApplication, command: SetRounding, now: datetime) -> RateCardChangeResult:
    return _apply(app, command, now)


def _apply(app: LedgerApplication, command: SetRate | SetRounding, now: datetime) -> RateCardChangeResult:
    at = effective_time(command.effective_from, now, future_allowed=True)

    def attempt() -> RateCardChangeResult:
        app.customer(command.customer)
        card = rate_card_of(app, command.customer)
        if card is None:
            card = RateCard(customer=command.customer, actor=command.actor, effective_at=at)
        terms: dict[str, Any]
        if isinstance(command, SetRate):
            kind, terms = RATE, {"role": command.role, "rate": command.rate}
            recorded = card.set_rate(command.role, command.rate, command.actor, at, now)
        else:
            rule = RoundingRule(command.increment_minutes, command.minimum_minutes)
            kind = ROUNDING
            terms = {"increment_minutes": rule.increment_minutes, "minimum_minutes": rule.minimum_minutes}
            recorded = card.set_rounding(rule, command.actor, at, now)
        if recorded:
            app.save(card)
        change = next(
            c
            for c in reversed(card.history())
            if c["change"] == kind
            and c["effective_at"] == at
            and all(c[key] == value for key, value in terms.items())
        )
        return RateCardChangeResult(
            customer=command.customer,
            change=kind,
            card_version=change["card_version"],
            terms=terms,
            effective_at=at,
            recorded_at=change["recorded_at"],
            duplicate=not recorded,
        )

    return retrying(attempt)


def rate_card(app: LedgerApplication, customer: str, at: datetime) -> RateCardView:
    """The rates (general and every role ever named) and the rounding in force at ``at``."""
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
