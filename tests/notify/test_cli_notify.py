"""The CLI of issue 16: customer change/list, alert filters, webhooks and notify, on both stores."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger.cli import main
from tests.notify.receivers import SmtpServer, WebhookReceiver
from tests.support import event_count

SETUP = (
    ("customer", "add", "acme", "--name", "Acme B.V.", "--account-manager", "Anna",
     "--account-manager-email", "anna@msp.example", "--at", "2026-01-01"),
    ("customer", "add", "bolt", "--name", "Bolt", "--account-manager", "Bram", "--at", "2026-01-01"),
    ("card", "buy", "acme", "--amount", "1000.00", "--reference", "O-1", "--at", "2026-02-01"),
)  # fmt: skip


class Cli:
    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url, self.capsys = url, capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        code = main(["--db", self.url, "--actor", "anna", *argv])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *argv: str) -> Any:
        code, out, err = self(*argv, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(store_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    runner = Cli(store_url, capsys)
    for argv in SETUP:
        assert runner(*argv)[0] == 0
    return runner


def test_customer_change_and_list(cli: Cli) -> None:
    changed = cli.json(
        "customer", "change", "acme", "--account-manager", "Cas",
        "--account-manager-email", "cas@msp.example", "--from", "2026-03-01",
    )  # fmt: skip
    assert (changed["account_manager"], changed["account_manager_email"], changed["duplicate"]) == (
        "Cas",
        "cas@msp.example",
        False,
    )
    listed = cli.json("customer", "list", "--at", "2026-02-15")
    assert [(c["customer"], c["account_manager"]) for c in listed] == [("acme", "Anna"), ("bolt", "Bram")]
    later = {c["customer"]: c for c in cli.json("customer", "list", "--at", "2026-03-02")}
    assert later["acme"]["account_manager"] == "Cas"
    assert [v["account_manager"] for v in later["acme"]["versions"]] == ["Anna", "Cas"]
    code, out, _ = cli("customer", "list")
    assert code == 0
    assert "cas@msp.example" in out


def test_bad_input_is_one_line_and_writes_nothing(cli: Cli, store_url: str) -> None:
    from ledger import Ledger

    with Ledger.open(store_url) as ledger:
        before = event_count(ledger)
    for argv, expected in (
        (("customer", "change", "acme", "--account-manager-email", "not-an-address", "--from", "2026-03-01"),
         "ledger: error: account_manager_email: 'not-an-address' is not an e-mail address"),
        (("customer", "change", "acme", "--from", "2026-03-01"),
         "ledger: error: customer: give --name, --account-manager or --account-manager-email"),
        (("webhook", "add", "ftp://127.0.0.1/x", "--secret-env", "HOOK"),
         "ledger: error: url: 'ftp://127.0.0.1/x' is not an http:// or https:// URL with a host"),
        (("webhook", "add", "http://127.0.0.1:9/x", "--secret-env", "lower case"),
         "ledger: error: secret_env: 'lower case' is not an environment variable name"),
        (("notify", "retry", "dl-nothing"),
         "ledger: error: delivery: no undelivered delivery 'dl-nothing'; see 'ledger notify status'"),
    ):  # fmt: skip
        code, out, err = cli(*argv)
        assert (code, out) == (2, ""), argv
        assert err.startswith(expected), err
        assert err.count("\n") == 1
    with Ledger.open(store_url) as ledger:
        assert event_count(ledger) == before


def test_alert_filters(cli: Cli) -> None:
    cli(
        "work",
        "log",
        "acme",
        "--ticket",
        "T-1",
        "--hours",
        "10",
        "--rate",
        "100.00",
        "--kind",
        "rfc",
        "--at",
        "2026-02-02",
    )
    cli(
        "work",
        "log",
        "bolt",
        "--ticket",
        "B-1",
        "--hours",
        "1",
        "--rate",
        "100.00",
        "--kind",
        "rfc",
        "--at",
        "2026-02-02",
    )
    assert [a["kind"] for a in cli.json("alerts")] == ["fully-used", "invoiced-work"]
    assert [a["customer"] for a in cli.json("alerts", "--account-manager", "Bram")] == ["bolt"]
    assert [a["customer"] for a in cli.json("alerts", "--kind", "fully-used")] == ["acme"]
    assert cli.json("alerts", "--since", "2099-12-31") == []
    assert len(cli.json("alerts", "--since", "2026-01-01")) == 2


def test_webhook_and_notify_commands(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    smtp = SmtpServer().start()
    receiver = WebhookReceiver(fail_first=1).start()
    monkeypatch.setenv("LEDGER_SMTP_URL", smtp.url)
    monkeypatch.setenv("LEDGER_MAIL_FROM", "ledger@msp.example")
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    monkeypatch.setenv("LEDGER_NOTIFY_BACKOFF_S", "0")
    try:
        added = cli.json(
            "webhook", "add", receiver.url, "--secret-env", "HOOK_SECRET", "--kinds", "fully-used"
        )
        assert (added["kinds"], added["duplicate"]) == (["fully-used"], False)
        assert cli.json(
            "webhook", "add", receiver.url, "--secret-env", "HOOK_SECRET", "--kinds", "fully-used"
        )["duplicate"]
        assert [h["url"] for h in cli.json("webhook", "list")] == [receiver.url]
        work = ("work", "log", "acme", "--ticket", "T-1", "--hours", "10", "--rate", "100.00")
        assert cli(*work, "--kind", "rfc", "--at", "2026-02-02")[0] == 0
        first = cli.json("notify", "run")
        assert (first["delivered"], first["failed"]) == (1, 1)  # the mail went, the webhook said 500
        status = cli.json("notify", "status")
        assert status["counts"] == {"delivered": 1, "pending": 1}
        [waiting] = status["deliveries"]
        assert waiting["channel"] == "webhook"
        assert "HTTP 500" in waiting["last_error"]
        assert cli.json("notify", "retry", waiting["id"])["requeued"] == [waiting["id"]]
        assert cli.json("notify", "run")["delivered"] == 1
        assert cli.json("notify", "status")["counts"] == {"delivered": 2}
        code, out, _ = cli("notify", "status", "--all")
        assert code == 0
        assert "2 of 2 delivered" in out
        cli.json("webhook", "remove", receiver.url)
        assert [h["active"] for h in cli.json("webhook", "list")] == [False]
    finally:
        smtp.stop()
        receiver.stop()
    assert len(smtp.messages) == 1


@pytest.mark.parametrize("follow", [(), ("--follow",)])
def test_a_delivery_setting_out_of_range_is_refused_before_anything_is_sent(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, follow: tuple[str, ...]
) -> None:
    receiver = WebhookReceiver().start()
    try:
        monkeypatch.setenv("HOOK_SECRET", "s3cret")
        cli.json("webhook", "add", receiver.url, "--secret-env", "HOOK_SECRET")
        assert cli("work", "log", "bolt", "--ticket", "T-1", "--hours", "1", "--rate", "80.00",
                   "--kind", "rfc", "--at", "2026-02-02")[0] == 0  # fmt: skip
        before = cli.json("notify", "status", "--all")
        monkeypatch.setenv("LEDGER_NOTIFY_CLAIM_S", "0")
        code, out, err = cli("notify", "run", *follow)
        assert (code, out) == (2, "")
        assert err == "ledger: error: LEDGER_NOTIFY_CLAIM_S: 0.0 is outside 0.001 to 86400\n"
        assert receiver.requests == []
        assert cli.json("notify", "status", "--all") == before
    finally:
        receiver.stop()
