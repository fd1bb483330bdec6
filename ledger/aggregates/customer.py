"""The customer: who is served, and which account manager hears about it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from eventsourcing.domain import event

from ledger.aggregates.ids import natural_id
from ledger.aggregates.record import Record

if TYPE_CHECKING:
    from uuid import UUID


class Customer(Record):
    """A customer of the provider, known by a short slug such as ``acme``."""

    alert_percent: Decimal | None = None
    alert_amount: Decimal | None = None
    """The nearly-used threshold set for this customer (class defaults: snapshots from before it load)."""
    account_manager_email: str | None = None
    details: tuple[tuple[datetime, str, str, str | None], ...] = ()
    """Dated versions ``(from, name, account manager, e-mail)`` recorded by ``Changed``, in order."""

    class Registered(Record.Created):
        """A customer was registered with its display name and account manager."""

        slug: str
        name: str
        account_manager: str
        account_manager_email: str | None = None
        """Where the account manager's alerts are e-mailed (None: no e-mail; logs from before it)."""

    class Changed(Record.Event):
        """From ``effective_at`` on, the customer's name, account manager or e-mail is as given;
        a field that is None is unchanged. Alerts go to the account manager in charge at the
        alert's effective time, so a change dated in the past re-addresses later alerts too."""

        name: str | None
        account_manager: str | None
        account_manager_email: str | None

    class AlertThresholdSet(Record.Event):
        """The card's *nearly used* alert threshold for this customer changed.

        Exactly one of ``percent`` (of the balance right after the latest credit) and ``amount``
        (in the card's currency) is set; it is in force for card movements effective from
        ``effective_at`` on.
        """

        percent: Decimal | None
        amount: Decimal | None

    @staticmethod
    def create_id(slug: str) -> UUID:
        return natural_id("customer", slug)

    @event(Registered)
    def __init__(
        self,
        slug: str,
        name: str,
        account_manager: str,
        actor: str,
        effective_at: datetime,
        account_manager_email: str | None = None,
    ) -> None:
        self.slug = slug
        self.name = name
        self.account_manager = account_manager
        self.account_manager_email = account_manager_email
        self.registered_at = effective_at
        self.details = ((effective_at, name, account_manager, account_manager_email),)

    def same_details(self, name: str, account_manager: str, account_manager_email: str | None = None) -> bool:
        """True when a repeated registration asks for exactly what is recorded (an e-mail not given
        again is not a difference)."""
        registered = self.details[0] if self.details else (None, self.name, self.account_manager, None)
        email_same = account_manager_email is None or account_manager_email == registered[3]
        return (registered[1], registered[2]) == (name, account_manager) and email_same

    def details_at(self, at: datetime) -> tuple[str, str, str | None]:
        """Name, account manager and e-mail in force at ``at`` (the registration's before it)."""
        chosen = (self.name, self.account_manager, self.account_manager_email)
        for since, name, manager, email in self.details:
            if since <= at or since == self.details[0][0]:
                chosen = (name, manager, email)
        return chosen

    def change(
        self,
        name: str | None,
        account_manager: str | None,
        account_manager_email: str | None,
        actor: str,
        effective_at: datetime,
    ) -> bool:
        """Change details from ``effective_at``; False (no event) when nothing would change then."""
        current = self.details_at(effective_at)
        wanted = (
            name if name is not None else current[0],
            account_manager if account_manager is not None else current[1],
            account_manager_email if account_manager_email is not None else current[2],
        )
        if wanted == current:
            return False
        self._changed(
            name=name,
            account_manager=account_manager,
            account_manager_email=account_manager_email,
            actor=actor,
            effective_at=effective_at,
        )
        return True

    @event(Changed)
    def _changed(
        self,
        name: str | None,
        account_manager: str | None,
        account_manager_email: str | None,
        actor: str,
        effective_at: datetime,
    ) -> None:
        before = self.details_at(effective_at)
        version = (
            effective_at,
            name if name is not None else before[0],
            account_manager if account_manager is not None else before[1],
            account_manager_email if account_manager_email is not None else before[2],
        )
        kept = tuple(v for v in self.details if v[0] != effective_at or v is self.details[0])
        self.details = tuple(sorted((*kept, version), key=lambda v: v[0]))
        latest = self.details[-1]
        self.name, self.account_manager, self.account_manager_email = latest[1], latest[2], latest[3]

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
