"""``ledger balance``: what is left on a customer's card."""

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
    add_json(balance)
    balance.set_defaults(handler=show_balance)


def show_balance(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    data = ledger.balance(args.customer).to_json()
    if args.json:
        out.json(data)
    else:
        out.fields(
            f"Strippenkaart {data['customer']} ({data['currency']})",
            [(key, data[key]) for key in ("credited", "debited", "expired", "balance")],
        )
    return EXIT_OK
