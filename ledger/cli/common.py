"""What every subcommand shares: the parser type, the handler signature, common options."""

from __future__ import annotations

import argparse
import re
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
    """argparse, but a usage error is one line ``ledger: error: FIELD: REASON`` and exit code 2,
    like every other refusal, so scripts parse one shape."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"ledger: error: {one_line(usage_error(message))}\n")
        raise SystemExit(EXIT_USAGE)


def one_line(text: str) -> str:
    """``text`` with every unprintable character escaped (``\\n``, ``\\x1b``, ``\\u202e``): an error
    stays one line, and user text in it cannot move the cursor or recolour the terminal."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


_ARGUMENT = re.compile(r"^argument (\S+?)(?:/\S+)?: (.*)$", re.DOTALL)
_REQUIRED = re.compile(r"^the following arguments are required: (.*)$", re.DOTALL)
_UNRECOGNIZED = re.compile(r"^unrecognized arguments: (.*)$", re.DOTALL)


def usage_error(message: str) -> str:
    """argparse's message as ``FIELD: REASON`` on one line (``--tier: invalid choice: ...``)."""
    text = " ".join(message.split())
    if matched := _ARGUMENT.match(text):
        return f"{matched[1]}: {matched[2]}"
    if matched := _REQUIRED.match(text):
        return f"{matched[1]}: required"
    if matched := _UNRECOGNIZED.match(text):
        return f"{matched[1][:200]}: not an option or argument of this command"
    return f"usage: {text}"


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


def add_from(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="effective_from",
        required=True,
        metavar="DATE",
        help="when it takes effect: a date (00:00 Europe/Amsterdam) or an ISO 8601 time with a zone; "
        "may lie in the past (backdated) or the future",
    )
