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

An append may also carry a *read condition*: the aggregates the command decided on, and the log
position up to which its caller knows them. Under the lock, the function checks that no event
of those aggregates was appended after that position, and refuses the whole append if one was
(:class:`ReadSetChangedError`, an ``IntegrityError``: the command is re-run on fresh state). That lets
a command that already holds current state skip reading it again: one round trip instead of two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier, Literal

from ledger.persistence.condition import ReadCondition, ReadSetChangedError

READ_SET_CHANGED = "LD001"
"""The SQLSTATE the conditional append raises when the read set changed after its position."""


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
        insert = SQL(
            "RETURN QUERY INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(ids, versions, topics, states) RETURNING notification_id; "
        ).format(**names)
        check = SQL(
            "IF EXISTS (SELECT 1 FROM {schema}.{table} WHERE notification_id > after "
            "AND originator_id = ANY(read_ids)) THEN "
            "RAISE EXCEPTION 'read set changed after %', after USING ERRCODE = {code}; END IF; "
        ).format(code=Literal(READ_SET_CHANGED), **names)
        signature = SQL("ids {id_type}[], versions bigint[], topics text[], states bytea[]").format(**names)
        self.sql_create_statements += [
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function}({signature}) "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ BEGIN {body}{insert}END; $BODY$"
            ).format(signature=signature, body=body, insert=insert, **names),
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function_if}({signature}, "
                "read_ids {id_type}[], after bigint) "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ BEGIN {body}{check}{insert}END; $BODY$"
            ).format(signature=signature, body=body, check=check, insert=insert, **names),
        ]
        # Rendered once: psycopg would otherwise compose the statement again on every call.
        self.append_statement = (
            SQL("SELECT n AS notification_id FROM {schema}.{function}(%s, %s, %s, %s) AS n")
            .format(**names)
            .as_string(None)
        )
        self.append_if_statement = (
            SQL("SELECT n AS notification_id FROM {schema}.{function_if}(%s, %s, %s, %s, %s, %s) AS n")
            .format(**names)
            .as_string(None)
        )

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
        arrays: list[list[Any]] = [[], [], [], []]
        for event in stored_events:
            arrays[0].append(event.originator_id)
            arrays[1].append(event.originator_version)
            arrays[2].append(event.topic)
            arrays[3].append(event.state)
        statement = self.append_statement
        if read_condition is not None:
            statement = self.append_if_statement
            arrays += [list(read_condition[0]), read_condition[1]]  # type: ignore[list-item]
        with self.datastore.get_connection() as connection, connection.cursor() as cursor:
            try:
                cursor.execute(statement, arrays, prepare=True)
            except psycopg.Error as error:
                if error.sqlstate == READ_SET_CHANGED:
                    raise ReadSetChangedError(str(error).strip()) from None
                raise
            return [row["notification_id"] for row in cursor.fetchall()]
