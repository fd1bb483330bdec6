"""Replay: rebuilding every view from the whole log vs a raw read of the same rows through the driver.

The raw side reads every stored event row (the bytes the ledger itself reads) with sqlite3 or
psycopg, in the same batches; the ledger side rebuilds all views from nothing (decode, apply, write
view rows, track). Peak memory is the process's resident high-water mark during the rebuild.
"""

from __future__ import annotations

import multiprocessing
import resource
import sqlite3
import time
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.rebuild import generate
from benchmarks.stores import POSTGRES_URL
from ledger import Ledger

READ_BATCH = 500


def build_log(url: str, events: int) -> int:
    with Ledger.open(url, actor="bench") as ledger:
        generate(ledger, events)
        return ledger.app.recorder.max_notification_id() or 0


def _rebuild(url: str, events: int, queue: Any) -> None:
    with Ledger.open(url, actor="bench") as ledger:
        ledger.projection_status()  # create the views first: time the replay, not the DDL
        started = time.perf_counter()
        ledger.rebuild_projection()
        seconds = time.perf_counter() - started
    peak = max(  # the rebuild's own processes on PostgreSQL (each a group of views) count too
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    queue.put((events / seconds, peak / 1024))


def rebuild_rate(url: str, events: int) -> tuple[float, float]:
    """Events per second of rebuilding all views, and the peak resident memory of the process
    that did it (a fresh one, so that building the log does not count) or of any process it
    started for the rebuild, whichever is highest."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_rebuild, args=(url, events, queue))
    process.start()
    rate, peak_mb = queue.get(timeout=7200)
    process.join()
    return float(rate), float(peak_mb)


def decode_rate(url: str) -> float:
    """Events per second of only reading the log through the library and decoding each event (no
    view written): the least any rebuild that looks at the events must spend, a ceiling for row 4."""
    with Ledger.open(url, actor="bench") as ledger:
        app = ledger.app
        started = time.perf_counter()
        decoded, position = 0, 0
        while True:
            batch = app.recorder.select_notifications(start=position + 1, limit=READ_BATCH)
            if not batch:
                break
            for notification in batch:
                app.mapper.to_domain_event(notification)
            decoded += len(batch)
            position = batch[-1].id
        return decoded / (time.perf_counter() - started)


def raw_sqlite_read_rate(path: Path) -> float:
    connection = sqlite3.connect(path)
    started = time.perf_counter()
    rows, last = 0, 0
    while True:
        batch = connection.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, READ_BATCH),
        ).fetchall()
        if not batch:
            break
        rows += len(batch)
        last = batch[-1][0]
    elapsed = time.perf_counter() - started
    connection.close()
    return rows / elapsed


def raw_postgres_read_rate(schema: str, url: str = POSTGRES_URL) -> float:
    with psycopg.connect(url) as connection:
        started = time.perf_counter()
        rows, last = 0, 0
        while True:
            batch = connection.execute(
                f'SELECT notification_id, originator_id, originator_version, topic, state FROM "{schema}".'
                "ledger_events WHERE notification_id > %s ORDER BY notification_id LIMIT %s",
                (last, READ_BATCH),
            ).fetchall()
            if not batch:
                break
            rows += len(batch)
            last = batch[-1][0]
        return rows / (time.perf_counter() - started)
