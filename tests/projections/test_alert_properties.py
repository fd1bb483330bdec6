"""Any sequence of work, top-ups and reversals: every crossing yields exactly one alert and one mail.

The model here does not arm or disarm anything: it only looks at the balance before and after each
card movement. ``fully-used`` is a movement from above 0.00 to 0.00; ``nearly-used`` one from above
the threshold (20 % of the balance after the latest credit) to at or below it, but above 0.00.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ledger import Ledger
from ledger.notify.deliver import DeliveryPolicy, Senders
from tests.support import FakeClock, examples

START = datetime.fromisoformat("2026-02-01T09:00:00+01:00")
RATE = Decimal("100.00")
ZERO = Decimal("0.00")

operations = st.lists(
    st.one_of(
        st.tuples(st.just("work"), st.integers(min_value=1, max_value=12)),  # half hours
        st.tuples(st.just("top-up"), st.integers(min_value=1, max_value=16)),  # × 50.00
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=1000)),
    ),
    min_size=1,
    max_size=25,
)


def expected_alerts(steps: list[tuple[str, int]]) -> list[str]:
    balance = base = Decimal("400.00")
    open_entries: list[tuple[str, Decimal]] = []
    expected = []
    for number, (action, size) in enumerate(steps):
        if action == "work":
            paid = min(balance, RATE * size / 2)
            if paid > ZERO:
                before, balance = balance, balance - paid
                limit = (base * Decimal("0.20")).quantize(Decimal("0.01"))
                if balance == ZERO:
                    expected.append("fully-used")
                elif before > limit >= balance:
                    expected.append("nearly-used")
            open_entries.append((f"T-{number}", paid))
        elif action == "top-up":
            balance += Decimal("50.00") * size
            base = balance
        elif open_entries:
            _, paid = open_entries.pop(size % len(open_entries))
            balance += paid
    return expected


@settings(max_examples=examples(60), deadline=None)
@given(steps=operations)
@example(steps=[("work", 7), ("top-up", 10), ("work", 9)])  # nearly, re-armed by a top-up, nearly
@example(steps=[("work", 7), ("reverse", 0), ("work", 7)])  # nearly, re-armed by a reversal, nearly
@example(steps=[("work", 9), ("reverse", 0), ("work", 8), ("work", 1)])  # fully, re-armed, fully once
def test_each_crossing_one_alert_and_one_delivery(steps: list[tuple[str, int]]) -> None:
    clock = FakeClock(START + timedelta(days=60))
    mails: list[EmailMessage] = []
    with Ledger.open("memory://", actor="tester", clock=clock) as ledger:
        ledger.add_customer(
            "acme", name="Acme", account_manager="Anna", account_manager_email="anna@msp.example", at=START
        )
        ledger.buy_card("acme", amount="400.00", reference="O-1", at=START)
        open_entries: list[str] = []
        for number, (action, size) in enumerate(steps):
            at = START + timedelta(days=number + 1)
            if action == "work":
                ticket = f"T-{number}"
                ledger.log_work(
                    "acme", ticket=ticket, hours=str(Decimal(size) / 2), rate="100.00", kind="rfc", at=at
                )
                open_entries.append(ticket)
            elif action == "top-up":
                ledger.top_up("acme", amount=str(Decimal("50.00") * size), reference=f"U-{number}", at=at)
            elif open_entries:
                ticket = open_entries.pop(size % len(open_entries))
                ledger.reverse_work("acme", ticket=ticket, reason="test", at=at)
        alerts = ledger.alerts(include_acknowledged=True)
        assert [a.kind for a in alerts] == expected_alerts(steps)
        senders = Senders(mail=mails.append, mail_from="ledger@msp.example", webhook=lambda *_: 204)
        ledger.notify_run(senders, DeliveryPolicy())
        ledger.notify_run(senders, DeliveryPolicy())
        assert sorted(m["X-Ledger-Idempotency-Key"] for m in mails) == sorted(
            d.id for d in ledger.deliveries()
        )
        assert len(mails) == len(alerts)
        ledger.rebuild_projection("alerts")
        assert ledger.alerts(include_acknowledged=True) == alerts
