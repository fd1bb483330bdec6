"""SQL views on the library's tracking recorders: one SQL text per view, two dialects.

A view is an ``eventsourcing`` :class:`~eventsourcing.persistence.TrackingRecorder`: every change
it makes for an event commits in the same transaction as that event's tracking position, so an
event is applied exactly once however many runners or catch-up loops race (the tracking upsert
only succeeds when the stored position is *below* the event's notification id).

Why one SQL text for SQLite and PostgreSQL: the views' rules are written once, so the two stores
cannot drift apart; a dialect only says how to spell a placeholder, a table name, money and time.

- SQLite keeps money (and hours and rates, which also have two places) as INTEGER hundredths, so
  ``SUM`` is exact, and instants as UTC ISO text with microseconds, which sorts like time.
- PostgreSQL keeps ``NUMERIC(18,2)`` and ``TIMESTAMPTZ``, and every table in the schema the store
  URL names (``?schema=``), beside the events.

**SQLite tracking.** In 9.5.6 :class:`~eventsourcing.sqlite.SQLiteTrackingRecorder` always uses
one table called ``tracking`` with one row per *upstream application* ("ledger"), so two views in
one file would share one position and each would skip the other's events. :class:`SQLiteView`
therefore keeps its position in ``{projection}_tracking`` (the very name the PostgreSQL recorder
uses), with the library's own single-row upsert. That keeps position bookkeeping in the library's
tracking scheme, lets each view be rebuilt on its own, and needs no second copy of the events.

**Batches.** :meth:`SqlView.batch` opens one write transaction that every call of this thread
joins, so catch-up applies a few hundred events per commit. Inside a batch only the first event
writes the tracking row (which makes racers queue on it and checks the position), and the batch's
last position is written once at the end: PostgreSQL slows down quadratically when one row is
updated thousands of times in one transaction, since none of its versions can be pruned yet.
"""

from __future__ import annotations

import re
import string
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from eventsourcing.sqlite import (
    SQLiteDatastore,
    SQLiteRecorder,
    SQLiteTrackingRecorder,
)

from ledger.domain.money import CENT
from ledger.domain.time import AMSTERDAM
from ledger.errors import ViewTamperedError
from ledger.persistence.sqlite import ImmediateTransaction
from ledger.projections.digest import DIGEST_TABLE, ROWSUMS_TABLE, HashSum, hash_add, row_hash, server_digest

INDEX_NAME = re.compile(r"CREATE INDEX IF NOT EXISTS (\S+) ON ")
RowCounts = Counter[tuple[Any, ...]]
"""Rows of a view's table, each with how many times it occurs."""
MIGRATION_MARKER = "__migration__"
"""The library's marker row: a single-row tracking table carries it (see SQLiteTrackingRecorder)."""


PLAIN_INSERT = re.compile(r"INSERT INTO \{\w+\} VALUES \([^()]*\)")
_plain_inserts: dict[str, bool] = {}


KEYS_PER_READ = 250
"""Keys per statement of :meth:`SqlView.select_matching` (well below SQLite's variable limit)."""


def _is_plain_insert(text: str) -> bool:
    """Whether a view's SQL text only adds one row to one table (no conflict clause, no read)."""
    found = _plain_inserts.get(text)
    if found is None:
        found = _plain_inserts[text] = PLAIN_INSERT.fullmatch(text) is not None
    return found


def quote_identifier(name: str) -> str:
    """A PostgreSQL identifier in double quotes, inner quotes doubled: a schema name is data, not SQL."""
    if "\x00" in name:
        msg = f"{name!r} is not an identifier"
        raise ValueError(msg)
    return '"' + name.replace('"', '""') + '"'


COMPARED_SIDE = "ledger_compared_side"
"""The column that counts which table a row came from in :func:`differences_statement`."""
DIFFERENCES_PAGE = 2000
"""Differing rows fetched at once while a verification counts them."""


def differences_statement(columns: Sequence[str], mine: str, theirs: str) -> str:
    """One pass over two tables of the same ``columns``: each distinct row with how many more
    times ``mine`` holds it than ``theirs`` (negative: fewer), the rows both hold as often left out.
    A ``GROUP BY`` of every column, so equal means what the store's ``=`` means, NULLs alike."""
    listed = ", ".join(quote_identifier(column) for column in columns)
    side = quote_identifier(COMPARED_SIDE)
    return (
        f"SELECT {listed}, sum({side}) AS {side} FROM ("
        f"SELECT {listed}, 1 AS {side} FROM {mine} UNION ALL SELECT {listed}, -1 FROM {theirs}"
        f") AS both_sides GROUP BY {listed} HAVING sum({side}) <> 0"
    )


