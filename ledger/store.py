"""Where events live: one database URL, mapped to ``eventsourcing``'s persistence settings here only.

- ``sqlite:///ledger.db`` (relative) or ``sqlite:////var/lib/ledger.db`` (absolute): the embedded default;
- ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=NAME]``: production, through psycopg 3;
- ``memory://``: the library's in-process store, for unit tests and throwaway runs.

At rest, off by default: ``LEDGER_CIPHER_KEY`` (base64 of 16, 24 or 32 random bytes) encrypts every
stored event with AES-GCM (``eventsourcing.cipher:AESCipher``, needs ``pip install 'ledger[crypto]'``);
``LEDGER_COMPRESS=1`` compresses it with zlib first. A store must always be opened with the settings
it was written with: the wrong key fails loudly (GCM authenticates), it never returns garbage.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import importlib.util
import os
import re
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.errors import StoreError

DEFAULT_URL = "sqlite:///ledger.db"
URL_VARIABLE = "LEDGER_DATABASE_URL"

SQLITE_LOCK_TIMEOUT_S = 30
"""How long a SQLite writer waits for another process's write to finish before giving up."""
POSTGRES_LOCK_TIMEOUT_S = 10
POSTGRES_CONNECT_TIMEOUT_S = 1
"""How long one attempt waits for a connection. The library tries ten times, so while the
database is down a command fails after about 12 s with a StoreError instead of hanging;
``?connect_timeout=N`` in the URL changes it (a remote database may want more)."""
SQLITE_RECORDER_TOPIC = "ledger.persistence.sqlite:ConditionalSQLiteRecorder"
"""The library's recorder, able to check a command's read condition as it appends."""
SQLITE_FACTORY_TOPIC = "ledger.persistence.sqlite:LedgerSQLiteFactory"
"""The library's SQLite persistence, with connections that keep their compiled statements."""
POSTGRES_RECORDER_TOPIC = "ledger.persistence.postgres:OneTripApplicationRecorder"
"""Appends in one round trip with the library's locking (see that module)."""
POSTGRES_POOL_SIZE = 2
POSTGRES_MAX_OVERFLOW = 4

CIPHER_KEY_VARIABLE = "LEDGER_CIPHER_KEY"
COMPRESS_VARIABLE = "LEDGER_COMPRESS"
AES_CIPHER_TOPIC = "eventsourcing.cipher:AESCipher"
ZLIB_COMPRESSOR_TOPIC = "eventsourcing.compressor:ZlibCompressor"
AES_KEY_BYTES = (16, 24, 32)


@dataclass(frozen=True)
class StoreConfig:
    """A parsed database URL and the ``eventsourcing`` environment it stands for."""

    url: str = field(repr=False)
    kind: str
    env: dict[str, str] = field(repr=False)
    schema: str | None = None

    @property
    def display(self) -> str:
        """The URL without its password, for messages and logs."""
        return mask_password(self.url)


def resolve_url(url: str | None) -> str:
    """The URL to use: the one given, else ``LEDGER_DATABASE_URL``, else the embedded default.

    Only a missing URL (``None``) falls back: an empty or mistyped one is refused when parsed, never
    silently replaced by ``ledger.db`` in the working directory.
    """
    if url is None:
        return os.environ.get(URL_VARIABLE) or DEFAULT_URL
    return url


URL_LENGTH_MAX = 2000
CONNECT_TIMEOUT_MAX_S = 300
"""A longer connect timeout is a typo: a command would hang for minutes on an unreachable server."""
SCHEMA_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
"""A plain PostgreSQL identifier: no quoting games in the views' SQL."""


def mask_password(url: str) -> str:
    """``url`` with any password replaced by ``***``: for messages and logs.

    Everything from the first ``:`` after the user name to the *last* ``@`` is masked, so a password
    typed with an unescaped ``@`` or ``/`` does not leak half of itself (over-masking is harmless).
    """
    return _PASSWORD.sub(r"\1:***@", url)


_PASSWORD = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:/@]*):.*@", re.DOTALL)


def _url_error(url: str, reason: str) -> StoreError:
    """A refused ``--db`` URL: the field is ``db``, the URL is shown without its password."""
    return StoreError("db", f"database URL {mask_password(url)!r}: {reason}")


