"""No double spend: several OS processes record work on one card at once.

Each test starts real processes (``spawn``), releases them together, and then checks the ledger's
books: balance ≥ 0, credited − debited = balance, every ticket counted once, the card paid exactly
what it had and the rest is invoiceable.
"""

from __future__ import annotations

import multiprocessing
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from ledger import ConcurrencyError, Ledger
from ledger.aggregates.work_entry import WorkEntry
from ledger.commands import bus as application
from tests.support import event_count
from tests.workers import run_in_process

PROCESSES = 4
TICKETS_EACH = 8


def run_processes(url: str, plans: list[list[str]], hours: str = "1") -> list[dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    queue = context.Queue()
    processes = [
        context.Process(target=run_in_process, args=((url, "acme", plan, hours, start), queue))
        for plan in plans
    ]
    for process in processes:
        process.start()
    start.set()
    reports = [queue.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(30)
    crashes = [report["crash"] for report in reports if "crash" in report]
    assert not crashes, crashes
    return reports


def prepare(url: str, credit: str) -> None:
    with Ledger.open(url, actor="setup") as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        ledger.buy_card("acme", amount=credit, reference="ORDER-1", at="2026-01-01")


@pytest.fixture(params=["sqlite", "postgres"])
def shared_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_url
    return str(request.getfixturevalue("postgres_url"))


def test_concurrent_debits_never_overdraw_and_count_each_ticket_once(shared_url: str) -> None:
    prepare(shared_url, credit="1000.00")  # 32 tickets × 125.00 = 4000.00 asked of 1000.00
    plans = [[f"P{p}-T{t}" for t in range(TICKETS_EACH)] for p in range(PROCESSES)]
    reports = run_processes(shared_url, plans)

    assert [r["errors"] for r in reports] == [[]] * PROCESSES
    answers = {ticket: a for r in reports for ticket, a in r["answers"].items()}
    assert sorted(answers) == sorted(t for plan in plans for t in plan)
    paid = sum(Decimal(a["debited"]) for a in answers.values())
    invoiced = sum(Decimal(a["invoiceable"]) for a in answers.values())
    assert (paid, invoiced) == (Decimal("1000.00"), Decimal("3000.00"))
    with Ledger.open(shared_url) as ledger:
        balance = ledger.balance("acme")
        assert (balance.credited, balance.debited, balance.balance) == (
            Decimal("1000.00"),
            Decimal("1000.00"),
            Decimal("0.00"),
        )
        card = ledger.app.card("acme")
        assert card is not None
        debits = [e for e in ledger.app.events.get(card.id) if type(e).__name__ == "Debited"]
        assert len({e.ticket for e in debits}) == len(debits)  # type: ignore[attr-defined]
        assert all(ledger.app.get_or_none(WorkEntry.create_id("acme", t), WorkEntry) for t in answers)


def test_the_same_ticket_sent_by_several_processes_takes_effect_once(shared_url: str) -> None:
    prepare(shared_url, credit="5000.00")
    same = [f"T-{t}" for t in range(6)]
    reports = run_processes(shared_url, [same] * PROCESSES)

    for ticket in same:
        answers = [r["answers"][ticket] for r in reports]
        assert sum(not a["duplicate"] for a in answers) == 1, ticket
        assert all(a == {**answers[0], "duplicate": a["duplicate"]} for a in answers)
    with Ledger.open(shared_url) as ledger:
        assert ledger.balance("acme").debited == Decimal("125.00") * len(same)


def test_when_retries_run_out_the_caller_gets_a_typed_error_and_nothing_is_written(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(store_url, credit="1000.00")
    with Ledger.open(store_url, actor="a") as ledger, Ledger.open(store_url, actor="rival") as rival:
        save = ledger.app.save
        rival_tickets = iter(range(1000))

        def save_after_a_rival_wrote(*aggregates: Any, **kwargs: Any) -> Any:
            # Another writer always gets to the card first: every attempt loses the race.
            rival.log_work("acme", kind="rfc", ticket=f"RIVAL-{next(rival_tickets)}", hours="0.25")
            return save(*aggregates, **kwargs)

        monkeypatch.setattr(ledger.app, "save", save_after_a_rival_wrote)
        monkeypatch.setattr(application, "RETRY_BACKOFF_CAP_S", 0.001)
        before = application.retry_stats.gave_up
        with pytest.raises(ConcurrencyError, match="nothing was written"):
            ledger.log_work("acme", kind="rfc", ticket="MINE", hours="1")
        assert application.retry_stats.gave_up == before + 1
        assert ledger.app.get_or_none(WorkEntry.create_id("acme", "MINE"), WorkEntry) is None
        rivals = application.RETRY_ATTEMPTS_MAX
        assert event_count(ledger) == 3 + 2 * rivals  # customer, card opened + credited, rivals' work


def test_integrity_errors_are_what_is_retried() -> None:
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise IntegrityError("lost a race")
        return "done"

    assert application.retrying(flaky) == "done"
    assert len(calls) == 3
