"""Alert rules as pure decisions: when a card is nearly or fully used, when work recurs.

Why pure: the alerts projection replays these on every rebuild, so they may look only at the
facts handed in (never a clock or a store) to give the same alerts, with the same ids, each time.

The kinds are an open set (text in the view), listed in :data:`ALERT_KINDS`.
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
INVOICED_WORK = "invoiced-work"
STANDARD_SERVICE = "standard-service"
STATEMENT_READY = "statement-ready"
CREDIT_EXPIRING = "credit-expiring"
EVALUATION_DUE = "evaluation-due"
ADMIN_GRANT_EXPIRING = "admin-grant-expiring"

ALERT_KINDS: dict[str, str] = {
    NEARLY_USED: "the card's balance went from above its threshold to at or below it",
    FULLY_USED: "the card's balance reached 0.00, or work went to invoice while the card was empty",
    INVOICED_WORK: "work went to invoice that the card never could pay (no card, or before its credit)",
    STANDARD_SERVICE: "work of a standard-service category recurs (card-paid or under the contract)",
    STATEMENT_READY: "a monthly statement was issued and can be sent",
    CREDIT_EXPIRING: "a credit block with a remainder expires within the set number of days",
    EVALUATION_DUE: "an on-site engagement's evaluation is due",
    ADMIN_GRANT_EXPIRING: "an admin-account grant expires within 7 days",
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
    """What the card alerts remember per card.

    ``base`` is the balance right after the latest credit (what a percentage threshold is of),
    ``balance`` the balance after the card's latest event; an alert is *armed* while it may still be
    raised: from the start, and again whenever the balance is above its level (the threshold for
    ``nearly-used``, 0.00 for ``fully-used``).
    """

    base: Decimal
    balance: Decimal
    nearly_armed: bool
    fully_armed: bool


OPENED = CardAlertState(base=ZERO, balance=ZERO, nearly_armed=True, fully_armed=True)


def on_movement(
    state: CardAlertState, balance_after: Decimal, limit: Decimal, *, lowering: bool
) -> tuple[str | None, CardAlertState]:
    """Judge one card movement by the balance after it; the alert it raises (if any) and the state.

    Every movement first re-arms what the balance is above (a top-up, a monthly credit or a
    reversal that lifts it over a level arms that level again). Only a movement that lowers the
    balance (a debit, an expiry) raises: ``fully-used`` when it reaches 0.00, else ``nearly-used``
    when it is at or below ``limit``. One movement raises at most one alert, the more urgent: a
    debit that empties the card from above its threshold says ``fully-used``, and ``nearly-used``
    is then spent too (it re-arms when the balance rises above the threshold again).
    """
    nearly = state.nearly_armed or balance_after > limit
    fully = state.fully_armed or balance_after > ZERO
    kind: str | None = None
    if lowering and balance_after <= ZERO and fully:
        kind, nearly, fully = FULLY_USED, False, False
    elif lowering and balance_after <= limit and nearly:
        kind, nearly = NEARLY_USED, False
    return kind, CardAlertState(state.base, balance_after, nearly, fully)


def on_credit(state: CardAlertState, balance_after: Decimal) -> CardAlertState:
    """A credit (purchase, top-up, monthly credit) sets the base a percentage threshold is of."""
    return CardAlertState(balance_after, state.balance, state.nearly_armed, state.fully_armed)


def on_invoiced_work(
    state: CardAlertState, card_balance_after: Decimal | None
) -> tuple[str | None, CardAlertState]:
    """Work (partly) invoiced: which alert it raises.

    No card, or a card that still holds credit after this work (so its credit could not pay work
    of that time: bought later, or expired): an ``invoiced-work`` notice, never a card alert, and
    the card's alerts stay armed. A card empty after this work: ``fully-used`` if not raised since
    the balance was last above 0.00; otherwise nothing (the account manager already knows).
    """
    if card_balance_after is None or card_balance_after > ZERO:
        return INVOICED_WORK, state
    if state.fully_armed:
        return FULLY_USED, CardAlertState(state.base, state.balance, nearly_armed=False, fully_armed=False)
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
