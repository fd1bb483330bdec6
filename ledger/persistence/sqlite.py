"""SQLite: the library's application recorder, able to check a read condition as it appends.

A command that holds the state of what it reads may skip reading it again (see
``ledger.commands.batch_read``); its append then checks, inside the write transaction, that none
of those aggregates has an event after the version the command decided on. ``BEGIN IMMEDIATE`` takes
SQLite's write lock before that check, so no other writer can slip in between the check and the
insert, and a reader never has to upgrade to a writer (which SQLite refuses when another process
wrote in between). Each aggregate is one probe of the primary key, however long its history.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import OperationalError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteTransaction

from ledger.persistence.condition import ReadCondition, ReadSetChangedError


class ImmediateTransaction(SQLiteTransaction):
    """The library's SQLite transaction (same commit, rollback and error mapping), but a write
    transaction takes the file's write lock when it begins, waiting up to the busy timeout."""

    def __enter__(self) -> SQLiteCursor:
        cursor = self.connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE" if self.commit else "BEGIN")
        except sqlite3.OperationalError as error:  # busy past the timeout: mapped like the rest
            raise OperationalError(error) from error
        return cursor


class ConditionalSQLiteRecorder(SQLiteApplicationRecorder):
    """Appends as the library does, or, with a read condition, checks it first under the lock."""

    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        read_condition: ReadCondition | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        if read_condition is None:
            return super().insert_events(stored_events, **kwargs)
        ids, versions = read_condition
        probes = " OR ".join("(originator_id = ? AND originator_version > ?)" for _ in ids)
        check = f"SELECT 1 FROM {self.events_table_name} WHERE {probes} LIMIT 1"
        check_params: list[Any] = []
        for aggregate_id, version in zip(ids, versions, strict=True):
            check_params += [aggregate_id.hex, version]
        with (
            self.datastore.get_connection(commit=True) as connection,
            ImmediateTransaction(connection, commit=True) as cursor,
        ):
            cursor.execute(check, check_params)
            if cursor.fetchone() is not None:
                msg = "an aggregate the command read has changed"
                raise ReadSetChangedError(msg)
            return self._insert_events(cursor, stored_events, **kwargs)
