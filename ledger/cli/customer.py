"""``ledger customer add|change|list|threshold``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_at, add_from, add_json
from ledger.domain.time import describe_instant

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
    add.add_argument("--account-manager-email", metavar="ADDRESS", help="where the alerts are e-mailed")
    add_at(add)
    add_json(add)
    add.set_defaults(handler=add_customer)

    change = actions.add_parser(
        "change",
        help="change name, account manager or e-mail from a date on",
        parents=parents,
        description="Dated: alerts go to the account manager in charge at each alert's effective time.",
    )
    change.add_argument("customer", metavar="CUSTOMER")
    change.add_argument("--name", help="new display name")
    change.add_argument("--account-manager", help="new account manager")
    change.add_argument("--account-manager-email", metavar="ADDRESS", help="new e-mail address for alerts")
    add_from(change)
    add_json(change)
    change.set_defaults(handler=change_customer)

    listing = actions.add_parser("list", help="customers with their account managers", parents=parents)
    add_at(listing)
    add_json(listing)
    listing.set_defaults(handler=list_customers)

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
        args.customer,
        name=args.name,
        account_manager=args.account_manager,
        account_manager_email=args.account_manager_email,
        at=args.at,
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


def change_customer(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.change_customer(
        args.customer,
        name=args.name,
        account_manager=args.account_manager,
        account_manager_email=args.account_manager_email,
        effective_from=args.effective_from,
    )
    if args.json:
        out.json(result.to_json())
        return EXIT_OK
    since = describe_instant(result.effective_from) if result.effective_from else "now"
    email = f" <{result.account_manager_email}>" if result.account_manager_email else ""
    state = "already" if result.duplicate else "now"
    out.line(
        f"From {since}, {result.customer} is {state}: {result.name}, "
        f"account manager {result.account_manager}{email}."
        + (" Nothing changed." if result.duplicate else "")
    )
    return EXIT_OK


def list_customers(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    listed = ledger.customers(at=args.at)
    if args.json:
        out.json([customer.to_json() for customer in listed])
        return EXIT_OK
    rows = [
        (
            c.customer,
            c.name,
            c.account_manager,
            c.account_manager_email or "",
            describe_instant(c.versions[-1].effective_from) if len(c.versions) > 1 else "",
        )
        for c in listed
    ]
    out.table("Customers", ("customer", "name", "account_manager", "email", "last_change"), rows)
    return EXIT_OK
