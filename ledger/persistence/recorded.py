"""Reading the recorded time the store stamped under its write lock (see the recorders).

Events stored before the ``recorded_at`` column existed, and the in-memory store, have none: for
them the library's event ``timestamp`` stands in, as it always did.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.sqlite import SQLiteApplicationRecorder

from ledger.persistence.which import on_postgres

if TYPE_CHECKING:
    from eventsourcing.persistence import ApplicationRecorder

POSITIONS_PAGE = 500


def _rows(recorder: ApplicationRecorder, where: str, params: tuple[Any, ...]) -> list[tuple[int, int, Any]]:
    if on_postgres(recorder):
        table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'  # type: ignore[attr-defined]
        statement = f"SELECT notification_id AS n, originator_version AS v, recorded_at AS r FROM {table} "
        statement += where.replace("?", "%s").replace("{n}", "notification_id")
    elif isinstance(recorder, SQLiteApplicationRecorder):
        table = recorder.events_table_name
        statement = f"SELECT rowid AS n, originator_version AS v, recorded_at AS r FROM {table} "
        statement += where.replace("{n}", "rowid")
    else:
        return []
    with recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute(statement, params)
        return [(row["n"], row["v"], row["r"]) for row in cursor.fetchall()]


def _instant(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def recorded_times_of(recorder: ApplicationRecorder, aggregate_id: UUID) -> dict[int, datetime]:
    """The stamped recorded time of each of an aggregate's events, by version."""
    key: Any = aggregate_id if on_postgres(recorder) else aggregate_id.hex
    rows = _rows(recorder, "WHERE originator_id = ?", (key,))
    return {version: moment for _, version, value in rows if (moment := _instant(value)) is not None}


class RecordedTimes:
    """Stamped recorded times by log position, read a page of positions at a time."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self.recorder = recorder
        self.page: dict[int, datetime | None] = {}

    def at(self, position: int) -> datetime | None:
        if position not in self.page:
            rows = _rows(self.recorder, "WHERE {n} >= ? AND {n} < ?", (position, position + POSITIONS_PAGE))
            self.page = {n: _instant(value) for n, _, value in rows}
            self.page.setdefault(position, None)
        return self.page[position]
