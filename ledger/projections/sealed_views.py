"""Views when the store is encrypted: kept in memory, saved to the store only encrypted.

Why: with ``LEDGER_CIPHER_KEY`` every stored event is encrypted, but a view in SQL tables beside
them would hold customer names, references, descriptions, engineers and amounts in plaintext, and
a report could print them without the key. So with a key the views live in an in-process SQLite
memory database (the same SQL as always), and between processes they are kept as one checkpoint:
the whole memory database, compressed and encrypted with the events' own cipher (AES-GCM, so an
altered checkpoint fails to decrypt), in the table ``ledger_view_checkpoints``. A process loads
it, catches up from the log, and saves it again on close when it changed. A checkpoint that
cannot be decrypted is ignored: the views are rebuilt from the (authenticated) events instead.
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from typing import TYPE_CHECKING, Any

from eventsourcing.sqlite import SQLiteFactory

from ledger.persistence.which import on_postgres

if TYPE_CHECKING:
    from eventsourcing.application import Application
    from eventsourcing.persistence import Cipher

CHECKPOINT_TABLE = "ledger_view_checkpoints"
CHECKPOINT_NAME = "views"
CIPHER_FAILURES = (ValueError, KeyError, zlib.error, sqlite3.DatabaseError)


class SealedViewStore:
    """Loads and saves the encrypted checkpoint of one process's in-memory views."""

    def __init__(self, app: Application[Any], cipher: Cipher, memory_name: str) -> None:
        self.app = app
        self.cipher = cipher
        self.keeper = sqlite3.connect(memory_name, uri=True, check_same_thread=False)
        """Holds the shared memory database open for the views' own connections."""
        self.loaded_digest: str | None = None
        self._create_table()

    def _execute(self, statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
        factory = self.app.factory
        if on_postgres(self.app.recorder):
            schema = factory.datastore.schema  # type: ignore[attr-defined]
            statement = statement.replace("{table}", f'"{schema}"."{CHECKPOINT_TABLE}"').replace("?", "%s")
            statement = statement.replace("BLOB", "BYTEA")
        elif isinstance(factory, SQLiteFactory):
            statement = statement.replace("{table}", CHECKPOINT_TABLE)
        else:
            return []
        with factory.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
            cursor.execute(statement, params)
            return list(cursor.fetchall()) if statement.startswith("SELECT") else []

    def _create_table(self) -> None:
        self._execute(
            "CREATE TABLE IF NOT EXISTS {table} (name TEXT PRIMARY KEY, state BLOB NOT NULL)",
        )

    def load(self) -> bool:
        """Put the saved views into the memory database; False when there is no usable checkpoint."""
        rows = self._execute("SELECT state FROM {table} WHERE name = ?", (CHECKPOINT_NAME,))
        if not rows:
            return False
        try:
            data = zlib.decompress(self.cipher.decrypt(bytes(rows[0]["state"])))
            source = sqlite3.connect(":memory:")
            source.deserialize(data)
            source.backup(self.keeper)
            source.close()
        except CIPHER_FAILURES:
            return False
        self.loaded_digest = hashlib.sha256(data).hexdigest()
        return True

    def save(self) -> None:
        """Encrypt the memory database into the store, when it changed since it was loaded."""
        data = self.keeper.serialize()
        digest = hashlib.sha256(data).hexdigest()
        if digest == self.loaded_digest:
            return
        state = self.cipher.encrypt(zlib.compress(data))
        self._execute("DELETE FROM {table} WHERE name = ?", (CHECKPOINT_NAME,))
        self._execute("INSERT INTO {table} VALUES (?, ?)", (CHECKPOINT_NAME, state))
        self.loaded_digest = digest

    def close(self) -> None:
        self.keeper.close()
