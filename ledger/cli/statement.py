"""``ledger statement CUSTOMER --month YYYY-MM [--format text|json|html|pdf] [--lang nl|en]
[--output FILE]`` shows a statement (the issued one, else a provisional one, clearly marked and
unnumbered); ``ledger statement issue CUSTOMER --month YYYY-MM`` issues it (numbered, frozen;
idempotent); ``ledger statement close --month YYYY-MM [CUSTOMER...]`` closes the month on purpose
before its cut-off, for the customers named or for everyone.

The first word tells them apart: ``issue`` or ``close``, else it is the customer to show.
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

FORMATS = ("text", "json", "html", "pdf")
LANGUAGES = ("nl", "en")


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "statement",
        help="a customer's monthly statement; 'statement issue CUSTOMER' issues it",
        parents=parents,
        description="Show a monthly statement (provisional until issued), issue it "
        "(ledger statement issue CUSTOMER --month YYYY-MM), or close a month before its cut-off "
        "(ledger statement close --month YYYY-MM [CUSTOMER...]; without customers: everyone). "
        "'ledger tick' issues a month's statements by itself once the cut-off has passed "
        "(setting statements.cut-off, default the 3rd working day of the next month).",
    )
    parser.add_argument("words", nargs="+", metavar="CUSTOMER | issue CUSTOMER | close [CUSTOMER...]")
    parser.add_argument("--month", required=True, metavar="YYYY-MM", help="Amsterdam calendar month")
    parser.add_argument("--format", choices=FORMATS, default="text", help="text (default), json, html or pdf")
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="language of the document: nl (Dutch) or en (English); default the customer's "
        "(settings statements.customer-languages, statements.language: Dutch unless set)",
    )
    parser.add_argument("--output", metavar="FILE", help="write the statement to FILE instead of stdout")
    parser.set_defaults(handler=statement_command, trailing_words=True)


def statement_command(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    words = args.words
    target = checked_output(args.output, ledger.config) if args.output is not None else None
    if words[0] == "close":
        closed = ledger.close_statements(args.month, words[1:])
        numbers = ", ".join(statement.number or "" for statement in closed)
        out.line(f"Closed {args.month}: issued {numbers}." if closed else f"{args.month}: nothing to issue.")
        return EXIT_OK
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
        raise InvalidInputError("customer", "give one CUSTOMER, 'issue CUSTOMER' or 'close [CUSTOMER...]'")
    document = render(statement, args.format, args.lang)
    if target is not None:
        write_output(target, document)
    else:
        sys.stdout.flush()
        binary = getattr(sys.stdout, "buffer", None)
        if binary is not None:
            binary.write(document)
            binary.flush()
        else:  # a text stream (captured output): a PDF cannot be shown there, text can
            sys.stdout.write(document.decode("utf-8", errors="replace"))
    return EXIT_OK


def render(statement: Statement, fmt: str, language: str | None = None) -> bytes:
    """The document's bytes (UTF-8 text, or a PDF)."""
    if fmt == "pdf":
        from ledger.statements.pdf import render_pdf  # WeasyPrint loads only when a PDF is made

        return render_pdf(statement, language)
    if fmt == "json":
        return render_json(statement).encode("utf-8")
    if fmt == "html":
        from ledger.statements.html import render_html  # matplotlib loads only when a page is made

        return render_html(statement, language).encode("utf-8")
    return render_text(statement, language).encode("utf-8")
