"""``ledger settings set KEY VALUE --from DATE`` and ``ledger settings show [--at]``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_from, add_json
from ledger.domain.time import describe_instant

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("settings", help="dated settings that decide money", parents=parents)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    change = actions.add_parser("set", help="record a setting from a date on", parents=parents)
    change.add_argument("key", metavar="KEY", help="e.g. late-work-policy (see 'ledger settings show')")
    change.add_argument("value", metavar="VALUE")
    add_from(change)
    add_json(change)
    change.set_defaults(handler=set_setting)

    show = actions.add_parser("show", help="the settings in force at a moment", parents=parents)
    show.add_argument("--at", metavar="ISO8601", help="the moment (default: now)")
    add_json(show)
    show.set_defaults(handler=show_settings)


def set_setting(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.set_setting(args.key, args.value, effective_from=args.effective_from)
    if args.json:
        out.json(result.to_json())
    elif result.duplicate:
        out.line(f"{result.key} is already {result.value} from {describe_instant(result.effective_from)}.")
    else:
        out.line(f"{result.key} = {result.value} from {describe_instant(result.effective_from)}.")
    return EXIT_OK


def show_settings(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    views = ledger.settings_in_force(at=args.at)
    if args.json:
        out.json([view.to_json() for view in views])
        return EXIT_OK
    for view in views:
        since = "default" if view.since is None else f"since {describe_instant(view.since)} by {view.set_by}"
        out.line(f"{view.key} = {view.value}  ({since})")
    return EXIT_OK
