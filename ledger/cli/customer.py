"""``ledger customer add`` and ``ledger customer threshold``."""

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

    threshold = actions.add_parser(
        "threshold", help="set the customer's nearly-used alert threshold", parents=parents
    )
    threshold.add_argument("customer", metavar="CUSTOMER")
    chosen = threshold.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--percent", metavar="P", help="percent of the balance right after the latest credit")
    chosen.add_argument("--amount", metavar="A", help="a fixed amount in the card's currency")
    add_at(threshold)
    add_json(threshold)
    threshold.set_defaults(handler=set_threshold)


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


def set_threshold(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.set_alert_threshold(args.customer, percent=args.percent, amount=args.amount, at=args.at)
    if args.json:
        out.json(result.to_json())
        return EXIT_OK
    what = (
        f"{result.percent}% of the balance after the latest credit" if result.percent else f"{result.amount}"
    )
    if result.duplicate:
        out.line(f"The nearly-used threshold of {result.customer} is already {what}; nothing changed.")
    else:
        out.line(f"The nearly-used threshold of {result.customer} is now {what}.")
    return EXIT_OK
