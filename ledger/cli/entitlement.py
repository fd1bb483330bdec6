"""``ledger entitlement check``: which support channel a customer has at a moment, and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_json

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("entitlement", help="what a customer is entitled to", parents=parents)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check", help="the support channel at a moment (servicedesk, emergency-line, none)", parents=parents
    )
    check.add_argument("customer", metavar="CUSTOMER")
    check.add_argument(
        "--at", required=True, metavar="ISO8601", help="the moment, with a timezone (e.g. 2026-04-27T10:00Z)"
    )
    add_json(check)
    check.set_defaults(handler=check_entitlement)


def check_entitlement(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.entitlement(args.customer, at=args.at)
    data = result.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    packs = "; ".join(f"{pack}: {', '.join(parts)}" for pack, parts in result.beheerpacks.items())
    out.fields(
        f"Entitlement of {result.customer} at {data['at']}",
        [
            ("channel", result.channel),
            ("tier", result.tier or "no contract"),
            ("reason", result.reason),
            ("beheerpacks", packs or "none"),
            (
                "on-site focus",
                "none" if result.onsite_focus_areas is None else ", ".join(result.onsite_focus_areas),
            ),
        ],
    )
    return EXIT_OK
