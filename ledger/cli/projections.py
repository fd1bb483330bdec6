"""``ledger projections run|rebuild|status``: keep, rebuild and inspect the views."""

from __future__ import annotations

import signal
import sys
import threading
from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_json
from ledger.projections.follow import (
    POLL_INTERVAL_MAX_S,
    POLL_INTERVAL_MIN_S,
    POLL_INTERVAL_S,
    follow,
    poll_interval,
)

if TYPE_CHECKING:
    import argparse
    from types import FrameType

    from ledger.api import Ledger
    from ledger.cli.output import Output


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("projections", help="run, rebuild or inspect the views", parents=parents)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    run = actions.add_parser(
        "run", help="follow the log and keep views up to date (until Ctrl-C or SIGTERM)", parents=parents
    )
    run.add_argument("names", nargs="*", metavar="NAME", help="views to follow (default: all)")
    run.add_argument(
        "--poll-interval",
        default=str(POLL_INTERVAL_S),
        metavar="S",
        help=f"SQLite: seconds between catch-ups, {POLL_INTERVAL_MIN_S}..{POLL_INTERVAL_MAX_S:.0f} "
        f"(default {POLL_INTERVAL_S})",
    )
    run.set_defaults(handler=run_projections)

    rebuild = actions.add_parser(
        "rebuild", help="rebuild a view (default: all) from the first event", parents=parents
    )
    rebuild.add_argument("name", nargs="?", metavar="NAME")
    rebuild.add_argument(
        "--workers",
        metavar="N",
        help="at most N processes rebuild the views, each its own (default: one per core for a big log; "
        "1 keeps it in one process)",
    )
    add_json(rebuild)
    rebuild.set_defaults(handler=rebuild_projections)

    status = actions.add_parser("status", help="each view's position and lag", parents=parents)
    add_json(status)
    status.set_defaults(handler=projection_status)


def run_projections(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    interval_s = poll_interval(args.poll_interval)
    for name in args.names:
        ledger.projections.projection(name)  # an unknown name is refused before anything starts
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    names = args.names or list(ledger.projections.names)

    def started() -> None:
        sys.stderr.write(f"ledger: following {', '.join(names)} on {ledger.config.display}; Ctrl-C stops\n")

    follow(ledger.config, ledger.projections, names, stop, poll_interval_s=interval_s, started=started)
    return EXIT_OK


def rebuild_projections(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    results = ledger.rebuild_projection(args.name, workers=args.workers)
    if args.json:
        out.json([result.to_json() for result in results])
        return EXIT_OK
    rows = [
        (r.name, r.events_applied, r.position, f"{r.seconds:.3f}", _rate(r.events_applied, r.seconds))
        for r in results
    ]
    out.table(
        "Rebuilt",
        ("name", "events", "position", "seconds", "events/s"),
        rows,
        numeric=("events", "position", "seconds", "events/s"),
    )
    return EXIT_OK


def projection_status(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    statuses = ledger.projection_status()
    if args.json:
        out.json([status.to_json() for status in statuses])
        return EXIT_OK
    columns = ("name", "position", "log_position", "behind", "pending")
    rows = [(s.name, s.position, s.log_position, s.behind, s.pending) for s in statuses]
    out.table("Projections", columns, rows, numeric=columns[1:])
    return EXIT_OK


def _rate(events: int, seconds: float) -> str:
    return f"{events / seconds:,.0f}" if seconds > 0 else "-"
