"""Issue 18's scenarios, each tried as an insider with database access would, on SQLite and PostgreSQL.

Each test tampers with the store behind the ledger's back and demands that ``audit verify`` says
so, with the outcome (exit code) that belongs to what was done.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest

from ledger import InvalidInputError, Ledger
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.audit.seals import LOG_SEAL_ID
from ledger.cli import main
from ledger.cli.audit import EXIT_DIFFERENCES, EXIT_HEAD_MISMATCH, EXIT_UNSEALED
from tests.audit.raw_log import RawLog, raw_log
from tests.support import FakeClock, event_count


@pytest.fixture
def history(ledger: Ledger, clock: FakeClock) -> Ledger:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-02")
    ledger.buy_card("acme", amount="1000.00", reference="O-1", at="2026-01-05")
    ledger.log_work("acme", kind="rfc", ticket="T-1", hours="2", at="2026-01-06T10:00+01:00")
    return ledger


@pytest.fixture
def raw(store_url: str) -> RawLog:
    return raw_log(store_url)


def verify(store_url: str, *argv: str) -> int:
    return main(["--db", store_url, "audit", "verify", *argv])


def positions_of(ledger: Ledger, aggregate_id: Any) -> list[int]:
    return [
        n.id
        for n in ledger.app.recorder.select_notifications(start=1, limit=10_000)
        if str(n.originator_id).replace("-", "") == str(aggregate_id).replace("-", "")
    ]


def test_deleting_the_newest_seal_with_its_events_is_caught_by_the_head(
    history: Ledger, raw: RawLog, store_url: str, tmp_path: Path
) -> None:
    witness = tmp_path / "elsewhere" / "heads.txt"
    witness.parent.mkdir()
    history.seal(witness=witness)
    first_end = history.log_position()
    history.log_work("acme", kind="rfc", ticket="T-2", hours="1", at="2026-01-07")
    newest = history.seal(witness=witness)
    assert newest.head == f"{newest.to_position}:{newest.chain_head}"
    # The insider removes the new work, its debit and the seal that covered them.
    seal_positions = positions_of(history, LOG_SEAL_ID)
    for position in range(first_end + 1, history.log_position() + 1):
        if position not in seal_positions[:2]:  # keep the chain's opening and the first seal
            raw.delete(position)
    assert verify(store_url) == 0  # what the store alone says: nothing wrong
    assert verify(store_url, "--expect-head", newest.head) == EXIT_HEAD_MISMATCH
    assert verify(store_url, "--witness", str(witness)) == EXIT_HEAD_MISMATCH
    head_file = tmp_path / "heads"
    head_file.write_text(f"# kept by the auditor\n{newest.head}\n")
    report = history.verify(head_files=[head_file])
    assert report.status == "head-mismatch"
    assert "the chain ends at position" in report.problems[0].message


def test_deleting_only_the_newest_seal_then_editing_is_unsealed_not_ok(
    history: Ledger, raw: RawLog, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    witness = tmp_path / "heads.txt"
    history.seal(witness=witness)
    history.log_work("acme", kind="rfc", ticket="T-2", hours="1", at="2026-01-07")
    covered = history.log_position()
    history.seal(witness=witness)
    raw.delete(positions_of(history, LOG_SEAL_ID)[-1])  # the newest seal event only
    raw.alter(covered)  # who did it: "tester" becomes "mallory"
    capsys.readouterr()
    assert verify(store_url, "--json") == EXIT_UNSEALED
    data = json.loads(capsys.readouterr().out)
    assert (data["ok"], data["status"], data["problem_count"]) == (False, "unsealed", 0)
    assert data["unsealed"][0]["check"] == "unsealed"
    assert verify(store_url, "--witness", str(witness)) == EXIT_HEAD_MISMATCH


def test_an_unsealed_ledger_exits_4_and_a_sealed_one_0(history: Ledger, store_url: str) -> None:
    assert verify(store_url) == EXIT_UNSEALED
    assert main(["--db", store_url, "audit", "seal"]) == 0
    assert verify(store_url) == 0


def test_an_edited_snapshot_is_a_finding(
    ledger: Ledger, clock: FakeClock, raw: RawLog, store_url: str
) -> None:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-02")
    ledger.buy_card("acme", amount="3750.00", reference="O-1", at="2026-01-05", expires_at="2026-06-30")
    card_id = Strippenkaart.create_id("acme")
    ledger.app.take_snapshot(card_id)
    ledger.seal()
    assert ledger.verify().ok
    version: int = ledger.app.repository.get(card_id).version
    state = json.loads(raw.snapshot_state(version))

    def null_expiry(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (None if k == "expires_at" else null_expiry(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [null_expiry(item) for item in node]
        return node

    raw.set_snapshot_state(version, json.dumps(null_expiry(state)).encode())
    # Normal loading trusts the snapshot: after expiry and grace, nothing is written off.
    clock.now = clock.now.replace(year=2026, month=8, day=1)
    with Ledger.open(store_url, clock=clock) as fresh:
        assert fresh.tick().items == ()
        report = fresh.verify()
    assert report.status == "differences"
    messages = [f.message for f in report.problems if f.check == "snapshot"]
    assert any("differs from a replay of its events in blocks" in m for m in messages), messages
    assert verify(store_url) == EXIT_DIFFERENCES


@pytest.mark.parametrize(
    "topic", ["os:system", "ledger.aggregates.customer:Customer.Registered", "ledger.gone:Nothing"]
)
def test_a_rewritten_topic_is_a_finding_and_balance_refuses_clearly(
    history: Ledger,
    raw: RawLog,
    store_url: str,
    topic: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    history.seal()
    debit = positions_of(history, Strippenkaart.create_id("acme"))[-1]
    raw.set_topic(debit, topic)
    capsys.readouterr()
    assert verify(store_url, "--json") == EXIT_DIFFERENCES
    data = json.loads(capsys.readouterr().out)
    assert {"seal", "invariant"} <= {p["check"] for p in data["problems"]}
    assert debit in {p["position"] for p in data["problems"] if p["check"] == "invariant"}
    assert main(["--db", store_url, "balance", "acme"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("ledger: error: store:"), error
    assert len(error.splitlines()) == 1


def test_undecodable_state_is_a_finding_with_its_position(
    history: Ledger, raw: RawLog, store_url: str
) -> None:
    history.seal()
    raw.set_state(3, b"\x00not json")
    report = history.verify()
    assert report.status == "differences"
    assert any(f.position == 3 and "cannot be read" in f.message for f in report.problems)


def test_an_expiry_write_off_verifies_clean(ledger: Ledger, clock: FakeClock, store_url: str) -> None:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-02")
    ledger.buy_card("acme", amount="3750.00", reference="O-1", at="2026-01-05", expires_at="2026-03-01")
    ledger.log_work("acme", kind="rfc", ticket="T-1", hours="2", at="2026-01-06T10:00+01:00")
    clock.now = clock.now.replace(year=2026, month=4, day=1)
    written_off = ledger.tick()
    assert written_off.items
    assert ledger.balance("acme").balance == 0
    ledger.seal()
    report = ledger.verify()
    assert report.ok, [f.message for f in report.problems]
    assert verify(store_url) == 0


def test_cli_seal_prints_the_head_and_appends_it_to_the_witness(
    history: Ledger, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    witness = tmp_path / "witness"
    capsys.readouterr()
    assert main(["--db", store_url, "audit", "seal", "--json", "--witness", str(witness)]) == 0
    head = json.loads(capsys.readouterr().out)["head"]
    position, _, chain = head.partition(":")
    assert int(position) == history.log_position() - 2  # the seal's own two events come after it
    assert len(chain) == 64
    assert witness.read_text().split()[0] == head
    assert main(["--db", store_url, "audit", "seal", "--witness", str(witness)]) == 0
    assert head in capsys.readouterr().out  # nothing new: the same head again
    assert len(witness.read_text().splitlines()) == 1  # and not appended twice
    assert verify(store_url, "--expect-head", head, "--witness", str(witness)) == 0
    assert verify(store_url, "--expect-head", "12:zz") == 2  # not a head: refused
    assert verify(store_url, "--witness", str(tmp_path / "gone")) == 2  # a missing witness is refused


@pytest.mark.parametrize("where", ["missing-folder/witness", "x" * 5000])
def test_a_seal_with_an_unusable_witness_is_refused_before_anything_is_sealed(
    history: Ledger, tmp_path: Path, where: str
) -> None:
    before = event_count(history)
    with pytest.raises(InvalidInputError) as refused:
        history.seal(witness=tmp_path / where)
    assert refused.value.field == "witness"
    assert event_count(history) == before


def test_an_unreadable_event_stops_the_rebuild_not_the_invariant_replay(
    history: Ledger, clock: FakeClock, raw: RawLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The views' rebuild and the invariant replay share one pass over the log, read a section at
    a time: when the rebuild stops at a record it cannot decode, it says so, and the replay goes on
    to the end of the log (here sections of two events, so that the rest is several sections)."""
    from ledger.projections import runtime

    monkeypatch.setattr(runtime, "SECTION_EVENTS_MAX", 2)
    monkeypatch.setattr(runtime, "POSTGRES_SECTION_EVENTS_MAX", 2)
    for number in range(2, 6):
        history.log_work("acme", kind="rfc", ticket=f"T-{number}", hours="1", at="2026-01-07T10:00+01:00")
    card_id = Strippenkaart.create_id("acme")
    card: Strippenkaart = history.app.repository.get(card_id)
    forged = cast("Any", Strippenkaart.DebitReversed)(
        originator_id=card_id,
        originator_version=card.version + 1,
        timestamp=clock.now,
        actor="mallory",
        effective_at=clock.now,
        ticket="NEVER",
        entry="NEVER",
        decided_at=clock.now,
        note=None,
        amount=Decimal("1.00"),
        allocations=[{"reference": "O-1", "amount": Decimal("1.00")}],
        reason="forged",
        balance_after=card.balance + Decimal("1.00"),
    )
    (position,) = history.app.recorder.insert_events([history.app.mapper.to_stored_event(forged)]) or [0]
    raw.set_state(1, b"\x00not json")
    report = history.verify()
    messages = [(f.check, f.position, f.message) for f in report.problems]
    assert ("invariant", 1, messages[0][2]) == messages[0]
    assert "cannot be read" in messages[0][2]
    never = "card of 'acme': reversal of ticket 'NEVER' names no recorded debit"
    assert ("invariant", position, never) in messages
    assert report.invariants.events == history.app.recorder.max_notification_id()
    assert any(
        f.check == "verifier" and "comparing compare_views could not finish" in f.message
        for f in report.problems
    )
