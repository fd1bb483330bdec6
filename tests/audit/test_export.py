"""``audit export``: every event, streamed, with its place, times, actor, type and data."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger, UnknownCustomerError
from ledger.audit import log
from ledger.cli import main
from tests.support import FakeClock, event_count


@pytest.fixture
def history(ledger: Ledger, clock: FakeClock) -> Ledger:
    """Two customers; acme's card pays one entry that is then reversed, a day later."""
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-02")
    ledger.add_customer("globex", name="Globex", account_manager="Bram", at="2026-01-02")
    ledger.buy_card("acme", amount="5000.00", reference="O-1", at="2026-01-05")
    ledger.buy_card("globex", amount="300.00", reference="G-1", at="2026-01-05")
    ledger.log_work("acme", kind="rfc", ticket="RFC-1", hours="4", rate="125.00", at="2026-01-06T10:00+01:00")
    ledger.log_work("globex", kind="rfc", ticket="G-7", hours="1", at="2026-01-06T11:00+01:00")
    clock.advance(days=1)
    ledger.reverse_work("acme", ticket="RFC-1", reason="wrong customer", at="2026-01-07T09:00+01:00")
    return ledger


def test_every_event_once_in_log_order_with_its_times_actor_and_data(history: Ledger) -> None:
    rows = list(history.export_events())
    assert [row.position for row in rows] == sorted({row.position for row in rows})
    assert len(rows) == event_count(history)
    debit = next(row for row in rows if row.type == "Strippenkaart.Debited")
    exported = debit.to_json()
    assert exported["aggregate_type"] == "Strippenkaart"
    assert exported["customer"] == "acme"
    assert exported["actor"] == "tester"
    assert exported["effective_at"] == "2026-01-06T10:00:00+01:00"
    assert exported["data"]["amount"] == "500.00"
    assert exported["data"]["allocations"] == [
        {"reference": "O-1", "amount": "500.00", "booked_at": "2026-01-06T10:00:00+01:00"}
    ]
    assert (exported["data"]["entry"], exported["data"]["work_at"]) == ("RFC-1", "2026-01-06T10:00:00+01:00")
    assert "actor" not in exported["data"]
    assert "effective_at" not in exported["data"]
    # Recorded time is when the ledger wrote it (now), not the backdated effective time.
    assert debit.effective_at is not None
    assert debit.recorded_at > debit.effective_at
    card_versions = [row.version for row in rows if row.aggregate_id == debit.aggregate_id]
    assert card_versions == list(range(1, len(card_versions) + 1))


def test_customer_filter_includes_events_that_do_not_name_the_customer(history: Ledger) -> None:
    types = [row.type for row in history.export_events(customer="acme")]
    assert types == [
        "Customer.Registered",
        "Strippenkaart.Opened",
        "Strippenkaart.Credited",
        "WorkEntry.Recorded",
        "Strippenkaart.Debited",
        "WorkEntry.Reversed",
        "Strippenkaart.DebitReversed",
    ]
    assert {row.customer for row in history.export_events(customer="globex")} == {"globex"}


def test_customer_attribution_survives_a_forgetful_cache(
    history: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for one aggregate only, later events are attributed by reading the store again."""
    monkeypatch.setattr(log, "CUSTOMER_CACHE_MAX", 1)
    owners = {(row.type, row.customer) for row in history.export_events()}
    assert ("Strippenkaart.DebitReversed", "acme") in owners
    assert ("Strippenkaart.Debited", "globex") in owners
    assert all(customer is not None for _, customer in owners)


def test_unknown_customer_is_refused(history: Ledger) -> None:
    with pytest.raises(UnknownCustomerError):
        list(history.export_events(customer="initech"))


def test_from_is_inclusive_to_is_exclusive_on_effective_time(history: Ledger) -> None:
    window = list(history.export_events(effective_from="2026-01-06", effective_to="2026-01-07T09:00+01:00"))
    # The reversal decided on 7 Jan takes effect at the entry's own time, 6 Jan: in the window.
    assert {row.type for row in window} == {
        "WorkEntry.Recorded",
        "Strippenkaart.Debited",
        "WorkEntry.Reversed",
        "Strippenkaart.DebitReversed",
    }
    # A bare date is 00:00 Amsterdam: the purchases at 2026-01-05 00:00 are in, nothing before.
    day = list(history.export_events(effective_from="2026-01-05", effective_to="2026-01-06"))
    assert [row.type for row in day] == ["Strippenkaart.Opened", "Strippenkaart.Credited"] * 2


def test_streams_in_batches(history: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(log, "BATCH_EVENTS_MAX", 3)
    stored = event_count(history)
    limits: list[int] = []
    recorder = history.app.recorder
    original = recorder.select_notifications

    def spy(*args: Any, **kwargs: Any) -> Any:
        limits.append(kwargs["limit"] if "limit" in kwargs else args[1])
        return original(*args, **kwargs)

    monkeypatch.setattr(recorder, "select_notifications", spy)
    rows = history.export_events()
    assert limits == []  # nothing read until the caller asks for rows
    positions = [row.position for row in rows]
    assert len(positions) == stored == len(set(positions))
    assert set(limits) == {3}
    assert len(limits) == stored // 3 + 1


def test_cli_writes_jsonl_and_csv_files(history: Ledger, store_url: str, tmp_path: Path) -> None:
    jsonl, table = tmp_path / "log.jsonl", tmp_path / "log.csv"
    assert main(["--db", store_url, "audit", "export", "--output", str(jsonl)]) == 0
    assert main(["--db", store_url, "audit", "export", "--format", "csv", "--output", str(table)]) == 0
    lines = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    with table.open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert len(lines) == len(records) == event_count(history)
    for line, record in zip(lines, records, strict=True):
        assert record["position"] == str(line["position"])
        assert record["type"] == line["type"]
        assert json.loads(record["data"]) == line["data"]


def test_cli_bad_date_is_one_line_exit_2(
    history: Ledger, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", store_url, "audit", "export", "--from", "2026-13-01"]) == 2
    assert capsys.readouterr().err.startswith("ledger: error: from:")
