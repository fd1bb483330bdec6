"""``balance --as-of/--as-known-at``: what was in effect at a moment, as the ledger knew it then.

About the two clocks: the ledger's clock (a FakeClock here) only supplies the default *effective*
time. The *recorded* time is the library's ``timestamp``, stamped from the real wall clock when the
event is made, and nothing a caller passes can change it — that is what makes "as known at"
trustworthy. So the test reads the real clock between commands to get a moment that lies after
everything recorded before the correction and before everything recorded by it.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ledger import InvalidInputError, Ledger
from ledger.audit.bitemporal import HistoricBalance
from ledger.cli import main


def known_now() -> datetime:
    """A real-clock moment strictly between what was recorded before and what will be after."""
    time.sleep(0.002)
    moment = datetime.now(UTC)
    time.sleep(0.002)
    return moment


@pytest.fixture
def acme(ledger: Ledger) -> Ledger:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-02")
    ledger.buy_card("acme", amount="1000.00", reference="O-1", at="2026-01-05")
    ledger.log_work("acme", kind="rfc", ticket="T-1", hours="2", at="2026-01-06T10:00+01:00")  # €250.00
    return ledger


def figures(balance: object) -> tuple[Decimal, Decimal, Decimal]:
    assert isinstance(balance, HistoricBalance)
    return balance.credited, balance.debited, balance.balance


def test_backdated_correction_changes_as_of_but_not_as_known_before(acme: Ledger) -> None:
    before_correction = known_now()
    # Recorded now, effective in January: a late work entry and a reversal of T-1.
    acme.log_work("acme", kind="rfc", ticket="T-2", hours="1", at="2026-01-07T09:00+01:00")  # €125.00
    acme.reverse_work("acme", ticket="T-1", reason="billed to the wrong card", at="2026-01-10")

    # As of February: now T-2 counts and T-1 is given back ...
    assert figures(acme.balance("acme", as_of="2026-02-01")) == (
        Decimal("1000.00"),
        Decimal("125.00"),
        Decimal("875.00"),
    )
    # ... but as the ledger knew it before the correction, only T-1 had been debited.
    assert figures(acme.balance("acme", as_of="2026-02-01", as_known_at=before_correction)) == (
        Decimal("1000.00"),
        Decimal("250.00"),
        Decimal("750.00"),
    )
    # The reversal undoes T-1 where it stood (6 Jan), whenever it was decided: as of 8 Jan only
    # the late T-2 is in effect (one money timeline: a correction never leaves a window of both).
    assert figures(acme.balance("acme", as_of="2026-01-08")) == (
        Decimal("1000.00"),
        Decimal("125.00"),
        Decimal("875.00"),
    )
    assert figures(acme.balance("acme", as_of="2026-01-08", as_known_at=before_correction))[2] == Decimal(
        "750.00"
    )


def test_as_of_is_inclusive_and_before_the_card_there_is_nothing(acme: Ledger) -> None:
    assert figures(acme.balance("acme", as_of="2026-01-05"))[0] == Decimal("1000.00")  # 00:00 Amsterdam
    assert figures(acme.balance("acme", as_of="2026-01-04T23:59:59+01:00")) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_as_known_before_anything_was_recorded_is_empty(acme: Ledger) -> None:
    past = datetime(2020, 1, 1, tzinfo=UTC)
    assert figures(acme.balance("acme", as_of="2026-02-01", as_known_at=past))[2] == Decimal("0.00")


def test_without_flags_balance_is_unchanged(acme: Ledger) -> None:
    plain = acme.balance("acme")
    assert not isinstance(plain, HistoricBalance)
    assert plain.to_json() == {
        "customer": "acme",
        "currency": "EUR",
        "credited": "1000.00",
        "debited": "250.00",
        "balance": "750.00",
        "expired": "0.00",
    }
    # as of now, as known now: the same figures as today's balance.
    assert figures(acme.balance("acme", as_of=datetime.now(UTC)))[2] == plain.balance


def test_times_must_carry_a_zone(acme: Ledger) -> None:
    with pytest.raises(InvalidInputError, match=r"^as_known_at: .* has no timezone"):
        acme.balance("acme", as_of="2026-02-01", as_known_at="2026-02-01T10:00")


def test_cli_json(acme: Ledger, store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = known_now()
    acme.reverse_work("acme", ticket="T-1", reason="wrong card", at="2026-01-10")
    argv = ["--db", store_url, "balance", "acme", "--as-of", "2026-02-01", "--json"]
    assert main(argv) == 0
    now = json.loads(capsys.readouterr().out)
    assert main([*argv, "--as-known-at", before.isoformat()]) == 0
    then = json.loads(capsys.readouterr().out)
    assert (now["balance"], then["balance"]) == ("1000.00", "750.00")
    assert now["as_of"] == "2026-02-01T00:00:00+01:00"
    assert (now["as_known_at"], then["as_known_at"]) == (None, before.isoformat())
