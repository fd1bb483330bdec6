"""What every subcommand shares: the parser type, the handler signature, common options."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from ledger.api import Ledger
    from ledger.cli.output import Output

Handler = Callable[["Ledger", argparse.Namespace, "Output"], int]
"""A subcommand: runs against an open ledger, writes through Output, returns the exit code."""

EXIT_OK = 0
EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Subparsers = argparse._SubParsersAction


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print stable JSON for scripts")


def add_at(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at",
        metavar="ISO8601",
        help="effective time, with a timezone (default: now); a bare date is 00:00 Amsterdam",
    )
