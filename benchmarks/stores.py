"""Throwaway stores for benchmarks: a SQLite file in a temp folder, or a fresh PostgreSQL schema."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

POSTGRES_URL = os.environ.get("LEDGER_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def sqlite_store() -> Iterator[tuple[str, Path]]:
    """A ledger URL and a folder for the raw baseline's own file, both on the same disk."""
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'ledger.db'}", Path(folder)


@contextmanager
def postgres_store() -> Iterator[tuple[str, str]]:
    """A ledger URL with a fresh schema, and the schema's name for the raw baseline's table."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?schema={schema}", schema
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


RAW_TABLE = (
    "CREATE TABLE raw_events (originator_id {uuid} NOT NULL, originator_version integer NOT NULL, "
    "topic text NOT NULL, state {blob} NOT NULL, PRIMARY KEY (originator_id, originator_version))"
)
"""The same shape as eventsourcing's events table: what one recorded event costs at the driver."""
