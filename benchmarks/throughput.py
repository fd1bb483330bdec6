"""Durable command throughput: ``work log`` through the library vs one raw insert per transaction.

Both sides commit every command on its own (durable), on the same store, in the same run. They
take turns, several rounds each, and each side's figure is its median round: the disk's flush
time on a shared virtual machine drifts within seconds, and turns keep the drift out of the ratio.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from benchmarks.stores import POSTGRES_URL, RAW_TABLE
from ledger import Ledger

STATE = json.dumps(
    {
        "customer": "acme",
        "ticket": "T-000001",
        "hours": {"_type_": "decimal_str", "_data_": "0.25"},
        "rate": {"_type_": "decimal_str", "_data_": "125.00"},
        "amount": {"_type_": "decimal_str", "_data_": "31.25"},
        "description": "benchmark work entry with a realistic amount of text in it",
        "payer": "strippenkaart",
        "effective_at": {"_type_": "datetime_iso", "_data_": "2026-03-02T09:00:00+01:00"},
    }
).encode()
TOPIC = "ledger.aggregates.work_entry:WorkEntry.Recorded"


def prepare(url: str) -> Ledger:
    ledger = Ledger.open(url, actor="bench")
    ledger.add_customer("acme", name="Acme", account_manager="Anna")
    ledger.buy_card("acme", amount="10000000", reference="ORDER-1", at="2026-01-01")
    return ledger


Burst = Callable[[int], float]
"""Runs n commands (or inserts) and returns their rate per second."""


def interleaved(library: Burst, raw: Burst, commands: int, rounds: int) -> tuple[float, float]:
    """(library, raw) medians of ``rounds`` alternating bursts of ``commands // rounds`` each."""
    each = max(1, commands // rounds)
    library_rates, raw_rates = [], []
    for _ in range(rounds):
        raw_rates.append(raw(each))
        library_rates.append(library(each))
    return statistics.median(library_rates), statistics.median(raw_rates)


@contextmanager
def library_burst(url: str, prefix: str = "T") -> Iterator[Burst]:
    """``log_work`` (validate, load, decide, append, commit), one command per ticket."""
    with prepare(url) as ledger:
        ledger.log_work("acme", kind="rfc", ticket=f"{prefix}-warmup", hours="0.25")
        if url.startswith("sqlite"):
            check_synchronous(ledger)
        counter = iter(range(10**9))

        def burst(commands: int) -> float:
            started = time.perf_counter()
            for _ in range(commands):
                ledger.log_work("acme", kind="rfc", ticket=f"{prefix}-{next(counter)}", hours="0.25")
            return commands / (time.perf_counter() - started)

        yield burst


SYNCHRONOUS_FULL = 2
"""SQLite's ``synchronous=FULL``: in WAL mode every commit waits for the log to reach the disk."""


def check_synchronous(ledger: Ledger) -> None:
    """Both sides commit with the same flush: the ledger's connections must be FULL, like raw's."""
    with ledger.app.recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute("PRAGMA synchronous")
        level = cursor.fetchone()[0]
    if level != SYNCHRONOUS_FULL:
        msg = f"the ledger's SQLite connections run synchronous={level}, the raw side FULL"
        raise RuntimeError(msg)


@contextmanager
def raw_sqlite_burst(folder: Path) -> Iterator[Burst]:
    """One INSERT per transaction with sqlite3, WAL and synchronous=FULL like the library's store."""
    connection = sqlite3.connect(folder / "raw.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={SYNCHRONOUS_FULL}")
    connection.execute(RAW_TABLE.format(uuid="TEXT", blob="BLOB"))

    def burst(inserts: int) -> float:
        started = time.perf_counter()
        for _ in range(inserts):
            connection.execute("BEGIN")
            connection.execute(
                "INSERT INTO raw_events VALUES (?, ?, ?, ?)", (uuid.uuid4().hex, 1, TOPIC, STATE)
            )
            connection.execute("COMMIT")
        return inserts / (time.perf_counter() - started)

    try:
        yield burst
    finally:
        connection.close()


@contextmanager
def raw_postgres_burst(schema: str, table: str = "raw_events") -> Iterator[Burst]:
    """One INSERT per transaction with psycopg, prepared, on one connection."""
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'SET search_path TO "{schema}"')
        connection.execute(
            RAW_TABLE.format(uuid="uuid", blob="bytea").replace("raw_events", f"IF NOT EXISTS {table}")
        )
        statement = f"INSERT INTO {table} VALUES (%s, %s, %s, %s)"

        def burst(inserts: int) -> float:
            started = time.perf_counter()
            for _ in range(inserts):
                with connection.transaction():
                    connection.execute(statement, (uuid.uuid4(), 1, TOPIC, STATE), prepare=True)
            return inserts / (time.perf_counter() - started)

        yield burst
