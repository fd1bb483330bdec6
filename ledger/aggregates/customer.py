"""The customer: who is served, and which account manager hears about it."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate, event

from ledger.aggregates.ids import natural_id

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID


class Customer(Aggregate):
    """A customer of the provider, known by a short slug such as ``acme``."""

    alert_percent: Decimal | None = None
    alert_amount: Decimal | None = None
    """The nearly-used threshold set for this customer (class defaults: snapshots from before it load)."""

    class Registered(Aggregate.Created):
        """A customer was registered with its display name and account manager."""

        slug: str
        name: str
        account_manager: str
        actor: str
        effective_at: datetime

    class AlertThresholdSet(Aggregate.Event):
        """The card's *nearly used* alert threshold for this customer changed.

        Exactly one of ``percent`` (of the balance right after the latest credit) and ``amount``
        (in the card's currency) is set; it is in force for card movements effective from
        ``effective_at`` on.
        """

        percent: Decimal | None
        amount: Decimal | None
        actor: str
        effective_at: datetime

    @staticmethod
    def create_id(slug: str) -> UUID:
        return natural_id("customer", slug)

    @event(Registered)
    def __init__(
        self, slug: str, name: str, account_manager: str, actor: str, effective_at: datetime
    ) -> None:
        self.slug = slug
        self.name = name
        self.account_manager = account_manager
        self.registered_at = effective_at

    def same_details(self, name: str, account_manager: str) -> bool:
        """True when a repeated registration asks for exactly what is recorded."""
        return (self.name, self.account_manager) == (name, account_manager)

    def set_alert_threshold(
        self, percent: Decimal | None, amount: Decimal | None, actor: str, effective_at: datetime
    ) -> bool:
        """Set the nearly-used threshold; False (and no event) when exactly this one is in force."""
        if (percent is None) == (amount is None):
            msg = "a threshold is a percentage or an amount, exactly one of them"
            raise ValueError(msg)
        if (self.alert_percent, self.alert_amount) == (percent, amount):
            return False
        self._alert_threshold_set(percent=percent, amount=amount, actor=actor, effective_at=effective_at)
        return True

    @event(AlertThresholdSet)
    def _alert_threshold_set(
        self, percent: Decimal | None, amount: Decimal | None, actor: str, effective_at: datetime
    ) -> None:
        self.alert_percent = percent
        self.alert_amount = amount
