"""Helpers the tests share (importable, unlike conftest)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from ledger import Ledger

START = datetime.fromisoformat("2026-03-02T09:00:00+01:00")

LONG_RUN = os.environ.get("LEDGER_HYPOTHESIS_PROFILE") == "long"
"""``LEDGER_HYPOTHESIS_PROFILE=long``: property and stateful tests run many more examples."""


def examples(count: int) -> int:
    """How many hypothesis examples: the CI-sized count, or fifty times it on a long run."""
    return count * 50 if LONG_RUN else count


class FakeClock:
    """The ledger's clock, under the test's control."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def event_count(ledger: Ledger) -> int:
    """How many events the store holds: proof that a refused command wrote nothing."""
    # Counted, not the max id: PostgreSQL's sequence skips numbers a failed insert took.
    return len(ledger.app.recorder.select_notifications(start=1, limit=1_000_000))
