"""A rebuild split over processes writes exactly what a rebuild in one process writes, on either
store (SQLite: each child in a staging file of its own, copied into the store)."""

from __future__ import annotations

import json
import pickle
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import Ledger
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.cli import main
from ledger.errors import InvalidInputError, LedgerError
from ledger.persistence.sqlite import scratch_file_datastore
from ledger.projections import parallel, staging
from ledger.projections.runtime import PROJECTIONS, Projections, ScratchViews
from tests.audit.raw_log import raw_log
from tests.projections.support import all_contents
from tests.projections.test_exactly_once import workload
from tests.support import FakeClock


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The command lines of the rebuilding processes started (they still run)."""
    started: list[list[str]] = []
    real = subprocess.Popen

    def recording(arguments: list[str], **options: Any) -> subprocess.Popen[bytes]:
        started.append(list(arguments))
        return real(arguments, **options)

    monkeypatch.setattr(subprocess, "Popen", recording)
    return started


@contextmanager
def worked_ledger(url: str, clock: FakeClock) -> Iterator[Ledger]:
    """A ledger with two customers' purchases, work, reversals and top-ups, balances caught up."""
    with Ledger.open(url, actor="tester", clock=clock) as ledger:
        workload(ledger, range(1, 25))
        ledger.report_balances()
        yield ledger


@pytest.fixture
def worked(store_url: str, clock: FakeClock) -> Iterator[Ledger]:
    with worked_ledger(store_url, clock) as ledger:
        yield ledger


def digests(projections: Projections) -> dict[str, str]:
    first: Any = projections.projection("balances").view
    with first.transaction(commit=False) as cursor:
        return {name: projections.projection(name).view.rows_digest(cursor) for name in projections.names}


def test_a_parallel_rebuild_writes_what_one_process_writes(worked: Ledger, children: list[list[str]]) -> None:
    serial = worked.rebuild_projection(workers=1)
    assert children == []
    contents, sums = all_contents(worked.projections), digests(worked.projections)

    split = worked.rebuild_projection(workers=2)
    assert len(children) == 1  # one group here, one in a child
    log_position = worked.app.recorder.max_notification_id()
    assert [(r.name, r.position) for r in split] == [(name, log_position) for name in PROJECTIONS]
    assert [(r.name, r.events_applied) for r in split] == [(r.name, r.events_applied) for r in serial]
    assert all_contents(worked.projections) == contents
    assert digests(worked.projections) == sums
    worked.seal()
    report = worked.verify()  # every view against a scratch rebuild, and each view's stored digest
    assert report.ok, [finding.message for finding in report.problems]


def test_a_big_log_is_split_by_itself_and_a_small_one_is_not(
    worked: Ledger, children: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "available_workers", lambda: 2)
    worked.rebuild_projection()
    assert children == []  # far below PARALLEL_EVENTS_MIN
    monkeypatch.setattr(parallel, "PARALLEL_EVENTS_MIN", 10)
    worked.rebuild_projection()
    assert len(children) == 1
    worked.rebuild_projection("balances", workers=4)  # one view: nothing to split
    assert len(children) == 1


def test_a_memory_ledger_is_never_split(children: list[list[str]]) -> None:
    """Its views live in this process's memory, where no other process could write them."""
    with Ledger.open("memory://", actor="tester", clock=FakeClock()) as ledger:
        workload(ledger, range(1, 6))
        results = ledger.rebuild_projection(workers=4)
    assert children == []
    assert [r.name for r in results] == list(PROJECTIONS)


