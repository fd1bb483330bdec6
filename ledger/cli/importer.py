"""``ledger import FILE.csv``: history from a spreadsheet or an older PSA, through the ordinary commands.

The CSV format is described in :mod:`ledger.commands.importing` and in the README. A progress bar
is drawn on stderr only when stderr is a terminal, so scripts and logs get just the summary.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ledger.cli.common import EXIT_OK, Subparsers, add_json

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output
    from ledger.commands.importing import Progress as ProgressCallback


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    command = commands.add_parser(
        "import",
        help="import history (customers, purchases, top-ups, work, reversals) from a CSV file",
        parents=parents,
    )
    command.add_argument("file", metavar="FILE", type=Path, help="CSV with a header row (see README)")
    add_json(command)
    command.set_defaults(handler=run_import)


def run_import(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    with ExitStack() as stack:
        callback: ProgressCallback | None = None
        if sys.stderr.isatty():
            bar = stack.enter_context(
                Progress(
                    TextColumn("importing"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeRemainingColumn(),
                    console=Console(file=sys.stderr),
                    transient=True,
                )
            )
            task = bar.add_task("import", total=None)

            def callback(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

        result = ledger.import_csv(args.file, progress=callback)
    data = result.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    out.line(
        f"imported {args.file}: {result.rows} rows, {result.applied} applied, "
        f"{result.duplicates} duplicates (already recorded), in {result.seconds:.2f} s"
    )
    out.table(
        "By type",
        ["type", "applied", "duplicates"],
        [(kind, counts["applied"], counts["duplicates"]) for kind, counts in result.by_type.items()],
        numeric=["applied", "duplicates"],
    )
    return EXIT_OK
