"""The ledger's transcoder reads every stored record exactly as the library's JSON transcoder does.

Old logs (``fixtures/v1_events.jsonl``, written before the transcoder changed), events and
snapshots written by the current code, and JSON only the ``json`` module accepts, each decoded by
both: the same objects, compared by ``repr`` so that a float is never taken for a Decimal.
"""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import DecimalAsStr, JSONTranscoder, TranscodingNotRegisteredError, UUIDAsHex

from benchmarks.rebuild import generate
from ledger import Ledger
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.persistence.transcoder import LedgerTranscoder

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "v1_events.jsonl"


def both(ledger: Ledger) -> tuple[LedgerTranscoder, JSONTranscoder]:
    ours = ledger.app.mapper.transcoder
    assert isinstance(ours, LedgerTranscoder)
    library = JSONTranscoder()
    for transcoding in ours.names.values():
        library.register(transcoding)
    return ours, library


def assert_same_reading(ours: JSONTranscoder, library: JSONTranscoder, state: bytes) -> None:
    assert repr(ours.decode(state)) == repr(library.decode(state))


def test_an_old_log_reads_as_before(ledger: Ledger) -> None:
    ours, library = both(ledger)
    records = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    assert records
    for record in records:
        assert_same_reading(ours, library, record["state"].encode("utf-8"))


def test_events_and_snapshots_written_now_read_as_before(ledger: Ledger) -> None:
    generate(ledger, 500)
    card_id = Strippenkaart.create_id("customer-0")
    ledger.app.take_snapshot(card_id)  # a card's snapshot carries its credit blocks
    ours, library = both(ledger)
    notifications = ledger.app.recorder.select_notifications(start=1, limit=10_000)
    assert len(notifications) > 500
    for notification in notifications:
        assert_same_reading(ours, library, notification.state)
    assert ledger.app.snapshots is not None
    snapshots = ledger.app.snapshots.recorder.select_events(card_id)
    assert snapshots
    for snapshot in snapshots:
        assert b"ledger_credit_block" in snapshot.state
        assert_same_reading(ours, library, snapshot.state)


def test_writing_is_the_librarys() -> None:
    ours, library = LedgerTranscoder(), JSONTranscoder()
    for transcoder in (ours, library):
        transcoder.register(UUIDAsHex())
    value = {"id": UUID(int=7), "items": [1, "two", None, True, 2.5]}
    assert ours.encode(value) == library.encode(value)


@pytest.mark.parametrize(
    "state",
    [
        b'{"a": NaN, "b": Infinity}',
        b'{"big": 123456789012345678901234567890}',
        b"[-9223372036854775809, 18446744073709551615, 18446744073709551616]",
        b'{"x": [1.5, {"y": 1e400}]}',
        b"2.5",
        b'{"lone": "\\ud800"}',
        b'[{"_type_": "decimal_str", "_data_": "1.50"}, [{"_type_": "uuid_hex", "_data_": "'
        + b"0" * 32
        + b'"}]]',
        b'{"_type_": "decimal_str", "_data_": "2.5", "extra": 1}',
        b'"just a string"',
    ],
)
def test_what_only_the_json_module_reads_reads_the_same(state: bytes) -> None:
    ours, library = LedgerTranscoder(), JSONTranscoder()
    for transcoder in (ours, library):
        transcoder.register(UUIDAsHex())
        transcoder.register(DecimalAsStr())
    assert_same_reading(ours, library, state)


@pytest.mark.parametrize(
    ("state", "error"),
    [
        (b'{"x": {"_type_": "no_such_type", "_data_": 1}}', TranscodingNotRegisteredError),
        (b'{"x": 1', ValueError),
        (b'{"x": "\xff"}', ValueError),
    ],
)
def test_what_the_library_refuses_is_refused_alike(state: bytes, error: type[Exception]) -> None:
    for transcoder in (LedgerTranscoder(), JSONTranscoder()):
        with pytest.raises(error):
            transcoder.decode(state)
