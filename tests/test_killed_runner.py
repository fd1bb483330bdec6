"""A projection runner killed with SIGKILL mid-batch, then restarted: the views equal a rebuild.

The runner is the real ``ledger projections run`` in its own OS process, following a backlog of
thousands of events. It is killed while its views are part-way through the log; a second runner
then finishes, and ``audit verify`` replays the whole log into scratch views and compares.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ledger import Ledger
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.aggregates.work_entry import WorkEntry
from ledger.domain.money import cost

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = 3000
WAIT_S = 120
CATCH_UP_S = 300
"""How long the restarted runner may take for the rest of the backlog: generous, because a CI machine
with two cores also runs the other half of the suite meanwhile; a runner that is stuck still fails."""


def backlog(url: str) -> int:
    """Customers, cards and work written straight through the aggregates: a big unprojected log."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with Ledger.open(url, actor="setup") as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna", at=start)
        card = Strippenkaart(customer="acme", currency="EUR", actor="setup", effective_at=start)
        card.credit("O-1", "purchase", Decimal("10000000.00"), "setup", start)
        ledger.app.save(card)
        batch: list[WorkEntry] = []
        for number in range(ENTRIES):
            at = start + timedelta(hours=number)
            amount = cost(Decimal("1.00"), Decimal("125.00"))
            allocations = card.pay(f"T-{number}", amount, "setup", at)
            batch.append(
                WorkEntry(
                    customer="acme",
                    ticket=f"T-{number}",
                    entry=f"T-{number}",
                    engineer=None,
                    description="",
                    kind="rfc",
                    component=None,
                    hours=Decimal("1.00"),
                    billed_hours=Decimal("1.00"),
                    rounding="none",
                    rate=Decimal("125.00"),
                    rate_source="default rate",
                    amount=amount,
                    currency="EUR",
                    payer="strippenkaart",
                    payer_reason="test",
                    card_paid=amount,
                    invoiceable=Decimal("0.00"),
                    allocations=allocations,
                    card_balance_after=card.balance,
                    role=None,
                    entitlements={},
                    source="import",
                    actor="setup",
                    effective_at=at,
                )
            )
            if len(batch) == 250:
                ledger.app.save(*batch, card)
                batch = []
        ledger.app.save(*batch, card)
        return int(ledger.app.recorder.max_notification_id() or 0)


def positions(ledger: Ledger) -> dict[str, int]:
    """Each view's position, read without catching up (that would do the runner's work)."""
    return {status.name: status.position for status in ledger.projection_status()}


def pending(ledger: Ledger) -> int:
    return sum(status.pending for status in ledger.projection_status())


def start_runner(url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "ledger", "--db", url, "projections", "run", "--poll-interval", "0.05"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_views_equal_a_rebuild_after_the_runner_is_killed_mid_batch(
    store: str, request: pytest.FixtureRequest
) -> None:
    url = str(request.getfixturevalue("sqlite_url" if store == "sqlite" else "postgres_url"))
    with Ledger.open(url) as ledger:
        ledger.projection_status()  # create the views before the runner races to
    last = backlog(url)

    observer = Ledger.open(url)
    runner = start_runner(url)
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        seen = positions(observer)
        if any(0 < position < last for position in seen.values()) or min(seen.values()) == last:
            break  # part-way through the backlog: kill it now
        time.sleep(0.005)
    os.kill(runner.pid, signal.SIGKILL)
    runner.wait(30)
    killed_at = positions(observer)
    assert any(position < last for position in killed_at.values()), f"killed too late: {killed_at}"

    restarted = start_runner(url)
    caught_up_by = time.monotonic() + CATCH_UP_S
    try:
        # Done when no view has an event of its own left to apply (a runner's position stays at
        # the last event it reads; the log may end with events that are of no interest to it).
        while time.monotonic() < caught_up_by and pending(observer):
            time.sleep(0.1)
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(30)
        observer.close()
    with Ledger.open(url) as check:
        assert pending(check) == 0

    with Ledger.open(url) as ledger:
        report = ledger.verify()
        view_problems = [finding.message for finding in report.problems if finding.check == "view"]
        assert report.views_compared == len(ledger.projections.names)
        assert view_problems == []
        (balance,) = ledger.report_balances()
        assert balance.debited == Decimal("125.00") * ENTRIES
