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
from ledger.commands.application import retrying
from ledger.commands.clock import effective_time
from ledger.commands.entitlements import contract_of
from ledger.commands.models import ChangeContract, EndContract, StartContract
from ledger.commands.results import ContractChangeResult, ContractHistory

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.commands.application import LedgerApplication
    from ledger.commands.models import ContractCommand


def start_contract(app: LedgerApplication, command: StartContract, now: datetime) -> ContractChangeResult:
    return _apply(app, command, now)


def change_contract(app: LedgerApplication, command: ChangeContract, now: datetime) -> ContractChangeResult:
    return _apply(app, command, now)


def end_contract(app: LedgerApplication, command: EndContract, now: datetime) -> ContractChangeResult:
    return _apply(app, command, now)


def _apply(app: LedgerApplication, command: ContractCommand, now: datetime) -> ContractChangeResult:
    """Load (or open) the contract, let it decide, save; the same change sent twice records once."""
    at = effective_time(command.effective_from, now, future_allowed=True)

    def attempt() -> ContractChangeResult:
        app.customer(command.customer)
        contract = contract_of(app, command.customer)
        if contract is None:
            contract = ServicedeskContract(customer=command.customer, actor=command.actor, effective_at=at)
        if isinstance(command, StartContract):
            kind, tier = STARTED, command.tier
            recorded = contract.start(command.tier, command.actor, at, now)
        elif isinstance(command, ChangeContract):
            kind, tier = CHANGED, command.tier
            recorded = contract.change_tier(command.tier, command.actor, at, now)
        else:
            kind, tier = ENDED, None
            recorded = contract.end(command.actor, at, now)
        if recorded:
            app.save(contract)
        change = next(
            c for c in reversed(contract.history()) if (c.change, c.tier, c.effective_at) == (kind, tier, at)
        )
        return ContractChangeResult(
            customer=command.customer,
            change=kind,
            tier=None if tier is None else tier.value,
            effective_at=at,
            recorded_at=change.recorded_at,
            backdated=change.backdated,
            duplicate=not recorded,
        )

    return retrying(attempt)


def contract_history(app: LedgerApplication, customer: str, now: datetime) -> ContractHistory:
    """Every change in effective order with both its times; empty for a customer without one."""
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
