"""Monthly statements: numbered, reproducible byte for byte, issued when due; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ledger import Ledger
from ledger.cli import main
from ledger.errors import NoCardError, StatementError
from ledger.statements.html import render_html
from ledger.statements.render import render_json, render_text
from tests.support import FakeClock, event_count

APRIL = datetime.fromisoformat("2026-04-02T09:00+02:00")


@pytest.fixture
def acme(ledger: Ledger, clock: FakeClock) -> Ledger:
    """Acme's card: €5,000.00 in February, work in February and March, a top-up and a reversal."""
    clock.now = APRIL
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-01")
    ledger.buy_card("acme", amount="5000.00", reference="ORDER-1", at="2026-02-01")
    ledger.log_work(
        "acme",
        kind="rfc",
        ticket="RFC-1",
        hours="4",
        rate="125.00",
        description="New VPN profile",
        at="2026-02-05T10:00+01:00",
    )
    ledger.log_work(
        "acme",
        kind="rfc",
        ticket="RFC-2",
        hours="6",
        rate="125.00",
        description="Mailbox migration",
        at="2026-03-03T10:00+01:00",
    )
    ledger.top_up("acme", amount="1000.00", reference="INV-7", at="2026-03-10")
    ledger.log_work(
        "acme",
        kind="rfc",
        ticket="RFC-3",
        hours="2.5",
        rate="125.00",
        description="Firewall rule",
        at="2026-03-20T10:00+01:00",
    )
    ledger.reverse_work("acme", ticket="RFC-3", reason="logged twice", at="2026-03-21T10:00+01:00")
    return ledger


def documents(ledger: Ledger, month: str) -> tuple[str, str, str]:
    statement = ledger.statement("acme", month)
    return render_text(statement), render_json(statement), render_html(statement)


def test_the_statement_has_the_month_s_figures(acme: Ledger) -> None:
    statement = acme.issue_statement("acme", "2026-03")
    assert (statement.number, statement.status) == ("ACME-2026-0001", "issued")
    assert statement.opening_balance == Decimal("4500.00")
    assert [(c.reference, c.amount, c.balance_after) for c in statement.credits] == [
        ("INV-7", Decimal("1000.00"), Decimal("4750.00"))
    ]
    # RFC-3 was reversed within the open month: the customer never saw it, so neither line shows
    assert [(w.date, w.reference, w.hours, w.rate, w.amount, w.balance_after) for w in statement.work] == [
        ("2026-03-03", "RFC-2", Decimal("6.00"), Decimal("125.00"), Decimal("-750.00"), Decimal("3750.00")),
    ]
    assert (statement.total_credits, statement.total_work, statement.closing_balance) == (
        Decimal("1000.00"),
        Decimal("750.00"),
        Decimal("4750.00"),
    )
    assert statement.closing_balance == acme.balance("acme", as_of="2026-03-31T23:59:59+02:00").balance


def test_regenerating_gives_the_same_bytes_even_after_a_late_entry_and_a_rebuild(
    acme: Ledger, clock: FakeClock
) -> None:
    acme.issue_statement("acme", "2026-03")
    issued = documents(acme, "2026-03")
    assert documents(acme, "2026-03") == issued

    clock.advance(days=3)  # someone logs work back-dated into March, after the statement was issued
    acme.log_work(
        "acme", kind="rfc", ticket="RFC-LATE", hours="1", rate="125.00", at="2026-03-25T10:00+01:00"
    )
    assert documents(acme, "2026-03") == issued
    acme.rebuild_projection()
    assert documents(acme, "2026-03") == issued
    assert "RFC-LATE" not in issued[0]

    clock.now = datetime.fromisoformat("2026-05-06T09:00+02:00")
    april = acme.issue_statement("acme", "2026-04")
    # April opens where March closed; the late entry is a correction naming its period
    assert april.opening_balance == acme.statement("acme", "2026-03").closing_balance == Decimal("4750.00")
    assert [(c.reference, c.period, c.amount) for c in april.corrections] == [
        ("RFC-LATE", "2026-03", Decimal("-125.00"))
    ]
    assert april.closing_balance == Decimal("4625.00")


