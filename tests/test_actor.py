"""Every event names who did it; a deployment can refuse writes that do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger import InvalidInputError, Ledger
from ledger.cli import main
from ledger.config import LedgerSettings, SecuritySettings
from tests.support import event_count

STRICT = LedgerSettings(security=SecuritySettings(require_actor=True))


def test_library_without_actor_is_refused_when_required(store_url: str) -> None:
    with Ledger.open(store_url, settings=STRICT) as ledger:
        with pytest.raises(InvalidInputError) as raised:
            ledger.add_customer("acme", name="Acme", account_manager="Anna")
        assert raised.value.field == "actor"
        assert event_count(ledger) == 0
        ledger.add_customer("acme", name="Acme", account_manager="Anna", actor="jan")
        assert event_count(ledger) == 1


def test_blank_actor_is_refused_everywhere(store_url: str) -> None:
    with Ledger.open(store_url) as ledger, pytest.raises(InvalidInputError) as raised:
        ledger.add_customer("acme", name="Acme", account_manager="Anna", actor="  ")
    assert raised.value.field == "actor"


def test_cli_requires_actor_when_configured(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "ledger.toml"
    config.write_text("[security]\nrequire_actor = true\n", encoding="utf-8")
    monkeypatch.setenv("LEDGER_CONFIG", str(config))
    monkeypatch.delenv("LEDGER_ACTOR", raising=False)
    argv = ["--db", sqlite_url, "customer", "add", "acme", "--name", "A", "--account-manager", "B"]
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("ledger: error: actor:")
    assert main([*argv, "--actor", "jan"]) == 0
    monkeypatch.setenv("LEDGER_ACTOR", "piet")
    assert main(["--db", sqlite_url, "customer", "add", "beta", "--name", "B", "--account-manager", "C"]) == 0


def test_default_actor_is_the_login_name_or_ledger_actor(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LEDGER_CONFIG", raising=False)
    monkeypatch.setenv("LEDGER_ACTOR", "billing-bot")
    assert main(["--db", sqlite_url, "customer", "add", "acme", "--name", "A", "--account-manager", "B"]) == 0
    with Ledger.open(sqlite_url) as ledger:
        (event,) = [ledger.app.mapper.to_domain_event(n) for n in ledger.app.notification_log.select(1, 10)]
        assert event.actor == "billing-bot"  # type: ignore[attr-defined]


def test_bad_config_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "ledger.toml"
    config.write_text("[security]\nrequire_actor = 'perhaps'\n", encoding="utf-8")
    monkeypatch.setenv("LEDGER_CONFIG", str(config))
    assert main(["--db", "memory://", "balance", "acme"]) == 2
    assert "config security.require_actor" in capsys.readouterr().err
