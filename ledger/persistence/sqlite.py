"""SQLite: the library's application recorder, able to check a read condition as it appends,
and stamping each event's recorded time under the write lock.

A command that holds the state of what it reads may skip reading it again (see
``ledger.eventstore.command_cache``); its append then checks, inside the write transaction, that none
of those aggregates has an event after the version the command decided on. ``BEGIN IMMEDIATE`` takes
SQLite's write lock before that check, so no other writer can slip in between the check and the
insert, and a reader never has to upgrade to a writer (which SQLite refuses when another process
wrote in between). Each aggregate is one probe of the primary key, however long its history.

**Recorded time.** Every append takes the write lock first (``BEGIN IMMEDIATE``) and only then
reads the clock, into the ``recorded_at`` column: never earlier than the newest event's, so
recorded times rise with log position. A time stamped before waiting for the lock (as the
library's event ``timestamp`` is) could fall before a moment K while the event only commits after
K, and "as known at K" would change after K. Text in UTC with microseconds, which sorts as time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
    SQLiteTransaction,
)
from eventsourcing.utils import Environment, EnvType

from ledger.persistence.condition import ReadCondition, ReadSetChangedError

STATEMENTS_CACHED_MAX = 128
"""Compiled statements a connection keeps (sqlite3's own default): a command's handful, and the
views' statements beside them."""


class StatementCachingPool(SQLiteConnectionPool):
    """The library's pool, but its connections keep their compiled statements.

    eventsourcing 9.5.6 opens each connection with ``cached_statements=True``, which ``sqlite3``
    reads as a cache of one statement, so every statement but the last one used was compiled again
    each time it ran (a quarter to a third of a ``work log``'s CPU: benchmarks/README.md). The rest
    is the library's: WAL mode, autocommit, rows by name."""

    def _create_connection(self) -> SQLiteConnection:
        try:
            connection = sqlite3.connect(
                database=self.db_name,
                uri=True,
                check_same_thread=False,
                isolation_level=None,  # autocommit: transactions are begun explicitly
                cached_statements=STATEMENTS_CACHED_MAX,
                timeout=self.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
            )
        except (sqlite3.Error, TypeError) as error:
            raise InterfaceError(error) from error
        self._configure(connection.cursor())
        connection.row_factory = sqlite3.Row
        return SQLiteConnection(sqlite_conn=connection, max_age=self.max_age)

    def _configure(self, cursor: sqlite3.Cursor) -> None:
        if not self.is_sqlite_memory_mode and not self.is_journal_mode_wal:
            cursor.execute("PRAGMA journal_mode;")
            if cursor.fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL;")
                self.journal_mode_was_changed_to_wal = True
            self.is_journal_mode_wal = True


class ScratchFilePool(StatementCachingPool):
    """Connections to a file that only this run writes and that is thrown away afterwards (a
    rebuild's staging file, a verification's scratch file): its rollback journal in memory and
    no flush to disk at a commit. Why: at a million events a staging file's commits, each waiting
    for the disk, were a tenth of a rebuild; nothing in such a file needs to survive a crash,
    and a rollback still works."""

    def _configure(self, cursor: sqlite3.Cursor) -> None:
        cursor.execute("PRAGMA journal_mode = MEMORY")
        cursor.execute("PRAGMA synchronous = OFF")


def _with_pool(datastore: SQLiteDatastore, pool: type[StatementCachingPool]) -> SQLiteDatastore:
    """``datastore`` with its library pool (made, not yet connected) replaced by ``pool``, same settings."""
    library = datastore.pool
    datastore.pool = pool(
        db_name=library.db_name,
        lock_timeout=library.lock_timeout,
        pool_size=library.pool_size,
        max_overflow=library.max_overflow,
        pool_timeout=library.pool_timeout,
        max_age=library.max_age,
        pre_ping=library.pre_ping,
    )
    return datastore


def scratch_file_datastore(path: str) -> SQLiteDatastore:
    """A datastore of the throw-away SQLite file at ``path`` (see :class:`ScratchFilePool`)."""
    return _with_pool(SQLiteDatastore(path), ScratchFilePool)


class LedgerSQLiteFactory(SQLiteFactory):
    """The library's SQLite persistence, its connections drawn from a :class:`StatementCachingPool`."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        _with_pool(self.datastore, StatementCachingPool)


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


RECORDED_AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"


def recorded_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(RECORDED_AT_FORMAT)


class ConditionalSQLiteRecorder(SQLiteApplicationRecorder):
    """Appends under the write lock, stamping ``recorded_at`` there; with a read condition, checks
    it first under the same lock."""

    def __init__(self, datastore: Any, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)
        self.insert_events_statement = (
            f"INSERT INTO {self.events_table_name} "
            "(originator_id, originator_version, topic, state, recorded_at) VALUES (?,?,?,?,?)"
        )
        self.last_recorded_statement = (
            f"SELECT recorded_at FROM {self.events_table_name} ORDER BY rowid DESC LIMIT 1"
        )

    def _create_table(self, c: Any) -> None:
        super()._create_table(c)
        c.execute(f"PRAGMA table_info({self.events_table_name})")
        if "recorded_at" not in {row[1] for row in c.fetchall()}:  # a store from before the column
            c.execute(f"ALTER TABLE {self.events_table_name} ADD COLUMN recorded_at TEXT")

    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        read_condition: ReadCondition | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        with (
            self.datastore.get_connection(commit=True) as connection,
            ImmediateTransaction(connection, commit=True) as cursor,
        ):
            if read_condition is None:
                return self._insert_events(cursor, stored_events)
            return self._append(cursor, stored_events, self._check(cursor, read_condition))

    def _check(self, cursor: Any, read_condition: ReadCondition) -> str | None:
        """Refuses the append if an aggregate read has a newer event; returns the newest event's
        ``recorded_at`` in the same statement (one step of SQLite's engine fewer per command)."""
        ids, versions = read_condition
        probes = " OR ".join("(originator_id = ? AND originator_version > ?)" for _ in ids)
        check = (
            f"SELECT (SELECT 1 FROM {self.events_table_name} WHERE {probes} LIMIT 1), "
            f"({self.last_recorded_statement})"
        )
        check_params: list[Any] = []
        for aggregate_id, version in zip(ids, versions, strict=True):
            check_params += [aggregate_id.hex, version]
        cursor.execute(check, check_params)
        changed, newest = cursor.fetchone()
        if changed is not None:
            msg = "an aggregate the command read has changed"
            raise ReadSetChangedError(msg)
        return None if newest is None else str(newest)

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **_: Any) -> Sequence[int] | None:
        c.execute(self.last_recorded_statement)
        row = c.fetchone()
        return self._append(c, stored_events, None if row is None else row[0])

    def _append(self, c: Any, stored_events: Sequence[StoredEvent], newest: str | None) -> list[int]:
        """Insert under the write lock, stamped now (never before ``newest``, the log's latest)."""
        stamp = recorded_text(datetime.now(UTC))  # read only now: the write lock is held
        if newest is not None and newest > stamp:
            stamp = newest  # the clock went back: never before the newest recorded event
        returning = []
        for s in stored_events:
            originator_id = s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id
            c.execute(
                self.insert_events_statement,
                (originator_id, s.originator_version, s.topic, s.state, stamp),
            )
            returning.append(c.lastrowid)
        return returning
