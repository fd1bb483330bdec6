"""Tampering with the stored log behind the ledger's back, with direct SQL, as an attacker would.

SQLite keeps events in ``stored_events`` (the rowid is the position); PostgreSQL in
``{schema}.ledger_events`` (``notification_id``).
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
from psycopg import sql

SHIFT = 1_000_000


class RawLog(ABC):
    """The four kinds of tampering, on one store."""

    @abstractmethod
    def execute(self, statement: str, *params: Any) -> list[tuple[Any, ...]]: ...

    @property
    @abstractmethod
    def table(self) -> str: ...

    @property
    @abstractmethod
    def position(self) -> str: ...

    def _sql(self, text: str) -> str:
        return text.format(table=self.table, position=self.position)

    def state(self, position: int) -> bytes:
        rows = self.execute(self._sql("SELECT state FROM {table} WHERE {position} = %s"), position)
        return bytes(rows[0][0])

    def states(self) -> list[bytes]:
        """Every stored event's bytes, in log order."""
        rows = self.execute(self._sql("SELECT state FROM {table} ORDER BY {position}"))
        return [bytes(row[0]) for row in rows]

    def set_state(self, position: int, state: bytes) -> None:
        self.execute(self._sql("UPDATE {table} SET state = %s WHERE {position} = %s"), state, position)

    def alter(self, position: int, old: bytes = b'"tester"', new: bytes = b'"mallory"') -> None:
        """Change stored bytes in place (here: who did it)."""
        state = self.state(position)
        assert old in state, state
        self.set_state(position, state.replace(old, new))

    def set_topic(self, position: int, topic: str) -> None:
        """Rewrite which type a stored record claims to be."""
        self.execute(self._sql("UPDATE {table} SET topic = %s WHERE {position} = %s"), topic, position)

    def topic(self, position: int) -> str:
        rows = self.execute(self._sql("SELECT topic FROM {table} WHERE {position} = %s"), position)
        return str(rows[0][0])

    @property
    @abstractmethod
    def snapshot_table(self) -> str: ...

    def snapshot_state(self, version: int) -> bytes:
        """The stored state of the snapshot taken at ``version`` (there is one aggregate with any)."""
        rows = self.execute(f"SELECT state FROM {self.snapshot_table} WHERE originator_version = %s", version)
        return bytes(rows[0][0])

    def set_snapshot_state(self, version: int, state: bytes) -> None:
        self.execute(
            f"UPDATE {self.snapshot_table} SET state = %s WHERE originator_version = %s", state, version
        )

    def delete(self, position: int) -> None:
        self.execute(self._sql("DELETE FROM {table} WHERE {position} = %s"), position)

    def insert(self, position: int, copy_of: int) -> None:
        """Make room at ``position`` by renumbering the rest, then slip in a copy of another record."""
        self.execute(
            self._sql("UPDATE {table} SET {position} = {position} + %s WHERE {position} >= %s"),
            SHIFT,
            position,
        )
        self.execute(
            self._sql("UPDATE {table} SET {position} = {position} - %s WHERE {position} >= %s"),
            SHIFT - 1,
            SHIFT,
        )
        source = copy_of if copy_of < position else copy_of + 1
        self.execute(
            self._sql(
                "INSERT INTO {table} ({position}, originator_id, originator_version, topic, state) "
                "SELECT %s, originator_id, originator_version + 1000, topic, state FROM {table} "
                "WHERE {position} = %s"
            ),
            position,
            source,
        )

    def swap(self, first: int, second: int) -> None:
        """Reorder: two records trade places."""
        move = self._sql("UPDATE {table} SET {position} = %s WHERE {position} = %s")
        self.execute(move, -1, first)
        self.execute(move, first, second)
        self.execute(move, second, -1)


class SqliteRawLog(RawLog):
    table = "stored_events"
    position = "rowid"
    snapshot_table = "stored_snapshots"

    def __init__(self, url: str) -> None:
        self.path = url[len("sqlite:///") :]

    def execute(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        connection = sqlite3.connect(self.path)
        try:
            rows = connection.execute(statement.replace("%s", "?"), params).fetchall()
            connection.commit()
            return rows
        finally:
            connection.close()


class PostgresRawLog(RawLog):
    position = "notification_id"

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.schema = parse_qs(parts.query)["schema"][0]
        self.dsn = parts._replace(query="").geturl()

    @property
    def table(self) -> str:
        return sql.Identifier(self.schema, "ledger_events").as_string()

    @property
    def snapshot_table(self) -> str:
        return sql.Identifier(self.schema, "ledger_snapshots").as_string()

    def execute(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            cursor = connection.execute(statement.encode("utf-8"), params)
            return cursor.fetchall() if cursor.description else []


def raw_log(url: str) -> RawLog:
    return SqliteRawLog(url) if url.startswith("sqlite") else PostgresRawLog(url)
