"""``ledger card buy|top-up|change|stop``: credits on the strippenkaart, one-off or monthly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_at, add_json
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output
    from ledger.commands.results import CreditResult, MonthlyPlanResult

ONE_OFF_ONLY = ("reference", "expires", "at")
MONTHLY_ONLY = ("day", "start", "until")


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("card", help="the strippenkaart (prepaid credit)", parents=parents)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    buy = actions.add_parser("buy", help="buy a strippenkaart (one-off or monthly amount)", parents=parents)
    buy.add_argument("customer", metavar="CUSTOMER")
    amounts = buy.add_mutually_exclusive_group(required=True)
    amounts.add_argument("--amount", help="a one-off amount, e.g. 5000.00")
    amounts.add_argument("--monthly", metavar="AMOUNT", help="an amount credited every month, e.g. 500.00")
    buy.add_argument("--day", help="monthly: day of the month it is credited, 1–31 (default: day of --from)")
    buy.add_argument("--from", dest="start", metavar="DATE", help="monthly: first day (default: today)")
    buy.add_argument("--until", metavar="DATE", help="monthly: no credit from this date on (default: none)")
    buy.add_argument("--currency", default="EUR", help="ISO code of the card (default EUR)")
    buy.add_argument("--reference", help="one-off: order or invoice number; the same one credits once")
    add_expires(buy)
    add_at(buy)
    add_json(buy)
    buy.set_defaults(handler=buy_card)

    top_up = actions.add_parser("top-up", help="add credit to the card", parents=parents)
    top_up.add_argument("customer", metavar="CUSTOMER")
    top_up.add_argument("--amount", required=True)
    top_up.add_argument("--reference", help="order or invoice number; the same one credits once")
    add_expires(top_up)
    add_at(top_up)
    add_json(top_up)
    top_up.set_defaults(handler=top_up_card)

    change = actions.add_parser("change", help="change the monthly amount from a date", parents=parents)
    change.add_argument("customer", metavar="CUSTOMER")
    change.add_argument("--monthly", metavar="AMOUNT", required=True, help="the new monthly amount")
    change.add_argument(
        "--from", dest="start", metavar="DATE", required=True, help="first month's date it applies to"
    )
    add_json(change)
    change.set_defaults(handler=change_plan)

    stop = actions.add_parser("stop", help="stop the monthly amount from a date", parents=parents)
    stop.add_argument("customer", metavar="CUSTOMER")
    stop.add_argument(
        "--from", dest="start", metavar="DATE", required=True, help="no credit from this date on"
    )
    add_json(stop)
    stop.set_defaults(handler=stop_plan)


def add_expires(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--expires",
        metavar="DATE",
        help="the credit cannot be used from then on; the rest is written off after the grace period",
    )


def buy_card(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    if args.monthly is not None:
        _refuse(args, ONE_OFF_ONLY, "applies to a one-off --amount, not to --monthly")
        plan = ledger.buy_monthly(
            args.customer,
            amount=args.monthly,
            day=args.day,
            start=args.start,
            until=args.until,
            currency=args.currency,
        )
        _show_plan(plan, args, out)
        return EXIT_OK
    _refuse(args, MONTHLY_ONLY, "applies to --monthly, not to a one-off --amount")
    result = ledger.buy_card(
        args.customer,
        amount=args.amount,
        currency=args.currency,
        reference=args.reference,
        expires_at=args.expires,
        at=args.at,
    )
    _show(result, args, out)
    return EXIT_OK


def top_up_card(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.top_up(
        args.customer, amount=args.amount, reference=args.reference, expires_at=args.expires, at=args.at
    )
    _show(result, args, out)
    return EXIT_OK


def change_plan(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    _show_plan(ledger.change_monthly(args.customer, amount=args.monthly, start=args.start), args, out)
    return EXIT_OK


def stop_plan(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    _show_plan(ledger.stop_monthly(args.customer, start=args.start), args, out)
    return EXIT_OK


def _refuse(args: argparse.Namespace, names: tuple[str, ...], reason: str) -> None:
    for name in names:
        if getattr(args, name) is not None:
            option = "--from" if name == "start" else f"--{name}"
            raise InvalidInputError(option, reason)


def _show(result: CreditResult, args: argparse.Namespace, out: Output) -> None:
    if args.json:
        out.json(result.to_json())
        return
    data = result.to_json()
    title = f"Strippenkaart {result.customer}: {result.kind}"
    if result.duplicate:
        title += " (already recorded under this reference; nothing new written)"
    keys = ["reference", "amount", "currency", "credited", "debited", "balance"]
    if result.expires_at is not None:
        keys.insert(2, "expires_at")
    out.fields(title, [(key, data[key]) for key in keys])


def _show_plan(result: MonthlyPlanResult, args: argparse.Namespace, out: Output) -> None:
    data = result.to_json()
    if args.json:
        out.json(data)
        return
    title = f"Strippenkaart {result.customer}: monthly plan ({result.action})"
    if result.duplicate:
        title += " (already recorded; nothing new written)"
    out.table(
        title,
        ["from", "monthly amount", "day"],
        [
            (term["from"][:10], "stopped" if term["amount"] is None else term["amount"], term["day"])
            for term in data["terms"]
        ],
        numeric=["monthly amount", "day"],
    )
    credited_now = ", ".join(result.credits_recorded) or "none"
    out.line(f"credited now: {credited_now}")
    out.fields(
        f"Balance ({result.currency})",
        [(key, data[key]) for key in ("credited", "debited", "expired", "balance")],
    )
