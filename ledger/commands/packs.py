"""Adding and removing beheerpacks, and listing them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.aggregates.beheerpacks import ADDED, REMOVED, BeheerpackPortfolio, PackChange
from ledger.commands.application import retrying
from ledger.commands.clock import effective_time
from ledger.commands.entitlements import packs_of
from ledger.commands.models import AddPack
from ledger.commands.results import PackChangeResult, PackList

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.commands.application import LedgerApplication
    from ledger.commands.models import RemovePack


def add_pack(app: LedgerApplication, command: AddPack, now: datetime) -> PackChangeResult:
    return _apply(app, command, now)


def remove_pack(app: LedgerApplication, command: RemovePack, now: datetime) -> PackChangeResult:
    return _apply(app, command, now)


def _apply(app: LedgerApplication, command: AddPack | RemovePack, now: datetime) -> PackChangeResult:
    """Load (or open) the customer's packs, let them decide, save; a repeat records once."""
    at = effective_time(command.effective_from, now, future_allowed=True)

    def attempt() -> PackChangeResult:
        app.customer(command.customer)
        packs = packs_of(app, command.customer)
        if packs is None:
            packs = BeheerpackPortfolio(customer=command.customer, actor=command.actor, effective_at=at)
        if isinstance(command, AddPack):
            kind = ADDED
            recorded = packs.add(command.pack, list(command.components), command.actor, at, now)
        else:
            kind = REMOVED
            recorded = packs.remove(command.pack, command.actor, at, now)
        if recorded:
            app.save(packs)
        change = next(
            c
            for c in reversed(packs.history())
            if (c.change, c.pack, c.effective_at) == (kind, command.pack, at)
        )
        return PackChangeResult(
            customer=command.customer,
            change=kind,
            pack=change.pack,
            components=list(change.components),
            effective_at=at,
            recorded_at=change.recorded_at,
            backdated=change.backdated,
            duplicate=not recorded,
        )

    return retrying(attempt)


def pack_list(app: LedgerApplication, customer: str, at: datetime) -> PackList:
    """The packs active at ``at`` and the whole history."""
    app.customer(customer)
    packs = packs_of(app, customer)
    if packs is None:
        return PackList(customer=customer, at=at, active={}, history=[])
    return PackList(
        customer=customer,
        at=at,
        active={pack: list(components) for pack, components in packs.active_at(at).items()},
        history=[_change_json(change) for change in packs.history()],
    )


def _change_json(change: PackChange) -> dict[str, object]:
    return {
        "change": change.change,
        "pack": change.pack,
        "components": list(change.components),
        "effective_at": change.effective_at,
        "recorded_at": change.recorded_at,
        "actor": change.actor,
        "backdated": change.backdated,
    }
