"""Long histories: loading a card with 100,000 work entries vs one with 100 (snapshots make it flat)."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ledger import Ledger
from ledger.aggregates.strippenkaart import Strippenkaart

SAVE_BATCH = 2000


def build_card(url: str, customer: str, entries: int) -> None:
    """A card with ``entries`` debits, written in batches (the events a year of work would leave)."""
    with Ledger.open(url, actor="bench") as ledger:
        ledger.add_customer(customer, name=customer, account_manager="Anna")
        app = ledger.app
        at = datetime(2020, 1, 1, tzinfo=UTC)
        card = Strippenkaart(customer=customer, currency="EUR", actor="bench", effective_at=at)
        card.credit("ORDER-1", "purchase", Decimal("10000000.00"), "bench", at)
        for number in range(entries):
            at += timedelta(minutes=5)
            card.pay(f"T-{number}", Decimal("31.25"), "bench", at)
            if len(card.pending_events) >= SAVE_BATCH:
                app.save(card)
        app.save(card)
        app.take_snapshot(card.id)


def load_seconds(url: str, customer: str, repeats: int) -> float:
    """Median time to load the card in a fresh ledger (no cache): snapshot plus the events after it."""
    timings = []
    for _ in range(repeats):
        with Ledger.open(url, actor="bench") as ledger:
            ledger.app.recorder.max_notification_id()  # connect first: time the load, not the login
            started = time.perf_counter()
            card = ledger.app.card(customer)
            timings.append(time.perf_counter() - started)
            assert card is not None
    return statistics.median(timings)
