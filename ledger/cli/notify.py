"""``ledger webhook add|remove|list`` and ``ledger notify run [--follow]|status|retry ID``."""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_json
from ledger.domain.alerts import ALERT_KINDS
from ledger.domain.time import describe_instant
from ledger.projections.follow import POLL_INTERVAL_MAX_S, POLL_INTERVAL_MIN_S, poll_interval

if TYPE_CHECKING:
    import argparse
    from types import FrameType

    from ledger.api import Ledger
    from ledger.cli.output import Output

FOLLOW_INTERVAL_S = 30.0
FOLLOW_ROUNDS_MAX = 10_000_000
"""``--follow`` ends after this many rounds (about ten years at the default interval): a bound."""


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    webhook = commands.add_parser("webhook", help="webhooks that receive alerts", parents=parents)
    actions = webhook.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="deliver alerts raised from now on to URL", parents=parents)
    add.add_argument("url", metavar="URL")
    add.add_argument(
        "--secret-env", required=True, metavar="VAR", help="environment variable holding the signing secret"
    )
    add.add_argument(
        "--kinds", nargs="+", metavar="K", choices=sorted(ALERT_KINDS), help="only these kinds (default: all)"
    )
    add_json(add)
    add.set_defaults(handler=add_webhook)
    remove = actions.add_parser("remove", help="stop delivering new alerts to URL", parents=parents)
    remove.add_argument("url", metavar="URL")
    add_json(remove)
    remove.set_defaults(handler=remove_webhook)
    listing = actions.add_parser("list", help="the webhooks", parents=parents)
    add_json(listing)
    listing.set_defaults(handler=list_webhooks)

    notify = commands.add_parser("notify", help="deliver alerts by e-mail and webhook", parents=parents)
    steps = notify.add_subparsers(dest="action", required=True, metavar="ACTION")
    run = steps.add_parser("run", help="send every due delivery (once, or --follow)", parents=parents)
    run.add_argument("--follow", action="store_true", help="keep running, a round every --interval seconds")
    run.add_argument(
        "--interval",
        default=str(FOLLOW_INTERVAL_S),
        metavar="S",
        help=f"seconds between rounds with --follow, {POLL_INTERVAL_MIN_S}..{POLL_INTERVAL_MAX_S:.0f}",
    )
    add_json(run)
    run.set_defaults(handler=notify_run)
    status = steps.add_parser("status", help="deliveries by status; the undelivered listed", parents=parents)
    status.add_argument("--all", action="store_true", help="list delivered ones too")
    add_json(status)
    status.set_defaults(handler=notify_status)
    retry = steps.add_parser("retry", help="make a dead delivery due again", parents=parents)
    retry.add_argument("id", metavar="ID", help="a delivery id (dl-...) or an alert id (al-...)")
    add_json(retry)
    retry.set_defaults(handler=notify_retry)


def add_webhook(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.add_webhook(args.url, secret_env=args.secret_env, kinds=args.kinds)
    if args.json:
        out.json(result.to_json())
    else:
        kinds = ", ".join(result.kinds) or "every kind"
        verb = "Already delivering" if result.duplicate else "Delivering"
        out.line(f"{verb} {kinds} to {result.url}, signed with ${result.secret_env}.")
    return EXIT_OK


def remove_webhook(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.remove_webhook(args.url)
    if args.json:
        out.json(result.to_json())
    else:
        out.line(f"No new alerts go to {result.url}; deliveries already asked for still go.")
    return EXIT_OK


def list_webhooks(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    hooks = ledger.webhooks()
    if args.json:
        out.json([hook.to_json() for hook in hooks])
        return EXIT_OK
    rows = [(h.url, h.secret_env, ", ".join(h.kinds) or "all", "yes" if h.active else "no") for h in hooks]
    out.table("Webhooks", ("url", "secret_env", "kinds", "active"), rows)
    return EXIT_OK


def notify_run(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    interval_s = poll_interval(args.interval, "interval")
    if args.follow:
        # A service stops cleanly on SIGTERM or Ctrl-C, after the send under way.
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        deliverer = ledger.deliverer()
        for _ in range(FOLLOW_ROUNDS_MAX):
            ledger.projections.catch_up("alerts")
            result = deliverer.run_once(stopping=stop.is_set)
            if result.delivered or result.failed or result.dead:
                out.line(_summary(result.to_json()))
            if stop.wait(interval_s):
                break
        return EXIT_OK
    result = ledger.notify_run()
    if args.json:
        out.json(result.to_json())
    else:
        out.line(_summary(result.to_json()))
    return EXIT_OK


def _summary(counts: dict[str, object]) -> str:
    return (
        f"Delivered {counts['delivered']}, failed {counts['failed']} (will retry), "
        f"dead {counts['dead']}, waiting for the daily digest {counts['waiting']}."
    )


def notify_status(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    deliveries = ledger.deliveries()
    shown = deliveries if args.all else [d for d in deliveries if d.status != "delivered"]
    if args.json:
        counts: dict[str, int] = {}
        for d in deliveries:
            counts[d.status] = counts.get(d.status, 0) + 1
        out.json({"counts": counts, "deliveries": [d.to_json() for d in shown]})
        return EXIT_OK
    rows = [
        (
            d.id,
            d.alert_id,
            d.channel,
            d.target or "account manager",
            d.status,
            d.attempts,
            describe_instant(d.next_attempt_at) if d.status == "pending" and d.attempts else "",
            d.last_error or "",
        )
        for d in shown
    ]
    columns = ("id", "alert", "channel", "to", "status", "attempts", "next_attempt", "last_error")
    delivered = sum(1 for d in deliveries if d.status == "delivered")
    out.table(f"Deliveries ({delivered} of {len(deliveries)} delivered)", columns, rows)
    return EXIT_OK


def notify_retry(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    requeued = ledger.retry_delivery(args.id)
    if args.json:
        out.json({"requeued": requeued})
    else:
        out.line(f"Due again now: {', '.join(requeued)}.")
    return EXIT_OK
