"""At rest: optional AES encryption and zlib compression of stored events, off by default."""

from __future__ import annotations

import base64
import os
from decimal import Decimal

import pytest

from ledger import Ledger, StoreError
from ledger.store import parse_store_url
from tests.audit.raw_log import raw_log
from tests.support import FakeClock

SECRET_NAME = b"Geheimzinnig B.V."


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def record_history(url: str, clock: FakeClock) -> None:
    with Ledger.open(url, actor="tester", clock=clock) as ledger:
        ledger.add_customer("acme", name=SECRET_NAME.decode(), account_manager="Anna de Vries")
        ledger.buy_card("acme", amount="1000.00", reference="O-1")
        clock.advance(minutes=5)
        ledger.log_work("acme", kind="rfc", ticket="T-1", hours="2", description="Geheim project")


def balance(url: str) -> Decimal:
    with Ledger.open(url) as ledger:
        return ledger.balance("acme").balance


def test_off_by_default_names_are_readable(store_url: str, clock: FakeClock) -> None:
    record_history(store_url, clock)
    assert any(SECRET_NAME in state for state in raw_log(store_url).states())


def test_encrypted_names_are_unreadable_and_the_right_key_reads_them(
    store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_CIPHER_KEY", new_key())
    record_history(store_url, clock)
    states = raw_log(store_url).states()
    assert states
    assert not any(SECRET_NAME in state or b"Anna" in state or b"acme" in state for state in states)
    assert balance(store_url) == Decimal("750.00")
    with Ledger.open(store_url) as ledger:
        assert ledger.verify().ok  # seals and invariants work on encrypted bytes too


def test_wrong_or_missing_key_fails_loudly(
    store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_CIPHER_KEY", new_key())
    record_history(store_url, clock)
    monkeypatch.setenv("LEDGER_CIPHER_KEY", new_key())
    with pytest.raises(StoreError, match="a stored event cannot be read; check LEDGER_CIPHER_KEY"):
        balance(store_url)
    monkeypatch.delenv("LEDGER_CIPHER_KEY")
    with pytest.raises(StoreError, match="check LEDGER_CIPHER_KEY"):
        balance(store_url)


def test_compressed_only_and_read_back_with_the_same_setting(
    store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_COMPRESS", "1")
    record_history(store_url, clock)
    assert all(state.startswith(b"x\x9c") for state in raw_log(store_url).states())  # zlib
    assert balance(store_url) == Decimal("750.00")
    monkeypatch.delenv("LEDGER_COMPRESS")
    with pytest.raises(StoreError, match="LEDGER_COMPRESS"):
        balance(store_url)


def test_bad_settings_are_refused_naming_the_variable() -> None:
    with pytest.raises(StoreError, match=r"^LEDGER_CIPHER_KEY: not base64 of 16, 24 or 32 bytes"):
        parse_store_url("memory://", {"LEDGER_CIPHER_KEY": "hunter2"})
    with pytest.raises(StoreError, match=r"^LEDGER_COMPRESS: 'maybe' is not 1 or 0"):
        parse_store_url("memory://", {"LEDGER_COMPRESS": "maybe"})


def test_a_stray_cipher_key_does_not_switch_encryption_on() -> None:
    env = parse_store_url("memory://", {"CIPHER_KEY": new_key()}).env
    assert (env["LEDGER_CIPHER_TOPIC"], env["LEDGER_CIPHER_KEY"]) == ("", "")
