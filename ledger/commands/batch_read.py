"""Several aggregates brought up to date with one query, for a command that reads many of them.

``work log`` reads the work entry, the card, the contract, the beheerpacks, the on-site engagement
and the rate card: six round trips through the repository (each a fast-forward query, or a miss
for what does not exist). This reads them in one: every aggregate already cached is advanced by the
events stored after its cached version; one never seen is loaded once through the repository
in the same query (or, when its history is long, once through the repository and its snapshot);
one that does not exist is asked for again every time, so a contract started by another process is
seen at once. Correctness never rests on it: a command that decided
on stale state still loses its save to the store's version check and is re-run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from copy import deepcopy
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, project_aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder

if TYPE_CHECKING:
    from eventsourcing.application import Application

WHOLE_HISTORY_EVENTS_MAX = 200
"""An aggregate not yet cached is read whole in the batch query unless its history is longer."""


class BatchReader:
    """Per application: this thread's prefetched aggregates."""

    def __init__(self, app: Application[UUID]) -> None:
        self.app = app
        self.local = threading.local()

    @property
    def supported(self) -> bool:
        recorder = self.app.recorder
        return self.app.repository.cache is not None and isinstance(
            recorder, SQLiteAggregateRecorder | PostgresAggregateRecorder
        )

    @contextmanager
    def prefetched(self, aggregate_ids: Sequence[UUID]) -> Iterator[None]:
        """Within the block, :meth:`take` answers for these ids from one query's results."""
        if not self.supported:
            yield
            return
        self.local.found = self._load(aggregate_ids)
        try:
            yield
        finally:
            self.local.found = None

    def take(self, aggregate_id: UUID) -> tuple[bool, Any]:
        """(True, a private copy or None) when prefetched in this block; (False, None) otherwise."""
        found: dict[UUID, Any] | None = getattr(self.local, "found", None)
        if found is None or aggregate_id not in found:
            return False, None
        aggregate = found.pop(aggregate_id)
        return True, None if aggregate is None else deepcopy(aggregate)

    def _load(self, aggregate_ids: Sequence[UUID]) -> dict[UUID, Any]:
        cache = self.app.repository.cache
        assert cache is not None
        bases: dict[UUID, Any] = {}
        for aggregate_id in aggregate_ids:
            try:
                bases[aggregate_id] = cache.get(aggregate_id)
            except KeyError:
                bases[aggregate_id] = None  # never seen, or known absent: its whole history, if any
        newer = self._select_newer({i: (0 if base is None else base.version) for i, base in bases.items()})
        found: dict[UUID, Any] = {}
        for aggregate_id, base in bases.items():
            stored = newer.get(aggregate_id, [])
            if base is None and len(stored) > WHOLE_HISTORY_EVENTS_MAX:
                # A long history never cached: load it from its snapshot instead, once.
                found[aggregate_id] = self._first_load(aggregate_id)
                continue
            events = [self.app.mapper.to_domain_event(event) for event in stored]
            if events:
                # Never mutate the cached object itself: another thread may be reading it.
                aggregate = project_aggregate(deepcopy(base) if base is not None else None, events)
                cache.put(aggregate_id, aggregate)
            else:
                aggregate = base
            found[aggregate_id] = aggregate
        return found

    def _first_load(self, aggregate_id: UUID) -> Any:
        """Through the repository (snapshot, then events; it caches it)."""
        try:
            self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        cache = self.app.repository.cache
        assert cache is not None
        return cache.get(aggregate_id)

    def _select_newer(self, versions: dict[UUID, int]) -> dict[UUID, list[StoredEvent]]:
        recorder: Any = self.app.recorder
        newer: dict[UUID, list[StoredEvent]] = {}
        if isinstance(recorder, PostgresAggregateRecorder):
            rows = _postgres_rows(recorder, versions)
        else:
            rows = _sqlite_rows(recorder, versions)
        for originator_id, version, topic, state in rows:
            key = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
            newer.setdefault(key, []).append(StoredEvent(key, version, topic, bytes(state)))
        return newer


def _sqlite_rows(recorder: SQLiteAggregateRecorder, versions: dict[UUID, int]) -> list[tuple[Any, ...]]:
    where = " OR ".join("(originator_id = ? AND originator_version > ?)" for _ in versions)
    params: list[Any] = []
    for aggregate_id, version in versions.items():
        params += [aggregate_id.hex, version]
    statement = (
        f"SELECT originator_id, originator_version, topic, state FROM {recorder.events_table_name} "
        f"WHERE {where} ORDER BY originator_id, originator_version"
    )
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement, params)
        return [tuple(row) for row in cursor.fetchall()]


def _postgres_rows(recorder: PostgresAggregateRecorder, versions: dict[UUID, int]) -> list[tuple[Any, ...]]:
    from psycopg.sql import SQL, Identifier

    statement = SQL(
        "SELECT e.originator_id, e.originator_version, e.topic, e.state FROM {schema}.{table} e "
        "JOIN unnest(%s::uuid[], %s::int[]) AS w(id, gt) "
        "ON e.originator_id = w.id AND e.originator_version > w.gt "
        "ORDER BY e.originator_id, e.originator_version"
    ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement, (list(versions), list(versions.values())), prepare=True)
        return [
            (row["originator_id"], row["originator_version"], row["topic"], row["state"])
            for row in cursor.fetchall()
        ]
