"""``ledger tick``: advance the ledger's clock; record what has fallen due and issue the statements
of months whose cut-off has passed. Safe to run every minute."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_json

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    tick = commands.add_parser(
        "tick",
        help="record what has fallen due (monthly credits, expiry write-offs) and issue statements; "
        "run it from cron",
        parents=parents,
        description="Record what has fallen due up to now: monthly credits, expiry write-offs, "
        "evaluations due, grant expiries. It also ISSUES each month's final, numbered statements "
        "once the month's cut-off has passed (dated setting statements.cut-off: by default 00:00 "
        "Europe/Amsterdam on the 3rd working day of the next month, so late hours are in). "
        "To issue a month earlier, on purpose: ledger statement close --month YYYY-MM.",
    )
    tick.add_argument("--until", metavar="ISO8601", help="record what is due up to then (default: now)")
    add_json(tick)
    tick.set_defaults(handler=run_tick)


def run_tick(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    # The clock records as "clock" unless --actor was given (the login name would be misleading in cron).
    result = ledger.tick(args.until, actor=getattr(args, "actor", None))
    data = result.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    counts = ", ".join(f"{kind}: {count}" for kind, count in data["recorded"].items())
    out.line(f"tick until {data['until']} as {data['actor']}: {counts} ({data['visited']} checked)")
    if result.items:
        out.table(
            "Recorded",
            ["kind", "customer", "reference", "amount", "effective at"],
            [
                (i["kind"], i["customer"], i["reference"], i["amount"], i["effective_at"])
                for i in data["items"]
            ],
            numeric=["amount"],
        )
    if result.statements:
        out.line(f"statements issued: {', '.join(result.statements)}")
    return EXIT_OK
