"""The ledger's transcoder reads every stored record exactly as the library's JSON transcoder does,
and writes exactly the bytes the library's would.

Old logs (``fixtures/v1_events.jsonl``, written before the transcoder changed), events and
snapshots written by the current code, and JSON only the ``json`` module accepts, each decoded by
both: the same objects, compared by ``repr`` so that a float is never taken for a Decimal. What
the current code writes is byte for byte what the library's encoder writes for the same object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Transcoding,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)

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
        state = record["state"].encode("utf-8")
        assert_same_reading(ours, library, state)
        assert ours.encode(library.decode(state)) == state  # written again: the very same bytes


def test_events_and_snapshots_written_now_read_as_before(ledger: Ledger) -> None:
    generate(ledger, 500)
    card_id = Strippenkaart.create_id("customer-0")
    ledger.app.take_snapshot(card_id)  # a card's snapshot carries its credit blocks
    ours, library = both(ledger)
    notifications = ledger.app.recorder.select_notifications(start=1, limit=10_000)
    assert len(notifications) > 500
    for notification in notifications:
        assert_same_reading(ours, library, notification.state)
        assert library.encode(library.decode(notification.state)) == notification.state
    assert ledger.app.snapshots is not None
    snapshots = ledger.app.snapshots.recorder.select_events(card_id)
    assert snapshots
    for snapshot in snapshots:
        assert b"ledger_credit_block" in snapshot.state
        assert_same_reading(ours, library, snapshot.state)
        assert library.encode(library.decode(snapshot.state)) == snapshot.state


class Colour(Enum):
    RED = "red"


class Size(StrEnum):
    SMALL = "s"


class Label(str):
    """A ``str`` subclass: ``json`` writes it as a string, never through the hook."""


@dataclass(frozen=True)
class Span:
    start: date
    amount: Decimal


class ColourAsName(Transcoding):
    type = Colour
    name = "colour"

    def encode(self, obj: Colour) -> str:
        return obj.name

    def decode(self, data: str) -> Colour:
        return Colour[data]


class SpanAsDict(Transcoding):
    """Its data holds typed values again, and a ``UUID`` orjson would write its own way."""

    type = Span
    name = "span"

    def encode(self, obj: Span) -> dict[str, Any]:
        return {"start": obj.start.isoformat(), "amount": obj.amount, "ref": UUID(int=obj.start.day)}

    def decode(self, data: dict[str, Any]) -> Span:
        return Span(date.fromisoformat(data["start"]), data["amount"])


EVERY_CHARACTER = "".join(chr(code) for code in range(0x300)) + '\u2028\u2029\ufeff\uffff\U0001f600"\\/'


@pytest.mark.parametrize(
    "value",
    [
        {"id": UUID(int=7), "items": [1, "two", None, True, 2.5]},
        {"text": EVERY_CHARACTER, EVERY_CHARACTER: [EVERY_CHARACTER]},
        {"amount": Decimal("1.50"), "at": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)},
        {"naive": datetime(2026, 1, 2), "flags": (True, False)},
        {"ints": [0, -1, 2**63 - 1, -(2**63), 2**64 - 1], "beyond": [2**64, -(2**63) - 1, 2**100]},
        {"floats": [0.1, 1e16, 1e-7, -0.0, 1.5e300]},
        {"colour": Colour.RED, "size": Size.SMALL, "label": Label("x")},
        {"span": Span(date(2026, 3, 4), Decimal(2))},
        {"nested": [{"deep": [{"amount": Decimal("-0.00")}]}], "empty": [{}, []]},
        {1: "int key"},
        [Decimal(1), "top-level list"],
        "just a string",
        None,
    ],
)
def test_writing_is_the_librarys(value: object) -> None:
    ours, library = LedgerTranscoder(), JSONTranscoder()
    for transcoder in (ours, library):
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), ColourAsName(), SpanAsDict()):
            transcoder.register(transcoding)
    try:
        expected = library.encode(value)
    except (TypeError, ValueError) as error:
        with pytest.raises(type(error)):
            ours.encode(value)
    else:
        assert ours.encode(value) == expected


@pytest.mark.parametrize("value", [{"when": date(2026, 1, 1)}, {"lone": "\ud800"}, {"x": object()}])
def test_what_the_library_cannot_write_is_refused_alike(value: object) -> None:
    ours, library = LedgerTranscoder(), JSONTranscoder()
    for transcoder in (ours, library):
        transcoder.register(DatetimeAsISO())
    with pytest.raises((TypeError, ValueError)) as theirs:
        library.encode(value)
    with pytest.raises(theirs.type):
        ours.encode(value)


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
