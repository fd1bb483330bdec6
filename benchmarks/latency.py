"""Read latency: the balance of one customer among 10,000, median and p99, through the library."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime
from decimal import Decimal

from ledger import Ledger
from ledger.aggregates.customer import Customer
from ledger.aggregates.strippenkaart import Strippenkaart

SAVE_BATCH = 500


def populate(url: str, customers: int) -> None:
    """Customers with a card each, saved many aggregates per transaction to build quickly."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    with Ledger.open(url, actor="bench") as ledger:
        batch: list[Customer | Strippenkaart] = []
        for number in range(customers):
            slug = f"customer-{number:05d}"
            customer = Customer(slug=slug, name=slug, account_manager="Anna", actor="bench", effective_at=at)
            card = Strippenkaart(customer=slug, currency="EUR", actor="bench", effective_at=at)
            card.credit("ORDER-1", "purchase", Decimal("1000.00"), "bench", at)
            batch += [customer, card]
            if len(batch) >= SAVE_BATCH:
                ledger.app.save(*batch)
                batch = []
        ledger.app.save(*batch)


def balance_latencies_ms(url: str, customers: int, reads: int) -> tuple[float, float]:
    """Median and p99 of ``Ledger.balance`` for random customers, in a fresh process-like ledger."""
    randomizer = random.Random(7)
    timings = []
    with Ledger.open(url, actor="bench") as ledger:
        ledger.balance("customer-00000")
        for _ in range(reads):
            slug = f"customer-{randomizer.randrange(customers):05d}"
            started = time.perf_counter()
            ledger.balance(slug)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]
