"""``ledger card buy|top-up``: credits on the strippenkaart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_at, add_json

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output
    from ledger.commands.results import CreditResult


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("card", help="the strippenkaart (prepaid credit)", parents=parents)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    buy = actions.add_parser("buy", help="buy a strippenkaart (one-off amount)", parents=parents)
    buy.add_argument("customer", metavar="CUSTOMER")
    buy.add_argument("--amount", required=True, help="e.g. 5000.00")
    buy.add_argument("--currency", default="EUR", help="ISO code of the card (default EUR)")
    buy.add_argument("--reference", help="order or invoice number; the same one credits once")
    add_at(buy)
    add_json(buy)
    buy.set_defaults(handler=buy_card)

    top_up = actions.add_parser("top-up", help="add credit to the card", parents=parents)
    top_up.add_argument("customer", metavar="CUSTOMER")
    top_up.add_argument("--amount", required=True)
    top_up.add_argument("--reference", help="order or invoice number; the same one credits once")
    add_at(top_up)
    add_json(top_up)
    top_up.set_defaults(handler=top_up_card)


def buy_card(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.buy_card(
        args.customer,
        amount=args.amount,
        currency=args.currency,
        reference=args.reference,
        at=args.at,
    )
    _show(result, args, out)
    return EXIT_OK


def top_up_card(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.top_up(args.customer, amount=args.amount, reference=args.reference, at=args.at)
    _show(result, args, out)
    return EXIT_OK


def _show(result: CreditResult, args: argparse.Namespace, out: Output) -> None:
    if args.json:
        out.json(result.to_json())
        return
    data = result.to_json()
    title = f"Strippenkaart {result.customer}: {result.kind}"
    if result.duplicate:
        title += " (already recorded under this reference; nothing new written)"
    out.fields(
        title,
        [(key, data[key]) for key in ("reference", "amount", "currency", "credited", "debited", "balance")],
    )
