"""Each event changes each view once: on re-delivery, after a stop or a crash, and with racing runners."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from ledger import Ledger
from ledger.projections.base import catch_up
from ledger.projections.follow import follow
from ledger.projections.sql import AlreadyAppliedError
from tests.projections.support import all_contents, open_ledger
from tests.support import FakeClock

WAIT_S = 30.0


def workload(ledger: Ledger, tickets: range, prefix: str = "T") -> None:
    """Purchases, work (some overage), top-ups and reversals for two customers."""
    for slug in ("acme", "beta"):
        ledger.add_customer(slug, name=slug.title(), account_manager="Anna")
    ledger.buy_card("acme", amount="1000.00", reference="O-acme")
    for number in tickets:
        slug = "acme" if number % 3 else "beta"
        ledger.log_work(slug, kind="rfc", ticket=f"{prefix}-{number}", hours="1.25", rate="110.00")
        if number % 5 == 0:
            ledger.reverse_work(slug, ticket=f"{prefix}-{number}", reason="logged twice")
        if number % 7 == 0:
            ledger.top_up("acme", amount="250.00", reference=f"INV-{prefix}-{number}")


def assert_rebuild_changes_nothing(ledger: Ledger) -> None:
    projections = ledger.projections
    before = all_contents(projections)
    projections.rebuild()
    after = all_contents(projections)
    assert after == before
    balances, movements = after["balances"]
    assert movements, "the workload made movements"
    for row in balances:
        assert row.balance == ledger.balance(row.customer).balance


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def nothing_pending(ledger: Ledger) -> bool:
    return all(status.pending == 0 for status in ledger.projection_status())


@pytest.fixture
def busy(ledger: Ledger) -> Ledger:
    workload(ledger, range(1, 25))
    return ledger


def test_two_views_in_one_sqlite_file_keep_their_own_positions(sqlite_url: str) -> None:
    with open_ledger(sqlite_url) as ledger:
        workload(ledger, range(1, 4))
        ledger.report_balances()  # catches up the balances view only
        positions = {s.name: s.position for s in ledger.projection_status()}
        assert positions["balances"] == ledger.app.recorder.max_notification_id()
        assert positions["work_records"] == positions["invoiceable"] == 0
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT application_name, notification_id FROM balances_tracking"
        ).fetchall()
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert ("ledger", positions["balances"]) in rows
    assert {"balances_tracking", "work_records_tracking", "invoiceable_tracking"} <= tables
    assert "tracking" not in tables


def test_a_redelivered_event_is_refused_and_changes_nothing(busy: Ledger) -> None:
    projections = busy.projections
    projections.catch_up()
    before = all_contents(projections)
    app = busy.app
    for name in projections.names:
        projection = projections.projection(name)
        [notification] = app.recorder.select_notifications(start=1, limit=1, topics=projection.topics)
        event = app.mapper.to_domain_event(notification)
        with pytest.raises(AlreadyAppliedError):
            projection.apply(event, Tracking(app.name, notification.id))
        projection.process_event(event, Tracking(app.name, notification.id))  # a runner skips it
    assert all_contents(projections) == before


def test_catch_up_stopped_mid_stream_resumes_where_it_stopped(busy: Ledger) -> None:
    projections = busy.projections
    for name in projections.names:
        projection = projections.projection(name)
        steps = 0
        while catch_up(busy.app, projection, batch_events_max=4, events_max=3):
            steps += 1
        assert steps > 3, "the catch-up really was stopped several times"
    assert_rebuild_changes_nothing(busy)


def test_a_crash_mid_batch_rolls_the_batch_back(busy: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    projection = busy.projections.projection("balances")
    crash_at = 20
    original = projection.apply

    def crashing(event: Any, tracking: Tracking) -> None:
        if tracking.notification_id >= crash_at:
            raise RuntimeError("power cut")
        original(event, tracking)

    monkeypatch.setattr(projection, "apply", crashing)
    with pytest.raises(RuntimeError, match="power cut"):
        catch_up(busy.app, projection, batch_events_max=1000)
    assert projection.view.max_tracking_id(busy.app.name) is None  # the whole batch rolled back
    monkeypatch.setattr(projection, "apply", original)
    assert catch_up(busy.app, projection) > 0
    busy.projections.catch_up()  # the other views, untouched by the crash
    assert_rebuild_changes_nothing(busy)


def test_catch_up_loops_racing_a_writer_apply_each_event_once(store_url: str) -> None:
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_catching_up(reader: Ledger) -> None:
        try:
            while not stop.is_set():
                reader.projections.catch_up()
        except BaseException as error:
            errors.append(error)

    # Opened one after the other: opening a PostgreSQL store creates its tables, which two
    # openers at the same instant can collide on (outside what this test is about).
    with open_ledger(store_url) as writer, open_ledger(store_url) as one, open_ledger(store_url) as two:
        writer.report_balances()  # create the views before the racers do
        threads = [threading.Thread(target=keep_catching_up, args=(reader,)) for reader in (one, two)]
        for thread in threads:
            thread.start()
        workload(writer, range(1, 30))
        stop.set()
        for thread in threads:
            thread.join()
        assert errors == []
        writer.projections.catch_up()
        assert_rebuild_changes_nothing(writer)


@contextmanager
def following(url: str) -> Iterator[threading.Event]:
    """``ledger projections run`` in a thread, on its own ledger; stopped on leaving."""
    stop = threading.Event()
    started = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with open_ledger(url) as ledger:
                follow(ledger.config, ledger.projections, (), stop, poll_interval_s=0.05, started=started.set)
        except BaseException as error:
            errors.append(error)
            started.set()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        started.wait(WAIT_S)
        yield stop
    finally:
        stop.set()
        thread.join()
    assert errors == []


def test_run_on_sqlite_follows_by_polling(sqlite_url: str) -> None:
    with open_ledger(sqlite_url) as ledger, following(sqlite_url):
        workload(ledger, range(1, 10))
        wait_until(lambda: nothing_pending(ledger), "the SQLite runner")
        positions = {s.position for s in ledger.projection_status()}
        assert positions == {ledger.app.recorder.max_notification_id()}


def test_runner_stopped_mid_stream_and_restarted_applies_each_event_once(postgres_url: str) -> None:
    with open_ledger(postgres_url) as ledger:
        ledger.report_balances()
        with following(postgres_url):
            workload(ledger, range(1, 15))
            wait_until(lambda: nothing_pending(ledger), "the first runner")
        workload(ledger, range(15, 30), prefix="U")
        assert not nothing_pending(ledger)
        with following(postgres_url):
            wait_until(lambda: nothing_pending(ledger), "the restarted runner")
        assert_rebuild_changes_nothing(ledger)


def test_two_runners_at_once_apply_each_event_once(postgres_url: str) -> None:
    with open_ledger(postgres_url) as ledger:
        ledger.report_balances()
        with following(postgres_url), following(postgres_url):
            workload(ledger, range(1, 40))
            wait_until(lambda: nothing_pending(ledger), "two runners")
        assert_rebuild_changes_nothing(ledger)


def test_rebuild_while_a_runner_runs_loses_nothing(postgres_url: str) -> None:
    with open_ledger(postgres_url) as ledger:
        ledger.report_balances()
        with following(postgres_url):
            workload(ledger, range(1, 10))
            ledger.rebuild_projection()
            workload(ledger, range(10, 20), prefix="U")
            ledger.rebuild_projection("balances")
            wait_until(lambda: nothing_pending(ledger), "the runner after rebuilds")
        assert_rebuild_changes_nothing(ledger)


def test_aggregate_and_view_agree_after_a_busy_day(busy: Ledger, clock: FakeClock) -> None:
    clock.advance(days=1)
    busy.log_work("acme", kind="rfc", ticket="LAST", hours="2", rate="125.00")
    [acme] = [row for row in busy.report_balances() if row.customer == "acme"]
    assert acme.balance == busy.balance("acme").balance
    assert acme.balance >= Decimal("0.00")