def row_values(row: Any) -> tuple[Any, ...]:
    """A row's values: psycopg hands rows out as dicts, sqlite3 as sequences."""
    return tuple(row.values()) if isinstance(row, Mapping) else tuple(row)


def counted_differences(rows: Any) -> tuple[RowCounts, RowCounts]:
    """The rows of a :func:`differences_statement` read from the cursor ``rows`` a page at a time,
    as the rows only the first table holds and those only the second holds, with multiplicity."""
    mine: RowCounts = Counter()
    theirs: RowCounts = Counter()
    while page := rows.fetchmany(DIFFERENCES_PAGE):
        for row in page:
            values = row_values(row)
            count = int(values[-1])
            (mine if count > 0 else theirs)[values[:-1]] += abs(count)
    return mine, theirs


class _Joined:
    """The open batch's cursor as a context manager: joining it neither commits nor rolls back."""

    __slots__ = ("cursor",)

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def __enter__(self) -> Any:
        return self.cursor

    def __exit__(self, *exc_info: object) -> None:
        return None


class AlreadyAppliedError(IntegrityError):
    """The view's position is already at or past this event: another runner applied it first."""


class ProjectionInvariantError(RuntimeError):
    """A view disagrees with a figure an event states: a missed event or a bug, never bad input."""


