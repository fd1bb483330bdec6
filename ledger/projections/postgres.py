"""The views on PostgreSQL: imported only when the store URL is PostgreSQL.

Why a module of their own: psycopg (and ``eventsourcing.postgres``, which imports it) is a third of
the command line's start-up, and an SQLite ledger never needs it. The views' rules live in the
dialect-free classes (``BalancesSql`` …); a class here only adds the PostgreSQL recorder and
spelling, as :class:`~ledger.projections.sql.SQLiteView` does for SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder

from ledger.domain.money import CENT
from ledger.projections.alerts import AlertsSql
from ledger.projections.balances import BalancesSql
from ledger.projections.digest import ROWSUMS_TABLE
from ledger.projections.invoiceable import InvoiceableSql
from ledger.projections.sql import (
    ProjectionInvariantError,
    RowCounts,
    SqlView,
    counted_differences,
    differences_statement,
    quote_identifier,
)
from ledger.projections.statement_lines import StatementsSql
from ledger.projections.work_records import WorkRecordsSql


class PostgresView(SqlView, PostgresTrackingRecorder):
    """A view in the PostgreSQL schema of the events; tracking in ``{projection}_tracking``."""

    placeholder = "%s"
    column_types: ClassVar[dict[str, str]] = {
        "money": "NUMERIC(18,2)",
        "instant": "TIMESTAMPTZ",
        "flag": "BOOLEAN",
        "bigint": "BIGINT",
    }

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        tracking_table_name: str = "notification_tracking",
        **kwargs: Any,
    ) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name, **kwargs)
        self._setup_view()
        self._many_statements: dict[str, str] = {}

    def _create_table(self, curs: Any) -> None:
        super()._create_table(curs)
        self._create_view_tables(curs)
        self._create_rowsums(curs)

    def _existing_indexes(self, cursor: Any) -> set[str]:
        """``CREATE INDEX IF NOT EXISTS`` takes a SHARE lock on its table before it looks, so a
        process opening the store would queue behind (and deadlock with) runners writing the
        view's tables in another order: an index that exists is not asked for again."""
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s", (self.datastore.schema,))
        return {row["indexname"] for row in cursor.fetchall()}

    def _table(self, name: str) -> str:
        return f"{quote_identifier(self.datastore.schema)}.{quote_identifier(name)}"

    @contextmanager
    def _begin(self, *, commit: bool) -> Iterator[Any]:
        """A write transaction runs in psycopg's pipeline mode: a statement whose result nobody
        reads is sent without waiting for it, so a batch of a few hundred events costs a round
        trip per read instead of one per statement. An error still fails the whole transaction."""
        with self.datastore.transaction(commit=commit) as cursor:
            if not commit:
                yield cursor
                return
            with cursor.connection.pipeline():
                yield cursor

    @contextmanager
    def row_stream(self, cursor: Any, statement: str) -> Iterator[Any]:
        """A server-side cursor in the same transaction: psycopg's ordinary cursor would hold the
        whole result in memory."""
        with cursor.connection.cursor(name=f"{self.prefix}_rows", row_factory=cursor.row_factory) as rows:
            rows.execute(statement)
            yield rows

    def _executemany(self, cursor: Any, statement: str, rows: list[tuple[Any, ...]]) -> None:
        """On a cursor of its own: in pipeline mode an ``executemany``'s results can still be
        arriving when the transaction's cursor reads its next query, which then reads an INSERT's
        status instead of its rows. Same connection, so same transaction and order."""
        with cursor.connection.cursor() as writer:
            writer.executemany(statement, rows)

    def _insert_many(self, cursor: Any, statement: str, rows: list[tuple[Any, ...]]) -> None:
        """The rows of one plain ``INSERT … VALUES (…)`` as one statement over arrays (``unnest``),
        not a statement per row: psycopg's work per statement is Python, and the row-sums
        triggers fire once per statement. The statement's text is the same for any number of
        rows, so it is prepared once."""
        if len(rows) == 1:
            self._executemany(cursor, statement, rows)
            return
        many = self._many_statements.get(statement)
        if many is None:
            many = self._many_statements[statement] = self._unnest_statement(cursor, statement)
        columns = [list(column) for column in zip(*rows, strict=True)]
        with cursor.connection.cursor() as writer:  # its own cursor: see _executemany
            writer.execute(many, columns)

    def _unnest_statement(self, cursor: Any, statement: str) -> str:
        """``INSERT INTO t SELECT … FROM unnest(%s::type[], …)`` for ``INSERT INTO t VALUES (…)``:
        each placeholder becomes an array of the column's own type, literals stay as they are."""
        head, values = statement.split(" VALUES ", 1)
        table = head.removeprefix("INSERT INTO ")
        with cursor.connection.cursor() as reader:
            types = [kind for _, kind in _columns_of(reader, table)]
        items = [item.strip() for item in values.strip()[1:-1].split(",")]
        selected, arrays = [], []
        for index, item in enumerate(items):
            if item == "%s":
                arrays.append(f"%b::{types[index]}[]")
                selected.append(f"c{len(arrays)}")
            else:
                selected.append(item)
        names = ", ".join(f"c{number}" for number in range(1, len(arrays) + 1))
        return f"{head} SELECT {', '.join(selected)} FROM unnest({', '.join(arrays)}) AS u({names})"

    def select_matching(
        self, cursor: Any, head: str, columns: Sequence[str], keys: Sequence[tuple[Any, ...]]
    ) -> list[Any]:
        """The keys as one text array per column, in one statement whatever their number: its text
        never changes, so the server plans it once (a disjunction of a few dozen equalities took
        longer to plan than to run). Every key column of the views is text."""
        if not keys:
            return []
        unique = list(dict.fromkeys(keys))
        arrays = ", ".join(["%s::text[]"] * len(columns))
        if len(columns) == 1:
            condition = f"{columns[0]} = ANY({arrays})"
        else:
            condition = f"({', '.join(columns)}) IN (SELECT * FROM unnest({arrays}))"
        self.execute(cursor, f"{head} {condition}", [list(column) for column in zip(*unique, strict=True)])
        return list(cursor.fetchall())

    def _lock_tracking(self, cursor: Any) -> None:
        # EXCLUSIVE still lets readers read the old view, but makes runners wait to write.
        cursor.execute(f"LOCK TABLE {self._table(self.tracking_table_name)} IN EXCLUSIVE MODE")

    extra_tables = (ROWSUMS_TABLE,)

    def _rowsum_function(self) -> str:
        return f'"{self.datastore.schema}"."{self.prefix}_rowsums_kept"'

    def _create_rowsums(self, curs: Any) -> None:
        """Triggers keep, per table, the row count and the sum of each row's hash (the first 60
        bits of ``md5`` of the row's text), so the digest costs a read of one small table instead
        of a scan of the view: a runner applies one event per transaction. They fire once per
        statement, over its transition tables (the rows it added, removed or changed): one
        update of the row-sums row per statement, not per row, which a row updated thousands of
        times in one transaction would make quadratic. They fire for every change, the
        projection's and anyone else's; only the projection also writes the digest, so an edit
        made outside it no longer matches. A schema made with the earlier per-row triggers gets
        these instead (same hashes, so its stored sums stay right), and one made with an earlier
        body of the function gets this body."""
        rowsums = self._table(f"{self.prefix}_{ROWSUMS_TABLE}")
        source = self._rowsums_source(rowsums)
        # Only when missing: replacing a trigger locks its table against writers and readers'
        # catch-ups, and every process opening the store would do it.
        last = f"{self.prefix}_{self.table_names[-1]}_rowsums_delete"
        curs.execute(
            "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.tgname = %s AND n.nspname = %s",
            (last, self.datastore.schema),
        )
        if curs.fetchone() is not None:
            curs.execute(
                "SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE p.proname = %s AND n.nspname = %s",
                (f"{self.prefix}_rowsums_kept", self.datastore.schema),
            )
            found = curs.fetchone()
            if found is None or found["prosrc"] != source:  # the triggers call it by name
                self._create_rowsums_function(curs, source)
            return
        curs.execute(
            f"CREATE TABLE IF NOT EXISTS {rowsums} "
            "(table_name TEXT PRIMARY KEY, n BIGINT NOT NULL, total NUMERIC NOT NULL)"
        )
        self._create_rowsums_function(curs, source)
        transitions = {
            "insert": "REFERENCING NEW TABLE AS new_rows",
            "delete": "REFERENCING OLD TABLE AS old_rows",
            "update": "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows",
        }
        for table in self.table_names:
            name = f"{self.prefix}_{table}"
            curs.execute(f'DROP TRIGGER IF EXISTS "{name}_rowsum" ON {self._table(name)}')  # per row, before
            for operation, referencing in transitions.items():
                curs.execute(
                    f'CREATE OR REPLACE TRIGGER "{name}_rowsums_{operation}" AFTER {operation.upper()} '
                    f"ON {self._table(name)} {referencing} FOR EACH STATEMENT "
                    f"EXECUTE FUNCTION {self._rowsum_function()}()"
                )
            curs.execute(
                f'CREATE OR REPLACE TRIGGER "{name}_truncated" AFTER TRUNCATE '
                f"ON {self._table(name)} FOR EACH STATEMENT EXECUTE FUNCTION {self._rowsum_function()}()"
            )
        curs.execute(f'DROP FUNCTION IF EXISTS "{self.datastore.schema}"."{self.prefix}_rowsum"()')

    def _create_rowsums_function(self, curs: Any, source: str) -> None:
        curs.execute(
            f"CREATE OR REPLACE FUNCTION {self._rowsum_function()}() RETURNS trigger "
            f"LANGUAGE plpgsql AS $F${source}$F$"
        )

    @staticmethod
    def _rowsums_source(rowsums: str) -> str:
        """The row-sums trigger function's body. A ``DELETE`` that removes as many rows as the
        table holds (a rebuild's reset) leaves it empty: its sums become nothing without a hash
        of every removed row, which was most of a million-row reset's time (the update checks
        the count under the row-sums row's lock, so a concurrent change falls back to hashing)."""
        row_hash = "('x' || substr(md5({}::text), 1, 15))::bit(60)::bigint"
        added = f"SELECT count(*) AS n, coalesce(sum({row_hash.format('r')}), 0) AS total FROM new_rows r"
        removed = f"SELECT -count(*) AS n, -coalesce(sum({row_hash.format('r')}), 0) AS total FROM old_rows r"
        upsert = (
            f"INSERT INTO {rowsums} AS s SELECT TG_TABLE_NAME, sum(n), sum(total) FROM ({{}}) d "
            "HAVING count(*) > 0 AND (sum(n) <> 0 OR sum(total) <> 0) "
            "ON CONFLICT (table_name) DO UPDATE SET n = s.n + excluded.n, total = s.total + excluded.total; "
        )
        emptied = (
            f"UPDATE {rowsums} SET n = 0, total = 0 WHERE table_name = TG_TABLE_NAME AND n > 0 "
            "AND n = (SELECT count(*) FROM old_rows); "
        )
        return (
            " BEGIN "
            "IF TG_OP = 'TRUNCATE' THEN "
            f"DELETE FROM {rowsums} WHERE table_name = TG_TABLE_NAME; "
            f"INSERT INTO {rowsums} VALUES (TG_TABLE_NAME, -1, -1); "
            f"ELSIF TG_OP = 'INSERT' THEN {upsert.format(added)}"
            f"ELSIF TG_OP = 'DELETE' THEN {emptied}IF NOT FOUND THEN {upsert.format(removed)}END IF; "
            f"ELSE {upsert.format(f'{added} UNION ALL {removed}')}"
            "END IF; RETURN NULL; END "
        )

    def lift_row_triggers(self) -> None:
        """A verification's scratch view, which nobody else reads and nobody asks the digest of:
        its tables without the row-sums triggers (a hash of every row written) and out of the
        write-ahead log (``UNLOGGED``: the schema is dropped after the run anyway)."""
        with self.transaction(commit=True) as cursor:
            for table in self.table_names:
                name = f"{self.prefix}_{table}"
                for trigger in (
                    *(f"{name}_rowsums_{op}" for op in ("insert", "delete", "update")),
                    f"{name}_truncated",
                ):
                    cursor.execute(
                        f"DROP TRIGGER IF EXISTS {quote_identifier(trigger)} ON {self._table(name)}"
                    )
                cursor.execute(f"ALTER TABLE {self._table(name)} SET UNLOGGED")

    def _consistent_read(self, cursor: Any) -> None:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")

    def row_differences(self, other: SqlView, table: str) -> tuple[RowCounts, RowCounts] | None:
        """The rows (with multiplicity) only this view's ``table`` holds and those only ``other``'s
        holds, counted by the server in one pass over both (a ``GROUP BY`` of every column over
        the two tables' rows, each side counted +1 or −1: C speed, one consistent read, exact).
        None when the other view is in another database or the two tables' columns differ: the
        caller then compares them row by row."""
        if not isinstance(other, PostgresView) or not self._same_database(other):
            return None
        with self.transaction(commit=False) as cursor:
            mine, theirs = self.sql(f"{{{table}}}"), other.sql(f"{{{table}}}")
            columns = _columns_of(cursor, mine)
            if columns != _columns_of(cursor, theirs) or not columns:
                return None
            statement = differences_statement([column for column, _ in columns], mine, theirs)
            with self.row_stream(cursor, statement) as rows:  # a wholly different table stays paged
                return counted_differences(rows)

    def _same_database(self, other: PostgresView) -> bool:
        """Both views' connections go to one database (a verification's scratch schema does)."""
        mine, theirs = _database_of(self), _database_of(other)
        return mine is not None and mine == theirs

    def to_db_decimal(self, value: Decimal) -> Decimal:
        return value

    def from_db_decimal(self, value: Any) -> Decimal:
        return Decimal(value or 0).quantize(CENT)

    def to_db_instant(self, value: datetime) -> datetime:
        return value

    def from_db_instant_raw(self, value: Any) -> datetime:
        if not isinstance(value, datetime):
            msg = f"expected a timestamp, got {value!r}"
            raise ProjectionInvariantError(msg)
        return value


