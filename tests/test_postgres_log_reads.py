"""The PostgreSQL recorder reads the log in binary as tuples: the same notifications as the library's
own ``select_notifications`` (read as text into dictionaries), for every form of the question."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder

from ledger import Ledger
from ledger.persistence.postgres import OneTripApplicationRecorder
from tests.support import FakeClock


@pytest.fixture
def busy(postgres_url: str) -> Iterator[Ledger]:
    """A PostgreSQL ledger with a few dozen events of several topics."""
    with Ledger.open(postgres_url, actor="tester", clock=FakeClock()) as ledger:
        for name in ("acme", "beta"):
            ledger.add_customer(name, name=name.title(), account_manager="Anna", at="2026-01-01")
            ledger.buy_card(name, amount="500.00", reference=f"O-{name}", at="2026-01-02")
            for number in range(6):
                ledger.log_work(name, ticket=f"T-{number}", hours="1.25", rate="125.00", kind="rfc")
            ledger.reverse_work(name, ticket="T-2", reason="wrong customer")
        yield ledger


def test_every_form_of_the_question_reads_what_the_library_reads(busy: Ledger) -> None:
    recorder = busy.app.recorder
    assert isinstance(recorder, OneTripApplicationRecorder)
    last = recorder.max_notification_id() or 0
    topics = sorted({n.topic for n in recorder.select_notifications(start=1, limit=1000)})
    questions: list[dict[str, Any]] = [
        {"start": 1, "limit": 1000},
        {"start": None, "limit": 7},
        {"start": 5, "limit": 10, "stop": last - 3},
        {"start": 5, "limit": 10, "inclusive_of_start": False},
        {"start": None, "limit": 1000, "stop": 9},
        {"start": 2, "limit": 1000, "topics": topics[:2]},
        {"start": 3, "limit": 4, "stop": last, "topics": topics[1:], "inclusive_of_start": False},
        {"start": last + 1, "limit": 10},
    ]
    for question in questions:
        ours = recorder.select_notifications(**question)
        theirs = PostgresApplicationRecorder.select_notifications(recorder, **question)
        assert ours == theirs, question
        assert all(type(n.state) is bytes for n in ours)  # as the library's: bytes, not memoryview
    assert len(recorder.select_notifications(start=1, limit=1000)) == last >= 30
