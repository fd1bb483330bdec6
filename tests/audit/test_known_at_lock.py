""" "As known at" is stable: the recorded time is taken inside the write lock, rising with position.

A second connection holds the store's write lock (PostgreSQL: the library's EXCLUSIVE table lock;
SQLite: BEGIN IMMEDIATE) while a command waits for it. A moment K picked during that wait lies
after the command's event was *made* (its library ``timestamp``) but before it commits: the answer
"as known at K" must be the same before and after the commit, because the store stamps the event's
recorded time only once it holds the lock.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg

from ledger import Ledger
from tests.audit.raw_log import raw_log
from tests.support import FakeClock

WAIT_S = 0.6


@contextmanager
def write_lock_held(url: str) -> Iterator[None]:
    """Hold the events table's write lock from a connection of our own until the block ends."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url[len("sqlite:///") :], isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("COMMIT")
            connection.close()
        return
    parts = urlsplit(url)
    schema = parse_qs(parts.query)["schema"][0]
    with psycopg.connect(parts._replace(query="").geturl()) as locker:
        locker.execute(f'LOCK TABLE "{schema}"."ledger_events" IN EXCLUSIVE MODE')
        yield
        locker.commit()


def test_as_known_at_does_not_change_after_a_waiting_command_commits(
    ledger: Ledger, store_url: str, clock: FakeClock
) -> None:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-02")
    ledger.buy_card("acme", amount="1000.00", reference="O-1", at="2026-01-05")
    with Ledger.open(store_url, actor="late", clock=clock) as writer, Ledger.open(store_url) as reader:
        done: list[object] = []

        def record() -> None:
            done.append(
                writer.log_work("acme", kind="rfc", ticket="T-1", hours="2", at="2026-01-06T10:00+01:00")
            )

        with write_lock_held(store_url):
            thread = threading.Thread(target=record)
            thread.start()
            time.sleep(WAIT_S)  # the command has made its events and now waits for the lock
            known = datetime.now(UTC)
            time.sleep(0.01)
            before = reader.balance("acme", as_of="2026-02-01", as_known_at=known)
            released = datetime.now(UTC)
        thread.join(30)
        assert done, "the command did not finish after the lock was released"
        after = reader.balance("acme", as_of="2026-02-01", as_known_at=known)
        rows = list(reader.export_events())
    assert before.debited == after.debited == Decimal("0.00")
    work = [row for row in rows if row.actor == "late"]
    assert work, rows
    assert all(row.recorded_at >= released for row in work), [(r.position, r.recorded_at) for r in work]
    times = [row.recorded_at for row in rows]
    assert times == sorted(times)  # recorded times rise with position
    # The events were made (the library's timestamp) before K: the race this test is about.
    made: Any = next(iter(ledger.app.events.get(work[0].aggregate_id)))
    assert made.timestamp < known


def test_a_recorded_time_moved_back_is_a_finding(ledger: Ledger, store_url: str) -> None:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-02")
    ledger.buy_card("acme", amount="1000.00", reference="O-1", at="2026-01-05")
    ledger.seal()
    assert ledger.verify().ok
    raw = raw_log(store_url)
    earlier = "2020-01-01T00:00:00.000000+00:00"
    raw.execute(raw._sql("UPDATE {table} SET recorded_at = %s WHERE {position} = 2"), earlier)
    report = ledger.verify()
    assert [(f.check, f.position) for f in report.problems] == [("recorded", 2)]
