"""The ``ledger`` command: its fixed contract, JSON for scripts, and exit code 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger
from ledger.cli import main
from tests.support import event_count

ROOT = Path(__file__).resolve().parent.parent


class Cli:
    """Runs ``ledger`` in-process against one store, as one actor."""

    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url = url
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        code = main(["--db", self.url, "--actor", "cli-test", *argv])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *argv: str) -> Any:
        code, out, err = self(*argv, "--json")
        assert code == 0, err
        return json.loads(out)

    def events(self) -> int:
        with Ledger.open(self.url) as ledger:
            return event_count(ledger)


@pytest.fixture
def cli(store_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    runner = Cli(store_url, capsys)
    code, _, err = runner("customer", "add", "acme", "--name", "Acme B.V.", "--account-manager", "Anna")
    assert code == 0, err
    return runner


def test_seed_example_through_the_cli(cli: Cli) -> None:
    cli("card", "buy", "acme", "--amount", "5000.00", "--reference", "ORDER-1", "--at", "2026-01-05")
    work = cli.json(
        "work",
        "log",
        "acme",
        "--kind",
        "rfc",
        "--ticket",
        "RFC-1",
        "--hours",
        "4",
        "--at",
        "2026-01-06T10:00+01:00",
    )
    assert {key: work[key] for key in ("ticket", "hours", "rate", "amount", "debited", "invoiceable")} == {
        "ticket": "RFC-1",
        "hours": "4.00",
        "rate": "125.00",
        "amount": "500.00",
        "debited": "500.00",
        "invoiceable": "0.00",
    }
    assert (work["balance"], work["duplicate"], work["payer"]) == ("4500.00", False, "strippenkaart")
    assert cli.json("balance", "acme") == {
        "customer": "acme",
        "currency": "EUR",
        "credited": "5000.00",
        "debited": "500.00",
        "balance": "4500.00",
        "expired": "0.00",
    }


def test_repeated_ticket_returns_original_figures_and_writes_nothing(cli: Cli) -> None:
    cli("card", "buy", "acme", "--amount", "100", "--reference", "O-1", "--at", "2026-01-05")
    first = cli.json(
        "work", "log", "acme", "--kind", "rfc", "--ticket", "T-1", "--hours", "1", "--at", "2026-01-06"
    )
    before = cli.events()
    again = cli.json(
        "work", "log", "acme", "--kind", "rfc", "--ticket", "T-1", "--hours", "1", "--at", "2026-01-06"
    )
    assert cli.events() == before
    assert again["duplicate"] is True
    assert (again["hours"], again["amount"], again["balance"]) == (
        first["hours"],
        first["amount"],
        first["balance"],
    )


def test_repeated_ticket_with_other_figures_is_refused_naming_them(cli: Cli) -> None:
    cli("card", "buy", "acme", "--amount", "100", "--reference", "O-1", "--at", "2026-01-05")
    cli("work", "log", "acme", "--kind", "rfc", "--ticket", "T-1", "--hours", "1", "--at", "2026-01-06")
    before = cli.events()
    code, _, err = cli(
        "work", "log", "acme", "--kind", "rfc", "--ticket", "T-1", "--hours", "3", "--at", "2026-01-07"
    )
    assert code == 2
    assert err.count("\n") == 1
    assert "ticket: 'T-1' was already used for an entry with other hours, at" in err
    assert cli.events() == before


def test_overage_and_reversal(cli: Cli) -> None:
    cli("card", "buy", "acme", "--amount", "100", "--reference", "O-1", "--at", "2026-01-05")
    work = cli.json(
        "work", "log", "acme", "--kind", "rfc", "--ticket", "T-1", "--hours", "2", "--at", "2026-01-06"
    )
    assert (work["debited"], work["invoiceable"], work["balance"]) == ("100.00", "150.00", "0.00")
    reversal = cli.json("work", "reverse", "acme", "--ticket", "T-1", "--reason", "duplicate ticket")
    assert (reversal["restored"], reversal["balance"], reversal["duplicate"]) == ("100.00", "100.00", False)
    assert cli.json("work", "reverse", "acme", "--ticket", "T-1", "--reason", "again")["duplicate"] is True


def test_top_up_with_same_reference_credits_once(cli: Cli) -> None:
    cli("card", "buy", "acme", "--amount", "100", "--reference", "O-1")
    assert cli.json("card", "top-up", "acme", "--amount", "50", "--reference", "INV-7")["balance"] == "150.00"
    again = cli.json("card", "top-up", "acme", "--amount", "50", "--reference", "INV-7")
    assert (again["balance"], again["duplicate"]) == ("150.00", True)


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["work", "log", "acme", "--kind", "rfc", "--ticket", "T", "--hours", "1.234"], "hours"),
        (["work", "log", "acme", "--kind", "rfc", "--ticket", "T", "--hours", "-2"], "hours"),
        (["work", "log", "acme", "--kind", "rfc", "--ticket", "T", "--hours", "nan"], "hours"),
        (["work", "log", "acme", "--kind", "rfc", "--ticket", "T", "--hours", "1", "--rate", "0"], "rate"),
        (
            [
                "work",
                "log",
                "acme",
                "--kind",
                "rfc",
                "--ticket",
                "T",
                "--hours",
                "1",
                "--at",
                "2026-01-06T10:00",
            ],
            "at",
        ),
        (["work", "log", "ghost", "--kind", "rfc", "--ticket", "T", "--hours", "1"], "customer"),
        (["work", "log", "Not A Slug", "--kind", "rfc", "--ticket", "T", "--hours", "1"], "customer"),
        (["card", "buy", "acme", "--amount", "0.1e-5"], "amount"),
        (["card", "buy", "acme", "--amount", "10", "--currency", "EURO"], "currency"),
        (["card", "top-up", "acme", "--amount", "10"], "customer"),
        (["work", "reverse", "acme", "--ticket", "NOPE", "--reason", "x"], "ticket"),
        (["customer", "add", "beta", "--name", "", "--account-manager", "x"], "name"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_field_and_writes_nothing(
    cli: Cli, argv: list[str], field: str
) -> None:
    before = cli.events()
    code, out, err = cli(*argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"ledger: error: {field}")
    assert cli.events() == before


def test_usage_errors_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["frobnicate"], ["work", "log", "acme"], ["card"], []):
        with pytest.raises(SystemExit) as raised:
            main(argv)
        assert raised.value.code == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_global_options_work_after_the_subcommand(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["customer", "add", "acme", "--name", "A", "--account-manager", "B", "--db", store_url])
    assert code == 0
    capsys.readouterr()
    assert main(["balance", "acme", "--json", "--db", store_url]) == 0
    assert json.loads(capsys.readouterr().out)["balance"] == "0.00"


def test_bad_database_url_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", "mysql://x/y", "balance", "acme"]) == 2
    assert "database URL" in capsys.readouterr().err


def test_human_output_is_a_table(cli: Cli) -> None:
    cli("card", "buy", "acme", "--amount", "5000", "--reference", "O-1", "--at", "2026-01-05")
    code, out, _ = cli(
        "work", "log", "acme", "--kind", "rfc", "--ticket", "RFC-1", "--hours", "4", "--at", "2026-01-06"
    )
    assert code == 0
    assert "4500.00" in out
    assert "4.00 h × 125.00 EUR/h = 500.00 EUR" in out


def test_demo_runs_as_a_program_and_shows_4500() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "ledger", "demo"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    assert "€4,500.00" in completed.stdout
    assert "−€500.00" in completed.stdout


def test_demo_json() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "ledger", "demo", "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    data = json.loads(completed.stdout)
    assert data["balance"]["balance"] == "4500.00"
    assert data["work"]["invoiceable"] == "0.00"
