"""PostgreSQL: the library's application recorder, with each append one statement, one round trip.

``eventsourcing``'s recorder appends in a pipeline of six statements that still waits twice (after
the insert, to surface a version conflict, and again for ``COMMIT``), and the exclusive table lock
it takes is held across that wait, so every other writer waits on this client's network and
Python too. Here the same steps run inside one server-side function, called as one prepared
statement in autocommit mode: the statement is its own transaction, so the lock is taken and
released within the server's own work, and the client waits once.

Everything that makes the library's recorder correct is kept: the same ``EXCLUSIVE`` lock (so
notification ids are committed in the order they are issued, and readers never pass over a gap
that fills in later), the same lock timeout, the same ``NOTIFY`` for subscribers, the same unique
key for the version check (a conflict is the same ``IntegrityError``), the same retry of a broken
connection. (The library's own ``POSTGRES_ENABLE_DB_FUNCTIONS`` function skips the lock; this
one does not.)

An append may also carry a *read condition*: the aggregates the command decided on, each with the
version it decided on. Under the lock, the function checks (one primary-key probe each, however
long the history) that none of them has a newer event, and refuses the whole append if one has
(:class:`ReadSetChangedError`, an ``IntegrityError``: the command is re-run on fresh state). That
lets a command that already holds the state skip reading it again: one round trip instead of two.

**Recorded time.** The function reads the clock (``clock_timestamp()``) after it holds the lock,
never earlier than the newest event's, into ``recorded_at``: recorded times rise with the log
position, so an event that commits after a moment K is never recorded before K and "as known at
K" cannot change after K (the library's event ``timestamp`` is read before the lock is waited for).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, Notification, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier, Literal

from ledger.persistence.condition import ReadCondition, ReadSetChangedError

SCALAR_VALUES_MAX = 64
"""Up to this many values an array is sent as one placeholder per value; beyond, as one list."""
PREPARED_EVENTS_MAX = 16
"""Appends of up to this many events keep a server-side prepared statement per shape; bigger
ones (an import's batch) are planned each time rather than fill the server's statement cache."""
READ_SET_CHANGED = "LD001"
"""The SQLSTATE the conditional append raises when an aggregate of the read set has changed."""


class OneTripApplicationRecorder(PostgresApplicationRecorder):
    """Appends a command's events, under the table lock, with one statement."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        function = f"{events_table_name}_append"
        self.check_identifier_length(f"{function}_if")
        names = {
            "schema": Identifier(datastore.schema),
            "table": Identifier(events_table_name),
            "function": Identifier(function),
            "function_if": Identifier(f"{function}_if"),
            "id_type": SQL(datastore.originator_id_type),
        }
        body = SQL(
            "SET LOCAL lock_timeout = {lock_timeout}; "
            "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
            "NOTIFY {channel}; "
        ).format(
            lock_timeout=Literal(f"{datastore.lock_timeout}s"), channel=Identifier(self.channel_name), **names
        )
        # The recorded time is read here, under the lock, and never before the newest event's.
        insert = SQL(
            "stamp := GREATEST(clock_timestamp(), (SELECT e.recorded_at FROM {schema}.{table} e "
            "ORDER BY e.notification_id DESC LIMIT 1)); "
            "RETURN QUERY INSERT INTO {schema}.{table} "
            "(originator_id, originator_version, topic, state, recorded_at) "
            "SELECT u.*, stamp FROM unnest(ids, versions, topics, states) AS u RETURNING notification_id; "
        ).format(**names)
        check = SQL(
            "IF EXISTS (SELECT 1 FROM unnest(read_ids, read_versions) AS r(id, version) "
            "WHERE EXISTS (SELECT 1 FROM {schema}.{table} e "
            "WHERE e.originator_id = r.id AND e.originator_version > r.version)) THEN "
            "RAISE EXCEPTION 'an aggregate the command read has changed' USING ERRCODE = {code}; END IF; "
        ).format(code=Literal(READ_SET_CHANGED), **names)
        signature = SQL("ids {id_type}[], versions bigint[], topics text[], states bytea[]").format(**names)
        self.sql_create_statements += [
            # Only when missing: even ``ADD COLUMN IF NOT EXISTS`` waits for the strongest lock.
            SQL(
                "DO $DO$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE "
                "table_schema = {schema_text} AND table_name = {table_text} AND column_name = 'recorded_at') "
                "THEN ALTER TABLE {schema}.{table} ADD COLUMN recorded_at timestamptz; END IF; END $DO$"
            ).format(schema_text=Literal(datastore.schema), table_text=Literal(events_table_name), **names),
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function}({signature}) "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ DECLARE stamp timestamptz; "
                "BEGIN {body}{insert}END; $BODY$"
            ).format(signature=signature, body=body, insert=insert, **names),
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function_if}({signature}, "
                "read_ids {id_type}[], read_versions bigint[]) "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ DECLARE stamp timestamptz; "
                "BEGIN {body}{check}{insert}END; $BODY$"
            ).format(signature=signature, body=body, check=check, insert=insert, **names),
        ]
        self.names = names
        self.statements: dict[tuple[int, int | None], str] = {}
        self.selects: dict[tuple[bool, bool, bool, bool], Composed] = {}

    def statement(self, events: int, read_ids: int | None) -> str:
        """The call for this many events (and read ids, for a conditional append), rendered once.

        The arrays are built on the server from one placeholder per value: psycopg dumps scalars in
        C, while a list parameter goes through its Python array dumper, which costs more (the figure:
        benchmarks/README.md, "Measurements behind the code"). A bigger append (an import's batch)
        sends each array as one parameter in binary form, which spares that dumper the escaping
        of every value as text."""
        key = (events, read_ids)
        if key not in self.statements:

            def array(count: int, kind: str) -> str:
                if count > SCALAR_VALUES_MAX:
                    return f"%b::{kind}[]"  # one binary list parameter: a big append stays one parameter
                return f"ARRAY[{', '.join(['%s'] * count)}]::{kind}[]"

            id_type = self.datastore.originator_id_type
            arguments = [array(events, id_type), array(events, "bigint"), array(events, "text")]
            arguments.append(array(events, "bytea"))
            function = "function"
            if read_ids is not None:
                arguments += [array(read_ids, id_type), array(read_ids, "bigint")]
                function = "function_if"
            call = SQL(
                "SELECT n AS notification_id FROM {schema}.{function}(" + ", ".join(arguments) + ") AS n"
            )
            self.statements[key] = call.format(
                schema=self.names["schema"], function=self.names[function]
            ).as_string(None)
        return self.statements[key]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        read_condition: ReadCondition | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        if not stored_events:
            return []
        columns: list[list[Any]] = [
            [event.originator_id for event in stored_events],
            [event.originator_version for event in stored_events],
            [event.topic for event in stored_events],
            [event.state for event in stored_events],
        ]
        if read_condition is None:
            statement = self.statement(len(stored_events), None)
        else:
            statement = self.statement(len(stored_events), len(read_condition[0]))
            columns += [list(read_condition[0]), list(read_condition[1])]
        params: list[Any] = []
        for column in columns:
            if len(column) > SCALAR_VALUES_MAX:
                params.append(column)
            else:
                params += column
        with self.datastore.get_connection() as connection, connection.cursor() as cursor:
            try:
                cursor.execute(statement, params, prepare=len(stored_events) <= PREPARED_EVENTS_MAX)
            except psycopg.Error as error:
                if error.sqlstate == READ_SET_CHANGED:
                    raise ReadSetChangedError(str(error).strip()) from None
                raise
            return [row["notification_id"] for row in cursor.fetchall()]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """The library's query and result, its rows read in binary as tuples: the library reads
        them as text into dictionaries, so the server writes each ``state`` in hex and psycopg
        parses it back, and a rebuild's reading of the log cost six times the CPU (figures:
        benchmarks/README.md)."""
        key = (start is not None, inclusive_of_start, stop is not None, bool(topics))
        statement = self.selects.get(key)
        if statement is None:
            statement = self.selects[key] = self._select_statement(*key)
        params: list[Any] = []
        if start is not None:
            params.append(start)
        if stop is not None:
            params.append(stop)
        if topics:
            params.append(list(topics))
        params.append(limit)
        with (
            self.datastore.get_connection() as connection,
            connection.cursor(row_factory=tuple_row, binary=True) as cursor,
        ):
            cursor.execute(statement, params, prepare=True)
            return [
                Notification(
                    id=notification_id,
                    originator_id=originator_id,
                    originator_version=originator_version,
                    topic=topic,
                    state=state,
                )
                for notification_id, originator_id, originator_version, topic, state in cursor.fetchall()
            ]

    def _select_statement(self, start: bool, inclusive: bool, stop: bool, topics: bool) -> Composed:
        """The library's ``select_notifications`` statement for these arguments, columns named."""
        conditions = []
        if start:
            conditions.append(SQL("notification_id >= %s" if inclusive else "notification_id > %s"))
        if stop:
            conditions.append(SQL("notification_id <= %s"))
        if topics:
            conditions.append(SQL("topic = ANY(%s)"))
        where = SQL(" WHERE ") + SQL(" AND ").join(conditions) if conditions else SQL("")
        return (
            SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {schema}.{table}"
            ).format(schema=self.names["schema"], table=self.names["table"])
            + where
            + SQL(" ORDER BY notification_id LIMIT %s")
        )
