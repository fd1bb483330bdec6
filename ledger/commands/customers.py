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
    from ledger.commands.models import AddCustomer, ChangeCustomer


def add_customer(app: LedgerApplication, command: AddCustomer, now: datetime) -> CustomerResult:
    """Register a customer; the same registration sent again is a no-op, a different one an error."""
    at = effective_time(command.at, now)

    def attempt() -> CustomerResult:
        existing = app.get_or_none(Customer.create_id(command.customer), Customer)
        email = command.account_manager_email
        if existing is not None:
            if not existing.same_details(command.name, command.account_manager, email):
                raise CustomerExistsError(command.customer)
            return _result(existing, existing.registered_at, duplicate=True)
        customer = Customer(
            slug=command.customer,
            name=command.name,
            account_manager=command.account_manager,
            actor=command.actor,
            effective_at=at,
            account_manager_email=email,
        )
        app.save(customer)
        return _result(customer, at, duplicate=False)

    return retrying(attempt)


def change_customer(app: LedgerApplication, command: ChangeCustomer, now: datetime) -> CustomerResult:
    """Record new details from a date on; the same change again writes nothing."""
    at = effective_time(command.at, now)

    def attempt() -> CustomerResult:
        customer = app.customer(command.customer)
        changed = customer.change(
            command.name, command.account_manager, command.account_manager_email, command.actor, at
        )
        if changed:
            app.save(customer)
        return _result(customer, at, duplicate=not changed)

    return retrying(attempt)


def _result(customer: Customer, at: datetime, *, duplicate: bool) -> CustomerResult:
    name, manager, email = customer.details_at(at)
    return CustomerResult(
        customer=customer.slug,
        name=name,
        account_manager=manager,
        duplicate=duplicate,
        account_manager_email=email,
        effective_from=at,
    )
