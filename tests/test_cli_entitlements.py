"""The ``ledger contract|pack|entitlement|rate`` commands and ``work log`` payers, run in-process."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger.cli import main


class Cli:
    """Runs ``ledger --db URL ...`` and hands back the exit code, stdout and stderr."""

    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url = url
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main(["--db", self.url, "--actor", "anna", *argv])
        except SystemExit as exit_:  # argparse usage errors
            code = int(exit_.code or 0)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *argv: str) -> Any:
        code, out, err = self(*argv, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(store_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    run = Cli(store_url, capsys)
    assert run("customer", "add", "acme", "--name", "Acme B.V.", "--account-manager", "Anna")[0] == 0
    return run


def test_contract_lifecycle_and_history(cli: Cli) -> None:
    started = cli.json("contract", "start", "acme", "--tier", "basis", "--from", "2026-01-01")
    assert (started["change"], started["tier"], started["effective_at"]) == (
        "started",
        "basis",
        "2026-01-01T00:00:00+01:00",
    )
    cli.json("contract", "change", "acme", "--tier", "comfort", "--from", "2026-07-01")
    cli.json("contract", "end", "acme", "--from", "2026-10-01T00:00:00+02:00")
    history = cli.json("contract", "show", "acme")
    assert history["tier_now"] is None
    assert [(c["change"], c["tier"], c["actor"]) for c in history["changes"]] == [
        ("started", "basis", "anna"),
        ("tier-changed", "comfort", "anna"),
        ("ended", None, "anna"),
    ]
    code, out, _ = cli("contract", "show", "acme")
    assert code == 0
    assert "tier-changed" in out
    assert "comfort" in out


@pytest.mark.parametrize(
    ("at", "channel", "tier", "reason"),
    [
        (
            "2026-04-27T10:00:00+02:00",
            "emergency-line",
            "comfort",
            "King's Day: servicedesk closed; Comfort: emergency line",
        ),
        (
            "2026-04-28T06:00:00Z",
            "servicedesk",
            "comfort",
            "Tuesday 08:00 Europe/Amsterdam: servicedesk open (Comfort)",
        ),
        (
            "2026-04-28T11:59:59-04:00",
            "servicedesk",
            "comfort",
            "Tuesday 17:59 Europe/Amsterdam: servicedesk open (Comfort)",
        ),
        (
            "2026-04-28T16:00:00Z",
            "emergency-line",
            "comfort",
            "Tuesday 18:00 Europe/Amsterdam: servicedesk closed (open 08:00-18:00); Comfort: emergency line",
        ),
        ("2025-12-31T12:00:00+01:00", "none", None, "no servicedesk contract in force"),
    ],
)
def test_entitlement_check_json(cli: Cli, at: str, channel: str, tier: str | None, reason: str) -> None:
    cli("contract", "start", "acme", "--tier", "comfort", "--from", "2026-01-01")
    result = cli.json("entitlement", "check", "acme", "--at", at)
    assert (result["channel"], result["tier"], result["reason"]) == (channel, tier, reason)


def test_entitlement_check_table(cli: Cli) -> None:
    cli("contract", "start", "acme", "--tier", "basis", "--from", "2026-01-01")
    code, out, _ = cli("entitlement", "check", "acme", "--at", "2026-05-02T10:00:00+02:00")
    assert code == 0
    assert "Saturday: servicedesk closed; Basis: no channel" in out


@pytest.mark.parametrize(
    "argv",
    [
        ("entitlement", "check", "acme", "--at", "2026-04-27T10:00:00"),
        ("contract", "start", "acme", "--tier", "basis", "--from", "2026-01-01T09:00"),
        ("pack", "add", "acme", "--pack", "netwerk", "--covers", "network", "--from", "2026-01-01T09:00"),
        ("rate", "set", "acme", "--rate", "130", "--from", "2026-01-01T09:00"),
    ],
)
def test_naive_times_are_refused_with_exit_2(cli: Cli, argv: tuple[str, ...]) -> None:
    code, out, err = cli(*argv)
    assert code == 2
    assert out == ""
    assert "no timezone" in err
    assert len(err.strip().splitlines()) == 1


def test_refusals_are_one_line_and_exit_2(cli: Cli) -> None:
    code, _, err = cli("contract", "change", "acme", "--tier", "comfort", "--from", "2026-01-01")
    assert code == 2
    assert err.startswith("ledger: error: effective_from: no servicedesk contract is in force for 'acme'")
    code, _, err = cli("contract", "start", "acme", "--tier", "gold", "--from", "2026-01-01")
    assert code == 2
    assert "invalid choice" in err
    code, _, err = cli("rate", "rounding", "acme", "--increment", "10", "--from", "2026-01-01")
    assert (code, "multiple of 3" in err) == (2, True)


def test_packs_add_list_remove(cli: Cli) -> None:
    added = cli.json(
        "pack", "add", "acme", "--pack", "Netwerk", "--covers", "Network, firewall", "--from", "2026-01-01"
    )
    assert (added["pack"], added["components"]) == ("netwerk", ["firewall", "network"])
    cli.json("pack", "remove", "acme", "--pack", "netwerk", "--from", "2026-06-01")
    listing = cli.json("pack", "list", "acme", "--at", "2026-03-01")
    assert listing["active"] == {"netwerk": ["firewall", "network"]}
    assert [c["change"] for c in listing["history"]] == ["added", "removed"]
    assert cli.json("pack", "list", "acme")["active"] == {}
    code, out, _ = cli("pack", "list", "acme", "--at", "2026-03-01")
    assert code == 0
    assert "firewall, network" in out


def test_work_log_payers_and_derivation(cli: Cli) -> None:
    cli("card", "buy", "acme", "--amount", "1000", "--reference", "O-1", "--at", "2026-01-01")
    cli("contract", "start", "acme", "--tier", "basis", "--from", "2026-01-01")
    cli("pack", "add", "acme", "--pack", "netwerk", "--covers", "network", "--from", "2026-01-01")
    cli("rate", "set", "acme", "--rate", "120", "--from", "2026-01-01")
    cli("rate", "set", "acme", "--rate", "150", "--role", "specialist", "--from", "2026-01-01")
    cli("rate", "rounding", "acme", "--increment", "15", "--from", "2026-01-01")

    support = cli.json(
        "work", "log", "acme", "--ticket", "S-1", "--hours", "1", "--kind", "support",
        "--at", "2026-02-03T09:00:00+01:00",
    )  # fmt: skip
    assert (support["payer"], support["debited"]) == ("servicedesk-contract", "0.00")
    pack = cli.json(
        "work", "log", "acme", "--kind", "rfc", "--ticket", "R-1", "--hours", "2", "--component", "Network",
        "--at", "2026-02-03T09:00:00+01:00",
    )  # fmt: skip
    assert (pack["payer"], pack["debited"]) == ("beheerpack", "0.00")
    rfc = cli.json(
        "work", "log", "acme", "--kind", "rfc", "--ticket", "R-2", "--hours", "0.1", "--role", "specialist",
        "--at", "2026-02-03T09:00:00+01:00",
    )  # fmt: skip
    assert (rfc["payer"], rfc["debited"], rfc["balance"]) == ("strippenkaart", "37.50", "962.50")
    derivation = rfc["derivation"]
    assert (derivation["hours_given"], derivation["hours_billed"], derivation["rate"]) == (
        "0.10",
        "0.25",
        "150.00",
    )
    assert derivation["rate_source"] == "rate card v2 (specialist, from 2026-01-01)"
    assert (
        derivation["rounding"]
        == "up in 15-minute increments (rate card v3, from 2026-01-01): 0.10 h → 0.25 h"
    )
    assert rfc["reason"] == derivation["reason"]
    overridden = cli.json(
        "work", "log", "acme", "--kind", "rfc", "--ticket", "R-3", "--hours", "1", "--rate", "99",
        "--at", "2026-02-03T09:00:00+01:00",
    )  # fmt: skip
    assert overridden["derivation"]["rate_source"] == "rate given on the entry (overrides the rate card)"
    assert cli.json("balance", "acme")["balance"] == "863.50"


def test_rate_show(cli: Cli) -> None:
    cli("rate", "set", "acme", "--rate", "130", "--from", "2026-01-01")
    view = cli.json("rate", "show", "acme", "--at", "2026-02-01")
    assert (view["general_rate"], view["rounding"]) == ("130.00", "none")
    code, out, _ = cli("rate", "show", "acme", "--at", "2026-02-01")
    assert code == 0
    assert "rate card v1 (general rate, from 2026-01-01)" in out
