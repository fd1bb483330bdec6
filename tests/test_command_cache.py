"""The command path's own cache: lent aggregates, and the read condition that lets it skip a read.

``work log`` decides on what its thread already holds when it knows up to which log position that
is current, and its append carries that read set and position as a condition. These tests change
what a command only *reads* (a pack, a rate, a ticket) through a second ledger on the same store,
as another process would, and check that the next command never decides on the old state.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, cast
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from ledger import Ledger
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.eventstore import command_cache
from ledger.persistence.condition import ReadSetChangedError
from ledger.persistence.sqlite import StatementCachingPool
from tests.support import FakeClock

D = Decimal


@pytest.fixture
def pair(store_url: str, clock: FakeClock) -> Iterator[tuple[Ledger, Ledger]]:
    """Two ledgers on one store, as two processes would have: each with its own cache."""
    with (
        Ledger.open(store_url, actor="one", clock=clock) as one,
        Ledger.open(store_url, actor="two", clock=clock) as two,
    ):
        one.add_customer("acme", name="Acme", account_manager="Anna")
        one.buy_card("acme", amount="1000.00", reference="O-1", at="2026-01-01")
        one.set_rate("acme", rate="125.00", effective_from="2026-01-01")
        one.log_work(
            "acme", kind="rfc", ticket="T-1", hours="1", component="network", at="2026-02-26T10:00:00+01:00"
        )
        yield one, two


def test_a_pack_added_elsewhere_pays_for_the_next_command(pair: tuple[Ledger, Ledger]) -> None:
    one, two = pair
    two.add_pack("acme", pack="netwerk", components=["network"], effective_from="2026-01-01")
    work = one.log_work(
        "acme", kind="rfc", ticket="T-2", hours="1", component="network", at="2026-02-26T11:00:00+01:00"
    )
    assert (work.payer, work.debited) == ("beheerpack", D("0.00"))
    assert one.balance("acme").balance == D("875.00")


def test_a_rate_set_elsewhere_prices_the_next_command(pair: tuple[Ledger, Ledger]) -> None:
    one, two = pair
    two.set_rate("acme", rate="150.00", effective_from="2026-01-01")
    work = one.log_work("acme", kind="rfc", ticket="T-2", hours="2", at="2026-02-26T11:00:00+01:00")
    assert (work.rate, work.debited) == (D("150.00"), D("300.00"))


def test_a_ticket_recorded_elsewhere_is_a_repeat_here(pair: tuple[Ledger, Ledger]) -> None:
    one, two = pair
    first = two.log_work("acme", kind="rfc", ticket="T-9", hours="2", at="2026-02-26T11:00:00+01:00")
    again = one.log_work("acme", kind="rfc", ticket="T-9", hours="2", at="2026-02-26T11:00:00+01:00")
    assert (first.duplicate, again.duplicate) == (False, True)
    assert one.balance("acme").balance == D("625.00")  # 1000 - 125 - 250, the ticket debited once


def test_debits_from_both_sides_all_count(pair: tuple[Ledger, Ledger]) -> None:
    one, two = pair
    for number in range(2, 8):
        side = one if number % 2 else two
        side.log_work("acme", kind="rfc", ticket=f"T-{number}", hours="1", at="2026-02-26T11:00:00+01:00")
    assert one.balance("acme").balance == two.balance("acme").balance == D("125.00")


def test_a_command_that_fails_after_deciding_leaves_no_trace(
    pair: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card is lent to the command, not copied: a debit that was never saved must not stay."""
    one, _ = pair
    recorder: Any = one.app.recorder

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    with monkeypatch.context() as patched:
        patched.setattr(recorder, "insert_events", broken)
        with pytest.raises(RuntimeError):
            one.log_work("acme", kind="rfc", ticket="T-2", hours="4", at="2026-02-26T11:00:00+01:00")
    work = one.log_work("acme", kind="rfc", ticket="T-3", hours="1", at="2026-02-26T12:00:00+01:00")
    assert work.balance == D("750.00")
    assert one.balance("acme").balance == D("750.00")
    assert one.work_entry("acme", ticket="T-3").debited == D("125.00")


