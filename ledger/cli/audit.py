"""``ledger audit export|catalogue``: what an auditor reads, straight from the log."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ledger.audit.catalogue import catalogue, render_markdown
from ledger.audit.export import WRITERS
from ledger.cli.common import EXIT_OK, Subparsers

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.audit.export import ExportRow
    from ledger.cli.output import Output


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("audit", help="export, catalogue, seal and verify the log", parents=parents)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    export = actions.add_parser(
        "export",
        help="every event: position, aggregate, version, recorded and effective time, actor, type, data",
        parents=parents,
    )
    export.add_argument("--customer", help="only this customer's events")
    export.add_argument(
        "--from",
        dest="effective_from",
        metavar="DATE",
        help="events effective at or after this time (a bare date is 00:00 Amsterdam)",
    )
    export.add_argument(
        "--to",
        dest="effective_to",
        metavar="DATE",
        help="events effective before this time (exclusive; a bare date is 00:00 Amsterdam)",
    )
    export.add_argument("--format", choices=sorted(WRITERS), default="jsonl", help="default jsonl")
    export.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    export.set_defaults(handler=export_events)

    listing = actions.add_parser(
        "catalogue", help="every event type, its fields and meaning, from the code", parents=parents
    )
    listing.add_argument("--format", choices=("markdown", "json"), default="markdown")
    listing.set_defaults(handler=show_catalogue, needs_ledger=False)


def export_events(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    rows = ledger.export_events(
        customer=args.customer, effective_from=args.effective_from, effective_to=args.effective_to
    )
    write = WRITERS[args.format]
    with _destination(args.output) as target:
        written = write(rows, target)
        if args.output and sys.stderr.isatty():
            _with_progress(written, ledger.log_position())
        else:
            for _ in written:
                pass
    return EXIT_OK


@contextlib.contextmanager
def _destination(path: str | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        yield handle


def _with_progress(rows: Iterator[ExportRow], last_position: int) -> None:
    """A progress bar on the terminal, by position in the log (filtered rows still advance it)."""
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task("exporting", total=max(last_position, 1))
        for row in rows:
            progress.update(task, completed=row.position)
        progress.update(task, completed=max(last_position, 1))


def show_catalogue(_: Ledger | None, args: argparse.Namespace, out: Output) -> int:
    entries = catalogue()
    if args.format == "json":
        sys.stdout.write(json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render_markdown(entries))
    return EXIT_OK
