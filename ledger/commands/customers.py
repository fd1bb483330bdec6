"""Registering customers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.aggregates.customer import Customer
from ledger.commands.application import retrying
from ledger.commands.clock import effective_time
from ledger.commands.results import CustomerResult
from ledger.errors import CustomerExistsError

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.commands.application import LedgerApplication
    from ledger.commands.models import AddCustomer


def add_customer(app: LedgerApplication, command: AddCustomer, now: datetime) -> CustomerResult:
    """Register a customer; the same registration sent again is a no-op, a different one an error."""
    at = effective_time(command.at, now)

    def attempt() -> CustomerResult:
        existing = app.get_or_none(Customer.create_id(command.customer), Customer)
        if existing is not None:
            if not existing.same_details(command.name, command.account_manager):
                raise CustomerExistsError(command.customer)
            return CustomerResult(existing.slug, existing.name, existing.account_manager, True)
        customer = Customer(
            slug=command.customer,
            name=command.name,
            account_manager=command.account_manager,
            actor=command.actor,
            effective_at=at,
        )
        app.save(customer)
        return CustomerResult(customer.slug, customer.name, customer.account_manager, False)

    return retrying(attempt)
