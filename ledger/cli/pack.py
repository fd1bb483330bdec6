"""``ledger pack add|remove|list``: beheerpacks and the components they cover."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_from, add_json

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output
    from ledger.commands.results import PackChangeResult


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("pack", help="beheerpacks (managed-service packs)", parents=parents)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="activate a beheerpack", parents=parents)
    add.add_argument("customer", metavar="CUSTOMER")
    add.add_argument("--pack", required=True, metavar="NAME")
    add.add_argument(
        "--covers", required=True, metavar="COMPONENT[,COMPONENT...]", help="the components it covers"
    )
    add_from(add)
    add_json(add)
    add.set_defaults(handler=add_pack)

    remove = actions.add_parser("remove", help="deactivate a beheerpack", parents=parents)
    remove.add_argument("customer", metavar="CUSTOMER")
    remove.add_argument("--pack", required=True, metavar="NAME")
    add_from(remove)
    add_json(remove)
    remove.set_defaults(handler=remove_pack)

    listing = actions.add_parser("list", help="active packs and their history", parents=parents)
    listing.add_argument("customer", metavar="CUSTOMER")
    listing.add_argument("--at", metavar="ISO8601", help="which moment's active packs (default: now)")
    add_json(listing)
    listing.set_defaults(handler=list_packs)


def add_pack(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    components = [part for part in args.covers.split(",") if part.strip()]
    result = ledger.add_pack(
        args.customer, pack=args.pack, components=components, effective_from=args.effective_from
    )
    _show_change(result, args, out)
    return EXIT_OK


def remove_pack(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.remove_pack(args.customer, pack=args.pack, effective_from=args.effective_from)
    _show_change(result, args, out)
    return EXIT_OK


def _show_change(result: PackChangeResult, args: argparse.Namespace, out: Output) -> None:
    data = result.to_json()
    if args.json:
        out.json(data)
        return
    line = f"Beheerpack {result.pack} {result.change} for {result.customer} from {data['effective_at']}"
    if result.components:
        line += f", covering {', '.join(result.components)}"
    if result.backdated:
        line += f" (backdated: recorded {data['recorded_at']})"
    if result.duplicate:
        line += "; already recorded, nothing new written"
    out.line(line + ".")


def list_packs(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    listing = ledger.packs(args.customer, at=args.at)
    data = listing.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    out.table(
        f"Beheerpacks of {listing.customer} active at {data['at']}",
        ["pack", "covers"],
        [(pack, ", ".join(parts)) for pack, parts in listing.active.items()],
    )
    out.table(
        "History",
        ["change", "pack", "covers", "effective", "recorded", "by"],
        [
            (
                c["change"],
                c["pack"],
                ", ".join(c["components"]),
                c["effective_at"],
                c["recorded_at"],
                c["actor"],
            )
            for c in data["history"]
        ],
    )
    return EXIT_OK
