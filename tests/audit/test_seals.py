"""Seals: a hash chain over the stored bytes catches records altered, deleted, inserted or reordered."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledger import InvalidInputError, Ledger
from ledger.aggregates.log_seal import GENESIS_HEAD, LogSeal
from ledger.audit.seals import LOG_SEAL_ID
from ledger.cli import main
from tests.audit.raw_log import RawLog, raw_log
from tests.support import FakeClock, event_count

KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


@pytest.fixture
def history(ledger: Ledger, clock: FakeClock) -> Ledger:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-02")
    ledger.buy_card("acme", amount="1000.00", reference="O-1", at="2026-01-05")
    ledger.log_work("acme", kind="rfc", ticket="T-1", hours="2", at="2026-01-06T10:00+01:00")
    ledger.log_work("acme", kind="rfc", ticket="T-2", hours="1", at="2026-01-06T11:00+01:00")
    clock.advance(hours=1)
    ledger.reverse_work("acme", ticket="T-2", reason="duplicate of T-1")
    return ledger


@pytest.fixture
def raw(store_url: str) -> RawLog:
    return raw_log(store_url)


def test_clean_log_verifies_and_seal_covers_everything(history: Ledger) -> None:
    before = event_count(history)
    summary = history.seal()
    assert (summary.seals, summary.from_position, summary.to_position) == (1, 1, before)
    assert summary.records == before
    assert summary.signed is False
    report = history.verify()
    assert report.ok, report.problems
    assert (report.seals.seals, report.seals.records, report.seals.last_sealed_position) == (
        1,
        before,
        before,
    )
    assert report.seals.unsealed_records == 0  # the seal's own events come after it, by design
    assert report.warnings == []
    assert report.seals.first_unsealed_position is None
    seal_events = (history.app.recorder.max_notification_id() or 0) - before
    history.log_work("acme", kind="rfc", ticket="T-3", hours="1", at="2026-01-07")
    later = history.verify().seals
    assert later.unsealed_records == 2  # the entry and its debit, not the seal's own events
    assert later.first_unsealed_position == before + seal_events + 1
    assert report.invariants.cards == 1


def test_seals_are_incremental_and_continue_the_chain(history: Ledger) -> None:
    first = history.seal()
    assert history.seal().seals == 0  # only seal events are new: nothing is written
    history.log_work("acme", kind="rfc", ticket="T-3", hours="1", at="2026-01-07")
    second = history.seal()
    assert first.to_position is not None
    assert second.from_position == first.to_position + 1
    seal = history.app.get_or_none(LOG_SEAL_ID, LogSeal)
    assert seal is not None
    events = list(history.app.events.get(LOG_SEAL_ID))
    sealed = [e for e in events if isinstance(e, LogSeal.Sealed)]
    assert [s.previous_head for s in sealed] == [GENESIS_HEAD, first.chain_head]
    assert seal.head == second.chain_head
    assert history.verify().ok


Tamper = Callable[[RawLog], None]
TAMPERING: dict[str, tuple[Tamper, str]] = {
    "alter": (lambda raw: raw.alter(4), "differs from the sealed record (altered or inserted)"),
    "delete": (lambda raw: raw.delete(4), "the sealed record is missing"),
    "insert": (lambda raw: raw.insert(4, copy_of=3), "differs from the sealed record (altered or inserted)"),
    "reorder": (lambda raw: raw.swap(4, 5), "it is the record sealed at position 5"),
}


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_tampering_is_caught_at_its_position(history: Ledger, raw: RawLog, kind: str) -> None:
    history.seal()
    assert history.verify().ok
    tamper, expected = TAMPERING[kind]
    tamper(raw)
    report = history.verify()
    assert not report.ok
    assert report.first_mismatch_position == 4
    seal_findings = [f for f in report.problems if f.check == "seal"]
    assert seal_findings[0].position == 4
    assert expected in seal_findings[0].message
    assert any("no longer hash to the sealed head" in f.message for f in seal_findings)


def test_verify_rehashes_old_seals_too(history: Ledger, raw: RawLog) -> None:
    history.seal()
    history.log_work("acme", kind="rfc", ticket="T-3", hours="1", at="2026-01-07")
    history.seal()
    raw.alter(2)  # covered by the first seal only
    report = history.verify()
    assert report.first_mismatch_position == 2
    assert report.problems[0].message.startswith("position 2:")


def test_a_rewritten_seal_is_caught_by_the_next(history: Ledger, raw: RawLog) -> None:
    first = history.seal()
    history.log_work("acme", kind="rfc", ticket="T-3", hours="1", at="2026-01-07")
    history.seal()
    assert first.to_position is not None
    seal_position = first.to_position + 2  # after the records: the chain's opening, then the seal
    forged = "f" * 64
    raw.alter(seal_position, first.chain_head.encode(), forged.encode())
    report = history.verify()
    messages = [f.message for f in report.problems]
    assert any("does not continue the previous seal" in m for m in messages)
    assert report.first_mismatch_position == seal_position


def test_signed_seals_check_their_key(history: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_SEAL_KEY", KEY)
    assert history.seal().signed
    assert history.verify().ok
    wrong = history.verify(key="another key of sixteen bytes or more")
    assert [f.message for f in wrong.problems] == [
        "seal 1 (positions 1..9): the signature does not match (altered seal or another key)"
    ]
    monkeypatch.delenv("LEDGER_SEAL_KEY")
    unchecked = history.verify()
    assert unchecked.ok
    assert any("set LEDGER_SEAL_KEY to check it" in w.message for w in unchecked.warnings)


def test_a_short_key_is_refused(history: Ledger) -> None:
    with pytest.raises(InvalidInputError, match="LEDGER_SEAL_KEY"):
        history.seal(key="short")


def test_cli_verify_exits_3_on_a_difference(
    history: Ledger, raw: RawLog, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", store_url, "audit", "seal"]) == 0
    assert main(["--db", store_url, "audit", "verify"]) == 0
    raw.delete(3)
    capsys.readouterr()
    assert main(["--db", store_url, "audit", "verify", "--json"]) == 3
    assert '"first_mismatch_position": 3' in capsys.readouterr().out
