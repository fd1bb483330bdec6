"""Bulk import: ``ledger import`` (the library call) vs raw batched inserts of the same events.

The ledger side validates every row, runs it through the ordinary handlers and commits 500 rows per
transaction. The raw side inserts as many rows of the events table's shape as the import recorded,
with ``executemany`` in batches of 500 per transaction: the machine's limit for writing that history.

Row 5 at any size, and an older checkout beside this one (each import in a fresh process, the sides
taking turns, medians of the rounds)::

    python -m benchmarks.importing --store postgres --customers 50 --work 400 --rounds 3 --before ../main
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from benchmarks.stores import POSTGRES_URL, RAW_TABLE, postgres_store, sqlite_store
from benchmarks.throughput import STATE, TOPIC
from ledger import Ledger
from ledger.commands.importing import KNOWN_COLUMNS

RAW_BATCH_ROWS = 500
HISTORY_START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def write_history(path: Path, customers: int, work_per_customer: int) -> int:
    """A CSV of ``customers`` customers, each registered, a card bought, then work; returns rows."""
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=KNOWN_COLUMNS)
        writer.writeheader()
        for number in range(customers):
            slug = f"customer-{number:04d}"
            writer.writerow(
                {
                    "type": "customer",
                    "customer": slug,
                    "at": "2025-01-02",
                    "name": f"Customer {number}",
                    "account_manager": "Anna",
                }
            )
            writer.writerow(
                {
                    "type": "purchase",
                    "customer": slug,
                    "at": "2025-01-03",
                    "amount": "1000000",
                    "reference": f"ORDER-{number}",
                }
            )
            rows += 2
            for work in range(work_per_customer):
                at = HISTORY_START + timedelta(minutes=15 * work)
                writer.writerow(
                    {
                        "type": "work",
                        "customer": slug,
                        "at": at.isoformat(),
                        "ticket": f"T-{work}",
                        "hours": "0.25",
                        "description": "imported from the old PSA",
                        "kind": "rfc",
                    }
                )
                rows += 1
    return rows


def library_import(url: str, path: Path) -> tuple[int, int, float]:
    """Rows imported, events recorded, seconds taken by ``Ledger.import_csv``."""
    with Ledger.open(url, actor="bench") as ledger:
        before = ledger.app.recorder.max_notification_id() or 0
        started = time.perf_counter()
        result = ledger.import_csv(path)
        seconds = time.perf_counter() - started
        events = (ledger.app.recorder.max_notification_id() or 0) - before
    return result.applied, events, seconds


def _batches(events: int) -> list[list[tuple[uuid.UUID, int, str, bytes]]]:
    rows = [(uuid.uuid4(), 1, TOPIC, STATE) for _ in range(events)]
    return [rows[i : i + RAW_BATCH_ROWS] for i in range(0, events, RAW_BATCH_ROWS)]


def raw_sqlite_seconds(folder: Path, events: int) -> float:
    """``executemany`` of 500 rows per transaction with sqlite3, WAL like the library's store."""
    connection = sqlite3.connect(folder / "raw-import.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(RAW_TABLE.format(uuid="TEXT", blob="BLOB"))
    batches = [[(str(row[0]), *row[1:]) for row in batch] for batch in _batches(events)]
    started = time.perf_counter()
    for batch in batches:
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO raw_events VALUES (?, ?, ?, ?)", batch)
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def raw_postgres_seconds(schema: str, events: int) -> float:
    """``executemany`` of 500 rows per transaction with psycopg (pipelined), on one connection."""
    batches = _batches(events)
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'SET search_path TO "{schema}"')
        connection.execute(RAW_TABLE.format(uuid="uuid", blob="bytea").replace("raw_events", "raw_import"))
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for batch in batches:
                with connection.transaction():
                    cursor.executemany("INSERT INTO raw_import VALUES (%s, %s, %s, %s)", batch)
        return time.perf_counter() - started


CHILD = """
import json, sys, time
from ledger import Ledger
with Ledger.open(sys.argv[1], actor="bench") as ledger:
    before = ledger.app.recorder.max_notification_id() or 0
    started = time.perf_counter()
    result = ledger.import_csv(sys.argv[2])
    seconds = time.perf_counter() - started
    events = (ledger.app.recorder.max_notification_id() or 0) - before
print(json.dumps([result.applied, events, seconds]))
"""
"""One import in a fresh process, with whichever ``ledger`` its ``PYTHONPATH`` names."""


def import_in_process(tree: Path, store: str, path: Path) -> tuple[int, int, float, float]:
    """(rows, events, import seconds, raw seconds for as many events) on fresh stores."""
    opener = sqlite_store if store == "sqlite" else postgres_store
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    with opener() as (url, place):
        argv = [sys.executable, "-c", CHILD, url, str(path)]
        out = subprocess.run(
            argv, env=env, check=True, capture_output=True, text=True, cwd=tempfile.gettempdir()
        )
        rows, events, seconds = json.loads(out.stdout)
        if store == "sqlite":
            raw = raw_sqlite_seconds(Path(str(place)), events)
        else:
            raw = raw_postgres_seconds(str(place), events)
    return rows, events, seconds, raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.importing", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--work", type=int, default=200, help="work rows per customer")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout of the repository, measured alike")
    args = parser.parse_args(argv)
    sides = {"this tree": Path(__file__).resolve().parent.parent}
    if args.before is not None:
        sides["before"] = args.before
    seconds: dict[str, list[float]] = {name: [] for name in sides}
    raw: list[float] = []
    rows = events = 0
    with tempfile.TemporaryDirectory(prefix="ledger-import-") as folder:
        path = Path(folder) / "history.csv"
        write_history(path, args.customers, args.work)
        for _ in range(args.rounds):
            for name, tree in sides.items():
                rows, events, taken, raw_taken = import_in_process(tree, args.store, path)
                seconds[name].append(taken)
                raw.append(raw_taken)
    raw_s = statistics.median(raw)
    print(f"{args.store}, {rows:,} rows ({events:,} events), medians of {args.rounds} rounds")
    print(f"raw batched inserts: {raw_s:.3f} s = {events / raw_s:,.0f} events/s")
    for name, times in seconds.items():
        median = statistics.median(times)
        rate = rows / median
        print(f"{name} ({sides[name]}): {median:.3f} s = {rate:,.0f} rows/s, ratio {raw_s / median:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
