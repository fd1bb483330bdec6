"""``ledger report`` and ``ledger projections``: CSV and JSON parsed back, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from ledger.cli import main
from ledger.projections.runtime import PROJECTIONS


class Cli:
    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url = url
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        code = main(["--db", self.url, "--actor", "cli-test", *argv])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def ok(self, *argv: str) -> str:
        code, out, err = self(*argv)
        assert code == 0, err
        return out

    def json(self, *argv: str) -> Any:
        return json.loads(self.ok(*argv))

    def csv(self, *argv: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.ok(*argv))))


@pytest.fixture
def cli(store_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    runner = Cli(store_url, capsys)
    runner.ok(
        "customer", "add", "acme", "--name", "Acme B.V.", "--account-manager", "Anna", "--at", "2026-01-01"
    )
    runner.ok("customer", "add", "beta", "--name", "Beta", "--account-manager", "Bram", "--at", "2026-01-01")
    runner.ok("card", "buy", "acme", "--amount", "5000.00", "--reference", "ORDER-1", "--at", "2026-02-01")
    runner.ok(
        "work",
        "log",
        "acme",
        "--kind",
        "rfc",
        "--ticket",
        "RFC-1",
        "--hours",
        "4",
        "--rate",
        "125.00",
        "--description",
        "VPN, sales team",
        "--at",
        "2026-02-03T10:00+01:00",
    )
    runner.ok(
        "work",
        "log",
        "acme",
        "--kind",
        "rfc",
        "--ticket",
        "RFC-2",
        "--hours",
        "0.1",
        "--rate",
        "99.99",
        "--at",
        "2026-02-04T10:00+01:00",
    )
    runner.ok(
        "work",
        "log",
        "beta",
        "--kind",
        "rfc",
        "--ticket",
        "B-1",
        "--hours",
        "2",
        "--at",
        "2026-02-05T10:00+01:00",
    )
    return runner


def test_balances_json_is_a_list_of_objects_with_two_decimal_strings(cli: Cli) -> None:
    assert cli.json("report", "balances", "--format", "json") == [
        {
            "customer": "acme",
            "name": "Acme B.V.",
            "currency": "EUR",
            "credited": "5000.00",
            "debited": "510.00",
            "balance": "4490.00",
            "last_movement_at": "2026-02-04T10:00:00+01:00",
            "expired": "0.00",
        }
    ]
    [before] = cli.json("report", "balances", "--as-of", "2026-02-04", "--format", "json")
    assert (before["debited"], before["balance"]) == ("500.00", "4500.00")


def test_balances_csv_and_table(cli: Cli) -> None:
    assert cli.csv("report", "balances", "--format", "csv") == [
        {
            "customer": "acme",
            "name": "Acme B.V.",
            "currency": "EUR",
            "credited": "5000.00",
            "debited": "510.00",
            "expired": "0.00",
            "balance": "4490.00",
            "last_movement_at": "2026-02-04T10:00:00+01:00",
        }
    ]
    table = cli.ok("report", "balances")
    assert "Acme B.V." in table
    assert "4490.00" in table
    assert "total" in table
    totals = cli.csv("report", "balances", "--format", "csv", "--totals")
    assert [(r["customer"], r["expired"], r["balance"]) for r in totals] == [
        ("acme", "0.00", "4490.00"),
        ("total", "0.00", "4490.00"),
    ]


def test_work_csv_has_a_header_and_one_row_per_record(cli: Cli) -> None:
    cli.ok("work", "reverse", "acme", "--ticket", "RFC-2", "--reason", "not ours", "--at", "2026-02-06")
    rows = cli.csv("report", "work", "acme", "--month", "2026-02", "--format", "csv")
    assert [
        (
            r["date"],
            r["ticket"],
            r["line"],
            r["hours"],
            r["rate"],
            r["amount"],
            r["balance_after"],
            r["reversed"],
        )
        for r in rows
    ] == [
        ("2026-02-03", "RFC-1", "work", "4.00", "125.00", "500.00", "4500.00", "false"),
        ("2026-02-04", "RFC-2", "work", "0.10", "99.99", "10.00", "4490.00", "true"),
        ("2026-02-04", "RFC-2", "reversal", "-0.10", "99.99", "-10.00", "4500.00", "false"),
    ]
    assert rows[0]["description"] == "VPN, sales team"  # a comma survives CSV quoting
    records = cli.json("report", "work", "acme", "--month", "2026-02", "--format", "json")
    assert [record["card_paid"] for record in records] == ["500.00", "10.00", "-10.00"]
    assert cli.csv("report", "work", "acme", "--month", "2026-03", "--format", "csv") == []


def test_invoiceable_json_and_csv(cli: Cli) -> None:
    [line] = cli.json("report", "invoiceable", "--month", "2026-02", "--format", "json")
    assert {key: line[key] for key in ("customer", "ticket", "amount", "invoiceable", "payer", "void")} == {
        "customer": "beta",
        "ticket": "B-1",
        "amount": "250.00",
        "invoiceable": "250.00",
        "payer": "invoice",
        "void": False,
    }
    cli.ok("work", "reverse", "beta", "--ticket", "B-1", "--reason", "duplicate")
    assert cli.csv("report", "invoiceable", "--month", "2026-02", "--format", "csv") == []
    [void] = cli.csv("report", "invoiceable", "--month", "2026-02", "--include-void", "--format", "csv")
    assert (void["ticket"], void["void"], void["invoiceable"]) == ("B-1", "true", "250.00")


def test_report_refusals_are_one_line_and_exit_2(cli: Cli) -> None:
    code, out, err = cli("report", "work", "nobody", "--month", "2026-02")
    assert (code, out) == (2, "")
    assert err.strip() == "ledger: error: customer: unknown customer 'nobody'"
    code, _, err = cli("report", "invoiceable", "--month", "2026-2")
    assert code == 2
    assert err.startswith("ledger: error: month:")
    code, _, err = cli("projections", "rebuild", "nothing")
    assert code == 2
    assert "unknown projection 'nothing'" in err


def test_projections_status_and_rebuild(cli: Cli) -> None:
    cli.ok("report", "balances")  # catches up the balances view only
    status = {s["name"]: s for s in cli.json("projections", "status", "--json")}
    log_position = status["balances"]["log_position"]
    assert status["balances"]["position"] == log_position
    assert status["balances"]["behind"] == 0
    assert status["work_records"]["position"] == 0
    assert status["work_records"]["pending"] == 3  # three work entries recorded, none applied yet

    rebuilt = cli.json("projections", "rebuild", "--json")
    assert [(r["name"], r["position"]) for r in rebuilt] == [(name, log_position) for name in PROJECTIONS]
    assert list(PROJECTIONS)[:3] == ["balances", "work_records", "invoiceable"]
    assert all(s["pending"] == 0 for s in cli.json("projections", "status", "--json"))
    [only] = cli.json("projections", "rebuild", "work_records", "--json")
    assert only["events_applied"] == 3
