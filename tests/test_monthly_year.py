# ruff: noqa: E501  (the table below is kept one row per line, so it reads as a table)
"""A customer with a monthly card, run through a year of ticks and work, against a table computed by hand.

The plan: €500.00 on the 1st of every month from 2026-01-01; from July €400.00; stopped from December.
Deployment rule: monthly credit expires after 3 months, written off 7 days after it expires. Work is
€125.00 an hour. Every row says what the step records (blocks credited, written off, or paid from)
and the card's figures after it; each was worked out on paper, block by block:

    J (Jan, 500, expires Apr 1)  F (Feb, 500, May 1)  M (Mar, 500, Jun 1)   A (Apr, 500, Jul 1)
    My (May, 500, Aug 1)         Jn (Jun, 500, Sep 1) Jl (Jul, 400, Oct 1)  Au (Aug, 400, Nov 1)
    S (Sep, 400, Dec 1)          O (Oct, 400, 2027-01-01)                   N (Nov, 400, 2027-02-01)
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ledger import Ledger
from ledger.config import LedgerSettings, StrippenkaartSettings
from ledger.domain.time import AMSTERDAM
from tests.support import FakeClock

# fmt: off
YEAR = [
    # when (Amsterdam)     step                              what it records                                           credited     debited     expired     balance
    ("2026-01-10 06:00", "tick",                          "credit 2026-01 500.00",                                "500.00",    "0.00",    "0.00",  "500.00"),
    ("2026-01-20 10:00", "work 2",                        "paid 2026-01 250.00",                                  "500.00",  "250.00",    "0.00",  "250.00"),
    ("2026-02-10 06:00", "tick",                          "credit 2026-02 500.00",                               "1000.00",  "250.00",    "0.00",  "750.00"),
    ("2026-02-20 10:00", "work 6",                        "paid 2026-01 250.00, 2026-02 500.00",                 "1000.00", "1000.00",    "0.00",    "0.00"),
    ("2026-03-10 06:00", "tick",                          "credit 2026-03 500.00",                               "1500.00", "1000.00",    "0.00",  "500.00"),
    ("2026-03-20 10:00", "work 1",                        "paid 2026-03 125.00",                                 "1500.00", "1125.00",    "0.00",  "375.00"),
    # January's credit expired on Apr 1 with nothing left: nothing to write off.
    ("2026-04-10 06:00", "tick",                          "credit 2026-04 500.00",                               "2000.00", "1125.00",    "0.00",  "875.00"),
    ("2026-05-10 06:00", "tick",                          "credit 2026-05 500.00",                               "2500.00", "1125.00",    "0.00", "1375.00"),
    ("2026-05-20 10:00", "work 8",                        "paid 2026-03 375.00, 2026-04 500.00, 2026-05 125.00", "2500.00", "2125.00",    "0.00",  "375.00"),
    ("2026-06-10 06:00", "tick",                          "credit 2026-06 500.00",                               "3000.00", "2125.00",    "0.00",  "875.00"),
    ("2026-06-20 10:00", "work 2",                        "paid 2026-05 250.00",                                 "3000.00", "2375.00",    "0.00",  "625.00"),
    ("2026-06-25 10:00", "change 400.00 from 2026-07-01", "",                                                    "3000.00", "2375.00",    "0.00",  "625.00"),
    ("2026-07-10 06:00", "tick",                          "credit 2026-07 400.00",                               "3400.00", "2375.00",    "0.00", "1025.00"),
    ("2026-07-20 10:00", "work 4",                        "paid 2026-05 125.00, 2026-06 375.00",                 "3400.00", "2875.00",    "0.00",  "525.00"),
    ("2026-08-10 06:00", "tick",                          "credit 2026-08 400.00",                               "3800.00", "2875.00",    "0.00",  "925.00"),
    # June's credit expired on Sep 1 with 125.00 left; the grace runs until Sep 8.
    ("2026-09-05 06:00", "tick",                          "credit 2026-09 400.00",                               "4200.00", "2875.00",    "0.00", "1325.00"),
    # Work done on Aug 31, logged late but within the grace: it is paid from June's credit.
    ("2026-09-05 12:00", "work 1 at 2026-08-31 16:00",    "paid 2026-06 125.00",                                 "4200.00", "3000.00",    "0.00", "1200.00"),
    ("2026-09-10 06:00", "tick",                          "",                                                    "4200.00", "3000.00",    "0.00", "1200.00"),
    ("2026-10-10 06:00", "tick",                          "credit 2026-10 400.00, write-off 2026-07 400.00",     "4600.00", "3000.00",  "400.00", "1200.00"),
    ("2026-10-20 10:00", "work 3",                        "paid 2026-08 375.00",                                 "4600.00", "3375.00",  "400.00",  "825.00"),
    ("2026-11-10 06:00", "tick",                          "credit 2026-11 400.00, write-off 2026-08 25.00",      "5000.00", "3375.00",  "425.00", "1200.00"),
    ("2026-11-20 10:00", "work 1",                        "paid 2026-09 125.00",                                 "5000.00", "3500.00",  "425.00", "1075.00"),
    ("2026-11-25 10:00", "stop from 2026-12-01",          "",                                                    "5000.00", "3500.00",  "425.00", "1075.00"),
    ("2026-12-10 06:00", "tick",                          "write-off 2026-09 275.00",                            "5000.00", "3500.00",  "700.00",  "800.00"),
    # Work done on Nov 30, logged after September's write-off: October's credit (valid then) pays.
    ("2026-12-12 10:00", "work 1 at 2026-11-30 16:00",    "paid 2026-10 125.00",                                 "5000.00", "3625.00",  "700.00",  "675.00"),
    ("2027-01-10 06:00", "tick",                          "write-off 2026-10 275.00",                            "5000.00", "3625.00",  "975.00",  "400.00"),
    ("2027-02-05 06:00", "tick",                          "",                                                    "5000.00", "3625.00",  "975.00",  "400.00"),
    ("2027-02-10 06:00", "tick",                          "write-off 2026-11 400.00",                            "5000.00", "3625.00", "1375.00",    "0.00"),
]
# fmt: on


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


def short(reference: str) -> str:
    return reference.removeprefix("monthly:")


def run_step(ledger: Ledger, step: str, tickets: int) -> str:
    """Perform one step; describe what it recorded in the table's words."""
    words = step.split()
    if words[0] == "tick":
        items = ledger.tick().items
        kinds = {"monthly-credit": "credit", "expiry-write-off": "write-off"}
        return ", ".join(f"{kinds[i.kind]} {short(i.reference)} {i.amount}" for i in items)
    if words[0] == "work":
        at = local(f"{words[3]} {words[4]}") if len(words) > 2 else None
        work = ledger.log_work("acme", kind="rfc", ticket=f"RFC-{tickets}", hours=words[1], at=at)
        return "paid " + ", ".join(
            f"{short(a['reference'])} {a['amount']:.2f}" for a in work.derivation["blocks"]
        )
    if words[0] == "change":
        ledger.change_monthly("acme", amount=words[1], start=words[3])
        return ""
    ledger.stop_monthly("acme", start=words[2])
    return ""


def test_a_year_of_a_monthly_card_agrees_with_the_table(store_url: str) -> None:
    clock = FakeClock(local("2025-12-15 09:00"))
    rules = LedgerSettings(
        strippenkaart=StrippenkaartSettings(monthly_credit_expires_after_months=3, expiry_grace_days=7)
    )
    with Ledger.open(store_url, actor="anna", clock=clock, settings=rules) as ledger:
        ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna de Vries")
        bought = ledger.buy_monthly("acme", amount="500.00", day=1, start="2026-01-01")
        assert bought.credits_recorded == []
        for number, (when, step, records, credited, debited, expired, balance) in enumerate(YEAR):
            clock.now = local(when)
            assert run_step(ledger, step, number) == records, (when, step)
            figures = ledger.balance("acme")
            assert (figures.credited, figures.debited, figures.expired, figures.balance) == (
                Decimal(credited),
                Decimal(debited),
                Decimal(expired),
                Decimal(balance),
            ), (when, step)
            assert figures.credited - figures.debited - figures.expired == figures.balance