class SqlView(TrackingRecorder, ABC):
    """Base of every SQL view: table names, the shared transaction, tracking and reset.

    Subclasses list their tables in ``table_names`` (created as ``{projection}_{table}``) and
    their DDL in ``table_statements``; SQL text names tables as ``{cards}``, the tracking table as
    ``{tracking}``, column types as ``{money}``, ``{instant}``, ``{flag}``, ``{bigint}``, and
    parameters as ``%s``.
    """

    table_names: ClassVar[tuple[str, ...]] = ()
    kept_table_names: ClassVar[tuple[str, ...]] = ()
    """Tables a rebuild keeps (not emptied by :meth:`reset`): state outside the log that rows are
    only ever added to idempotently, such as the alerts' delivery outbox."""
    table_statements: ClassVar[tuple[str, ...]] = ()
    extra_tables: ClassVar[tuple[str, ...]] = ()
    """Bookkeeping tables of a dialect, dropped with the view."""
    placeholder: ClassVar[str]
    column_types: ClassVar[dict[str, str]]
    tracking_table_name: str

    if TYPE_CHECKING:  # provided by the library's SQLite and PostgreSQL tracking recorders

        def _insert_tracking(self, cursor: Any, tracking: Tracking) -> None: ...

        def _max_tracking_id(self, application_name: str, cursor: Any) -> int | None: ...

    def _setup_view(self) -> None:
        self.prefix = self.tracking_table_name.removesuffix("_tracking")
        self._local = threading.local()
        self._statements: dict[str, str] = {}
        self._text_tables: dict[str, frozenset[str]] = {}

    # --- dialect ---------------------------------------------------------------------------------

    @abstractmethod
    def _table(self, name: str) -> str:
        """The quoted, qualified name of a table."""

    @abstractmethod
    def _begin(self, *, commit: bool) -> AbstractContextManager[Any]:
        """A new transaction of the underlying datastore, yielding its cursor."""

    @abstractmethod
    def _lock_tracking(self, cursor: Any) -> None:
        """Keep other writers of this view's position waiting until this transaction ends."""

    @abstractmethod
    def to_db_decimal(self, value: Decimal) -> Any: ...

    @abstractmethod
    def from_db_decimal(self, value: Any) -> Decimal: ...

    @abstractmethod
    def to_db_instant(self, value: datetime) -> Any: ...

    @abstractmethod
    def from_db_instant_raw(self, value: Any) -> datetime: ...

    def from_db_instant(self, value: Any) -> datetime:
        """Instants come back in Amsterdam time, the same on every store."""
        return self.from_db_instant_raw(value).astimezone(AMSTERDAM)

    # --- SQL -------------------------------------------------------------------------------------

    def sql(self, text: str) -> str:
        """``text`` with table names, column types and placeholders of this view and dialect."""
        statement = self._statements.get(text)
        if statement is None:
            tables = (*self.table_names, *self.kept_table_names)
            names = {table: self._table(f"{self.prefix}_{table}") for table in tables}
            names["tracking"] = self._table(self.tracking_table_name)
            names["prefix"] = self.prefix
            statement = text.format(**names, **self.column_types).replace("%s", self.placeholder)
            self._statements[text] = statement
        return statement

    def execute(self, cursor: Any, text: str, params: Sequence[Any] = ()) -> None:
        self._flush_for(cursor, text)
        cursor.execute(self.sql(text), tuple(params))

    def query(self, text: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of a read, inside the open batch if this thread has one."""
        with self.transaction(commit=False) as cursor:
            self._flush_for(cursor, text)
            cursor.execute(self.sql(text), tuple(params))
            return list(cursor.fetchall())

    def select_matching(
        self, cursor: Any, head: str, columns: Sequence[str], keys: Sequence[tuple[Any, ...]]
    ) -> list[Any]:
        """The rows of ``head`` (``SELECT … FROM {table} WHERE``) whose ``columns`` equal one of
        ``keys``: a statement per :data:`KEYS_PER_READ` keys instead of one per key, answered by
        an index on those columns in either dialect (``IN``, or a disjunction of equalities)."""
        unique = list(dict.fromkeys(keys))
        rows: list[Any] = []
        for start in range(0, len(unique), KEYS_PER_READ):
            chunk = unique[start : start + KEYS_PER_READ]
            if len(columns) == 1:
                condition = f"{columns[0]} IN ({', '.join(['%s'] * len(chunk))})"
            else:
                one = "(" + " AND ".join(f"{column} = %s" for column in columns) + ")"
                condition = "(" + " OR ".join([one] * len(chunk)) + ")"
            self.execute(cursor, f"{head} {condition}", [value for key in chunk for value in key])
            rows.extend(cursor.fetchall())
        return rows

    def read_ahead(
        self, cursor: Any, tag: str, head: str, columns: Sequence[str], keys: Sequence[tuple[str, ...]]
    ) -> None:
        """:meth:`select_matching` into the batch's memo: under ``(tag, *key)`` the rows of each key
        (none: an empty list), as they stood before the batch wrote."""
        memo = self.batch_memo()
        if memo is None or not keys:
            return
        for key in keys:
            memo[(tag, *key)] = []
        for row in self.select_matching(cursor, head, columns, keys):
            memo[(tag, *(str(row[column]) for column in columns))].append(row)

    # --- deferred writes -----------------------------------------------------------------------------

    def defer(self, cursor: Any, text: str, params: Sequence[Any], key: object = None) -> None:
        """A write whose result nobody reads: in a batch it waits, and the batch's writes go to
        the database together (``executemany`` per run of one statement) before anything reads
        a table they touch, and at the latest when the batch ends. Outside a batch it runs now.

        ``key`` names a row that exists when the write is deferred and that the statement sets
        (an ``UPDATE … SET`` of absolute values, nothing read): a later write with the same key
        and statement replaces the waiting one, so a card moved a thousand times in a batch is
        written once, and the write may go after plain inserts deferred later (they add other
        rows). The rules decide exactly as before; only the number of statements changes, and
        the rows (and so their digest) end up the same."""
        pending: list[list[Any]] | None = getattr(self._local, "pending", None)
        if pending is None:
            self.execute(cursor, text, params)
            return
        if key is not None:
            index = self._local.pending_keys.get(key)
            if index is not None and pending[index][0] == text:
                pending[index][1] = tuple(params)
                return
            self._local.pending_keys[key] = len(pending)
        pending.append([text, tuple(params), key is not None])
        self._local.pending_tables.update(self._tables_of(text))

    def flush(self, cursor: Any) -> None:
        """Send the batch's waiting writes, one statement per run of a statement.

        Plain inserts (``INSERT INTO {table} VALUES (…)``, no conflict clause) are gathered per
        statement, whatever their order: rows added to different tables do not depend on each
        other, and each table gets its rows in their order. Keyed writes (see :meth:`defer`)
        are gathered in their order and sent after those inserts: each sets a row that existed
        when it was deferred, which no later insert adds. Any other write (an ``UPDATE`` that
        reads what it changes, an upsert, a ``DELETE``) keeps its place: what is gathered before
        it is sent first."""
        pending: list[list[Any]] | None = getattr(self._local, "pending", None)
        if not pending:
            return
        self._local.pending = []
        self._local.pending_keys = {}
        self._local.pending_tables = set()
        inserts: dict[str, list[tuple[Any, ...]]] = {}
        keyed: list[tuple[str, tuple[Any, ...]]] = []
        run_text = ""
        run: list[tuple[Any, ...]] = []
        for text, params, is_keyed in pending:  # either ``run`` or the gathered writes wait, not both
            if is_keyed or _is_plain_insert(text):
                if run:
                    self._executemany(cursor, self.sql(run_text), run)
                    run_text, run = "", []
                if is_keyed:
                    keyed.append((text, params))
                else:
                    inserts.setdefault(text, []).append(params)
                continue
            if text != run_text or inserts or keyed:
                self._send_gathered(cursor, inserts, keyed)
                if run:
                    self._executemany(cursor, self.sql(run_text), run)
                run_text, run = text, []
            run.append(params)
        if run:
            self._executemany(cursor, self.sql(run_text), run)
        self._send_gathered(cursor, inserts, keyed)

    def _send_gathered(
        self, cursor: Any, inserts: dict[str, list[tuple[Any, ...]]], keyed: list[tuple[str, tuple[Any, ...]]]
    ) -> None:
        """The gathered inserts, then the keyed writes in their order (a run per statement)."""
        self._send_inserts(cursor, inserts)
        start = 0
        for end in range(1, len(keyed) + 1):
            if end == len(keyed) or keyed[end][0] != keyed[start][0]:
                rows = [params for _, params in keyed[start:end]]
                self._executemany(cursor, self.sql(keyed[start][0]), rows)
                start = end
        keyed.clear()

    def _send_inserts(self, cursor: Any, inserts: dict[str, list[tuple[Any, ...]]]) -> None:
        for text, rows in inserts.items():
            self._insert_many(cursor, self.sql(text), rows)
        inserts.clear()

    def _insert_many(self, cursor: Any, statement: str, rows: list[tuple[Any, ...]]) -> None:
        """Rows of one plain ``INSERT … VALUES (…)`` statement (a dialect may send them as one)."""
        self._executemany(cursor, statement, rows)

    def _executemany(self, cursor: Any, statement: str, rows: list[tuple[Any, ...]]) -> None:
        cursor.executemany(statement, rows)

    def _flush_for(self, cursor: Any, text: str) -> None:
        tables = getattr(self._local, "pending_tables", None)
        if tables and not tables.isdisjoint(self._tables_of(text)):
            self.flush(cursor)

    def _tables_of(self, text: str) -> frozenset[str]:
        """The view's tables a SQL text names (its ``{table}`` fields)."""
        found = self._text_tables.get(text)
        if found is None:
            fields = {name for _, name, _, _ in string.Formatter().parse(text) if name}
            found = frozenset(fields & {*self.table_names, *self.kept_table_names})
            self._text_tables[text] = found
        return found

    @contextmanager
    def row_stream(self, cursor: Any, statement: str) -> Iterator[Any]:
        """A cursor over the rows of ``statement`` that fetches them as asked (``fetchmany``),
        not all at once: SQLite's cursors already do."""
        cursor.execute(statement)
        yield cursor

    # --- transactions ------------------------------------------------------------------------------

    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        """This thread's open batch, or a transaction of its own."""
        joined: _Joined | None = getattr(self._local, "joined", None)
        if joined is not None:  # every handler call of a replay comes here: no generator made
            return joined
        return self._own_transaction(commit=commit)

    @contextmanager
    def _own_transaction(self, *, commit: bool) -> Iterator[Any]:
        with self._begin(commit=commit) as cursor:
            yield cursor

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One write transaction that every call of this thread joins until the block ends."""
        if getattr(self._local, "cursor", None) is not None:
            yield
            return
        with self._begin(commit=True) as cursor:
            self._local.cursor = cursor
            self._local.joined = _Joined(cursor)
            self._local.tracked = False
            self._local.latest = None
            self._local.pending = []
            self._local.pending_keys = {}
            self._local.pending_tables = set()
            self._local.memo = {}
            try:
                yield
                self.flush(cursor)
                if self._local.latest is not None:
                    self._insert_tracking(cursor, self._local.latest)
            finally:
                self._local.cursor = None
                self._local.joined = None
                self._local.latest = None
                self._local.pending = None
                self._local.pending_tables = None
                self._local.memo = None

    def batch_memo(self) -> dict[Any, Any] | None:
        """A dictionary that lives as long as this thread's batch (None outside one): rows a view
        has read or written in the batch, kept by the view so it need not read them again. It
        goes with the transaction, committed or rolled back."""
        memo: dict[Any, Any] | None = getattr(self._local, "memo", None)
        return memo

    # --- tracking ---------------------------------------------------------------------------------

    def track(self, cursor: Any, tracking: Tracking) -> None:
        """Move the position to ``tracking``; first in every transaction, so racers queue on it."""
        in_batch = getattr(self._local, "cursor", None) is not None
        if in_batch and self._local.tracked:
            latest = self._local.latest
            if latest is not None and latest.notification_id >= tracking.notification_id:
                msg = f"{self.prefix}: {tracking.notification_id} again in one batch"
                raise AlreadyAppliedError(msg)
            self._local.latest = tracking  # written once when the batch ends
            return
        try:
            self._insert_tracking(cursor, tracking)
        except IntegrityError as error:
            msg = f"{self.prefix}: position is already at or past {tracking.notification_id}"
            raise AlreadyAppliedError(msg) from error
        if in_batch:
            self._local.tracked = True

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)

    def max_tracking_id(self, application_name: str) -> int | None:
        latest = getattr(self._local, "latest", None)
        if latest is not None and latest.application_name == application_name:
            return int(latest.notification_id)  # this thread's batch, not yet written
        with self.transaction(commit=False) as cursor:
            position: int | None = self._max_tracking_id(application_name, cursor)
            return position

    def reset(self, application_name: str) -> None:
        """Forget the position and empty every table (in a batch: with the rebuild's first events)."""
        with self.transaction(commit=True) as cursor:
            self.flush(cursor)
            memo = self.batch_memo()
            if memo:
                memo.clear()
            self._lock_tracking(cursor)
            self.execute(cursor, "DELETE FROM {tracking} WHERE application_name = %s", (application_name,))
            for table in (*self.table_names, DIGEST_TABLE):
                self._empty_table(cursor, f"{self.prefix}_{table}")
            self._after_reset(cursor)

    def _empty_table(self, cursor: Any, name: str) -> None:
        cursor.execute(f"DELETE FROM {self._table(name)}")

    def _after_reset(self, cursor: Any) -> None:
        """The view is empty now: the row counts and hash sums start again from nothing."""
        cursor.execute(f"DELETE FROM {self._table(f'{self.prefix}_{ROWSUMS_TABLE}')}")

    def drop_tables(self) -> None:
        """Remove this view's tables and its tracking table (scratch views, after use)."""
        with self.transaction(commit=True) as cursor:
            kept = (*self.kept_table_names, DIGEST_TABLE, *self.extra_tables)
            for table in (*self.table_names, *kept, "tracking"):
                cursor.execute(f"DROP TABLE IF EXISTS {self._table(f'{self.prefix}_{table}')}")

    def _create_view_tables(self, cursor: Any) -> None:
        existing = self._existing_indexes(cursor)
        for statement in self.table_statements:
            index = INDEX_NAME.match(statement)
            if index is not None and index.group(1).format(prefix=self.prefix) in existing:
                continue
            cursor.execute(self.sql(statement))
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self._table(f'{self.prefix}_{DIGEST_TABLE}')} "
            f"(application_name TEXT PRIMARY KEY, position {self.column_types['bigint']}, digest TEXT)"
        )

    def _existing_indexes(self, cursor: Any) -> set[str]:
        """Indexes of this store that need not be created again (SQLite: asking is as cheap)."""
        return set()

    # --- digest (see ledger.projections.digest) -------------------------------------------------

    def rows_digest(self, cursor: Any) -> str:
        """The digest of every row of this view's tables, read with ``cursor``: from the counts and
        hash sums each dialect's row triggers keep in ``{prefix}_rowsums``."""
        cursor.execute(f"SELECT table_name, n, total FROM {self._table(f'{self.prefix}_{ROWSUMS_TABLE}')}")
        kept = {row["table_name"]: (int(row["n"]), row["total"]) for row in cursor.fetchall()}
        parts = []
        for table in self.table_names:
            count, total = kept.get(f"{self.prefix}_{table}", (0, 0))
            parts.append((table, count, total))
        return server_digest(parts)

    def record_digest(self, application_name: str) -> None:
        """Store the digest of the rows at the current position, in this thread's transaction."""
        position = self.max_tracking_id(application_name) or 0
        with self.transaction(commit=True) as cursor:
            self.flush(cursor)  # the row triggers count what is written
            digest = self.rows_digest(cursor)
            table = self._table(f"{self.prefix}_{DIGEST_TABLE}")
            cursor.execute(
                f"DELETE FROM {table} WHERE application_name = {self.placeholder}", (application_name,)
            )
            cursor.execute(
                f"INSERT INTO {table} VALUES ({self.placeholder}, {self.placeholder}, {self.placeholder})",
                (application_name, position, digest),
            )

    def check_digest(self, application_name: str) -> None:
        """Refuse (:class:`ViewTamperedError`) unless the rows match the digest of the position.

        In a batch (a writer, before it changes anything) it reads in the batch's transaction, so
        an edit is never folded into a new digest; alone, in one consistent read."""
        if getattr(self._local, "cursor", None) is not None:
            # Other writers of this view wait from here until this batch ends, so what is read
            # next is one committed state (PostgreSQL reads each statement afresh).
            self._lock_tracking(self._local.cursor)
            self.flush(self._local.cursor)
            self._verify_digest(self._local.cursor, application_name)
            return
        with self.transaction(commit=False) as cursor:
            self._consistent_read(cursor)
            self._verify_digest(cursor, application_name)

    def _verify_digest(self, cursor: Any, application_name: str) -> None:
        position = self._max_tracking_id(application_name, cursor) or 0
        table = self._table(f"{self.prefix}_{DIGEST_TABLE}")
        cursor.execute(
            f"SELECT position, digest FROM {table} WHERE application_name = {self.placeholder}",
            (application_name,),
        )
        stored = cursor.fetchone()
        if stored is None:
            if position == 0:
                return  # an empty view that has seen nothing yet
            raise ViewTamperedError(self.prefix, f"no digest stored for its position {position}")
        stored_position, stored_digest = (stored["position"], stored["digest"])
        if stored_position != position:
            detail = f"its position {position} is not the one its digest was taken at ({stored_position})"
            raise ViewTamperedError(self.prefix, detail)
        if self.rows_digest(cursor) != stored_digest:
            raise ViewTamperedError(self.prefix, f"its rows do not match the digest stored at {position}")

    def _consistent_read(self, cursor: Any) -> None:
        """Make every read of this transaction see one snapshot (PostgreSQL needs asking)."""

    def row_differences(self, other: SqlView, table: str) -> tuple[RowCounts, RowCounts] | None:
        """The rows only this view's ``table`` holds and those only ``other``'s holds, when the
        store can count them itself; None: the caller compares them row by row."""
        return None

    @abstractmethod
    def lift_row_triggers(self) -> None:
        """Drop the row-sums triggers of a view that nobody else reads (a staging or scratch store)."""


