"""Two (or more) processes advancing the clock together record each fact once.

Real OS processes (``spawn``) are released at the same moment and tick over the same months; the
books must show every month credited once and every expired remainder written off once, and the
ticks' answers together must name each fact exactly once (a lost race is retried on fresh state,
where the fact is found recorded).
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from ledger import Ledger
from ledger.commands import bus as application
from ledger.config import LedgerSettings, StrippenkaartSettings
from ledger.domain.time import AMSTERDAM
from tests.support import FakeClock
from tests.tick_workers import run_tick_in_process

PROCESSES = 3
CUSTOMERS = tuple(f"customer-{n}" for n in range(8))
MONTHS = 30  # 2024-01 .. 2026-06


def run_ticks(url: str, plans: list[list[str]]) -> list[dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    queue = context.Queue()
    processes = [
        context.Process(target=run_tick_in_process, args=((url, plan, start), queue)) for plan in plans
    ]
    for process in processes:
        process.start()
    start.set()
    reports = [queue.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(30)
    crashes = [report["crash"] for report in reports if "crash" in report]
    assert not crashes, crashes
    return reports


def prepare(url: str) -> None:
    clock = FakeClock(datetime(2023, 12, 1, 9, tzinfo=AMSTERDAM))  # before the plans start: nothing due yet
    with Ledger.open(url, actor="setup", clock=clock) as ledger:
        for customer in CUSTOMERS:
            ledger.add_customer(customer, name=customer.title(), account_manager="Anna")
            ledger.buy_monthly(customer, amount="100.00", day=31, start="2024-01-01")
            ledger.top_up(customer, amount="50.00", reference="EXPIRING", expires_at="2024-06-01")


@pytest.fixture(params=["postgres", "sqlite"])
def shared_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_url
    return str(request.getfixturevalue("postgres_url"))


def test_concurrent_ticks_record_each_month_and_each_write_off_once(shared_url: str) -> None:
    prepare(shared_url)
    # All jump straight to the end; one also walks there month by month; one repeats itself.
    jump = ["2026-07-01T00:00:00+02:00"]
    walk = [f"{2024 + m // 12}-{m % 12 + 1:02d}-15T12:00:00+01:00" for m in range(MONTHS)] + jump
    plans = [jump * 3, walk, jump + jump][:PROCESSES]
    reports = run_ticks(shared_url, plans)

    items = [(i["kind"], i["customer"], i["reference"]) for r in reports for i in r["items"]]
    counts = Counter(items)
    assert max(counts.values()) == 1, [item for item, n in counts.items() if n > 1]
    expected_months = {f"monthly:{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(MONTHS)}
    for customer in CUSTOMERS:
        credited = {ref for kind, c, ref in items if c == customer and kind == "monthly-credit"}
        written_off = {ref for kind, c, ref in items if c == customer and kind == "expiry-write-off"}
        assert credited == expected_months
        assert written_off == {"EXPIRING"}

    rules = LedgerSettings(strippenkaart=StrippenkaartSettings())
    with Ledger.open(shared_url, settings=rules) as ledger:
        for customer in CUSTOMERS:
            balance = ledger.balance(customer)
            assert (balance.credited, balance.expired, balance.balance) == (
                Decimal("100.00") * MONTHS + Decimal("50.00"),
                Decimal("50.00"),
                Decimal("100.00") * MONTHS,
            )
            card = ledger.app.card(customer)
            assert card is not None
            names = Counter(type(e).__name__ for e in ledger.app.events.get(card.id))
            assert (names["Credited"], names["Expired"]) == (MONTHS + 1, 1)
        assert ledger.tick("2026-07-01T00:00:00+02:00").items == ()


def test_a_tick_that_loses_the_race_finds_the_facts_recorded_and_writes_nothing(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic version of the race: a rival tick saves first, between our load and our save."""
    prepare(store_url)
    until = "2024-07-01T00:00:00+02:00"
    with Ledger.open(store_url) as ledger, Ledger.open(store_url) as rival:
        save = ledger.app.save
        rival_answers: list[Any] = []

        def save_after_a_rival_ticked(*aggregates: Any, **kwargs: Any) -> Any:
            if not rival_answers:
                rival_answers.append(rival.tick(until))
            return save(*aggregates, **kwargs)

        monkeypatch.setattr(ledger.app, "save", save_after_a_rival_ticked)
        before = application.retry_stats.conflicts
        ours = ledger.tick(until)
        assert application.retry_stats.conflicts == before + 1
    (theirs,) = rival_answers
    assert theirs.recorded == {
        "monthly-credit": 6 * len(CUSTOMERS),
        "expiry-write-off": len(CUSTOMERS),
        "evaluation-due": 0,
        "grant-expiry": 0,
        "credit-expiring": 0,  # the blocks had expired before this tick: no warning, a write-off
        "grant-expiring": 0,
    }
    # Our first card lost the race; after the retry it had nothing left to record. The rest were done too.
    assert ours.items == ()
