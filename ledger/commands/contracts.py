"""Starting, changing and ending servicedesk contracts, and reading their history.

Changes carry the moment they take effect (``effective_from``, past or future) and the ledger's
clock at recording (``recorded_at``): a backdated change is visible as such in the history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.aggregates.servicedesk_contract import (
    CHANGED,
    ENDED,
    STARTED,
    ContractChange,
    ServicedeskContract,
)
from ledger.commands.entitlements import contract_of
from ledger.commands.records import opened
from ledger.commands.results import ContractChangeResult, ContractHistory

if TYPE_CHECKING:
    from ledger.commands.bus import Asked, Context
    from ledger.commands.models import ChangeContract, EndContract, StartContract
    from ledger.commands.queries import ContractHistoryOf
    from ledger.commands.unit_of_work import Reader, UnitOfWork
    from ledger.domain.service_window import Tier


def start_contract(uow: UnitOfWork, command: StartContract, context: Context) -> ContractChangeResult:
    contract = opened(uow, ServicedeskContract, command.customer, context)
    recorded = contract.start(command.tier, context.actor, context.at, context.now)
    return _saved(uow, contract, recorded, STARTED, command.tier, context)


def change_contract(uow: UnitOfWork, command: ChangeContract, context: Context) -> ContractChangeResult:
    contract = opened(uow, ServicedeskContract, command.customer, context)
    recorded = contract.change_tier(command.tier, context.actor, context.at, context.now)
    return _saved(uow, contract, recorded, CHANGED, command.tier, context)


def end_contract(uow: UnitOfWork, command: EndContract, context: Context) -> ContractChangeResult:
    contract = opened(uow, ServicedeskContract, command.customer, context)
    recorded = contract.end(context.actor, context.at, context.now)
    return _saved(uow, contract, recorded, ENDED, None, context)


def _saved(
    uow: UnitOfWork,
    contract: ServicedeskContract,
    recorded: bool,
    kind: str,
    tier: Tier | None,
    context: Context,
) -> ContractChangeResult:
    """Save what the contract decided; the same change sent twice records once."""
    if recorded:
        uow.save(contract)
    at = context.at
    change = next(
        c for c in reversed(contract.history()) if (c.change, c.tier, c.effective_at) == (kind, tier, at)
    )
    return ContractChangeResult(
        customer=contract.customer,
        change=kind,
        tier=None if tier is None else tier.value,
        effective_at=at,
        recorded_at=change.recorded_at,
        backdated=change.backdated,
        duplicate=not recorded,
    )


def contract_history(app: Reader, query: ContractHistoryOf, asked: Asked) -> ContractHistory:
    """Every change in effective order with both its times; empty for a customer without one."""
    customer, now = query.customer, asked.now
    app.customer(customer)
    contract = contract_of(app, customer)
    if contract is None:
        return ContractHistory(customer=customer, tier_now=None, changes=[])
    tier_now = contract.tier_at(now)
    return ContractHistory(
        customer=customer,
        tier_now=None if tier_now is None else tier_now.value,
        changes=[_change_json(change) for change in contract.history()],
    )


def _change_json(change: ContractChange) -> dict[str, object]:
    return {
        "change": change.change,
        "tier": None if change.tier is None else change.tier.value,
        "effective_at": change.effective_at,
        "recorded_at": change.recorded_at,
        "actor": change.actor,
        "backdated": change.backdated,
    }
