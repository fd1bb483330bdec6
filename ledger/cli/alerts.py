"""``ledger alerts [CUSTOMER] [--account-manager NAME] [--kind K] [--since DATE] [--all] [--json]``
and ``ledger alerts ack ALERT_ID``.

One word lists a customer's alerts, two words ``ack ALERT_ID`` acknowledge one: the word count
tells them apart, so even a customer called ``ack`` can be listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_at, add_json
from ledger.domain.alerts import ALERT_KINDS
from ledger.domain.time import describe_instant
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output

TABLE_COLUMNS = ("id", "customer", "kind", "effective", "raised", "account_manager", "message", "ack")
"""``effective`` is the raising event's effective time, ``raised`` when it was recorded: the same
two times as ``effective_at`` and ``raised_at`` in the JSON."""


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    alerts = commands.add_parser(
        "alerts",
        help="alerts for account managers; 'alerts ack ALERT_ID' acknowledges one",
        parents=parents,
        description="List alerts (open ones by default), or acknowledge one: ledger alerts ack ALERT_ID",
    )
    alerts.add_argument(
        "words", nargs="*", metavar="CUSTOMER | ack ALERT_ID", help="a customer to list, or: ack ALERT_ID"
    )
    alerts.add_argument("--all", action="store_true", help="include acknowledged alerts")
    alerts.add_argument(
        "--account-manager",
        metavar="NAME",
        help="only alerts whose account manager (at the alert's time) is NAME",
    )
    alerts.add_argument("--kind", metavar="K", choices=sorted(ALERT_KINDS), help="only alerts of this kind")
    alerts.add_argument("--since", metavar="DATE", help="only alerts raised (recorded) from DATE on")
    add_at(alerts)
    add_json(alerts)
    alerts.set_defaults(handler=alerts_command)


def alerts_command(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    words = args.words
    if len(words) == 2 and words[0] == "ack":
        return acknowledge(ledger, words[1], args, out)
    if len(words) > 1:
        raise InvalidInputError("customer", "give one CUSTOMER, or 'ack ALERT_ID'")
    alerts = ledger.alerts(
        words[0] if words else None,
        include_acknowledged=args.all,
        kind=args.kind,
        since=args.since,
        account_manager=args.account_manager,
    )
    if args.json:
        out.json([alert.to_json() for alert in alerts])
        return EXIT_OK
    title = "Alerts" if args.all else "Open alerts"
    rows = [
        (
            a.id,
            a.customer,
            a.kind,
            describe_instant(a.effective_at),
            describe_instant(a.raised_at),
            a.account_manager,
            a.message,
            f"{a.acknowledged_by}" if a.acknowledged else "",
        )
        for a in alerts
    ]
    out.table(title, TABLE_COLUMNS, rows)
    return EXIT_OK


def acknowledge(ledger: Ledger, alert_id: str, args: argparse.Namespace, out: Output) -> int:
    result = ledger.acknowledge_alert(alert_id, at=args.at)
    if args.json:
        out.json(result.to_json())
    elif result.duplicate:
        out.line(
            f"Alert {result.alert_id} was already acknowledged by {result.acknowledged_by}; nothing changed."
        )
    else:
        out.line(f"Acknowledged {result.alert_id} ({result.kind}, {result.customer}).")
    return EXIT_OK
