"""``ledger statement CUSTOMER --month YYYY-MM [--format text|json|html] [--output FILE]`` shows a
statement (the issued one, else a provisional one, clearly marked and unnumbered), and
``ledger statement issue CUSTOMER --month YYYY-MM`` issues it (numbered, frozen; idempotent).

One word shows, two words ``issue CUSTOMER`` issue: the word count tells them apart.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers
from ledger.cli.files import checked_output, write_output
from ledger.errors import InvalidInputError
from ledger.statements.render import render_json, render_text

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output
    from ledger.statements.document import Statement

FORMATS = ("text", "json", "html")


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "statement",
        help="a customer's monthly statement; 'statement issue CUSTOMER' issues it",
        parents=parents,
        description="Show a monthly statement (provisional until issued), or issue it: "
        "ledger statement issue CUSTOMER --month YYYY-MM",
    )
    parser.add_argument("words", nargs="+", metavar="CUSTOMER | issue CUSTOMER")
    parser.add_argument("--month", required=True, metavar="YYYY-MM", help="Amsterdam calendar month")
    parser.add_argument("--format", choices=FORMATS, default="text", help="text (default), json or html")
    parser.add_argument("--output", metavar="FILE", help="write the statement to FILE instead of stdout")
    parser.set_defaults(handler=statement_command)


def statement_command(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    words = args.words
    target = checked_output(args.output, ledger.config) if args.output is not None else None
    if len(words) == 2 and words[0] == "issue":
        before = ledger.statement(words[1], args.month)
        statement = ledger.issue_statement(words[1], args.month)
        note = (
            f"Statement {statement.number} was already issued; nothing changed."
            if before.number is not None
            else f"Issued statement {statement.number}."
        )
        sys.stderr.write(note + "\n")
    elif len(words) == 1:
        statement = ledger.statement(words[0], args.month)
    else:
        raise InvalidInputError("customer", "give one CUSTOMER, or 'issue CUSTOMER'")
    document = render(statement, args.format)
    if target is not None:
        write_output(target, document)
    else:
        sys.stdout.write(document)
    return EXIT_OK


def render(statement: Statement, fmt: str) -> str:
    if fmt == "json":
        return render_json(statement)
    if fmt == "html":
        from ledger.statements.html import render_html  # matplotlib loads only when a page is made

        return render_html(statement)
    return render_text(statement)