def test_the_append_refuses_when_the_read_set_changed_after_the_version(ledger: Ledger) -> None:
    """The recorder's own check, without the command path around it."""
    ledger.add_customer("acme", name="Acme", account_manager="Anna")
    recorder: Any = ledger.app.recorder
    card_id = Strippenkaart.create_id("acme")
    ledger.buy_card("acme", amount="10.00", reference="O-1", at="2026-01-01")
    card = ledger.app.card("acme")
    assert card is not None

    def event() -> StoredEvent:
        return StoredEvent(uuid4(), 1, "ledger.test:Nothing", b"{}")

    before = recorder.max_notification_id()
    with pytest.raises(ReadSetChangedError):
        recorder.insert_events([event()], read_condition=([card_id], [card.version - 1]))
    with pytest.raises(ReadSetChangedError):
        recorder.insert_events([event()], read_condition=([uuid4(), card_id], [0, 0]))
    assert recorder.max_notification_id() == before  # a refused append writes nothing
    assert recorder.insert_events([event()], read_condition=([uuid4()], [0]))
    assert recorder.insert_events([event()], read_condition=([card_id], [card.version]))


@pytest.mark.parametrize("count", [1, 2, 64, 65, 300])
def test_appends_of_any_size_get_ascending_ids(ledger: Ledger, count: int) -> None:
    """Small appends send a value per placeholder, big ones (an import's batch) a list each."""
    recorder: Any = ledger.app.recorder
    before = recorder.max_notification_id() or 0
    events = [StoredEvent(uuid4(), 1, "ledger.test:Nothing", b"{}") for _ in range(count)]
    read_ids = [uuid4() for _ in range(count)]
    ids = recorder.insert_events(events, read_condition=(read_ids, [0] * count))
    assert ids is not None
    assert list(ids) == sorted(ids)
    assert len(ids) == count
    assert ids[0] > before
    assert recorder.max_notification_id() == before + count


def test_sqlite_connections_keep_their_compiled_statements(tmp_path: Path) -> None:
    """eventsourcing asks sqlite3 for a cache of one statement (``cached_statements=True``), which
    compiled every statement of a command again each time; the ledger's connections keep 128."""
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}", actor="anna") as ledger:
        datastore = cast("Any", ledger.app.recorder).datastore
        assert isinstance(datastore.pool, StatementCachingPool)
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        with datastore.get_connection(commit=False) as connection:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"


def test_snapshots_are_taken_from_the_saved_card_and_restore_it(ledger: Ledger) -> None:
    """Every hundredth event of a card is snapshotted from the object just saved (not read back);
    a fresh ledger restores the same card from it, and snapshotting that version again by hand is
    not an error."""
    ledger.add_customer("acme", name="Acme", account_manager="Anna")
    ledger.buy_card("acme", amount="100000.00", reference="O-1", at="2026-01-01")
    for number in range(120):
        ledger.log_work(
            "acme", kind="rfc", ticket=f"T-{number}", hours="0.25", rate="100", at="2026-02-02T10:00:00+01:00"
        )
    card = ledger.app.card("acme")
    assert card is not None
    snapshots: Any = ledger.app.snapshots
    (latest,) = snapshots.get(card.id, desc=True, limit=1)
    assert latest.originator_version % 100 in (0, 1)  # at the interval, or the save that crossed it
    ledger.app.take_snapshot(card.id, version=latest.originator_version)
    ledger.app.take_snapshot(card.id)
    restored: Any = latest.mutate(None)
    assert restored.balance == ledger.balance("acme").balance + D("25.00") * (
        card.version - latest.originator_version
    )


def test_the_thread_cache_is_bounded_and_keeps_what_is_in_use(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Least recently used out first: a busy customer's card stays, old work entries go."""
    monkeypatch.setattr(command_cache, "THREAD_CACHE_MAXSIZE", 10)
    ledger.add_customer("acme", name="Acme", account_manager="Anna")
    ledger.buy_card("acme", amount="1000.00", reference="O-1", at="2026-01-01")
    for number in range(30):
        ledger.log_work(
            "acme", kind="rfc", ticket=f"T-{number}", hours="0.25", rate="100", at="2026-02-02T10:00:00+01:00"
        )
    held: Any = ledger.app.command_cache.local.held
    assert len(held.cache) == 10
    assert Strippenkaart.create_id("acme").int in held.cache
    assert ledger.balance("acme").balance == D("250.00")
