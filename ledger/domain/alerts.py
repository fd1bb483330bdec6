"""Alert rules as pure decisions: when a card is nearly or fully used, when work recurs.

Why pure: the alerts projection replays these on every rebuild, so they may look only at the
facts handed in (never a clock or a store) to give the same alerts, with the same ids, each time.

The kinds are an open set (text in the view): ``nearly-used``, ``fully-used``,
``standard-service`` and ``statement-ready`` are raised here; later issues add their own
(``evaluation-due``, ``grant-expiring``) by registering a kind in :data:`ALERT_KINDS`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger.domain.money import format_money, percent_of

if TYPE_CHECKING:
    from uuid import UUID

NEARLY_USED = "nearly-used"
FULLY_USED = "fully-used"
STANDARD_SERVICE = "standard-service"
STATEMENT_READY = "statement-ready"

ALERT_KINDS: dict[str, str] = {
    NEARLY_USED: "the card's remaining credit is at or below its threshold",
    FULLY_USED: "the card is used up, or work went to invoice because the card could not pay",
    STANDARD_SERVICE: "work of a standard-service category recurs under the servicedesk contract",
    STATEMENT_READY: "a monthly statement was issued and can be sent",
}
"""Every kind of alert and what it means; other issues add theirs here."""

ALERT_ID_PREFIX = "al-"
ALERT_ID_HEX_DIGITS = 16
ZERO = Decimal("0.00")


def alert_id(kind: str, aggregate_id: UUID, version: int) -> str:
    """A short id, stable across rebuilds: the alert's kind and the event that raised it."""
    key = f"{kind}\x1f{aggregate_id}\x1f{version}".encode()
    return ALERT_ID_PREFIX + hashlib.sha256(key).hexdigest()[:ALERT_ID_HEX_DIGITS]


@dataclass(frozen=True)
class Threshold:
    """A nearly-used threshold: a percentage of the balance after the latest credit, or an amount."""

    percent: Decimal | None
    amount: Decimal | None

    def limit(self, base: Decimal) -> Decimal:
        """The balance at or below which the card is nearly used, given the balance after a credit."""
        if self.amount is not None:
            return self.amount
        if self.percent is None:
            msg = "a threshold needs a percentage or an amount"
            raise ValueError(msg)
        return percent_of(base, self.percent)

    def describe(self, base: Decimal, currency: str) -> str:
        if self.amount is not None:
            return f"{format_money(self.amount)} {currency} (set for this customer)"
        return (
            f"{format_money(self.limit(base))} {currency} "
            f"({_percent_text(self.percent)}% of {format_money(base)} {currency} after the latest credit)"
        )


@dataclass(frozen=True)
class CardAlertState:
    """What the card alerts remember per card: the balance after the latest credit and what is armed."""

    base: Decimal
    nearly_armed: bool
    fully_armed: bool


def on_credit(balance_after: Decimal) -> CardAlertState:
    """A credit (purchase, top-up, monthly credit) re-arms both card alerts."""
    return CardAlertState(base=balance_after, nearly_armed=True, fully_armed=True)


def on_balance_lowered(
    state: CardAlertState, balance: Decimal, threshold: Decimal
) -> tuple[str | None, CardAlertState]:
    """The alert a lower balance raises (if any) and the state after it.

    Reaching zero raises ``fully-used`` (and disarms ``nearly-used`` too: one alert for one
    crossing, the more urgent); at or below the threshold raises ``nearly-used`` once.
    """
    if balance <= ZERO and state.fully_armed:
        return FULLY_USED, CardAlertState(state.base, nearly_armed=False, fully_armed=False)
    if ZERO < balance <= threshold and state.nearly_armed:
        return NEARLY_USED, CardAlertState(state.base, nearly_armed=False, fully_armed=state.fully_armed)
    return None, state


def on_invoiced_work(state: CardAlertState) -> tuple[str | None, CardAlertState]:
    """Work went (partly) to invoice although the customer has a card: ``fully-used``, once."""
    if state.fully_armed:
        return FULLY_USED, CardAlertState(state.base, nearly_armed=False, fully_armed=False)
    return None, state


@dataclass(frozen=True)
class Recurrence:
    """The standard-service rule: ``count`` occurrences of a category within ``days`` days."""

    count: int
    days: int

    def window_start(self, at: datetime) -> datetime:
        """The earliest effective time that still counts for an occurrence at ``at``."""
        return at - timedelta(days=self.days)

    def due(self, occurrences_in_window: int) -> bool:
        return occurrences_in_window >= self.count


def _percent_text(percent: Decimal | None) -> str:
    """``20`` rather than ``20.00``; ``12.5`` stays."""
    if percent is None:
        return "?"
    return format(percent.normalize(), "f")
