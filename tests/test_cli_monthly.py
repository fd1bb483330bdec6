"""``card buy --monthly``, ``card change|stop``, ``--expires`` and ``ledger tick`` on the command line."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from ledger import Ledger
from ledger.cli import main
from ledger.domain.time import AMSTERDAM
from tests.support import FakeClock
from tests.test_cli import Cli


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The CLI opens its ledger on the real clock; the tests put it on a fake one."""
    fake = FakeClock(datetime(2027, 12, 1, 9, tzinfo=AMSTERDAM))
    open_ledger = Ledger.open.__func__  # type: ignore[attr-defined]

    def open_on_fake_clock(cls: type[Ledger], /, url: str | None = None, **options: Any) -> Ledger:
        return open_ledger(cls, url, **{**options, "clock": fake})  # type: ignore[no-any-return]

    monkeypatch.setattr(Ledger, "open", classmethod(open_on_fake_clock))
    return fake


@pytest.fixture
def cli(store_url: str, capsys: pytest.CaptureFixture[str], clock: FakeClock) -> Cli:
    runner = Cli(store_url, capsys)
    code, _, err = runner("customer", "add", "acme", "--name", "Acme B.V.", "--account-manager", "Anna")
    assert code == 0, err
    return runner


def test_a_monthly_card_on_day_31_through_a_leap_february(cli: Cli, clock: FakeClock) -> None:
    bought = cli.json("card", "buy", "acme", "--monthly", "250.00", "--day", "31", "--from", "2027-12-01")
    assert bought["terms"] == [{"from": "2027-12-01T00:00:00+01:00", "amount": "250.00", "day": 31}]
    assert bought["credits_recorded"] == []
    clock.now = datetime(2028, 4, 1, 9, tzinfo=AMSTERDAM)
    ticked = cli.json("tick", "--until", "2028-03-01")
    assert [(i["reference"], i["effective_at"]) for i in ticked["items"]] == [
        ("monthly:2027-12", "2027-12-31T00:00:00+01:00"),
        ("monthly:2028-01", "2028-01-31T00:00:00+01:00"),
        ("monthly:2028-02", "2028-02-29T00:00:00+01:00"),
    ]
    assert ticked["recorded"] == {
        "monthly-credit": 3,
        "expiry-write-off": 0,
        "evaluation-due": 0,
        "grant-expiring": 0,
        "grant-expiry": 0,
        "credit-expiring": 0,
    }
    changed = cli.json("card", "change", "acme", "--monthly", "300", "--from", "2028-03-15")
    assert [t["amount"] for t in changed["terms"]] == ["250.00", "300.00"]
    assert changed["credits_recorded"] == ["monthly:2028-03"]  # due on Mar 31, before the clock's now
    stopped = cli.json("card", "stop", "acme", "--from", "2028-05-01")
    assert [t["amount"] for t in stopped["terms"]] == ["250.00", "300.00", None]
    clock.now = datetime(2028, 9, 1, 9, tzinfo=AMSTERDAM)
    rest = cli.json("tick")
    assert [(i["reference"], i["amount"]) for i in rest["items"]] == [("monthly:2028-04", "300.00")]
    assert cli.json("balance", "acme")["credited"] == "1350.00"


def test_the_clock_records_as_clock_unless_an_actor_is_given(
    store_url: str, cli: Cli, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    cli("card", "buy", "acme", "--amount", "100", "--reference", "O-1", "--expires", "2027-12-10")
    clock.now = datetime(2027, 12, 20, 9, tzinfo=AMSTERDAM)
    assert main(["--db", store_url, "tick", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["actor"] == "clock"
    assert [(i["kind"], i["reference"], i["amount"]) for i in answer["items"]] == [
        ("expiry-write-off", "O-1", "100.00"),
    ]
    assert cli.json("tick")["actor"] == "cli-test"
    balance = cli.json("balance", "acme")
    assert (balance["expired"], balance["balance"]) == ("100.00", "0.00")


def test_human_output_of_tick_and_monthly_buy(cli: Cli, clock: FakeClock) -> None:
    code, out, _ = cli("card", "buy", "acme", "--monthly", "500", "--day", "1", "--from", "2027-11-01")
    assert code == 0
    assert "monthly plan (set)" in out
    assert "credited now: monthly:2027-11, monthly:2027-12" in out
    clock.now = datetime(2028, 1, 2, 9, tzinfo=AMSTERDAM)
    code, out, _ = cli("tick")
    assert code == 0
    assert (
        "monthly-credit: 1, credit-expiring: 0, expiry-write-off: 0, evaluation-due: 0, grant-expiring: 0, "
        "grant-expiry: 0 (1 checked)"
    ) in out
    assert "monthly:2028-01" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--amount", "100", "--day", "5"], "--day: applies to --monthly"),
        (["--amount", "100", "--until", "2028-01-01"], "--until: applies to --monthly"),
        (["--monthly", "100", "--reference", "O-1"], "--reference: applies to a one-off --amount"),
        (["--monthly", "100", "--expires", "2028-01-01"], "--expires: applies to a one-off --amount"),
        (["--monthly", "100", "--day", "32"], "day: 32 is not a day of the month"),
    ],
)
def test_bad_card_options_exit_2_and_write_nothing(cli: Cli, argv: list[str], message: str) -> None:
    before = cli.events()
    code, _, err = cli("card", "buy", "acme", *argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert cli.events() == before


def test_amount_and_monthly_are_mutually_exclusive(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_code:
        cli("card", "buy", "acme", "--monthly", "100", "--amount", "5")
    assert exit_code.value.code == 2
    assert "not allowed with argument --monthly" in capsys.readouterr().err


def test_tick_refuses_the_future(cli: Cli) -> None:
    code, _, err = cli("tick", "--until", "2027-12-02")
    assert code == 2
    assert "until: 2027-12-02T00:00:00+01:00 is in the future" in err
