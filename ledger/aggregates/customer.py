"""The customer: who is served, and which account manager hears about it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate, event

from ledger.aggregates.ids import natural_id

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID


class Customer(Aggregate):
    """A customer of the provider, known by a short slug such as ``acme``."""

    class Registered(Aggregate.Created):
        """A customer was registered with its display name and account manager."""

        slug: str
        name: str
        account_manager: str
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
