"""The clock closes months: ``ledger tick`` issues each ended month's statement once, an alert says
it is ready, and a credit written off at expiry shows on the statement and lowers the balance."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ledger import Ledger
from tests.support import FakeClock


def test_tick_issues_each_ended_month_once_and_raises_statement_ready(
    ledger: Ledger, clock: FakeClock
) -> None:
    ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2026-01-02")
    ledger.buy_card("acme", amount="500", reference="O-1", at="2026-01-05", expires_at="2026-02-01")
    ledger.log_work("acme", kind="rfc", ticket="T-1", hours="1", at="2026-01-10T10:00+01:00")
    clock.now = datetime.fromisoformat("2026-03-15T09:00:00+01:00")

    first = ledger.tick()
    assert first.recorded["expiry-write-off"] == 1
    assert first.statements == ("ACME-2026-0001", "ACME-2026-0002")
    assert ledger.tick().statements == ()

    january = ledger.statement("acme", "2026-01")
    assert (january.number, january.closing_balance) == ("ACME-2026-0001", Decimal("375.00"))
    february = ledger.statement("acme", "2026-02")
    assert [line.amount for line in february.other] == [Decimal("-375.00")]
    assert february.closing_balance == Decimal("0.00")
    assert ledger.balance("acme").expired == Decimal("375.00")
    ready = [alert for alert in ledger.alerts("acme") if alert.kind == "statement-ready"]
    assert len(ready) == 2