def register_digest_functions(connection: Any) -> None:
    """The functions the views' row triggers call (see :mod:`.digest`), on this connection."""
    raw = connection._sqlite_conn
    raw.create_function("ledger_row_hash", -1, row_hash, deterministic=True)
    raw.create_function("ledger_hash_add", 2, hash_add, deterministic=True)
    raw.create_aggregate("ledger_hash_sum", 1, HashSum)


COMPARED = "ledger_compared"
"""The schema name another view's file is attached under while two views are compared."""


def _declared_columns(connection: Any, schema: str, table: str) -> list[tuple[str, str]]:
    """``table``'s columns and their declared types, in order (none: no such table)."""
    return [
        (str(row[1]), str(row[2])) for row in connection.execute(f'PRAGMA {schema}.table_info("{table}")')
    ]


def lift_triggers(cursor: Any, table: str) -> list[str]:
    """Drop a SQLite table's row triggers (in the caller's transaction); the statements that put
    them back."""
    cursor.execute(
        "SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
    )
    triggers = [(str(row[0]), str(row[1])) for row in cursor.fetchall()]
    for trigger, _ in triggers:
        cursor.execute(f'DROP TRIGGER main."{trigger}"')
    return [statement for _, statement in triggers]


class SQLiteView(SqlView, SQLiteTrackingRecorder):
    """A view in the SQLite file of the events, with its own ``{projection}_tracking`` table."""

    placeholder = "?"
    column_types: ClassVar[dict[str, str]] = {
        "money": "INTEGER",
        "instant": "TEXT",
        "flag": "INTEGER",
        "bigint": "INTEGER",
    }

    def __init__(self, datastore: SQLiteDatastore, *, tracking_table_name: str) -> None:
        if not datastore.single_row_tracking:
            msg = "ledger views need the library's single-row tracking"
            raise ValueError(msg)
        # Set before the base class asks construct_create_table_statements for the DDL.
        self.tracking_table_name = tracking_table_name
        super().__init__(datastore)
        table = self._table(tracking_table_name)
        self.insert_tracking_statement = (
            f"INSERT INTO {table} VALUES (:application_name, :notification_id) "
            "ON CONFLICT (application_name) DO UPDATE SET notification_id = :notification_id "
            f"WHERE {table}.notification_id < :notification_id RETURNING notification_id"
        )
        self.select_max_tracking_id_statement = (
            f"SELECT MAX(notification_id) FROM {table} WHERE application_name=?"
        )
        self._setup_view()

    def construct_create_table_statements(self) -> list[str]:
        # Skip SQLiteTrackingRecorder's shared ``tracking`` table: this view has its own.
        statements = SQLiteRecorder.construct_create_table_statements(self)
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {self._table(self.tracking_table_name)} ("
            "application_name TEXT, notification_id INTEGER, PRIMARY KEY (application_name)) "
            "WITHOUT ROWID"
        )
        return statements

    def create_table(self) -> None:
        # The library's version first looks for a legacy multi-row ``tracking`` table to migrate;
        # this view's table never was one.
        with self._begin(commit=True) as c:
            self._create_table(c)

    def _create_table(self, c: Any) -> None:
        SQLiteRecorder._create_table(self, c)
        c.execute(
            f"INSERT OR IGNORE INTO {self._table(self.tracking_table_name)} VALUES (?, 1)",
            (MIGRATION_MARKER,),
        )
        self._create_view_tables(c)
        self._create_rowsums(c)

    def _table(self, name: str) -> str:
        return f'"{name}"'

    @contextmanager
    def _begin(self, *, commit: bool) -> Iterator[Any]:
        """Writes begin IMMEDIATE: a deferred transaction that reads first and then writes fails
        at once ("database is locked") when another connection wrote in between, busy timeout or not."""
        with self.datastore.get_connection(commit=commit) as connection:
            register_digest_functions(connection)
            with ImmediateTransaction(connection, commit=commit) as cursor, cursor:
                yield cursor

    def _lock_tracking(self, cursor: Any) -> None:
        """Nothing to do: the first write of a SQLite transaction takes the file's write lock."""

    extra_tables = (ROWSUMS_TABLE,)

    def _empty_table(self, cursor: Any, name: str) -> None:
        """Empty a table without its row triggers, put back as they were in the same transaction.

        Why: the reset forgets the row counts and hash sums anyway, and with triggers SQLite
        deletes row by row, hashing each old row in Python (four seconds of a 110,000-event
        rebuild); without them it drops the table's pages at once. Nobody sees the table without
        its triggers: the transaction holds the file's write lock until they are back."""
        triggers = lift_triggers(cursor, name)
        cursor.execute(f"DELETE FROM {self._table(name)}")
        for statement in triggers:
            cursor.execute(statement)

    def lift_row_triggers(self) -> None:
        """Drop the row triggers of this view's tables: a view rebuilt in a file nobody else
        reads (a staging file, see :mod:`.staging`) counts its rows once at the end instead
        (:meth:`recount`), which spares a hash and a row-sums update per row written."""
        with self.transaction(commit=True) as cursor:
            for table in self.table_names:
                lift_triggers(cursor, f"{self.prefix}_{table}")

    def row_differences(self, other: SqlView, table: str) -> tuple[RowCounts, RowCounts] | None:
        """The rows only this view's ``table`` holds and those only ``other``'s holds, counted by
        SQLite in one pass over both (:func:`differences_statement`) with the other view's file
        attached to a connection of this one: C speed, one statement so one consistent read.
        None when either is in memory, both are one file, or the tables' columns differ."""
        if not isinstance(other, SQLiteView):
            return None
        mine, theirs = self.datastore.pool, other.datastore.pool
        if mine.is_sqlite_memory_mode or theirs.is_sqlite_memory_mode or mine.db_name == theirs.db_name:
            return None
        name = f"{self.prefix}_{table}"
        with self.datastore.get_connection(commit=False) as connection:
            raw: Any = connection._sqlite_conn
            raw.execute(f"ATTACH DATABASE ? AS {COMPARED}", (theirs.db_name,))  # not inside a transaction
            try:
                columns = _declared_columns(raw, "main", name)
                if not columns or columns != _declared_columns(raw, COMPARED, name):
                    return None
                rows = raw.execute(
                    differences_statement(
                        [column for column, _ in columns], f'main."{name}"', f'{COMPARED}."{name}"'
                    )
                )
                try:
                    return counted_differences(rows)
                finally:
                    rows.close()
            finally:
                raw.execute(f"DETACH DATABASE {COMPARED}")

    def recount(self, application_name: str) -> None:
        """Count each table's rows and hash sum afresh, as the row triggers would have, and store
        the digest of the current position with them."""
        rowsums = self._table(f"{self.prefix}_{ROWSUMS_TABLE}")
        with self.batch():
            cursor = self._local.cursor
            cursor.execute(f"DELETE FROM {rowsums}")
            for table in self.table_names:
                name = f"{self.prefix}_{table}"
                cursor.execute(f"PRAGMA table_info({self._table(name)})")
                values = ", ".join(f'"{row[1]}"' for row in cursor.fetchall())
                cursor.execute(
                    f"SELECT count(*), coalesce(ledger_hash_sum(ledger_row_hash(?, {values})), 0) "
                    f"FROM {self._table(name)}",
                    (name,),
                )
                count, total = cursor.fetchone()
                if count:  # a table never written has no row-sums row, as with the triggers
                    cursor.execute(f"INSERT INTO {rowsums} VALUES (?, ?, ?)", (name, count, total))
            self.record_digest(application_name)

    def _create_rowsums(self, c: Any) -> None:
        """Row triggers keep each table's row count and hash sum (see :mod:`.digest`)."""
        rowsums = self._table(f"{self.prefix}_{ROWSUMS_TABLE}")
        c.execute(
            f"CREATE TABLE IF NOT EXISTS {rowsums} "
            "(table_name TEXT PRIMARY KEY, n INTEGER NOT NULL, total INTEGER NOT NULL)"
        )
        for table in self.table_names:
            name = f"{self.prefix}_{table}"
            c.execute(f"PRAGMA table_info({self._table(name)})")
            columns = [row[1] for row in c.fetchall()]

            def hashed(row: str, name: str = name, columns: list[str] = columns) -> str:
                values = ", ".join(f'{row}."{column}"' for column in columns)
                return f"ledger_row_hash('{name}', {values})"

            seed = f"INSERT OR IGNORE INTO {rowsums} VALUES ('{name}', 0, 0); "
            update = f"UPDATE {rowsums} SET n = n + {{n}}, total = {{total}} WHERE table_name = '{name}'; "
            changes = {
                "insert": update.format(n=1, total=f"ledger_hash_add(total, {hashed('NEW')})"),
                "delete": update.format(n=-1, total=f"ledger_hash_add(total, -{hashed('OLD')})"),
                "update": update.format(
                    n=0, total=f"ledger_hash_add(ledger_hash_add(total, {hashed('NEW')}), -{hashed('OLD')})"
                ),
            }
            for operation, body in changes.items():
                c.execute(
                    f'CREATE TRIGGER IF NOT EXISTS "{name}_rowsum_{operation}" AFTER {operation.upper()} '
                    f"ON {self._table(name)} BEGIN {seed}{body}END"
                )

    def to_db_decimal(self, value: Decimal) -> int:
        hundredths = value * 100  # exact for the ledger's amounts; half the time of scaleb
        whole = int(hundredths)
        if whole != hundredths:
            msg = f"{value} has more than two decimals"
            raise ProjectionInvariantError(msg)
        return whole

    def from_db_decimal(self, value: Any) -> Decimal:
        return (Decimal(value or 0).scaleb(-2)).quantize(CENT)

    def to_db_instant(self, value: datetime) -> str:
        # The text of strftime("%Y-%m-%dT%H:%M:%S.%f+00:00") for the ledger's years, a third faster.
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def from_db_instant_raw(self, value: Any) -> datetime:
        return datetime.fromisoformat(str(value))
