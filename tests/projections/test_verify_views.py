"""``audit verify`` rebuilds every view from nothing and reports where a live view differs."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest

from ledger import Ledger
from ledger.cli import main
from ledger.projections import compare, runtime
from tests.support import FakeClock


@pytest.fixture
def busy(ledger: Ledger, clock: FakeClock) -> Ledger:
    ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2026-01-02")
    ledger.buy_card("acme", amount="300", reference="O-1", at="2026-01-05")
    ledger.log_work("acme", kind="rfc", ticket="T-1", hours="2", at="2026-01-06T10:00+01:00")
    ledger.log_work("acme", kind="rfc", ticket="T-2", hours="2", at="2026-01-07T10:00+01:00")  # overage
    ledger.reverse_work("acme", ticket="T-1", reason="wrong ticket", at="2026-01-08")
    ledger.report_balances()
    return ledger


def test_clean_views_match_their_rebuild(busy: Ledger) -> None:
    busy.seal()
    report = busy.verify()
    assert report.views_compared == len(busy.projections.names)
    assert report.ok, [finding.message for finding in report.problems]


def test_a_tampered_view_row_is_reported(busy: Ledger) -> None:
    view = busy.projections.projection("balances").view
    with view.transaction(commit=True) as cursor:
        view.execute(cursor, "UPDATE {cards} SET credited = credited + 1")
    report = busy.verify()
    assert not report.ok
    messages = [f.message for f in report.problems if f.check == "view"]
    assert any(m.startswith("view balances.cards: live row not in a rebuild") for m in messages), messages


def test_scratch_views_are_removed(busy: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token = uuid.uuid4()
    monkeypatch.setattr(runtime, "uuid4", lambda: token)
    scratch = tmp_path / "temporary"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    busy.verify()
    assert list(scratch.iterdir()) == []  # the SQLite scratch folder is gone
    if busy.config.kind == "postgres":
        view = busy.projections.projection("balances").view
        schema = f"{runtime.SCRATCH_SCHEMA_PREFIX}{token.hex[:12]}"
        found = view.query("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,))
        assert list(found) == []


def test_cli_verify_exits_non_zero_on_a_view_difference(busy: Ledger, store_url: str) -> None:
    busy.seal()
    assert main(["--db", store_url, "audit", "verify"]) == 0
    view = busy.projections.projection("work_records").view
    with view.transaction(commit=True) as cursor:
        view.execute(cursor, "DELETE FROM {lines}")
    assert main(["--db", store_url, "audit", "verify"]) != 0


def test_the_store_counts_the_differing_rows_a_row_by_row_comparison_finds(busy: Ledger) -> None:
    """The store counts a table's differing rows itself (one pass over both tables; SQLite with the
    scratch file attached): the same rows, as often, as comparing the two page by page, and none
    for an untouched table."""
    balances = busy.projections.projection("balances").view
    with balances.transaction(commit=True) as cursor:
        balances.execute(cursor, "UPDATE {cards} SET credited = credited + 1")
        balances.execute(cursor, "DELETE FROM {movements} WHERE kind = 'reversal'")
        balances.execute(
            cursor,
            "INSERT INTO {movements} SELECT notification_id + 1000, card_id, customer, effective_at, kind, "
            "reference, credit, debit, expired, balance_after FROM {movements}",
        )
    with busy.projections.scratch() as scratch:
        compare.scratch_rebuild(busy.app, busy.projections, scratch, busy.projections.names)
        differing = 0
        for name in busy.projections.names:
            live = busy.projections.projection(name).view
            rebuilt = scratch.projection(name).view
            for table in live.table_names:
                counted = live.row_differences(rebuilt, table)
                assert counted is not None, (name, table)
                paged = compare._differences(compare._pages(live, table), compare._pages(rebuilt, table))
                assert counted == paged, (name, table)
                differing += counted[0].total() + counted[1].total()
    assert differing > 3  # the edited card, the removed and the added movements
