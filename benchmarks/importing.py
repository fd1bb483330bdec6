"""Bulk import: ``ledger import`` (the library call) vs raw batched inserts of the same events.

The ledger side validates every row, runs it through the ordinary handlers and commits 500 rows per
transaction. The raw side inserts as many rows of the events table's shape as the import recorded,
with ``executemany`` in batches of 500 per transaction: the machine's limit for writing that history.
"""

from __future__ import annotations

import csv
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from benchmarks.stores import POSTGRES_URL, RAW_TABLE
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
