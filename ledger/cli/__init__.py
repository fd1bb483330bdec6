"""The ``ledger`` command: parse, call the library, render. Rules live in the library, not here.

Exit codes: 0 done; 2 bad input, unknown customer or any other refusal (one line on stderr,
nothing written); 1 an unexpected internal error.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence

from ledger.cli.common import EXIT_USAGE, LazySubparsers, Parser, one_line
from ledger.errors import LedgerError

COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("customer", "customer", "customers"),
    ("card", "card", "the strippenkaart (prepaid credit)"),
    ("work", "work", "work entries"),
    ("balance", "balance", "a customer's card balance"),
    ("contract", "contract", "servicedesk contracts (basis, comfort)"),
    ("entitlement", "entitlement", "what a customer is entitled to"),
    ("pack", "pack", "beheerpacks (managed-service packs)"),
    ("rate", "rate", "the rate card: hourly rates and rounding"),
    ("onsite", "onsite", "on-site support engagements"),
    ("admin", "admin", "admin accounts (beheeraccounts) and their grants"),
    ("person", "person", "people, their roles and logins"),
    ("report", "report", "reports from the projections"),
    ("invoiceable", "invoiceable", "invoiceable lines for billing: export"),
    ("alerts", "alerts", "alerts for account managers; 'alerts ack ALERT_ID' acknowledges one"),
    ("webhook", "notify", "webhooks that receive alerts"),
    ("notify", "notify", "deliver alerts by e-mail and webhook"),
    ("statement", "statement", "a customer's monthly statement; 'statement issue CUSTOMER' issues it"),
    ("projections", "projections", "run, rebuild or inspect the views"),
    (
        "tick",
        "tick",
        "record what has fallen due (monthly credits, expiry write-offs) and issue statements; "
        "run it from cron",
    ),
    ("settings", "settings", "dated settings that decide money"),
    ("audit", "audit", "export, catalogue, seal and verify the log"),
    ("demo", "demo", "run the seed's example on a temporary SQLite store"),
    ("import", "importer", "import history (customers, purchases, top-ups, work, reversals) from a CSV file"),
)
"""Every top-level command: (name, module under ``ledger.cli`` that registers it, its one-line help).

Why a table: the command line imports only the module of the command it runs (a module pulls in
the library parts its handlers need); ``ledger --help`` is printed from here. The module's own
``register`` declares the command's arguments and gives the same help text (a test checks both).
Later features add a row here and a module with ``register(commands, parents)``.
"""


def choose_actor(given: str | None) -> str | None:
    """Who says they are recording: ``--actor``, else ``LEDGER_ACTOR``, else nobody named."""
    return given or os.environ.get("LEDGER_ACTOR") or None


def login_name() -> str:
    """The fallback actor: the login name. Only a default; an authenticated ledger ignores it."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def build_parser(*, lazy: bool = False) -> argparse.ArgumentParser:
    """The whole ``ledger`` parser; ``lazy``: a command's own parser is built only when it is chosen
    (what :func:`main` uses), else every command's parser is built now (to walk them all)."""
    # Global options are accepted before and after the subcommand: SUPPRESS keeps a later
    # occurrence from resetting one given earlier.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="sqlite:///PATH, postgresql://USER@HOST:PORT/DB or memory:// "
        "(default: $LEDGER_DATABASE_URL or sqlite:///ledger.db)",
    )
    common.add_argument(
        "--actor",
        default=argparse.SUPPRESS,
        metavar="NAME",
        help="who records this (default: $LEDGER_ACTOR or your login name)",
    )
    parser = Parser(
        prog="ledger", description="Event-sourced billing and entitlement ledger.", parents=[common]
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=Parser, action=LazySubparsers
    )
    if not isinstance(commands, LazySubparsers):  # argparse returns the action it was given
        raise TypeError(type(commands).__name__)
    for name, module, summary in COMMANDS:
        commands.declare(name, f"ledger.cli.{module}", summary, [common])
    if not lazy:
        commands.load_all()
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``ledger`` command; returns the exit code."""
    parser = build_parser(lazy=True)
    args, extras = parser.parse_known_args(argv)
    if extras and getattr(args, "trailing_words", False) and not any(e.startswith("-") for e in extras):
        args.words += extras  # 'statement close --month M acme beta': the customers follow the option
    elif extras:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    from ledger.cli.output import Output

    out = Output(json_mode=getattr(args, "json", False))
    from ledger.cli import holiday_tables

    holiday_tables.install()  # a fresh process a command: the holiday tables from the last one
    try:
        if not getattr(args, "needs_ledger", True):
            return int(args.handler(None, args, out))
        from ledger.api import Ledger
        from ledger.config_source import named_config

        if named_config() is not None:  # read (and refused) before the store is opened
            from ledger.config import LedgerSettings

            settings = LedgerSettings.load()
        else:
            settings = None  # the defaults, made by the handle when something reads them
        actor = choose_actor(getattr(args, "actor", None))
        opened = Ledger.open(
            getattr(args, "db", None), actor=actor, settings=settings, default_actor=login_name()
        )
        with opened as ledger:
            return int(args.handler(ledger, args, out))
    except LedgerError as error:
        sys.stderr.write(f"ledger: error: {one_line(str(error))}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("ledger: interrupted\n")
        return 130


def run() -> None:
    """Console-script entry point."""
    raise SystemExit(main())
