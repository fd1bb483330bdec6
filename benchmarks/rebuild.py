"""How fast do the views rebuild? Generates N events, then times ``rebuild`` of each view.

    .venv/bin/python -m benchmarks.rebuild --store sqlite --events 20000
    .venv/bin/python -m benchmarks.rebuild --store postgres --events 20000

Events are made by the aggregates themselves (customers, cards, credits, work entries that the card
pays, one in ten reversed) and saved in batches, which is quicker than one command per entry and
gives the same events. All views are rebuilt together from one pass over the log (on PostgreSQL a
big log by several processes, each a group of views: ``--workers 1`` keeps one); a view's seconds
are its own transactions plus an equal share of its group's reading and decoding. The last lines
give the whole log per second of wall time and its ratio to a raw read of the same rows measured in
the same run (row 4's ratio).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg

from ledger import Ledger
from ledger.aggregates.customer import Customer
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.aggregates.work_entry import WorkEntry
from ledger.domain.money import cost

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
CUSTOMERS = 20
SAVE_BATCH_ENTRIES = 250
START = datetime.fromisoformat("2026-01-05T09:00:00+01:00")


def generate(ledger: Ledger, events: int) -> None:
    """About ``events`` events: per customer a card, then work paid from it, every tenth reversed."""
    app = ledger.app
    entries_per_customer = max(1, events // (CUSTOMERS * 2))
    for number in range(CUSTOMERS):
        slug = f"customer-{number}"
        customer = Customer(
            slug=slug, name=slug.title(), account_manager="Anna", actor="bench", effective_at=START
        )
        card = Strippenkaart(customer=slug, currency="EUR", actor="bench", effective_at=START)
        card.credit("O-1", "purchase", Decimal("10000000.00"), "bench", START)
        app.save(customer, card)
        pending: list[WorkEntry] = []
        for index in range(entries_per_customer):
            at = START + timedelta(hours=index)
            pending.append(_work(card, slug, index, at))
            if len(pending) == SAVE_BATCH_ENTRIES:
                app.save(*pending, card)
                pending = []
        if pending:
            app.save(*pending, card)


def _work(card: Strippenkaart, slug: str, index: int, at: datetime) -> WorkEntry:
    hours, rate = Decimal("1.25"), Decimal("125.00")
    amount = cost(hours, rate)
    ticket = f"T-{index}"
    allocations = card.pay(ticket, amount, "bench", at)
    entry = WorkEntry(
        customer=slug,
        ticket=ticket,
        entry=ticket,
        engineer=None,
        description="benchmark work",
        kind="rfc",
        component=None,
        hours=hours,
        billed_hours=hours,
        rounding="none",
        rate=rate,
        rate_source="benchmark",
        amount=amount,
        currency="EUR",
        payer="strippenkaart",
        payer_reason="benchmark",
        card_paid=amount,
        invoiceable=Decimal("0.00"),
        allocations=allocations,
        card_balance_after=card.balance,
        role=None,
        entitlements={},
        source="import",
        actor="bench",
        effective_at=at,
    )
    if index % 10 == 9:
        entry.reverse("benchmark reversal", None, "bench", at)
        card.reverse_debit(ticket, ticket, allocations, at, "benchmark reversal", None, "bench", at)
    return entry


def measure(url: str, events: int, raw_read: Callable[[], float], workers: int | None = None) -> None:
    with Ledger.open(url, actor="bench") as ledger:
        generate(ledger, events)
        total = ledger.app.recorder.max_notification_id() or 0
        print(f"store {ledger.config.kind}: {total} events in the log")
        raw = raw_read()
        print(f"  raw read of the same rows: {raw:,.0f} rows/s")
        started = time.perf_counter()
        results = ledger.rebuild_projection(workers=workers)
        wall = time.perf_counter() - started
        for result in results:
            rate = result.events_applied / result.seconds
            print(
                f"  {result.name:<13} {result.events_applied:>7} events  "
                f"{result.seconds:7.2f} s  {rate:>9,.0f} events/s"
            )
        print(f"  all views     {total:>7} log   {wall:7.2f} s  {total / wall:>9,.0f} log events/s (wall)")
        print(f"  ratio to the raw read (row 4): {total / wall / raw:.4f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--workers", type=int, help="rebuilding processes (default: the ledger's)")
    args = parser.parse_args(argv)
    from benchmarks import replay  # imports this module: not at the top

    if args.store == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench.db"
            measure(f"sqlite:///{path}", args.events, lambda: replay.raw_sqlite_read_rate(path), args.workers)
        return 0
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    try:
        measure(
            f"{args.postgres_url}?schema={schema}",
            args.events,
            lambda: replay.raw_postgres_read_rate(schema, args.postgres_url),
            args.workers,
        )
    finally:
        with psycopg.connect(args.postgres_url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return 0


if __name__ == "__main__":
    sys.exit(main())
