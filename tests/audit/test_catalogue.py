"""The event catalogue is generated from the code, covers every event, and docs/events.md is current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.aggregates.ids import natural_id
from ledger.aggregates.record import CustomerRecord, Record
from ledger.audit.catalogue import REGENERATE, aggregate_classes, catalogue, event_classes, render_markdown
from ledger.cli import main

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_docs_events_md_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_markdown(catalogue()), f"run `{REGENERATE}`"


def test_every_aggregate_module_is_discovered() -> None:
    names = {aggregate.__name__ for aggregate in aggregate_classes()}
    assert {"Customer", "Strippenkaart", "WorkEntry"} <= names


def test_every_event_is_documented_and_says_who_and_when() -> None:
    for entry in catalogue():
        fields = {field.name: field.type for field in entry.fields}
        assert entry.doc, f"{entry.name} has no docstring"
        assert fields.get("actor") == "str", entry.name
        assert fields.get("effective_at") == "datetime", entry.name


def test_every_aggregate_is_a_record_and_customer_records_are_keyed_by_the_customer() -> None:
    per_customer = []
    for aggregate in aggregate_classes():
        assert issubclass(aggregate, Record), aggregate.__name__
        for event_class in event_classes(aggregate):
            assert issubclass(event_class, Record.Event), event_class.__qualname__
        if issubclass(aggregate, CustomerRecord):
            per_customer.append(aggregate.__name__)
            assert aggregate.create_id("acme") == natural_id(aggregate.KIND, "acme")
    assert {"Strippenkaart", "ServicedeskContract", "BeheerpackPortfolio", "RateCard"} <= set(per_customer)


def test_events_of_a_record_keep_their_own_topics() -> None:
    """The base classes are not part of what is stored: an event's topic names its own aggregate."""
    topics = {entry.topic for entry in catalogue()}
    assert "ledger.aggregates.servicedesk_contract:ServicedeskContract.Opened" in topics
    assert "ledger.aggregates.beheerpacks:BeheerpackPortfolio.PackAdded" in topics
    assert not any("record:" in topic or "TimelineRecord" in topic for topic in topics)


def test_json_format_lists_fields_with_types(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "catalogue", "--format", "json"]) == 0
    entries = {entry["type"]: entry for entry in json.loads(capsys.readouterr().out)}
    debited = entries["Strippenkaart.Debited"]
    assert debited["topic"] == "ledger.aggregates.strippenkaart:Strippenkaart.Debited"
    assert {"name": "amount", "type": "Decimal"} in debited["fields"]
    assert "timestamp" not in {field["name"] for field in debited["fields"]}


def test_markdown_format_is_the_committed_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "catalogue"]) == 0
    assert capsys.readouterr().out == DOCS.read_text(encoding="utf-8")
