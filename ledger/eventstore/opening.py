"""Opening the write side on a store: on PostgreSQL, DDL only when the store needs it.

Why: every open ran the recorders' DDL under the advisory lock (two composite types, two tables,
an index, three functions replaced, a column check): some 30 ms of each command-line run on
PostgreSQL, and a turn at the lock that every other process opening the store waited for. The
statements are what the code of this version would run; a store they were run on records their
digest (``ledger_provisioned``), and an open whose statements have that digest runs none of them.
A store made or last opened by other code (another version of the ledger or of the library, a
schema whose digest is missing or differs) gets the statements, under the lock, as before, and
then the new digest. SQLite and memory stores are opened as they always were.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from ledger.errors import StoreError
from ledger.store import ddl_session, ddl_turn

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from ledger.eventstore.application import LedgerApplication
    from ledger.store import StoreConfig

PROVISIONED_TABLE = "ledger_provisioned"
"""One row: the digest of the DDL the store's tables and functions were last made with."""


def open_application(
    config: StoreConfig, make: Callable[[Mapping[str, str]], LedgerApplication]
) -> LedgerApplication:
    """``make(env)`` on the store of ``config``, its tables and functions created or replaced
    only when they were not made by the statements this code runs (see the module)."""
    if config.kind != "postgres":
        return make(config.env)
    import psycopg

    with ddl_session(config) as connection:
        app = make({**config.env, "CREATE_TABLE": "n"})
        try:
            recorders = _recorders(app)
            digest = ddl_digest(recorders)
            schema = app.recorder.datastore.schema  # type: ignore[attr-defined]
            if stored_digest(connection, schema) != digest:
                with ddl_turn(connection, config.schema):
                    for recorder in recorders:
                        recorder.create_table()
                    _record_digest(connection, schema, digest)
        except psycopg.Error as error:  # on the DDL connection: the same error as a failed connect
            app.close()
            detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise StoreError("db", f"database {config.display}: {detail}") from None
        except BaseException:
            app.close()
            raise
    return app


def ddl_digest(recorders: list[Any]) -> str:
    """SHA-256 of every statement the recorders' ``create_table`` runs, in order."""
    text = "\n".join(statement.as_string(None) for r in recorders for statement in r.sql_create_statements)
    return hashlib.sha256(text.encode()).hexdigest()


def stored_digest(connection: Any, schema: str) -> str | None:
    """The digest the store records, or None (no such table yet, or not readable by this login)."""
    import psycopg
    from psycopg import sql

    statement = sql.SQL("SELECT fingerprint FROM {}.{}").format(
        sql.Identifier(schema), sql.Identifier(PROVISIONED_TABLE)
    )
    errors = psycopg.errors
    try:
        row = connection.execute(statement).fetchone()
    except (errors.UndefinedTable, errors.InvalidSchemaName, errors.InsufficientPrivilege):
        return None
    return None if row is None else str(row[0])


def _record_digest(connection: Any, schema: str, digest: str) -> None:
    from psycopg import sql

    table = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(PROVISIONED_TABLE))
    connection.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (one boolean PRIMARY KEY DEFAULT true CHECK (one), "
            "fingerprint text NOT NULL, provisioned_at timestamptz NOT NULL DEFAULT now())"
        ).format(table)
    )
    connection.execute(
        sql.SQL(
            "INSERT INTO {} (fingerprint) VALUES (%s) ON CONFLICT (one) "
            "DO UPDATE SET fingerprint = EXCLUDED.fingerprint, provisioned_at = now()"
        ).format(table),
        (digest,),
    )


def _recorders(app: LedgerApplication) -> list[Any]:
    """The recorders whose tables an open creates: the events', and the snapshots' if any."""
    recorders: list[Any] = [app.recorder]
    if app.snapshots is not None:
        recorders.append(app.snapshots.recorder)
    return recorders
