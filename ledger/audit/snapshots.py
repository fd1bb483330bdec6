"""Snapshots are never trusted by verification: each is compared with a replay of its events.

Normal loading starts from the newest snapshot, so an edited snapshot (a block's ``expires_at``
nulled, a balance raised) would change every later decision while the events still look right.
Here every stored snapshot is read, its aggregate replayed from the first event up to the
snapshot's version without any snapshot, and the two states compared as the store would write
them. A snapshot that cannot be read, names no aggregate of the log, or differs is a finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Snapshot
from eventsourcing.sqlite import SQLiteAggregateRecorder

from ledger.aggregates.strippenkaart import LedgerInvariantError
from ledger.audit.log import UNREADABLE
from ledger.persistence.which import on_postgres

if TYPE_CHECKING:
    from eventsourcing.persistence import AggregateRecorder, StoredEvent

    from ledger.audit.findings import Findings
    from ledger.eventstore.application import LedgerApplication

SNAPSHOT = "snapshot"
EVENTS_PAGE = 500
SNAPSHOTS_MAX = 1_000_000
"""Snapshots one verification looks at; beyond, a finding says the rest went unchecked."""


@dataclass
class SnapshotCheck:
    snapshots: int = 0
    aggregates: int = 0


def _snapshot_keys(recorder: AggregateRecorder) -> list[tuple[UUID, int]]:
    """Every stored snapshot's (aggregate id, version), straight from its table."""
    postgres = on_postgres(recorder)
    if postgres or isinstance(recorder, SQLiteAggregateRecorder):
        table = recorder.events_table_name  # type: ignore[attr-defined]
        if postgres:
            table = f'"{recorder.datastore.schema}"."{table}"'  # type: ignore[attr-defined]
        statement = f"SELECT originator_id, originator_version FROM {table} LIMIT {SNAPSHOTS_MAX + 1}"
        with recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            cursor.execute(statement)
            rows = cursor.fetchall()
        keys = [(row["originator_id"], row["originator_version"]) for row in rows]
    else:  # the library's in-memory store
        keys = [(event.originator_id, event.originator_version) for event in recorder._stored_events]  # type: ignore[attr-defined]
    return sorted((UUID(str(aggregate_id)), int(version)) for aggregate_id, version in keys)


def _normalised(app: LedgerApplication, aggregate: Any) -> Any:
    """The aggregate's state as a snapshot would store it, decoded again (tuples as lists etc.)."""
    state = Snapshot.take(aggregate).state
    transcoder = app.mapper.transcoder
    return transcoder.decode(transcoder.encode(state))


def _differences(replayed: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    names = sorted(set(replayed) | set(stored))
    return [name for name in names if replayed.get(name) != stored.get(name)]


def _events(app: LedgerApplication, aggregate_id: UUID, up_to: int) -> Iterator[StoredEvent]:
    version = 0
    while version < up_to:
        page = app.recorder.select_events(aggregate_id, gt=version, lte=up_to, limit=EVENTS_PAGE)
        yield from page
        if len(page) < EVENTS_PAGE:
            return
        version = page[-1].originator_version


def _check_aggregate(
    app: LedgerApplication, aggregate_id: UUID, versions: list[int], findings: Findings
) -> None:
    """Replay once, comparing at each snapshotted version in turn."""
    assert app.snapshots is not None
    stored = {s.originator_version: s for s in app.snapshots.recorder.select_events(aggregate_id)}
    aggregate: Any = None
    pending = iter(sorted(versions))
    wanted = next(pending, None)
    for record in _events(app, aggregate_id, max(versions)):
        try:
            event: Any = app.mapper.to_domain_event(record)
            aggregate = event.mutate(aggregate)
        except (LedgerInvariantError, *UNREADABLE) as error:
            message = f"aggregate {aggregate_id}: cannot replay version {record.originator_version}: {error}"
            findings.problem(SNAPSHOT, None, message)
            return
        while wanted is not None and aggregate.version == wanted:
            _compare(app, aggregate, stored[wanted], findings)
            wanted = next(pending, None)
    while wanted is not None:
        message = f"aggregate {aggregate_id}: snapshot of version {wanted}, but its events stop before it"
        findings.problem(SNAPSHOT, None, message)
        wanted = next(pending, None)


def _compare(app: LedgerApplication, replayed: Any, record: StoredEvent, findings: Findings) -> None:
    where = f"snapshot of {type(replayed).__qualname__} {replayed.id} at version {record.originator_version}"
    try:
        snapshot: Any = app.mapper.to_domain_event(record)
        from_snapshot = snapshot.mutate(None)
        stored_state = _normalised(app, from_snapshot)
    except UNREADABLE as error:
        findings.problem(SNAPSHOT, None, f"{where}: cannot be read: {error}")
        return
    if type(from_snapshot) is not type(replayed):
        findings.problem(SNAPSHOT, None, f"{where}: names another kind, {type(from_snapshot).__qualname__}")
        return
    differing = _differences(_normalised(app, replayed), stored_state)
    if differing:
        fields = ", ".join(differing)
        findings.problem(SNAPSHOT, None, f"{where}: differs from a replay of its events in {fields}")


def check_snapshots(app: LedgerApplication, findings: Findings) -> SnapshotCheck:
    """Compare every stored snapshot with a replay of its aggregate's events."""
    summary = SnapshotCheck()
    if app.snapshots is None:
        return summary
    keys = _snapshot_keys(app.snapshots.recorder)
    if len(keys) > SNAPSHOTS_MAX:
        findings.problem(SNAPSHOT, None, f"more than {SNAPSHOTS_MAX} snapshots; the rest were not checked")
        keys = keys[:SNAPSHOTS_MAX]
    by_aggregate: dict[UUID, list[int]] = {}
    for aggregate_id, version in keys:
        by_aggregate.setdefault(aggregate_id, []).append(version)
    for aggregate_id, versions in by_aggregate.items():
        _check_aggregate(app, aggregate_id, versions, findings)
        summary.snapshots += len(versions)
        summary.aggregates += 1
    return summary
