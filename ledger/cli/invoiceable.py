"""``ledger invoiceable export --until DATE [--format csv|json] [--output FILE]``: hand billing every
invoiceable line not exported yet (late ones flagged), and credits for exported lines reversed since.

Each run that finds something new is numbered and recorded; run again, it exports nothing. CSV
text cells that a spreadsheet would run as a formula (starting with = + - @) get a leading '.
"""

from __future__ import annotations

import csv
import io
import sys
from typing import TYPE_CHECKING, Any

from ledger.cli.common import EXIT_OK, Subparsers
from ledger.cli.files import checked_output, write_output

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output
    from ledger.commands.invoice_export import InvoiceExport

COLUMNS = (
    "export",
    "kind",
    "late",
    "customer",
    "customer_name",
    "period",
    "date",
    "ticket",
    "description",
    "hours",
    "rate",
    "amount_excl_vat",
    "vat_rate",
    "vat_amount",
    "amount_incl_vat",
    "currency",
    "credits_export",
    "entry_id",
)
FIGURES = ("hours", "rate", "amount_excl_vat", "vat_rate", "vat_amount", "amount_incl_vat")
FORMULA_STARTS = ("=", "+", "-", "@")


def neutralise_csv_cell(value: str) -> str:
    """A text cell a spreadsheet would evaluate (=, +, -, @ first) gets a leading ' so it stays text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("invoiceable", help="invoiceable lines for billing: export", parents=parents)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export",
        help="export every invoiceable line not exported yet, numbered and recorded",
        parents=parents,
        description="Write every invoiceable line effective before --until that no export held yet "
        "(any period; lines logged late for an exported period are flagged late), and a credit line "
        "for each exported line reversed since. The export is numbered and recorded; again, it "
        "exports nothing.",
    )
    export.add_argument("--until", required=True, metavar="DATE", help="lines effective before this")
    export.add_argument("--format", choices=("csv", "json"), default="csv", help="csv (default) or json")
    export.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    export.set_defaults(handler=export_command)


def export_command(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    # The target is checked before the export is recorded, and written atomically, never over the store.
    target = checked_output(args.output, ledger.config) if args.output is not None else None
    result = ledger.export_invoiceable(args.until)
    document = render_json(result) if args.format == "json" else render_csv(result)
    if target is not None:
        write_output(target, document)
    else:
        sys.stdout.write(document)
    if result.number is None:
        sys.stderr.write("Nothing new to export.\n")
    else:
        late = sum(1 for line in result.lines if line.late)
        credits = sum(1 for line in result.lines if line.kind == "credit")
        sys.stderr.write(
            f"Export {result.number}: {len(result.lines)} lines ({late} late, {credits} credits).\n"
        )
    return EXIT_OK


def render_json(result: InvoiceExport) -> str:
    import json

    return json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"


def render_csv(result: InvoiceExport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in result.lines:
        data = line.to_json()
        writer.writerow([_cell(column, data[column]) for column in COLUMNS])
    return buffer.getvalue()


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return text if column in FIGURES else neutralise_csv_cell(text)
