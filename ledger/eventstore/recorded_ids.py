"""Which of many aggregate ids have events: one query for a whole batch instead of one per id.

Why: a bulk import checks every ticket for a previous import (idempotency); asking the repository
row by row costs two queries each (snapshot, then events; the profile: benchmarks/README.md). This
reads the recorder's own events table (its name and connection are the recorder's public
attributes in eventsourcing 9.5); for a store it does not know it answers ``None`` and the caller
falls back to the repository.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from eventsourcing.sqlite import SQLiteAggregateRecorder

from ledger.persistence.which import on_postgres

if TYPE_CHECKING:
    from collections.abc import Collection
    from uuid import UUID

    from eventsourcing.persistence import Recorder
    from eventsourcing.postgres import PostgresAggregateRecorder

IDS_PER_QUERY_MAX = 1000
"""Bound on the parameters of one query (SQLite allows 32,766; PostgreSQL takes an array)."""


def recorded_ids(recorder: Recorder, ids: Collection[UUID]) -> set[UUID] | None:
    """The ids among ``ids`` with at least one stored event, or None when this store cannot say."""
    if len(ids) > IDS_PER_QUERY_MAX:
        msg = f"{len(ids)} ids in one query; the maximum is {IDS_PER_QUERY_MAX}"
        raise ValueError(msg)
    if not ids:
        return set()
    if isinstance(recorder, SQLiteAggregateRecorder):
        return _sqlite(recorder, ids)
    if on_postgres(recorder):
        return _postgres(cast("PostgresAggregateRecorder", recorder), ids)
    return None


def _sqlite(recorder: SQLiteAggregateRecorder, ids: Collection[UUID]) -> set[UUID]:
    marks = ",".join("?" * len(ids))
    statement = (
        f"SELECT DISTINCT originator_id FROM {recorder.events_table_name} WHERE originator_id IN ({marks})"
    )
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement, [aggregate_id.hex for aggregate_id in ids])
        return {recorder.convert_originator_id(row["originator_id"]) for row in cursor.fetchall()}  # type: ignore[misc]


def _postgres(recorder: PostgresAggregateRecorder, ids: Collection[UUID]) -> set[UUID]:
    from psycopg.sql import SQL, Identifier

    statement = SQL(
        "SELECT DISTINCT originator_id FROM {schema}.{table} WHERE originator_id = ANY(%b)"
    ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
    with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
        cursor.execute(statement, [list(ids)])
        return {row["originator_id"] for row in cursor.fetchall()}