def parse_store_url(url: str, environ: Mapping[str, str] | None = None) -> StoreConfig:
    """Map a database URL (and the at-rest settings in ``environ``) to ``eventsourcing``'s settings."""
    if not isinstance(url, str):
        raise StoreError("db", f"{type(url).__name__} is not a database URL")
    if not url:
        raise StoreError("db", "the database URL is empty")
    if len(url) > URL_LENGTH_MAX:
        raise StoreError("db", f"the database URL is longer than {URL_LENGTH_MAX} characters")
    if not url.isprintable():
        raise _url_error(url, "contains control characters")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise _url_error(url, "not a URL (is an IPv6 address missing its ']'?)") from None
    scheme = parts.scheme.lower()
    if scheme == "memory":
        config = StoreConfig(url, "memory", {"PERSISTENCE_MODULE": "eventsourcing.popo"})
    elif scheme == "sqlite":
        config = _sqlite(url)
    elif scheme in ("postgresql", "postgres"):
        config = _postgres(url)
    else:
        raise _url_error(url, "use sqlite:///PATH, postgresql://USER@HOST:PORT/DB or memory://")
    config.env.update(at_rest_env(os.environ if environ is None else environ))
    return config


def at_rest_env(environ: Mapping[str, str]) -> dict[str, str]:
    """Encryption and compression settings, decided here only.

    ``eventsourcing`` reads ``LEDGER_<KEY>`` before ``<KEY>`` (the application is named ``ledger``),
    so setting the prefixed names, empty when off, keeps a stray ``CIPHER_KEY`` in the environment
    from switching encryption on behind the ledger's back.
    """
    key = environ.get(CIPHER_KEY_VARIABLE, "").strip()
    if key:
        _check_cipher_key(key)
    compress = _flag(COMPRESS_VARIABLE, environ.get(COMPRESS_VARIABLE, ""))
    return {
        "LEDGER_CIPHER_TOPIC": AES_CIPHER_TOPIC if key else "",
        "LEDGER_CIPHER_KEY": key,
        "LEDGER_COMPRESSOR_TOPIC": ZLIB_COMPRESSOR_TOPIC if compress else "",
    }


def _check_cipher_key(key: str) -> None:
    try:
        size = len(base64.b64decode(key, validate=True))
    except (binascii.Error, ValueError):
        size = -1
    if size not in AES_KEY_BYTES:
        msg = (
            "not base64 of 16, 24 or 32 bytes; make one with "
            "python -c 'import os, base64; print(base64.b64encode(os.urandom(32)).decode())'"
        )
        raise StoreError(CIPHER_KEY_VARIABLE, msg)
    if importlib.util.find_spec("Crypto") is None:
        msg = "encryption needs pycryptodome; pip install 'ledger[crypto]'"
        raise StoreError(CIPHER_KEY_VARIABLE, msg)


