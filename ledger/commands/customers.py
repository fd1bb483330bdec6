"""Registering customers and changing their details."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.aggregates.customer import Customer
from ledger.commands.results import CustomerResult
from ledger.errors import CustomerExistsError

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.commands.bus import Context
    from ledger.commands.models import AddCustomer, ChangeCustomer
    from ledger.commands.unit_of_work import UnitOfWork


def add_customer(uow: UnitOfWork, command: AddCustomer, context: Context) -> CustomerResult:
    """Register a customer; the same registration sent again is a no-op, a different one an error."""
    existing = uow.get_or_none(Customer.create_id(command.customer), Customer)
    email = command.account_manager_email
    if existing is not None:
        if not existing.same_details(command.name, command.account_manager, email):
            raise CustomerExistsError(command.customer)
        return _result(existing, existing.registered_at, duplicate=True)
    customer = Customer(
        slug=command.customer,
        name=command.name,
        account_manager=command.account_manager,
        actor=context.actor,
        effective_at=context.at,
        account_manager_email=email,
    )
    uow.save(customer)
    return _result(customer, context.at, duplicate=False)


def change_customer(uow: UnitOfWork, command: ChangeCustomer, context: Context) -> CustomerResult:
    """Record new details from a date on; the same change again writes nothing."""
    customer = uow.customer(command.customer)
    changed = customer.change(
        command.name, command.account_manager, command.account_manager_email, context.actor, context.at
    )
    if changed:
        uow.save(customer)
    return _result(customer, context.at, duplicate=not changed)


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
