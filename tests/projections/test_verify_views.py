"""``audit verify`` rebuilds every view from nothing and reports where a live view differs."""

from __future__ import annotations

import pytest

from ledger import Ledger
from ledger.cli import main
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


def test_scratch_tables_are_removed(busy: Ledger) -> None:
    busy.verify()
    view = busy.projections.projection("balances").view
    leftovers = view.query(
        "SELECT name FROM sqlite_master WHERE substr(name, 1, 7) = 'verify_'"
        if busy.config.kind == "sqlite"
        else "SELECT table_name FROM information_schema.tables WHERE strpos(table_name, 'verify_') = 1 "
        f"AND table_schema = '{view.datastore.schema}'"
    )
    assert list(leftovers) == []


def test_cli_verify_exits_non_zero_on_a_view_difference(busy: Ledger, store_url: str) -> None:
    assert main(["--db", store_url, "audit", "verify"]) == 0
    view = busy.projections.projection("work_records").view
    with view.transaction(commit=True) as cursor:
        view.execute(cursor, "DELETE FROM {lines}")
    assert main(["--db", store_url, "audit", "verify"]) != 0
