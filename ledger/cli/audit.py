"""``ledger audit export|catalogue|seal|verify``: what an auditor reads, straight from the log.

``verify`` exits with one code per outcome, so scripts and cron can alert on each:
0 nothing found; 2 the command was refused (bad argument, unreadable head file, store down);
3 differences (altered, removed or inconsistent records, snapshots or views);
4 only unsealed events (nothing wrong found, but the newest events are not sealed yet);
5 the chain is shorter than, or diverges from, a head it was shown (cut short or rewritten).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ledger.audit.catalogue import catalogue, render_markdown
from ledger.audit.export import WRITERS
from ledger.audit.verify import STATUS_DIFFERENCES, STATUS_HEAD_MISMATCH, STATUS_OK, STATUS_UNSEALED
from ledger.audit.witness import WITNESS_VARIABLE
from ledger.cli.common import EXIT_OK, Subparsers, add_json
from ledger.cli.files import checked_output, replaced_when_done

EXIT_DIFFERENCES = 3
"""``audit verify`` found at least one difference (distinct from 2, a refused command)."""
EXIT_UNSEALED = 4
"""``audit verify`` found nothing wrong, but events after the newest seal are not covered."""
EXIT_HEAD_MISMATCH = 5
"""``audit verify`` was shown a head the chain no longer contains: it was cut short or rewritten."""
EXIT_CODES = {
    STATUS_OK: EXIT_OK,
    STATUS_DIFFERENCES: EXIT_DIFFERENCES,
    STATUS_UNSEALED: EXIT_UNSEALED,
    STATUS_HEAD_MISMATCH: EXIT_HEAD_MISMATCH,
}

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

    seal = actions.add_parser(
        "seal",
        help="hash every event since the last seal into the seal chain (HMAC with $LEDGER_SEAL_KEY)",
        parents=parents,
    )
    seal.add_argument(
        "--witness",
        metavar="FILE",
        help=f"append the new head to FILE, best on another volume (default ${WITNESS_VARIABLE})",
    )
    add_json(seal)
    seal.set_defaults(handler=seal_log)

    verify = actions.add_parser(
        "verify",
        help="check seals, heads, invariants, snapshots and views; exit 3 differences, "
        "4 only unsealed events, 5 chain shorter than or diverging from a head",
        parents=parents,
    )
    verify.add_argument(
        "--expect-head",
        action="append",
        default=[],
        metavar="HEAD",
        help="a head (POSITION:HASH) printed by `audit seal` that the chain must still contain",
    )
    verify.add_argument(
        "--head-file",
        action="append",
        default=[],
        metavar="FILE",
        help="a file of heads, one per line (first word), each of which the chain must contain",
    )
    verify.add_argument(
        "--witness", metavar="FILE", help=f"the witness file `seal` appends to (default ${WITNESS_VARIABLE})"
    )
    add_json(verify)
    verify.set_defaults(handler=verify_log)


def export_events(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    path = checked_output(args.output, ledger.config) if args.output is not None else None
    rows = ledger.export_events(
        customer=args.customer, effective_from=args.effective_from, effective_to=args.effective_to
    )
    write = WRITERS[args.format]
    with _destination(path) as target:
        written = write(rows, target)
        if args.output and sys.stderr.isatty():
            _with_progress(written, ledger.log_position())
        else:
            for _ in written:
                pass
    return EXIT_OK


@contextlib.contextmanager
def _destination(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    with replaced_when_done(path) as handle:
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


def seal_log(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    summary = ledger.seal(witness=args.witness)
    if args.json:
        out.json(summary.to_json())
    elif summary.seals == 0:
        out.line(f"Nothing new to seal; the chain head is {summary.head}.")
    else:
        signed = "signed with HMAC-SHA256" if summary.signed else "not signed (no LEDGER_SEAL_KEY)"
        out.fields(
            f"Sealed positions {summary.from_position}..{summary.to_position}",
            [
                ("records", summary.records),
                ("seal events", summary.seals),
                ("head", summary.head),
                ("signature", signed),
            ],
        )
    return EXIT_OK


def verify_log(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    report = ledger.verify(expect_heads=args.expect_head, head_files=args.head_file, witness=args.witness)
    data = report.to_json()
    code = EXIT_CODES[report.status]
    if args.json:
        out.json(data)
        return code
    titles = {
        STATUS_OK: "Verified: no differences, every event sealed",
        STATUS_UNSEALED: "No differences, but some events are not sealed yet",
        STATUS_DIFFERENCES: f"{report.problem_count} difference(s) found",
        STATUS_HEAD_MISMATCH: "The chain does not contain a head it was shown",
    }
    summary = (
        "status",
        "first_mismatch_position",
        "seals_checked",
        "records_sealed",
        "last_sealed_position",
        "unsealed_records",
        "events_replayed",
        "cards_checked",
        "work_entries_checked",
        "snapshots_checked",
        "heads_checked",
        "views_compared",
    )
    out.fields(titles[report.status], [(key, data[key]) for key in summary])
    groups = (("Problems", report.problems), ("Unsealed", report.unsealed), ("Warnings", report.warnings))
    for kind, findings in groups:
        if findings:
            out.table(
                kind,
                ["check", "position", "what"],
                [(f.check, f.position, f.message) for f in findings],
                numeric=("position",),
            )
    return code
