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

from ledger.cli import (
    admin,
    alerts,
    audit,
    balance,
    card,
    contract,
    customer,
    demo,
    entitlement,
    importer,
    invoiceable,
    notify,
    onsite,
    pack,
    person,
    projections,
    rate,
    report,
    settings,
    statement,
    tick,
    work,
)
from ledger.cli.common import EXIT_USAGE, Parser, one_line
from ledger.cli.output import Output
from ledger.config import LedgerSettings
from ledger.errors import LedgerError

SUBCOMMANDS = (
    customer,
    card,
    work,
    balance,
    contract,
    entitlement,
    pack,
    rate,
    onsite,
    admin,
    person,
    report,
    invoiceable,
    alerts,
    notify,
    statement,
    projections,
    tick,
    settings,
    audit,
    demo,
    importer,
)
"""Each module registers its own subcommands; later features add theirs here."""


def choose_actor(given: str | None) -> str | None:
    """Who says they are recording: ``--actor``, else ``LEDGER_ACTOR``, else nobody named."""
    return given or os.environ.get("LEDGER_ACTOR") or None


def login_name() -> str:
    """The fallback actor: the login name. Only a default; an authenticated ledger ignores it."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
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
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    for module in SUBCOMMANDS:
        module.register(commands, [common])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``ledger`` command; returns the exit code."""
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras and getattr(args, "trailing_words", False) and not any(e.startswith("-") for e in extras):
        args.words += extras  # 'statement close --month M acme beta': the customers follow the option
    elif extras:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    out = Output(json_mode=getattr(args, "json", False))
    try:
        if not getattr(args, "needs_ledger", True):
            return int(args.handler(None, args, out))
        from ledger.api import Ledger

        settings = LedgerSettings.load()
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
