"""Helpers the tests share (importable, unlike conftest)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ledger import Ledger

START = datetime.fromisoformat("2026-03-02T09:00:00+01:00")


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
    return ledger.app.recorder.max_notification_id() or 0
