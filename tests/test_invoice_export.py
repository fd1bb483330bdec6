"""Invoice exports lose nothing and send nothing twice: numbered, recorded, late lines flagged,
reversals credited, formula-looking CSV text neutralised; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from decimal import Decimal

import pytest

from ledger import Ledger
from ledger.cli import main
from ledger.cli.invoiceable import neutralise_csv_cell
from ledger.errors import InvalidInputError
from tests.support import FakeClock, event_count


@pytest.fixture
def billed(ledger: Ledger, clock: FakeClock) -> Ledger:
    """Beta has no card: all its work is invoiced."""
    clock.now = datetime.fromisoformat("2026-11-10T09:00+01:00")
    ledger.add_customer("beta", name="=Beta & Co", account_manager="Bram", at="2026-01-01")
    ledger.log_work("beta", ticket="B-1", hours="2", rate="100.00", description="Server move",
                    at="2026-10-05T10:00+02:00", kind="rfc")  # fmt: skip
    ledger.log_work("beta", ticket="B-2", hours="1", rate="100.00", description="-1 day patch",
                    at="2026-11-03T10:00+01:00", kind="rfc")  # fmt: skip
    return ledger


def test_an_export_takes_each_line_once_and_records_it(billed: Ledger, clock: FakeClock) -> None:
    first = billed.export_invoiceable("2026-11-01")
    assert first.number == 1
    [line] = first.lines
    assert (line.ticket, line.period, line.late, line.kind) == ("B-1", "2026-10", False, "line")
    assert (line.customer, line.customer_name) == ("beta", "=Beta & Co")
    assert (line.hours, line.rate) == (Decimal("2.00"), Decimal("100.00"))
    assert (line.amount_excl_vat, line.vat_rate, line.vat_amount, line.amount_incl_vat) == (
        Decimal("200.00"),
        Decimal("21.00"),
        Decimal("42.00"),
        Decimal("242.00"),
    )
    before = event_count(billed)
    again = billed.export_invoiceable("2026-11-01")
    assert (again.number, again.lines, event_count(billed)) == (None, [], before)

    # late work for October, recorded after October was exported, and November's own work
    billed.log_work("beta", ticket="B-3", hours="1", rate="100.00", at="2026-10-30T10:00+01:00", kind="rfc")
    billed.set_setting("invoice.vat-rate", "9", effective_from="2026-11-01")
    second = billed.export_invoiceable("2026-11-10")
    assert [(x.ticket, x.late, x.vat_rate) for x in second.lines] == [
        ("B-2", False, Decimal("9.00")),
        ("B-3", True, Decimal("21.00")),
    ]
    october = billed.invoiceable_lines("2026-10")
    assert [(x.ticket, x.export) for x in october] == [("B-1", "1"), ("B-3", "2")]

    billed.reverse_work("beta", ticket="B-1", reason="wrong customer (internal)")
    clock.now = datetime.fromisoformat("2026-11-11T09:00+01:00")
    third = billed.export_invoiceable("2026-11-11")
    [credit] = third.lines
    assert (credit.kind, credit.ticket, credit.credits_export, credit.amount_excl_vat) == (
        "credit",
        "B-1",
        1,
        Decimal("-200.00"),
    )
    assert "internal" not in credit.description
    with pytest.raises(InvalidInputError, match="before the latest export"):
        billed.export_invoiceable("2026-11-05")


def test_the_cli_writes_csv_with_neutralised_text_and_reports_export_numbers(
    billed: Ledger, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", store_url, "invoiceable", "export", "--until", "2026-11-10"]) == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert captured.err == "Export 1: 2 lines (0 late, 0 credits).\n"
    assert [(r["ticket"], r["customer_name"], r["description"]) for r in rows] == [
        ("B-1", "'=Beta & Co", "Server move"),
        ("B-2", "'=Beta & Co", "'-1 day patch"),
    ]
    assert rows[0]["amount_excl_vat"] == "200.00"
    assert (
        main(["--db", store_url, "invoiceable", "export", "--until", "2026-11-10", "--format", "json"]) == 0
    )
    assert json.loads(capsys.readouterr().out) == {"number": None, "until": "2026-11-10T00:00:00+01:00",
                                                    "lines": []}  # fmt: skip

    billed.log_work("beta", ticket="B-4", hours="1", rate="100.00", at="2026-11-04T10:00+01:00", kind="rfc")
    assert main(["--db", store_url, "report", "invoiceable", "--month", "2026-11", "--format", "csv"]) == 0
    report = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["ticket"], r["export"]) for r in report] == [("B-2", "1"), ("B-4", "not exported")]


def test_neutralise_csv_cell() -> None:
    assert [neutralise_csv_cell(v) for v in ("=1+1", "+31", "-x", "@a", "ok", "")] == [
        "'=1+1",
        "'+31",
        "'-x",
        "'@a",
        "ok",
        "",
    ]
