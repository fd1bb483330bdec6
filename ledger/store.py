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
import importlib.util
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
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

    url: str
    kind: str
    env: dict[str, str] = field(repr=False)
    schema: str | None = None

    @property
    def display(self) -> str:
        """The URL without its password, for messages and logs."""
        parts = urlsplit(self.url)
        if parts.password:
            return self.url.replace(f":{parts.password}@", ":***@")
        return self.url


def resolve_url(url: str | None) -> str:
    """The URL to use: the one given, else ``LEDGER_DATABASE_URL``, else the embedded default."""
    return url or os.environ.get(URL_VARIABLE) or DEFAULT_URL


def parse_store_url(url: str, environ: Mapping[str, str] | None = None) -> StoreConfig:
    """Map a database URL (and the at-rest settings in ``environ``) to ``eventsourcing``'s settings."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "memory":
        config = StoreConfig(url, "memory", {"PERSISTENCE_MODULE": "eventsourcing.popo"})
    elif scheme == "sqlite":
        config = _sqlite(url)
    elif scheme in ("postgresql", "postgres"):
        config = _postgres(url)
    else:
        msg = f"database URL {url!r}: use sqlite:///PATH, postgresql://USER@HOST:PORT/DB or memory://"
        raise StoreError(msg)
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
            f"{CIPHER_KEY_VARIABLE}: not base64 of 16, 24 or 32 bytes; make one with "
            "python -c 'import os, base64; print(base64.b64encode(os.urandom(32)).decode())'"
        )
        raise StoreError(msg)
    if importlib.util.find_spec("Crypto") is None:
        msg = f"{CIPHER_KEY_VARIABLE}: encryption needs pycryptodome; pip install 'ledger[crypto]'"
        raise StoreError(msg)


def _flag(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in ("", "0", "no", "false", "off"):
        return False
    if text in ("1", "yes", "true", "on"):
        return True
    msg = f"{name}: {value!r} is not 1 or 0"
    raise StoreError(msg)


def _sqlite(url: str) -> StoreConfig:
    path = url[len("sqlite://") :]
    if not path.startswith("/") or len(path) < 2:
        msg = f"database URL {url!r}: a SQLite URL is sqlite:///relative.db or sqlite:////abs.db"
        raise StoreError(msg)
    path = unquote(path[1:])
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": path,
        "SQLITE_LOCK_TIMEOUT": str(SQLITE_LOCK_TIMEOUT_S),
        "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER_TOPIC,
    }
    return StoreConfig(url, "sqlite", env)


def _postgres(url: str) -> StoreConfig:
    parts = urlsplit(url)
    database = parts.path.lstrip("/")
    if not parts.hostname or not database:
        msg = f"database URL {url!r}: a PostgreSQL URL needs a host and a database name"
        raise StoreError(msg)
    query = parse_qs(parts.query)
    schema = query.get("schema", [""])[0] or None
    connect_timeout = query.get("connect_timeout", [str(POSTGRES_CONNECT_TIMEOUT_S)])[0]
    if not connect_timeout.isdigit() or int(connect_timeout) < 1:
        msg = f"database URL {url!r}: connect_timeout must be a whole number of seconds, at least 1"
        raise StoreError(msg)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(database),
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_LOCK_TIMEOUT": str(POSTGRES_LOCK_TIMEOUT_S),
        "POSTGRES_CONNECT_TIMEOUT": connect_timeout,
        "POSTGRES_POOL_SIZE": str(POSTGRES_POOL_SIZE),
        "POSTGRES_MAX_OVERFLOW": str(POSTGRES_MAX_OVERFLOW),
        "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER_TOPIC,
    }
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
    import psycopg
    from psycopg import sql

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
        msg = f"database {config.display}: {str(error).strip().splitlines()[0]}"
        raise StoreError(msg) from None
    with connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK_KEY,))
        try:
            # Only when missing: a login role without CREATE on the database (an operator in
            # authenticated mode, see docs/identity.md) can still open an existing schema.
            found = connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (config.schema,))
            if config.schema and found.fetchone() is None:
                statement = sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(config.schema))
                connection.execute(statement)
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK_KEY,))
