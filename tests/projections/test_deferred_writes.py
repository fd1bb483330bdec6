"""A batch's deferred writes: plain inserts gathered per table, keyed writes (a row set whole) sent
after them in one statement per run, anything else in its place; the rows end up the same."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ledger import Ledger

INSERT = "INSERT INTO {lines} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
REVERSED = "UPDATE {lines} SET reversed = %s WHERE line_id = %s"


def _line(view: Any, line_id: str, notification_id: int) -> tuple[Any, ...]:
    money = view.to_db_decimal
    at = view.to_db_instant(datetime(2026, 2, 2, 10, tzinfo=UTC))
    amount = money(Decimal("125.00"))
    return (
        line_id,
        notification_id,
        "acme",
        "card",
        "2026-02",
        at,
        f"T-{line_id}",
        "work",
        "work",
        money(Decimal("1.00")),
        amount,
        amount,
        amount,
        money(Decimal("0.00")),
        amount,
        "EUR",
        False,
    )


def _sent(view: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Each statement the view sends from its deferred writes: its SQL's first word, its rows."""
    sent: list[tuple[str, int]] = []
    insert_many, executemany = view._insert_many, view._executemany

    def inserted(cursor: Any, statement: str, rows: list[Any]) -> None:
        sent.append(("INSERT", len(rows)))
        view.__dict__["_executemany"] = executemany  # the dialect may send them through it
        try:
            insert_many(cursor, statement, rows)
        finally:
            view.__dict__["_executemany"] = many

    def many(cursor: Any, statement: str, rows: list[Any]) -> None:
        sent.append((statement.split()[0], len(rows)))
        executemany(cursor, statement, rows)

    monkeypatch.setitem(view.__dict__, "_insert_many", inserted)
    monkeypatch.setitem(view.__dict__, "_executemany", many)
    return sent


def _reversed_flags(view: Any) -> dict[str, bool]:
    rows = view.query("SELECT line_id, reversed FROM {lines} ORDER BY line_id")
    return {str(row["line_id"]): bool(row["reversed"]) for row in rows}


def test_keyed_writes_wait_behind_the_inserts_and_go_as_one_statement(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    view: Any = ledger.projections.projection("work_records").view
    sent = _sent(view, monkeypatch)
    with view.batch(), view.transaction(commit=True) as cursor:
        for number, line_id in enumerate(("a", "b", "c"), start=1):
            view.defer(cursor, INSERT, _line(view, line_id, number))
            if line_id != "c":  # each line reversed right after it was added
                view.defer(cursor, REVERSED, (True, line_id), key=("reversed", line_id))
    assert sent == [("INSERT", 3), ("UPDATE", 2)]  # not five statements, one per write
    assert _reversed_flags(view) == {"a": True, "b": True, "c": False}


def test_a_write_without_a_key_keeps_its_place(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    view: Any = ledger.projections.projection("work_records").view
    sent = _sent(view, monkeypatch)
    with view.batch(), view.transaction(commit=True) as cursor:
        view.defer(cursor, INSERT, _line(view, "a", 1))
        view.defer(cursor, "UPDATE {lines} SET reversed = %s", (True,))  # every row so far
        view.defer(cursor, INSERT, _line(view, "b", 2))
    assert sent == [("INSERT", 1), ("UPDATE", 1), ("INSERT", 1)]
    assert _reversed_flags(view) == {"a": True, "b": False}  # sent after b, it would flag b too