def test_sqlite_children_stage_their_views_in_files_that_are_gone_after(
    sqlite_url: str,
    clock: FakeClock,
    children: list[list[str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """On SQLite each child rebuilds its views in a file of its own, copied into the store: the
    alerts' delivery outbox keeps its rows and their state (nothing is asked for twice), the
    views go on catching up from the copied position, and the staging folder is removed."""
    with worked_ledger(sqlite_url, clock) as worked:
        alerts: Any = worked.projections.projection("alerts").view
        deliveries = worked.deliveries()
        assert deliveries, "the workload raised alerts"
        with alerts.transaction(commit=True) as cursor:
            delivered = "UPDATE {outbox} SET status = 'delivered' WHERE delivery_id = %s"
            alerts.execute(cursor, delivered, (deliveries[0].id,))
        deliveries = worked.deliveries()
        serial = worked.rebuild_projection(workers=1)
        contents = all_contents(worked.projections)
        folder = tmp_path / "temporary"
        folder.mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(folder))
        split = worked.rebuild_projection(workers=2)
        assert len(children) == 1
        assert list(folder.iterdir()) == []
        timed_alike = [
            replace(result, seconds=mine.seconds) for result, mine in zip(serial, split, strict=True)
        ]
        assert split == timed_alike
        assert all_contents(worked.projections) == contents
        assert worked.deliveries() == deliveries
        worked.log_work("acme", kind="rfc", ticket="LATE-1", hours="2", rate="110.00")
        worked.report_balances()  # catches the balances up from the position copied in
        status = {each.name: each for each in worked.projections.status()}
        assert status["balances"].position == status["balances"].log_position > split[0].position
        worked.seal()
        report = worked.verify()
        assert report.ok, [finding.message for finding in report.problems]


def test_a_staged_view_of_another_layout_is_not_copied(
    sqlite_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    """The row sums are hashes of a row's columns in their order: a staged table whose columns
    differ from the store's is refused whole, and nothing is written."""
    with worked_ledger(sqlite_url, clock) as worked:
        view: Any = worked.projections.projection("balances").view
        contents = all_contents(worked.projections)
        staged = tmp_path / "staged.db"
        with sqlite3.connect(staged) as other:
            for (statement,) in sqlite3.connect(sqlite_url.removeprefix("sqlite:///")).execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name LIKE 'balances%'"
            ):
                other.execute(statement)
            other.execute('ALTER TABLE "balances_cards" ADD COLUMN extra TEXT')
        assert staging.copy_staged(view, str(staged), worked.app.name) is False
        assert all_contents(worked.projections) == contents
        worked.seal()
        report = worked.verify()
        assert report.ok, [finding.message for finding in report.problems]


def test_a_childs_error_reaches_the_caller_as_the_same_error(worked: Ledger, store_url: str) -> None:
    """A record no view can read stops the serial rebuild; split, the child that meets it as well
    as this process stop, and the caller gets the error the serial rebuild raises."""
    raw = raw_log(store_url)
    raw.set_state(3, b"\x00not json")
    with pytest.raises(LedgerError) as serial:
        worked.rebuild_projection(workers=1)
    with pytest.raises(LedgerError) as split:
        worked.rebuild_projection(workers=3)
    assert type(split.value) is type(serial.value)
    assert str(split.value) == str(serial.value)
    for name in worked.projections.names:  # each view stays whole: its rows match its position's digest
        worked.projections.projection(name).view.check_digest(worked.app.name)


@pytest.mark.parametrize("workers", [0, -1, 65, "two", "1.5", True, 2.0, "", "999"])
def test_a_number_of_processes_is_refused_unless_whole_and_in_range(worked: Ledger, workers: object) -> None:
    with pytest.raises(InvalidInputError) as refused:
        worked.rebuild_projection(workers=workers)  # type: ignore[arg-type]
    assert refused.value.field == "workers"


def test_the_command_line_takes_workers(
    worked: Ledger, store_url: str, capsys: pytest.CaptureFixture[str], children: list[list[str]]
) -> None:
    assert main(["--db", store_url, "projections", "rebuild", "--workers", "2", "--json"]) == 0
    assert len(children) == 1
    assert main(["--db", store_url, "projections", "rebuild", "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "ledger: error: workers: 0 is not a whole number of processes 1..64",
    ]


@given(
    names=st.lists(st.sampled_from([*PROJECTIONS, "other"]), min_size=1, max_size=6, unique=True),
    workers=st.integers(min_value=1, max_value=8),
    costs=st.sampled_from([parallel.REBUILD_COST, parallel.STAGED_REBUILD_COST]),
)
def test_split_puts_every_view_in_exactly_one_group(
    names: list[str], workers: int, costs: dict[str, float]
) -> None:
    groups = parallel.split(names, workers, costs)
    assert 1 <= len(groups) <= min(workers, len(names))
    assert all(groups)
    assert sorted(name for group in groups for name in group) == sorted(names)
    for group in groups:  # each group keeps the order of the names
        assert list(group) == [name for name in names if name in group]


def test_every_ledger_error_survives_pickling() -> None:
    """A child hands its error back pickled: each typed error arrives with its class and fields."""

    def subclasses(kind: type[LedgerError]) -> Iterator[type[LedgerError]]:
        for sub in kind.__subclasses__():
            yield sub
            yield from subclasses(sub)

    import ledger.api  # noqa: F401 - every module that defines an error

    kinds: list[type[LedgerError]] = [LedgerError, *subclasses(LedgerError)]
    assert len(kinds) > 10
    for kind in kinds:
        error: Any = Exception.__new__(kind)
        LedgerError.__init__(error, "field", "the reason")
        error.extra = ("detail", 7)
        revived = pickle.loads(pickle.dumps(error))
        assert type(revived) is kind
        assert str(revived) == str(error)
        assert revived.__dict__ == error.__dict__


def test_verify_splits_its_scratch_rebuild_and_finds_the_same(
    worked: Ledger, children: list[list[str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``audit verify`` rebuilds its scratch views split like a rebuild, on either store (a child
    writes into the run's scratch schema, or into a file of its own in the run's folder): the
    same findings as in one process, clean or with an edited view."""
    worked.seal()
    clean = worked.verify()
    assert clean.ok, [finding.message for finding in clean.problems]
    view = worked.projections.projection("work_records").view
    with view.transaction(commit=True) as cursor:
        view.execute(cursor, "UPDATE {lines} SET hours = hours + 1 WHERE ticket = 'T-2'")
    serial = worked.verify()
    assert children == []
    monkeypatch.setattr(parallel, "available_workers", lambda: 2)
    monkeypatch.setattr(parallel, "PARALLEL_EVENTS_MIN", 10)
    scratch = tmp_path / "temporary"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    split = worked.verify()
    assert len(children) == 2  # a group of views, then the snapshot check
    assert list(scratch.iterdir()) == []  # the run's folder, the child's file in it, is gone
    assert [(f.check, f.message) for f in split.problems] == [(f.check, f.message) for f in serial.problems]
    assert any("view work_records.lines" in f.message for f in split.problems)
    assert split.views_compared == serial.views_compared == len(PROJECTIONS)


def test_without_a_child_process_everything_is_done_here(
    worked: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interpreter that cannot start a process (an embedding program, no processes left)
    rebuilds and verifies every view itself, with the same result."""
    worked.seal()
    worked.rebuild_projection(workers=1)
    contents = all_contents(worked.projections)

    def refused(arguments: list[str], **options: Any) -> subprocess.Popen[bytes]:
        raise OSError("no processes left")

    monkeypatch.setattr(subprocess, "Popen", refused)
    monkeypatch.setattr(parallel, "available_workers", lambda: 2)
    monkeypatch.setattr(parallel, "PARALLEL_EVENTS_MIN", 10)
    results = worked.rebuild_projection(workers=2)
    assert [r.name for r in results] == list(PROJECTIONS)
    assert all_contents(worked.projections) == contents
    report = worked.verify()
    assert report.ok, [finding.message for finding in report.problems]
    assert report.views_compared == len(PROJECTIONS)


def test_a_view_staged_without_row_triggers_counts_the_sums_the_triggers_keep(
    sqlite_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    """A staging file's views go without row triggers and count their rows once at the end: the
    row counts and hash sums, and so the digest, are those the triggers keep in the store."""
    with worked_ledger(sqlite_url, clock) as worked:
        projections = worked.projections
        projections.rebuild(workers=1)
        live = digests(projections)
        staged = tmp_path / "staged.db"
        projections.rebuild_into(str(staged), projections.names)
        with sqlite3.connect(staged) as raw:
            assert raw.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone() == (0,)
        datastore = scratch_file_datastore(str(staged))
        try:
            views = {name: ScratchViews(projections, datastore).view(name) for name in projections.names}
            with datastore.transaction(commit=False) as cursor:
                assert {name: view.rows_digest(cursor) for name, view in views.items()} == live
        finally:
            datastore.close()


def test_verify_checks_snapshots_in_a_child_while_it_compares_and_reports_the_same(
    worked: Ledger, store_url: str, children: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a big log the snapshot check (a replay of every snapshotted aggregate) runs in a child
    while this process compares the views: the same report, clean or with an edited snapshot."""
    card_id = Strippenkaart.create_id("acme")
    worked.app.take_snapshot(card_id)
    worked.seal()
    assert worked.verify().ok
    version: int = worked.app.repository.get(card_id).version
    raw = raw_log(store_url)
    state = json.loads(raw.snapshot_state(version))
    state["state"]["currency"] = "USD"
    raw.set_snapshot_state(version, json.dumps(state).encode())
    serial = worked.verify()
    assert children == []
    assert [f.check for f in serial.problems] == ["snapshot"]
    monkeypatch.setattr(parallel, "available_workers", lambda: 2)
    monkeypatch.setattr(parallel, "PARALLEL_EVENTS_MIN", 10)
    split = worked.verify()
    assert [arguments[-1] for arguments in children] == [parallel.CHILD_MODULE] * 2  # views, snapshots
    assert split.snapshots == serial.snapshots
    assert split.snapshots.snapshots >= 1
    assert [(f.check, f.message) for f in split.problems] == [(f.check, f.message) for f in serial.problems]
    assert split.problem_count == serial.problem_count


def test_events_recorded_during_a_staged_rebuild_are_caught_up_after_it(
    sqlite_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work logged by another handle while the views are being staged lands after the staged
    position: the copied views catch it up on the next read, and equal a rebuild made afterwards."""
    with (
        worked_ledger(sqlite_url, clock) as worked,
        Ledger.open(sqlite_url, actor="other", clock=clock) as other,
    ):
        projections = worked.projections
        staged_into = projections.rebuild_into

        def meanwhile(path: str, names: Sequence[str]) -> list[parallel.RebuildResult]:
            results = staged_into(path, names)
            other.log_work("acme", kind="rfc", ticket="DURING-1", hours="1", rate="110.00")
            other.top_up("acme", amount="100.00", reference="INV-DURING")
            return results

        monkeypatch.setattr(projections, "rebuild_into", meanwhile)
        split = worked.rebuild_projection(workers=2)
        log_position = worked.app.recorder.max_notification_id() or 0
        assert min(result.position for result in split) < log_position  # this process staged first
        worked.projections.catch_up()
        caught_up = all_contents(worked.projections)
        monkeypatch.undo()
        worked.rebuild_projection(workers=1)
        assert all_contents(worked.projections) == caught_up
        worked.seal()
        report = worked.verify()
        assert report.ok, [finding.message for finding in report.problems]


def test_without_a_temporary_folder_a_sqlite_rebuild_stays_in_the_store(
    sqlite_url: str,
    clock: FakeClock,
    children: list[list[str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    with worked_ledger(sqlite_url, clock) as worked:
        serial = worked.rebuild_projection(workers=1)
        contents = all_contents(worked.projections)
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
        results = worked.rebuild_projection(workers=2)
        assert children == []
        assert [(r.name, r.position, r.events_applied) for r in results] == [
            (r.name, r.position, r.events_applied) for r in serial
        ]
        assert all_contents(worked.projections) == contents


def test_a_big_sqlite_log_is_staged_in_one_process_too(
    sqlite_url: str, clock: FakeClock, children: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one process (``workers=1``, or one view) a big SQLite log is still rebuilt in a staging
    file and copied in: the same rows, positions and digests as a rebuild in the store."""
    with worked_ledger(sqlite_url, clock) as worked:
        serial = worked.rebuild_projection(workers=1)
        contents, sums = all_contents(worked.projections), digests(worked.projections)
        monkeypatch.setattr(parallel, "PARALLEL_EVENTS_MIN", 10)
        staged_into: list[tuple[str, ...]] = []
        real = worked.projections.rebuild_into

        def recording(path: str, names: Sequence[str]) -> list[parallel.RebuildResult]:
            staged_into.append(tuple(names))
            return real(path, names)

        monkeypatch.setattr(worked.projections, "rebuild_into", recording)
        staged = worked.rebuild_projection(workers=1)
        one = worked.rebuild_projection("work_records")
        assert children == []
        assert staged_into == [tuple(PROJECTIONS), ("work_records",)]
        assert [(r.name, r.position, r.events_applied) for r in staged] == [
            (r.name, r.position, r.events_applied) for r in serial
        ]
        assert [(r.name, r.position) for r in one] == [("work_records", serial[0].position)]
        assert all_contents(worked.projections) == contents
        assert digests(worked.projections) == sums


def test_children_started_together_open_the_store_one_after_another(
    worked: Ledger, children: list[list[str]]
) -> None:
    """Four children open the store at once; each opening replaces the store's functions (DDL),
    which PostgreSQL refuses to do twice at the same moment ("tuple concurrently updated"), so
    they take turns under the same lock as any other opening, and every view comes out whole."""
    serial = worked.rebuild_projection(workers=1)
    contents = all_contents(worked.projections)
    for _ in range(3):
        split = worked.rebuild_projection(workers=5)
        assert [(r.name, r.events_applied) for r in split] == [(r.name, r.events_applied) for r in serial]
        assert all_contents(worked.projections) == contents
    assert len(children) == 12
