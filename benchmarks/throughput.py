"""Durable command throughput: ``work log`` through the library vs one raw insert per transaction.

Both sides commit every command on its own (durable), on the same store, in the same run.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
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


def library_rate(url: str, commands: int, prefix: str = "T") -> float:
    """Commands per second of ``log_work`` (validate, load, decide, append, commit)."""
    with prepare(url) as ledger:
        ledger.log_work("acme", ticket=f"{prefix}-warmup", hours="0.25")
        started = time.perf_counter()
        for number in range(commands):
            ledger.log_work("acme", ticket=f"{prefix}-{number}", hours="0.25")
        return commands / (time.perf_counter() - started)


def raw_sqlite_rate(folder: Path, inserts: int) -> float:
    """One INSERT per transaction with sqlite3, WAL like the library's store."""
    connection = sqlite3.connect(folder / "raw.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(RAW_TABLE.format(uuid="TEXT", blob="BLOB"))
    started = time.perf_counter()
    for _ in range(inserts):
        connection.execute("BEGIN")
        connection.execute("INSERT INTO raw_events VALUES (?, ?, ?, ?)", (uuid.uuid4().hex, 1, TOPIC, STATE))
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return inserts / elapsed


def raw_postgres_rate(schema: str, inserts: int, table: str = "raw_events") -> float:
    """One INSERT per transaction with psycopg, prepared, on one connection."""
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'SET search_path TO "{schema}"')
        connection.execute(
            RAW_TABLE.format(uuid="uuid", blob="bytea").replace("raw_events", f"IF NOT EXISTS {table}")
        )
        statement = f"INSERT INTO {table} VALUES (%s, %s, %s, %s)"
        started = time.perf_counter()
        for _ in range(inserts):
            with connection.transaction():
                connection.execute(statement, (uuid.uuid4(), 1, TOPIC, STATE), prepare=True)
        return inserts / (time.perf_counter() - started)
