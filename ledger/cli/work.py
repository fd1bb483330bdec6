"""``ledger work log|reverse``: hours on tickets, debited from the card once per ticket."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_at, add_json

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output

KINDS = ("support", "rfc", "project", "onsite", "other")


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("work", help="work entries", parents=parents)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    log = actions.add_parser("log", help="record hours on a ticket", parents=parents)
    log.add_argument("customer", metavar="CUSTOMER")
    log.add_argument("--ticket", required=True, help="ticket or work-order reference (idempotency key)")
    log.add_argument("--hours", required=True, help="e.g. 4 or 1.25")
    log.add_argument("--rate", help="hourly rate for this entry (default: the customer's rate)")
    log.add_argument("--description", default="", help="what was done")
    log.add_argument("--kind", default="rfc", help=f"one of {', '.join(KINDS)} (default rfc)")
    log.add_argument("--component", help="the component worked on, e.g. network")
    log.add_argument("--role", help="who did it, for a per-role rate (e.g. specialist, consultant)")
    log.add_argument("--focus", metavar="AREA", help="on-site work only: the focus area it was for")
    add_at(log)
    add_json(log)
    log.set_defaults(handler=log_work)

    reverse = actions.add_parser("reverse", help="reverse the work on a ticket", parents=parents)
    reverse.add_argument("customer", metavar="CUSTOMER")
    reverse.add_argument("--ticket", required=True)
    reverse.add_argument("--reason", required=True)
    add_at(reverse)
    add_json(reverse)
    reverse.set_defaults(handler=reverse_work)


def log_work(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.log_work(
        args.customer,
        ticket=args.ticket,
        hours=args.hours,
        rate=args.rate,
        description=args.description,
        kind=args.kind,
        component=args.component,
        role=args.role,
        source="cli",
        focus=args.focus,
        at=args.at,
    )
    data = result.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    title = f"Work on {result.ticket} for {result.customer}"
    if result.duplicate:
        title += " (already recorded; nothing new written, original figures shown)"
    rows = [
        (key, data[key])
        for key in ("at", "hours", "rate", "amount", "payer", "debited", "invoiceable", "balance")
    ]
    rows.insert(2, ("billed hours", data["derivation"]["hours_billed"]))
    rows.append(("rounding", data["derivation"]["rounding"]))
    rows.append(("rate from", data["derivation"]["rate_source"]))
    rows.append(("how", data["derivation"]["formula"]))
    rows.append(("why", result.reason))
    if result.reversed:
        rows.append(("reversed", "yes"))
    out.fields(title, rows)
    return EXIT_OK


def reverse_work(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.reverse_work(args.customer, ticket=args.ticket, reason=args.reason, at=args.at)
    data = result.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    title = f"Reversal of {result.ticket} for {result.customer}"
    if result.duplicate:
        title += " (already reversed; nothing new written)"
    out.fields(title, [(key, data[key]) for key in ("restored", "invoiceable_voided", "balance", "reason")])
    return EXIT_OK
