"""``ledger balance``: what is left on a customer's card, now or at a past moment as known then."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_json

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    balance = commands.add_parser("balance", help="a customer's card balance", parents=parents)
    balance.add_argument("customer", metavar="CUSTOMER")
    balance.add_argument(
        "--as-of",
        metavar="DATE",
        help="the balance in effect at this moment (effective time; a bare date is 00:00 Amsterdam)",
    )
    balance.add_argument(
        "--as-known-at",
        metavar="DATETIME",
        help="counting only what the ledger had recorded by then (default: everything recorded)",
    )
    add_json(balance)
    balance.set_defaults(handler=show_balance)


def show_balance(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    if args.as_of is None and args.as_known_at is None:
        data = ledger.card_figures(args.customer).to_json()  # the balance's JSON, no model built
    else:
        data = ledger.balance(args.customer, as_of=args.as_of, as_known_at=args.as_known_at).to_json()
    if args.json:
        out.json(data)
    else:
        title = f"Strippenkaart {data['customer']} ({data['currency']})"
        if "as_of" in data:
            title += f" as of {data['as_of']}"
            title += f", as known at {data['as_known_at']}" if data["as_known_at"] else ", as known now"
        out.fields(
            title,
            [(key, data[key]) for key in ("credited", "debited", "expired", "balance")],
        )
    return EXIT_OK