def _flag(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in ("", "0", "no", "false", "off"):
        return False
    if text in ("1", "yes", "true", "on"):
        return True
    raise StoreError(name, f"{value!r} is not 1 or 0")


def _sqlite(url: str) -> StoreConfig:
    path = url[len("sqlite://") :]
    if not path.startswith("/") or len(path) < 2:
        raise _url_error(url, "a SQLite URL is sqlite:///relative.db or sqlite:////abs.db")
    path = unquote(path[1:])
    if not path.isprintable():
        raise _url_error(url, "the path contains control characters")
    _check_sqlite_file(url, path)
    env = {
        "PERSISTENCE_MODULE": SQLITE_FACTORY_TOPIC,
        "SQLITE_DBNAME": path,
        "SQLITE_LOCK_TIMEOUT": str(SQLITE_LOCK_TIMEOUT_S),
        "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER_TOPIC,
    }
    return StoreConfig(url, "sqlite", env)


def _check_sqlite_file(url: str, path: str) -> None:
    """Refuse a path that is not a SQLite database (or a place one can be made) before it is opened.

    Why: SQLite happily "opens" any file and fails only at the first write, and a directory or a
    text file given by mistake must stay exactly as it was.
    """
    if path == ":memory:" or path.startswith("file:"):
        return
    target = Path(path)
    if target.exists():
        if not target.is_file():
            raise _url_error(url, f"{path} is not a regular file")
        if not os.access(target, os.R_OK):
            raise _url_error(url, f"{path} cannot be read (Permission denied)")
        tables = _tables(target)
        if tables is None:
            raise _url_error(url, f"{path} is not a SQLite database")
        if tables and LEDGER_TABLE not in tables:
            raise _url_error(url, f"{path} is a SQLite database of something else, not a ledger")
    elif not target.parent.is_dir():
        raise _url_error(url, f"the directory {target.parent} does not exist")


LEDGER_TABLE = "stored_events"
"""The events table ``eventsourcing`` makes in every ledger's SQLite file."""


def _tables(path: Path) -> set[str] | None:
    """The tables of the SQLite file at ``path`` (empty for an empty file, or one SQLite cannot
    read now: opening it then reports the store's own error), None for a file that is not a
    SQLite database. Read-only, so nothing of another application's file is changed by a
    mistyped ``--db``.

    Read through SQLite, never with ``open()``: closing a file descriptor drops every POSIX lock
    this process holds on the file, SQLite's included, and a ledger already open on it in this
    process would lose the shared lock that keeps another process from deleting the write-ahead
    log under it (its next connection then fails with "disk I/O error"). SQLite's own connections
    share their locks and keep the descriptor open until they are released."""
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as error:
        if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
            return None
        return set()


def _postgres(url: str) -> StoreConfig:
    parts = urlsplit(url)
    database = parts.path.lstrip("/")
    try:
        hostname, port = parts.hostname, parts.port or 5432
    except ValueError:  # urllib's message would repeat the text, which may be a password
        raise _url_error(url, "the port is not a whole number in 1..65535") from None
    if not hostname or not database:
        raise _url_error(url, "a PostgreSQL URL needs a host and a database name")
    try:
        query = parse_qs(parts.query, strict_parsing=bool(parts.query), max_num_fields=20)
    except ValueError:
        raise _url_error(url, "the query is not NAME=VALUE pairs joined by &") from None
    unknown = sorted(set(query) - {"schema", "connect_timeout"})
    if unknown:
        raise _url_error(url, f"unknown parameter {unknown[0]!r}; known: schema, connect_timeout")
    schema = query.get("schema", [""])[-1] or None
    if schema is not None and not SCHEMA_PATTERN.match(schema):
        raise _url_error(url, f"schema {schema!r} is not a plain identifier (letters, digits, _)")
    connect_timeout = query.get("connect_timeout", [str(POSTGRES_CONNECT_TIMEOUT_S)])[-1]
    if not re.fullmatch(r"[0-9]{1,4}", connect_timeout) or not (
        1 <= int(connect_timeout) <= CONNECT_TIMEOUT_MAX_S
    ):
        reason = f"connect_timeout must be a whole number of seconds, 1..{CONNECT_TIMEOUT_MAX_S}"
        raise _url_error(url, reason)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(database),
        "POSTGRES_HOST": hostname,
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_LOCK_TIMEOUT": str(POSTGRES_LOCK_TIMEOUT_S),
        "POSTGRES_CONNECT_TIMEOUT": connect_timeout,
        "POSTGRES_POOL_SIZE": str(POSTGRES_POOL_SIZE),
        "POSTGRES_MAX_OVERFLOW": str(POSTGRES_MAX_OVERFLOW),
        "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER_TOPIC,
    }
    if not all(value.isprintable() for value in env.values()):
        raise _url_error(url, "contains control characters")
    if schema:
        env["POSTGRES_SCHEMA"] = schema
    return StoreConfig(url, "postgres", env, schema)


DDL_LOCK_KEY = 0x6C656467  # "ledg": one advisory lock for all of ledger's table creation


@contextmanager
def provisioning(config: StoreConfig) -> Iterator[None]:
    """Hold PostgreSQL's advisory lock while tables are created, and create the schema first.

    Why: ``CREATE TABLE IF NOT EXISTS`` and ``CREATE TYPE`` are not safe when several processes
    open a fresh database at once ("tuple concurrently updated"); one lock makes them take turns.
    SQLite and memory stores need nothing.
    """
    if config.kind != "postgres":
        yield
        return
    with ddl_session(config) as connection, ddl_turn(connection, config.schema):
        yield


@contextmanager
def ddl_session(config: StoreConfig) -> Iterator[Any]:
    """A PostgreSQL connection of its own, in autocommit mode, for the store's DDL (a
    ``psycopg.Connection``); a failure to connect is a :class:`StoreError` naming the database."""
    import psycopg

    env = config.env
    try:
        connection = psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=int(env["POSTGRES_PORT"]),
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=max(2, int(env["POSTGRES_CONNECT_TIMEOUT"])),
            autocommit=True,
        )
    except psycopg.Error as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise StoreError("db", f"database {config.display}: {detail}") from None
    with connection:
        yield connection


@contextmanager
def ddl_turn(connection: Any, schema: str | None) -> Iterator[None]:
    """This process's turn at DDL (:data:`DDL_LOCK_KEY`), the schema created first when missing."""
    from psycopg import sql

    connection.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK_KEY,))
    try:
        # Only when missing: a login role without CREATE on the database (an operator in
        # authenticated mode, see docs/identity.md) can still open an existing schema.
        found = connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        if schema and found.fetchone() is None:
            statement = sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
            connection.execute(statement)
        yield
    finally:
        connection.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK_KEY,))
