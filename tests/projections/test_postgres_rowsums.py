"""PostgreSQL's row-sums triggers: the counts and hash sums they keep equal those of the rows, also
when one statement empties a table (a rebuild's reset, which skips hashing what it removes), and a
store made with an earlier body of the trigger function gets the current one when opened."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ledger import Ledger
from tests.support import FakeClock

ROW_HASH = "('x' || substr(md5(r::text), 1, 15))::bit(60)::bigint"


@pytest.fixture
def busy(postgres_url: str) -> Iterator[Ledger]:
    with Ledger.open(postgres_url, actor="tester", clock=FakeClock()) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2026-01-02")
        ledger.buy_card("acme", amount="900", reference="O-1", at="2026-01-05")
        for number in range(6):
            ledger.log_work(
                "acme",
                kind="rfc",
                ticket=f"T-{number}",
                hours="1",
                at=f"2026-01-{number + 6:02d}T10:00+01:00",
            )
        assert ledger.report_balances()
        yield ledger


def _sums(view: Any, table: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """(kept by the triggers, computed from the rows) for one of the view's tables."""
    kept = view.query(
        f"SELECT n, total FROM {view._table(f'{view.prefix}_rowsums')} WHERE table_name = %s",
        (f"{view.prefix}_{table}",),
    )
    rows = view.query(f"SELECT count(*) AS n, coalesce(sum({ROW_HASH}), 0) AS total FROM {{{table}}} r")
    held = (int(kept[0]["n"]), int(kept[0]["total"])) if kept else (0, 0)
    return held, (int(rows[0]["n"]), int(rows[0]["total"]))


def _run(view: Any, statement: str) -> None:
    with view.transaction(commit=True) as cursor:
        view.execute(cursor, statement)


def test_the_sums_follow_a_partial_and_a_whole_delete(busy: Ledger) -> None:
    view: Any = busy.projections.projection("balances").view
    held, computed = _sums(view, "movements")
    assert held == computed
    assert computed[0] == 7
    _run(view, "DELETE FROM {movements} WHERE kind <> 'purchase'")  # some rows: hashed as before
    held, computed = _sums(view, "movements")
    assert held == computed
    assert computed[0] == 1
    _run(view, "DELETE FROM {movements}")  # every row: the table is empty, its sums nothing
    assert _sums(view, "movements") == ((0, 0), (0, 0))


def test_a_rebuild_keeps_sums_that_match_its_rows(busy: Ledger) -> None:
    busy.rebuild_projection()
    for name, table in (("balances", "movements"), ("work_records", "lines"), ("statements", "lines")):
        held, computed = _sums(busy.projections.projection(name).view, table)
        assert held == computed
        assert computed[0] > 0


def test_an_earlier_trigger_function_is_replaced_when_the_store_opens(
    postgres_url: str, busy: Ledger
) -> None:
    view: Any = busy.projections.projection("balances").view
    function = view._rowsum_function()
    source = view.query(f"SELECT prosrc FROM pg_proc WHERE oid = '{function}'::regproc")[0]["prosrc"]
    earlier = source.replace("IF NOT FOUND THEN ", "IF TRUE THEN ")  # the body before this shortcut
    _run(view, f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $F${earlier}$F$")
    with Ledger.open(postgres_url, actor="tester", clock=FakeClock()) as reopened:
        again: Any = reopened.projections.projection("balances").view
        found = again.query(f"SELECT prosrc FROM pg_proc WHERE oid = '{function}'::regproc")[0]["prosrc"]
        assert found == source
