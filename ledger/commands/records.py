"""A customer's once-per-customer records (contract, beheerpacks, rate card …) as handlers load them."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from ledger.aggregates.record import CustomerRecord

if TYPE_CHECKING:
    from ledger.commands.bus import Context
    from ledger.commands.unit_of_work import Reader, UnitOfWork

R = TypeVar("R", bound=CustomerRecord)


def record_of(app: Reader, kind: type[R], customer: str) -> R | None:
    """The customer's record of ``kind``, if one was ever opened."""
    return app.get_or_none(kind.create_id(customer), kind)


def opened(uow: UnitOfWork, kind: type[R], customer: str, context: Context) -> R:
    """The registered customer's record of ``kind``; a new one (saved with the handler's decision)
    when there is none yet."""
    uow.customer(customer)
    found = record_of(uow, kind, customer)
    if found is None:
        return kind(customer=customer, actor=context.actor, effective_at=context.at)
    return found
