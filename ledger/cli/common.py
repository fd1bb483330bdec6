"""What every subcommand shares: the parser type, the handler signature, common options."""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

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


class LazySubparsers(Subparsers):
    """Sub-commands declared by name, module and help; a module is imported, and its parsers
    built, only when its command is chosen (or :meth:`load_all` is called).

    Why: a command's module imports the library parts its handlers need; importing every module to
    run one command made ``ledger balance`` wait for document renderers, mail and chart code.
    Help, choices and the order of commands come from the declarations, so ``ledger --help`` and
    an unknown command's error read the same as with every parser built.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending: dict[str, tuple[str, list[argparse.ArgumentParser]]] = {}
        self.registered_help: dict[str, str | None] = {}
        """The help each module's ``register`` gave its command (a test compares it with the table)."""
        self._placeholder = argparse.ArgumentParser(add_help=False)
        """Stands in the parser map for every command not loaded yet (one for all: each run of the
        command line would otherwise build a parser per command); never parses anything."""

    def declare(self, name: str, module: str, summary: str, parents: list[argparse.ArgumentParser]) -> None:
        """``name`` runs a command registered by ``module``'s ``register(commands, parents)``."""
        self._choices_actions.append(self._ChoicesPseudoAction(name, (), summary))
        self._name_parser_map[name] = self._placeholder  # replaced when the module registers it
        self._pending[name] = (module, parents)

    def load(self, name: str) -> None:
        """Import the module declaring ``name`` and let it build its parsers."""
        module, parents = self._pending[name]
        importlib.import_module(module).register(self, parents)
        if name in self._pending:
            msg = f"{module} did not register the command {name!r}"
            raise RuntimeError(msg)

    def load_all(self) -> None:
        for name in list(self._name_parser_map):
            if name in self._pending:
                self.load(name)

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        if name not in self._pending:
            return super().add_parser(name, **kwargs)
        del self._pending[name]
        self.registered_help[name] = kwargs.pop("help", None)  # already shown from the declaration
        if kwargs.get("prog") is None:
            kwargs["prog"] = f"{self._prog_prefix} {name}"
        parser = self._parser_class(**kwargs)
        self._name_parser_map[name] = parser  # in place: the declared order stays
        return parser

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        if isinstance(values, list) and values and values[0] in self._pending:
            self.load(values[0])
        super().__call__(parser, namespace, values, option_string)


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
