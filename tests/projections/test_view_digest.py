"""A report never prints figures edited behind the ledger's back, and verifications run side by side.

Each view stores a digest of its rows with its position; a report checks it first and refuses
(exit 2, one line) when a row was edited, added or removed outside the ledger.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ledger import Ledger, StoreError
from ledger.audit.verify import VerifyReport
from ledger.cli import main
from tests.support import FakeClock


@pytest.fixture
def busy(ledger: Ledger, clock: FakeClock) -> Ledger:
    ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2026-01-02")
    ledger.buy_card("acme", amount="300", reference="O-1", at="2026-01-05")
    ledger.log_work("acme", kind="rfc", ticket="T-1", hours="2", at="2026-01-06T10:00+01:00")
    ledger.log_work("acme", kind="rfc", ticket="T-2", hours="2", at="2026-01-07T10:00+01:00")  # overage
    assert ledger.report_balances()
    return ledger


def edit(ledger: Ledger, view_name: str, statement: str) -> None:
    view = ledger.projections.projection(view_name).view
    with view.transaction(commit=True) as cursor:
        view.execute(cursor, statement)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {cards} SET credited = credited + 1",
        "DELETE FROM {movements}",
        "UPDATE {customers} SET name = 'Mallory'",
    ],
)
def test_an_edited_report_table_is_refused_not_printed(
    busy: Ledger, store_url: str, statement: str, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(busy, "balances", statement)
    with pytest.raises(StoreError, match="view balances: its rows do not match the digest"):
        busy.report_balances()
    capsys.readouterr()
    assert main(["--db", store_url, "report", "balances"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("ledger: error: view balances:")
    assert len(captured.err.strip().splitlines()) == 1
    # A new event does not launder the edit: the digest is checked before anything is shown.
    busy.log_work("acme", kind="rfc", ticket="T-3", hours="1", at="2026-01-08T10:00+01:00")
    with pytest.raises(StoreError, match="view balances"):
        busy.report_balances()
    busy.rebuild_projection("balances")
    assert busy.report_balances()


def test_a_moved_position_without_its_digest_is_refused(busy: Ledger) -> None:
    assert busy.work_records("acme", "2026-01")
    edit(busy, "work_records", "UPDATE {tracking} SET notification_id = notification_id - 1")
    with pytest.raises(StoreError, match="view work_records: its position"):
        busy.work_records("acme", "2026-01")


def test_two_verifications_at_once_do_not_disturb_each_other(busy: Ledger, store_url: str) -> None:
    busy.seal()
    reports: list[VerifyReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with Ledger.open(store_url) as own:
                reports.append(own.verify())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert [report.status for report in reports] == ["ok", "ok"], [
        finding.message for report in reports for finding in report.problems
    ]


def test_verify_finds_an_edited_view_that_reports_refuse(busy: Ledger, tmp_path: Path) -> None:
    assert busy.invoiceable_lines("2026-01")
    busy.seal()
    edit(busy, "invoiceable", "UPDATE {lines} SET amount = amount + 1")
    busy.log_work(
        "acme", kind="rfc", ticket="T-3", hours="1", at="2026-01-08T10:00+01:00"
    )  # the view is behind
    busy.seal()
    report = busy.verify()
    assert report.status == "differences"
    messages = [f.message for f in report.problems]
    assert any("view invoiceable: its rows do not match the digest" in m for m in messages), messages
    assert not any(f.check == "verifier" for f in report.problems), messages
    busy.rebuild_projection("invoiceable")
    edit(busy, "invoiceable", "UPDATE {lines} SET amount = amount + 1")  # now with nothing new
    messages = [f.message for f in busy.verify().problems]
    assert any(m.startswith("view invoiceable.lines: live row") for m in messages), messages


@pytest.mark.parametrize(
    "statement",
    ["UPDATE {cards} SET credited = credited + 1", "DELETE FROM {movements}", "DELETE FROM {customers}"],
)
def test_after_a_rebuild_an_edit_is_still_refused(busy: Ledger, statement: str) -> None:
    """A rebuild empties the tables fast (on SQLite without their row triggers, put back in the same
    transaction): the triggers are there afterwards, so the next edit is still seen."""
    busy.rebuild_projection()
    busy.rebuild_projection()  # emptied twice: the triggers survive each reset
    assert busy.report_balances()
    edit(busy, "balances", statement)
    with pytest.raises(StoreError, match="view balances: its rows do not match the digest"):
        busy.report_balances()