def test_an_unissued_month_is_provisional_and_shows_what_is_known_now(acme: Ledger) -> None:
    provisional = acme.statement("acme", "2026-03")
    assert (provisional.status, provisional.number, provisional.closed_at) == ("provisional", None, None)
    text = render_text(provisional)  # Dutch by default
    assert text.startswith("VOORLOPIG AFSCHRIFT MAART 2026  [VOORLOPIG — nog niet uitgegeven")
    assert "VOORLOPIG — nog niet uitgegeven" in render_html(provisional)
    assert render_text(provisional, "en").startswith(
        "PROVISIONAL STATEMENT MARCH 2026  [PROVISIONAL — not issued"
    )
    assert "PROVISIONAL — not issued" in render_html(provisional, "en")
    acme.log_work("acme", kind="rfc", ticket="RFC-4", hours="1", rate="125.00", at="2026-03-30T10:00+02:00")
    assert acme.statement("acme", "2026-03").closing_balance == Decimal("4625.00")


def test_numbers_run_per_customer_and_year_and_issuing_is_idempotent(acme: Ledger, clock: FakeClock) -> None:
    acme.add_customer("beta", name="Beta", account_manager="Bram", at="2026-01-01")
    acme.buy_card("beta", amount="100.00", reference="B-1", at="2026-03-05")
    clock.now = datetime.fromisoformat("2027-02-01T09:00+01:00")
    numbers = [acme.issue_statement("acme", month).number for month in ("2026-02", "2026-03", "2026-04")]
    assert numbers == ["ACME-2026-0001", "ACME-2026-0002", "ACME-2026-0003"]
    assert acme.issue_statement("beta", "2026-03").number == "BETA-2026-0001"
    before = event_count(acme)
    again = acme.issue_statement("acme", "2026-03")
    assert (again.number, event_count(acme)) == ("ACME-2026-0002", before)
    assert acme.issue_statement("acme", "2027-01").number == "ACME-2027-0001"


def test_refusals_write_nothing(acme: Ledger) -> None:
    acme.add_customer("beta", name="Beta", account_manager="Bram", at="2026-01-01")
    acme.issue_statement("acme", "2026-03")
    before = event_count(acme)
    with pytest.raises(StatementError, match="has not ended yet"):
        acme.issue_statement("acme", "2026-04")
    with pytest.raises(StatementError, match="issued in month order; 2026-03 is already issued"):
        acme.issue_statement("acme", "2026-02")
    with pytest.raises(StatementError, match="had no strippenkaart yet in 2026-01"):
        acme.statement("acme", "2026-01")
    with pytest.raises(NoCardError):
        acme.issue_statement("beta", "2026-03")
    assert event_count(acme) == before


def test_due_statements_are_issued_once_in_month_order_with_a_ready_alert(acme: Ledger) -> None:
    # a month is due at its cut-off: 00:00 on the 3rd working day of the next month, not at its end
    assert acme.issue_due_statements("2026-03-03T23:59+01:00") == []  # Mar 2, 3 passed; 4 not yet
    issued = acme.issue_due_statements("2026-04-06T23:59+02:00")  # Good Friday and Easter Monday: closed
    assert [(s.number, s.month) for s in issued] == [("ACME-2026-0001", "2026-02")]
    issued = acme.issue_due_statements("2026-04-07")
    assert [(s.number, s.month) for s in issued] == [("ACME-2026-0002", "2026-03")]
    assert acme.issue_due_statements("2026-04-07") == []
    ready = [a for a in acme.alerts("acme") if a.kind == "statement-ready"]
    assert [a.message.split(": ", 1)[1] for a in ready] == [
        "statement ACME-2026-0001 for 2026-02 is issued and ready to send",
        "statement ACME-2026-0002 for 2026-03 is issued and ready to send",
    ]
    assert all(a.account_manager == "Anna" for a in ready)


