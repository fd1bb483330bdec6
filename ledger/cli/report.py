"""``ledger report balances|work|invoiceable``: the views, as a table, CSV or JSON.

Amounts are strings with two decimals in every format; JSON is a list of objects (the typed
results' ``to_json``), CSV a header row and one row per line, for spreadsheets and billing; a CSV
cell that a spreadsheet would run as a formula starts with ``'`` (see :mod:`ledger.spreadsheet`).
"""

from __future__ import annotations

import csv
import dataclasses
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ledger.cli.common import EXIT_OK, Subparsers
from ledger.spreadsheet import neutralise

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output
    from ledger.commands.results import JsonResult
    from ledger.projections.balances import BalanceRow

FORMATS = ("table", "csv", "json")

BALANCE_COLUMNS = (
    "customer",
    "name",
    "currency",
    "credited",
    "debited",
    "expired",
    "balance",
    "last_movement_at",
)
TOTAL = "total"
"""The customer cell of a total row (one per currency): outstanding prepaid credit for the balance sheet."""
WORK_COLUMNS = (
    "date",
    "ticket",
    "line",
    "description",
    "hours",
    "rate",
    "amount",
    "card_paid",
    "invoiceable",
    "balance_after",
    "currency",
    "reversed",
)
WORK_TABLE_COLUMNS = (
    "date",
    "ticket",
    "description",
    "hours",
    "rate",
    "card_paid",
    "invoiceable",
    "balance_after",
    "reversed",
)
INVOICEABLE_TABLE_COLUMNS = (
    "customer",
    "date",
    "ticket",
    "hours",
    "rate",
    "amount",
    "invoiceable",
    "payer",
    "void",
    "export",
)
INVOICEABLE_COLUMNS = (
    "customer",
    "date",
    "ticket",
    "kind",
    "description",
    "hours",
    "rate",
    "amount",
    "invoiceable",
    "currency",
    "payer",
    "void",
    "reason",
    "export",
)
NUMERIC = (
    "credited",
    "debited",
    "balance",
    "hours",
    "rate",
    "amount",
    "card_paid",
    "invoiceable",
    "balance_after",
    "expired",
)


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("report", help="reports from the projections", parents=parents)
    reports = group.add_subparsers(dest="report", required=True, metavar="REPORT")

    balances = reports.add_parser(
        "balances", help="every card's balance, now or as of a date", parents=parents
    )
    balances.add_argument(
        "--as-of",
        metavar="DATE",
        help="sum movements effective at or before this (a bare date is 00:00 Amsterdam)",
    )
    _add_format(balances)
    balances.add_argument(
        "--totals",
        action="store_true",
        help="csv and json: add a total row per currency as the last line(s) (the table always has it)",
    )
    balances.set_defaults(handler=report_balances)

    work = reports.add_parser("work", help="a customer's invoice-free work in a month", parents=parents)
    work.add_argument("customer", metavar="CUSTOMER")
    work.add_argument("--month", required=True, metavar="YYYY-MM", help="Amsterdam calendar month")
    _add_format(work)
    work.set_defaults(handler=report_work)

    invoiceable = reports.add_parser(
        "invoiceable", help="lines billing should invoice for a month", parents=parents
    )
    invoiceable.add_argument("--month", required=True, metavar="YYYY-MM", help="Amsterdam calendar month")
    invoiceable.add_argument("--customer", metavar="CUSTOMER", help="only this customer")
    invoiceable.add_argument("--include-void", action="store_true", help="also lines of reversed work")
    _add_format(invoiceable)
    invoiceable.set_defaults(handler=report_invoiceable)


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table", help="table (default), csv or json")


def report_balances(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    rows: list[Any] = list(ledger.report_balances(as_of=args.as_of))
    if args.totals or args.format == "table":
        rows += total_rows(rows)
    title = "Balances" + (f" as of {args.as_of}" if args.as_of else "")
    render(out, args.format, title, rows, BALANCE_COLUMNS)
    return EXIT_OK


def total_rows(rows: Sequence[BalanceRow]) -> list[BalanceRow]:
    """One row per currency summing every card: credited, debited, expired, balance."""
    totals: dict[str, BalanceRow] = {}
    for row in rows:
        seen = totals.get(row.currency)
        if seen is None:
            totals[row.currency] = dataclasses.replace(row, customer=TOTAL, name=None, last_movement_at=None)
            continue
        totals[row.currency] = dataclasses.replace(
            seen,
            credited=seen.credited + row.credited,
            debited=seen.debited + row.debited,
            expired=seen.expired + row.expired,
            balance=seen.balance + row.balance,
        )
    return [totals[currency] for currency in sorted(totals)]


def report_work(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    rows = ledger.work_records(args.customer, args.month)
    title = f"Invoice-free work of {args.customer} in {args.month}"
    render(out, args.format, title, rows, WORK_COLUMNS, WORK_TABLE_COLUMNS)
    return EXIT_OK


def report_invoiceable(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    rows = ledger.invoiceable_lines(args.month, customer=args.customer, include_void=args.include_void)
    title = f"Invoiceable in {args.month}"
    render(out, args.format, title, rows, INVOICEABLE_COLUMNS, INVOICEABLE_TABLE_COLUMNS)
    return EXIT_OK


def render(
    out: Output,
    fmt: str,
    title: str,
    rows: Sequence[JsonResult],
    columns: Sequence[str],
    table_columns: Sequence[str] | None = None,
) -> None:
    """One report in the chosen format: JSON every field, CSV ``columns``, a table the narrowest set."""
    data = [row.to_json() for row in rows]
    if fmt == "json":
        out.json(data)
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([neutralise(_cell(item[column])) for column in columns] for item in data)
    else:
        shown = table_columns or columns
        table_rows = [[_cell(item[column]) for column in shown] for item in data]
        out.table(title, shown, table_rows, numeric=NUMERIC)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
