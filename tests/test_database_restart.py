"""The database restarts under a stream of commands: nothing lost, nothing doubled, no app restart.

Runs against a private PostgreSQL server the test creates (``initdb`` on a free port). Each command
either succeeds or fails with a clear StoreError; afterwards the failed ones are retried with the
same ticket and succeed; the ledger then matches a reference log exactly.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from ledger import Ledger, StoreError
from tests.owned_postgres import OwnedPostgres, postgres_bindir

COMMANDS = 400
DOWNTIMES_S = (0.3, 14.0)
RESTARTS = len(DOWNTIMES_S)


@pytest.fixture
def owned_postgres() -> Iterator[OwnedPostgres]:
    bindir = postgres_bindir()
    if bindir is None:
        message = "initdb not found: install PostgreSQL's server binaries to run the restart test"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = OwnedPostgres(bindir)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


def test_commands_survive_database_restarts(owned_postgres: OwnedPostgres) -> None:
    with Ledger.open(owned_postgres.url, actor="stream") as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        ledger.buy_card("acme", amount="50000.00", reference="ORDER-1", at="2026-01-01")

        stop_restarting = threading.Event()
        restarts: list[float] = []

        def restart_twice() -> None:
            # A short outage that the store's own reconnects ride out, and one long enough
            # (beyond their ~12 s of attempts) that a command fails and must be retried.
            for downtime_s in DOWNTIMES_S:
                time.sleep(0.4)
                owned_postgres.stop()
                time.sleep(downtime_s)
                owned_postgres.start()
                restarts.append(time.monotonic())
                if stop_restarting.is_set():
                    return

        restarter = threading.Thread(target=restart_twice)
        restarter.start()
        failed: list[str] = []
        succeeded: list[str] = []
        for number in range(COMMANDS):
            ticket = f"T-{number}"
            try:
                ledger.log_work("acme", kind="rfc", ticket=ticket, hours="0.25")
                succeeded.append(ticket)
            except StoreError as error:
                assert str(error).startswith("store:") or "database" in str(error)  # noqa: PT017
                failed.append(ticket)
            time.sleep(0.01)
            if len(restarts) == RESTARTS and number > COMMANDS // 2:
                break
        stop_restarting.set()
        restarter.join()
        assert len(restarts) == RESTARTS
        assert failed, "the long outage should have failed some commands"

        # The same application, no reconnect by hand: retrying the failed tickets succeeds.
        for ticket in failed:
            ledger.log_work("acme", kind="rfc", ticket=ticket, hours="0.25")

        print(
            f"restart figures: {len(succeeded)} succeeded first time, {len(failed)} failed and were retried"
        )
        recorded = succeeded + failed
        for ticket in recorded:  # each ticket exactly once, with its own figures
            again = ledger.log_work("acme", kind="rfc", ticket=ticket, hours="0.25")
            assert again.duplicate
            assert again.debited == Decimal("31.25"), (again.reason, ticket in failed)
        balance = ledger.balance("acme")
        assert balance.debited == Decimal("31.25") * len(recorded)
        assert balance.balance == Decimal("50000.00") - balance.debited
        card = ledger.app.card("acme")
        assert card is not None
        tickets = [e.ticket for e in ledger.app.events.get(card.id) if type(e).__name__ == "Debited"]  # type: ignore[attr-defined]
        assert sorted(tickets) == sorted(recorded)
