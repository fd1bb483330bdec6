"""Adding and removing beheerpacks, and listing them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.aggregates.beheerpacks import ADDED, REMOVED, BeheerpackPortfolio, PackChange
from ledger.commands.entitlements import packs_of
from ledger.commands.records import opened
from ledger.commands.results import PackChangeResult, PackList

if TYPE_CHECKING:
    from ledger.commands.bus import Asked, Context
    from ledger.commands.models import AddPack, RemovePack
    from ledger.commands.queries import PacksAt
    from ledger.commands.unit_of_work import Reader, UnitOfWork


def add_pack(uow: UnitOfWork, command: AddPack, context: Context) -> PackChangeResult:
    packs = opened(uow, BeheerpackPortfolio, command.customer, context)
    recorded = packs.add(command.pack, list(command.components), context.actor, context.at, context.now)
    return _saved(uow, packs, recorded, ADDED, command.pack, context)


def remove_pack(uow: UnitOfWork, command: RemovePack, context: Context) -> PackChangeResult:
    packs = opened(uow, BeheerpackPortfolio, command.customer, context)
    recorded = packs.remove(command.pack, context.actor, context.at, context.now)
    return _saved(uow, packs, recorded, REMOVED, command.pack, context)


def _saved(
    uow: UnitOfWork, packs: BeheerpackPortfolio, recorded: bool, kind: str, pack: str, context: Context
) -> PackChangeResult:
    """Save what the packs decided; a repeat records once."""
    if recorded:
        uow.save(packs)
    at = context.at
    change = next(
        c for c in reversed(packs.history()) if (c.change, c.pack, c.effective_at) == (kind, pack, at)
    )
    return PackChangeResult(
        customer=packs.customer,
        change=kind,
        pack=change.pack,
        components=list(change.components),
        effective_at=at,
        recorded_at=change.recorded_at,
        backdated=change.backdated,
        duplicate=not recorded,
    )


def pack_list(app: Reader, query: PacksAt, asked: Asked) -> PackList:
    """The packs active at ``at`` and the whole history."""
    customer, at = query.customer, asked.at
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
