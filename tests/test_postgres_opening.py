"""Opening a PostgreSQL store runs its DDL only when the store was not made by the same statements:
the digest it records decides, and a store made by other code is brought up to this code's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from ledger import Ledger, StoreError
from ledger.eventstore.opening import PROVISIONED_TABLE
from tests.conftest import POSTGRES_URL
from tests.support import FakeClock


def schema_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["schema"][0]


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """Every statement any psycopg connection or cursor of this process sends, while inside."""
    sent: list[str] = []
    cursor_execute, connection_execute = psycopg.Cursor.execute, psycopg.Connection.execute

    def on_cursor(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(query if isinstance(query, str) else query.as_string(None))
        return cursor_execute(cursor, query, *args, **kwargs)

    def on_connection(connection: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(query if isinstance(query, str) else query.as_string(None))
        return connection_execute(connection, query, *args, **kwargs)

    psycopg.Cursor.execute = on_cursor  # type: ignore[method-assign,assignment]
    psycopg.Connection.execute = on_connection  # type: ignore[method-assign,assignment]
    try:
        yield sent
    finally:
        psycopg.Cursor.execute = cursor_execute  # type: ignore[method-assign]
        psycopg.Connection.execute = connection_execute  # type: ignore[method-assign]


def ddl_in(statements: list[str]) -> list[str]:
    words = ("CREATE", "ALTER", "DO ", "DROP", "pg_advisory_lock")
    return [s for s in statements if any(word in s for word in words)]


def admin_execute(statement: str) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(statement)


def recorded_digest(schema: str) -> str | None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        row = connection.execute(f'SELECT fingerprint FROM "{schema}".{PROVISIONED_TABLE}').fetchone()
    return None if row is None else str(row[0])


def opened_once(url: str, clock: FakeClock) -> tuple[str, str | None]:
    """A store opened and written to once: (its schema, the digest it records)."""
    with Ledger.open(url, actor="tester", clock=clock) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
    schema = schema_of(url)
    return schema, recorded_digest(schema)


def test_a_store_opened_before_gets_no_ddl_and_still_works(postgres_url: str, clock: FakeClock) -> None:
    with statements_sent() as first, Ledger.open(postgres_url, actor="tester", clock=clock) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
    assert ddl_in(first), "a fresh store is created"
    with statements_sent() as again, Ledger.open(postgres_url, actor="tester", clock=clock) as ledger:
        ledger.buy_card("acme", amount="500.00", reference="INV-1")
        assert ledger.log_work("acme", ticket="T-1", hours="1", rate="100", kind="rfc").debited == 100
    assert ddl_in(again) == []


def test_a_store_made_by_other_statements_is_brought_up_to_these(postgres_url: str, clock: FakeClock) -> None:
    """Another version's DDL (here: its digest differs, and its conditional append is missing):
    the open runs this version's statements again, so the append works, and records their digest."""
    schema, current = opened_once(postgres_url, clock)
    admin_execute(f'DROP FUNCTION "{schema}".ledger_events_append_if')
    admin_execute(f"UPDATE \"{schema}\".{PROVISIONED_TABLE} SET fingerprint = 'made by another version'")
    with statements_sent() as sent, Ledger.open(postgres_url, actor="tester", clock=clock) as ledger:
        ledger.buy_card("acme", amount="500.00", reference="INV-1")
        assert ledger.log_work("acme", ticket="T-1", hours="1", rate="100", kind="rfc").debited == 100
    assert ddl_in(sent)
    assert recorded_digest(schema) == current


def test_a_store_from_before_the_digest_gets_the_ddl_and_the_digest(
    postgres_url: str, clock: FakeClock
) -> None:
    schema, current = opened_once(postgres_url, clock)
    admin_execute(f'DROP TABLE "{schema}".{PROVISIONED_TABLE}')
    with Ledger.open(postgres_url, actor="tester", clock=clock) as ledger:
        assert ledger.balance("acme").balance == 0
    assert recorded_digest(schema) == current is not None


def test_a_fresh_store_opened_by_several_at_once_is_made_once(postgres_url: str) -> None:
    """They all find no digest, and take turns at the DDL under the advisory lock."""
    opens = 4
    start = threading.Barrier(opens)
    failures: list[BaseException] = []

    def open_and_write(number: int) -> None:
        try:
            start.wait(10)
            with Ledger.open(postgres_url, actor="tester") as ledger:
                ledger.add_customer(f"c{number}", name=f"C {number}", account_manager="Anna")
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=open_and_write, args=(n,)) for n in range(opens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert recorded_digest(schema_of(postgres_url)) is not None


def test_a_digest_that_cannot_be_read_is_a_store_error_naming_the_database(
    postgres_url: str, clock: FakeClock
) -> None:
    schema, _ = opened_once(postgres_url, clock)
    admin_execute(f'ALTER TABLE "{schema}".{PROVISIONED_TABLE} RENAME COLUMN fingerprint TO damaged')
    with pytest.raises(StoreError, match=r'^db: database .*column "fingerprint" does not exist'):
        Ledger.open(postgres_url, actor="tester", clock=clock)