class PostgresBalancesView(BalancesSql, PostgresView):
    """Balances in the PostgreSQL schema of the events."""


class PostgresWorkRecordsView(WorkRecordsSql, PostgresView):
    """Work records in the PostgreSQL schema of the events."""


class PostgresInvoiceableView(InvoiceableSql, PostgresView):
    """Invoiceable lines in the PostgreSQL schema of the events."""


class PostgresStatementsView(StatementsSql, PostgresView):
    """Statement lines in the PostgreSQL schema of the events."""


class PostgresAlertsView(AlertsSql, PostgresView):
    """Alerts in the PostgreSQL schema of the events."""

    def _columns_query(self, table: str) -> tuple[str, tuple[str, ...]]:
        return (
            "SELECT column_name AS name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s",
            (self.datastore.schema, table),
        )


def _columns_of(cursor: Any, table: str) -> list[tuple[str, str]]:
    """The columns of ``table`` (a qualified, quoted name) and their types, in order."""
    cursor.execute(
        "SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        (table,),
    )
    return [(str(row["name"]), str(row["type"])) for row in cursor.fetchall()]


def _database_of(view: PostgresView) -> tuple[Any, ...] | None:
    kwargs = view.datastore.pool.kwargs
    if not isinstance(kwargs, dict):
        return None
    return tuple(kwargs.get(key) for key in ("dbname", "host", "port", "user"))


POSTGRES_VIEWS: dict[str, type[PostgresView]] = {
    "balances": PostgresBalancesView,
    "work_records": PostgresWorkRecordsView,
    "invoiceable": PostgresInvoiceableView,
    "alerts": PostgresAlertsView,
    "statements": PostgresStatementsView,
}
"""The PostgreSQL view of each projection, by the projection's name."""
