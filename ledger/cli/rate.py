"""``ledger rate set|rounding|show``: the customer's rate card."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_from, add_json
from ledger.domain.rounding import RoundingRule

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output
    from ledger.commands.results import RateCardChangeResult


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("rate", help="the rate card: hourly rates and rounding", parents=parents)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    set_ = actions.add_parser("set", help="set an hourly rate", parents=parents)
    set_.add_argument("customer", metavar="CUSTOMER")
    set_.add_argument("--rate", required=True, metavar="AMOUNT", help="e.g. 135.00")
    set_.add_argument("--role", help="only for this role, e.g. specialist (default: the general rate)")
    add_from(set_)
    add_json(set_)
    set_.set_defaults(handler=set_rate)

    rounding = actions.add_parser("rounding", help="set the billing increment and minimum", parents=parents)
    rounding.add_argument("customer", metavar="CUSTOMER")
    rounding.add_argument(
        "--increment", required=True, metavar="MINUTES", help="round up to this (multiple of 3; 0: none)"
    )
    rounding.add_argument("--minimum", default="0", metavar="MINUTES", help="bill at least this (default 0)")
    add_from(rounding)
    add_json(rounding)
    rounding.set_defaults(handler=set_rounding)

    show = actions.add_parser(
        "show", help="the rates and rounding in force, and the history", parents=parents
    )
    show.add_argument("customer", metavar="CUSTOMER")
    show.add_argument("--at", metavar="ISO8601", help="which moment (default: now)")
    add_json(show)
    show.set_defaults(handler=show_rate_card)


def set_rate(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.set_rate(
        args.customer, rate=args.rate, role=args.role, effective_from=args.effective_from
    )
    _show_change(result, args, out)
    return EXIT_OK


def set_rounding(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.set_rounding(
        args.customer,
        increment_minutes=args.increment,
        minimum_minutes=args.minimum,
        effective_from=args.effective_from,
    )
    _show_change(result, args, out)
    return EXIT_OK


def _show_change(result: RateCardChangeResult, args: argparse.Namespace, out: Output) -> None:
    data = result.to_json()
    if args.json:
        out.json(data)
        return
    terms = data["terms"]
    if result.change == "rate":
        who = f"for {terms['role']}" if terms["role"] else "(general)"
        what = f"rate {terms['rate']}/h {who}"
    else:
        rule = RoundingRule(terms["increment_minutes"], terms["minimum_minutes"])
        what = f"rounding {rule.describe()}"
    line = f"Rate card of {result.customer} v{result.card_version}: {what}"
    line += f" from {data['effective_at']}"
    if result.duplicate:
        line += "; already recorded, nothing new written"
    out.line(line + ".")


def show_rate_card(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    view = ledger.rate_card(args.customer, at=args.at)
    data = view.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    rows = [("general", data["general_rate"], data["general_rate_source"])]
    rows += [(role, quote["rate"], quote["source"]) for role, quote in data["role_rates"].items()]
    out.table(f"Rates of {view.customer} at {data['at']}", ["role", "rate", "source"], rows, ("rate",))
    out.line(f"Rounding: {view.rounding} ({view.rounding_source})")
    return EXIT_OK
