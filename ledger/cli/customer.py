"""``ledger customer add``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_at, add_json

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("customer", help="customers", parents=parents)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="register a customer", parents=parents)
    add.add_argument("customer", metavar="CUSTOMER", help="customer id, e.g. acme")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--account-manager", required=True, help="who hears about this customer")
    add_at(add)
    add_json(add)
    add.set_defaults(handler=add_customer)


def add_customer(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.add_customer(
        args.customer, name=args.name, account_manager=args.account_manager, at=args.at
    )
    if args.json:
        out.json(result.to_json())
    elif result.duplicate:
        out.line(f"Customer {result.customer} was already registered; nothing changed.")
    else:
        out.line(f"Registered {result.customer}: {result.name} (account manager {result.account_manager}).")
    return EXIT_OK
