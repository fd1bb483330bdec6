"""``ledger work log|reverse|show``: time entries on tickets, debited from the card once per entry."""

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
    log.add_argument("--ticket", required=True, help="ticket or work-order reference")
    log.add_argument(
        "--entry",
        metavar="ID",
        help="the time entry's own id and idempotency key (many entries per ticket); default: the ticket",
    )
    log.add_argument("--engineer", metavar="NAME", help="who did the work (the actor is who records it)")
    log.add_argument("--hours", required=True, help="e.g. 4 or 1.25")
    log.add_argument("--rate", help="hourly rate for this entry (default: the customer's rate)")
    log.add_argument("--description", default="", help="what was done")
    log.add_argument("--kind", required=True, choices=KINDS, help=f"one of {', '.join(KINDS)} (required)")
    log.add_argument("--component", help="the component worked on, e.g. network")
    log.add_argument("--role", help="who did it, for a per-role rate (e.g. specialist, consultant)")
    log.add_argument("--focus", metavar="AREA", help="on-site work only: the focus area it was for")
    add_at(log)
    add_json(log)
    log.set_defaults(handler=log_work)

    reverse = actions.add_parser(
        "reverse", help="reverse one time entry, effective at the entry's own time", parents=parents
    )
    reverse.add_argument("customer", metavar="CUSTOMER")
    reverse.add_argument("--entry", metavar="ID", help="the entry's id")
    reverse.add_argument("--ticket", help="the ticket (when it has one entry)")
    reverse.add_argument("--reason", required=True, help="why (internal; never printed for the customer)")
    reverse.add_argument("--note", help="what the customer's statement says (default: a neutral correction)")
    reverse.add_argument(
        "--at", metavar="ISO8601", help="when the reversal was decided (default: now); not before the work"
    )
    add_json(reverse)
    reverse.set_defaults(handler=reverse_work)

    show = actions.add_parser("show", help="the time entries on a ticket", parents=parents)
    show.add_argument("customer", metavar="CUSTOMER")
    show.add_argument("--ticket", required=True)
    add_json(show)
    show.set_defaults(handler=show_ticket)


def log_work(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.log_work(
        args.customer,
        ticket=args.ticket,
        entry=args.entry,
        engineer=args.engineer,
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
    if result.entry != result.ticket:
        title += f", entry {result.entry}"
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
    if result.engineer:
        rows.insert(0, ("engineer", result.engineer))
    if result.reversed:
        rows.append(("reversed", "yes"))
    out.fields(title, rows)
    return EXIT_OK


def reverse_work(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.reverse_work(
        args.customer, ticket=args.ticket, entry=args.entry, reason=args.reason, note=args.note, at=args.at
    )
    data = result.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    title = f"Reversal of {result.entry} ({result.ticket}) for {result.customer}"
    if result.duplicate:
        title += " (already reversed; nothing new written)"
    keys = ("effective_at", "restored", "written_off", "invoiceable_voided", "balance", "reason", "note")
    out.fields(title, [(key, data[key]) for key in keys])
    return EXIT_OK


def show_ticket(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    entries = ledger.ticket_entries(args.customer, args.ticket)
    if args.json:
        out.json([entry.to_json() for entry in entries])
        return EXIT_OK
    if not entries:
        out.line(f"No time entries on {args.ticket}.")
        return EXIT_OK
    for entry in entries:
        data = entry.to_json()
        rows = [
            (key, data[key])
            for key in (
                "at",
                "engineer",
                "kind",
                "hours",
                "rate",
                "amount",
                "payer",
                "debited",
                "invoiceable",
            )
        ]
        if entry.reversed:
            rows.append(("reversed", "yes"))
        out.fields(f"Entry {entry.entry} on {entry.ticket}", rows)
    return EXIT_OK