def run(url: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--db", url, "--actor", "anna", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_statement_text_json_html_and_issue(
    acme: Ledger, store_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(store_url, capsys, "statement", "issue", "acme", "--month", "2026-03")
    assert (code, err) == (0, "Issued statement ACME-2026-0001.\n")
    assert out.startswith("AFSCHRIFT ACME-2026-0001\n\nAan: Acme B.V. (acme) · Accountmanager Anna\n")
    code, _, err = run(store_url, capsys, "statement", "issue", "acme", "--month", "2026-03")
    assert (code, err) == (0, "Statement ACME-2026-0001 was already issued; nothing changed.\n")

    code, out, _ = run(store_url, capsys, "statement", "acme", "--month", "2026-03", "--format", "json")
    data = json.loads(out)
    assert (data["number"], data["status"], data["opening_balance"], data["closing_balance"]) == (
        "ACME-2026-0001",
        "issued",
        "4500.00",
        "4750.00",
    )
    assert [line["reference"] for line in data["work"]] == ["RFC-2"]
    # the CLI issues at the real present, months after March: the forecast is made as of then
    assert data["forecast"]["outcome"] == "no-recent-use"

    page = tmp_path / "statement.html"
    code, out, _ = run(
        store_url,
        capsys,
        "statement",
        "acme",
        "--month",
        "2026-03",
        "--format",
        "html",
        "--output",
        str(page),
    )
    assert (code, out) == (0, "")
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<svg" in html
    assert "<script" not in html
    assert re.findall(r'(?:src|href)="(?!#)', html) == []  # self-contained: nothing to fetch

    code, out, err = run(store_url, capsys, "statement", "nobody", "--month", "2026-03")
    assert (code, out) == (2, "")
    assert err.strip() == "ledger: error: customer: unknown customer 'nobody'"
    code, _, err = run(store_url, capsys, "statement", "acme", "--month", "2026-13")
    assert code == 2
    assert err.startswith("ledger: error: month:")


def test_the_cut_off_is_a_dated_setting_and_a_month_can_be_closed_on_purpose(
    acme: Ledger, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert acme.statement_cut_off("2026-03") == datetime.fromisoformat("2026-04-07T00:00+02:00")
    acme.set_setting("statements.cut-off", "1", effective_from="2026-03-01")
    acme.set_setting("calendar.working-holidays", "2026-04-06", effective_from="2026-01-01")
    assert acme.statement_cut_off("2026-02") == datetime.fromisoformat("2026-03-02T00:00+01:00")
    assert acme.statement_cut_off("2026-03") == datetime.fromisoformat("2026-04-01T00:00+02:00")
    acme.set_setting("statements.cut-off", "0", effective_from="2026-03-01")
    assert acme.statement_cut_off("2026-03") == datetime.fromisoformat("2026-04-01T00:00+02:00")

    acme.set_setting("statements.cut-off", "3", effective_from="2026-03-01")
    assert acme.issue_due_statements(APRIL) == [acme.statement("acme", "2026-02")]  # March not due yet
    code, out, _ = run(store_url, capsys, "statement", "close", "--month", "2026-03", "acme")
    assert (code, out.strip()) == (0, "Closed 2026-03: issued ACME-2026-0002.")
    code, out, _ = run(store_url, capsys, "statement", "close", "--month", "2026-03")
    assert (code, out.strip()) == (0, "2026-03: nothing to issue.")
    assert acme.statement("acme", "2026-03").number == "ACME-2026-0002"
    before = event_count(acme)
    code, _, err = run(
        store_url, capsys, "statement", "close", "--month", "2099-04"
    )  # the CLI's clock is real
    assert (code, event_count(acme)) == (2, before)
    assert err.startswith("ledger: error: month: 2099-04 has not ended yet")


def test_tick_help_says_it_issues_statements(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["tick", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "ISSUES each month's final, numbered statements once the month's cut-off has passed" in text
