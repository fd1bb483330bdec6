"""Schema evolution: a log written before ``WorkEntry.Recorded`` gained ``source`` still replays.

``fixtures/v1_events.jsonl`` holds stored records exactly as the code wrote them before the change
(topic and state bytes verbatim, generated on a fresh SQLite store before the class changed):
a customer, a €5,000.00 card, three work entries (€500.00, €312.50 reversed, €99.99).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from ledger import Ledger
from ledger.aggregates.work_entry import UNKNOWN_SOURCE, WorkEntry
from tests.support import FakeClock

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "v1_events.jsonl"


def load_v1_log(ledger: Ledger) -> None:
    records = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    assert all(b'"class_version"' not in r["state"].encode() for r in records)
    stored = [
        StoredEvent(
            originator_id=UUID(r["originator_id"]),
            originator_version=r["originator_version"],
            topic=r["topic"],
            state=r["state"].encode("utf-8"),
        )
        for r in records
    ]
    positions = ledger.app.recorder.insert_events(stored)
    assert list(positions or []) == [r["position"] for r in records]


@pytest.fixture
def old_log(ledger: Ledger) -> Ledger:
    load_v1_log(ledger)
    return ledger


def test_old_history_replays_with_the_new_field_defaulted(old_log: Ledger) -> None:
    balance = old_log.balance("acme")
    assert (balance.credited, balance.debited, balance.balance) == (
        Decimal("5000.00"),
        Decimal("599.99"),
        Decimal("4400.01"),
    )
    entry = old_log.app.get_or_none(WorkEntry.create_id("acme", "RFC-2"), WorkEntry)
    assert entry is not None
    assert (entry.source, entry.reversed, entry.amount) == (UNKNOWN_SOURCE, True, Decimal("312.50"))
    assert old_log.work_entry("acme", ticket="RFC-1").amount == Decimal("500.00")


def test_old_and_new_entries_side_by_side(old_log: Ledger, clock: FakeClock) -> None:
    old_log.log_work("acme", kind="rfc", ticket="RFC-4", hours="1", at="2026-01-12")
    sources = {
        row.data["ticket"]: row.data["source"]
        for row in old_log.export_events(customer="acme")
        if row.type == "WorkEntry.Recorded"
    }
    assert sources == {"RFC-1": "unknown", "RFC-2": "unknown", "RFC-3": "unknown", "RFC-4": "api"}
    assert old_log.balance("acme").balance == Decimal("4275.01")
    assert old_log.verify().ok


def test_a_version_1_snapshot_is_upcast_too(old_log: Ledger) -> None:
    """Snapshots carry the aggregate's state version: a v1 snapshot has no ``source`` attribute."""
    entry_id = WorkEntry.create_id("acme", "RFC-1")
    snapshots = old_log.app.snapshots
    assert snapshots is not None
    snapshot = WorkEntry.Snapshot.take(old_log.app.repository.get(entry_id))
    state = dict(snapshot.state)
    assert state.pop("class_version") == 3
    for added_later in ("source", "entry", "engineer", "reversal_note", "reversal_decided_at"):
        del state[added_later]
    v1 = type(snapshot)(  # as written before WorkEntry.class_version became 2
        originator_id=entry_id,
        originator_version=snapshot.originator_version,
        timestamp=snapshot.timestamp,
        topic=snapshot.topic,
        state=state,
    )
    snapshots.recorder.insert_events([snapshots.mapper.to_stored_event(v1)])
    loaded = old_log.app.get_or_none(entry_id, WorkEntry)
    assert loaded is not None
    assert (loaded.source, loaded.amount) == (UNKNOWN_SOURCE, Decimal("500.00"))
    assert (loaded.entry, loaded.engineer, loaded.reversal_note) == ("RFC-1", None, None)


def test_new_entries_say_where_they_came_from(old_log: Ledger, store_url: str) -> None:
    from ledger.cli import main

    assert (
        main(["--db", store_url, "work", "log", "acme", "--kind", "rfc", "--ticket", "RFC-5", "--hours", "1"])
        == 0
    )
    entry = old_log.app.get_or_none(WorkEntry.create_id("acme", "RFC-5"), WorkEntry)
    assert entry is not None
    assert entry.source == "cli"
