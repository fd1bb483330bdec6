"""Projections are pure functions of the log: rebuilt from nothing, they equal the live ones.

Random command sequences through the library (purchases, top-ups, work with and without a card,
overage, back-dated work, reversals, alert thresholds, servicedesk work of catalogue categories,
acknowledgements, statements issued as the clock passes month ends, and reads at random moments
that catch views up mid-stream),
on SQLite and on PostgreSQL, each example in a store of its own.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ledger import Ledger, NoCardError, UnknownWorkEntryError
from ledger.projections.base import catch_up_together
from ledger.statements.render import render_json, render_text
from tests.projections.support import all_contents, open_ledger, throwaway_store
from tests.support import FakeClock
from tests.tally import Tally

CUSTOMERS = ("acme", "beta")
ZERO = Decimal("0.00")

customer = st.sampled_from(CUSTOMERS)
money = st.integers(min_value=1, max_value=100_000).map(lambda cents: Decimal(cents).scaleb(-2))
hours = st.integers(min_value=1, max_value=1_200).map(lambda hundredths: Decimal(hundredths).scaleb(-2))
rate = st.sampled_from(("99.99", "110.00", "125.00", "150.00"))

days_back = st.one_of(st.just(0), st.integers(min_value=0, max_value=40))  # mostly today, some back-dated

operation = st.one_of(
    st.tuples(st.just("buy"), customer, money),
    st.tuples(st.just("top_up"), customer, money),
    st.tuples(st.just("work"), customer, hours, rate, days_back),
    st.tuples(st.just("reverse"), customer, st.integers(min_value=0, max_value=3)),
    st.tuples(st.just("advance"), st.integers(min_value=1, max_value=480)),
    st.tuples(
        st.just("read"), st.sampled_from(("balances", "work_records", "invoiceable", "alerts", "statements"))
    ),
    st.tuples(st.just("threshold"), customer, st.sampled_from(("percent", "amount")), money),
    st.tuples(
        st.just("support"),
        customer,
        st.sampled_from(("printers", "vpn")),
        days_back,
        st.integers(min_value=1, max_value=4),  # a burst of entries, a day apart
    ),
    st.tuples(st.just("ack"), st.integers(min_value=0, max_value=5)),
    st.tuples(st.just("statements")),
)


ORDINARY_MONTH: list[tuple[Any, ...]] = [
    *(("buy", name, Decimal("500.00")) for name in CUSTOMERS for _ in range(5)),
    *(("work", name, Decimal("1.50"), "125.00", back) for name in CUSTOMERS for back in (0, 3, 10, 0, 20)),
    ("reverse", "acme", 0),
    ("top_up", "beta", Decimal("250.00")),
    ("reverse", "beta", 2),
    *(("support", name, "printers", back, 2) for name in CUSTOMERS for back in (0, 5, 30)),
    ("advance", 48),
    ("read", "alerts"),
]
"""A month of an MSP's ordinary mess: purchases, backdated work, two corrections, a top-up, support."""

LATE_WORK_REVERSED: list[tuple[Any, ...]] = [
    ("buy", "acme", Decimal("100.00")),
    ("advance", 48),
    ("top_up", "acme", Decimal("500.00")),
    ("work", "acme", Decimal("1.50"), "125.00", 1),  # before the top-up: paid at two booking moments
    ("work", "acme", Decimal("1.00"), "125.00", 0),
    ("advance", 2),
    ("reverse", "acme", 1),  # money back in two parts
    ("reverse", "acme", 0),
]
"""Card-paid work reversed, one entry's debit in two parts (credit of its time, then the top-up's)."""


def play(ledger: Ledger, clock: FakeClock, operations: list[tuple[Any, ...]], tally: Tally) -> None:
    """Run the operations; the two refusals a random sequence meets (a top-up before any card, a
    reversal with no work) are predicted and must be exactly those errors."""
    for slug in CUSTOMERS:
        ledger.add_customer(slug, name=slug.title(), account_manager="Anna", at="2026-01-01")
        ledger.start_contract(slug, tier="comfort", effective_from="2026-01-01")
    tickets: dict[str, list[str]] = {slug: [] for slug in CUSTOMERS}
    carded: set[str] = set()
    for number, (kind, *args) in enumerate(operations):
        if kind == "buy":
            ledger.buy_card(args[0], amount=args[1], reference=f"O-{number}")
            carded.add(args[0])
        elif kind == "top_up" and args[0] not in carded:  # predicted: no card to top up
            with pytest.raises(NoCardError):
                ledger.top_up(args[0], amount=args[1], reference=f"I-{number}")
            tally.saw("refused_top_up")
            continue
        elif kind == "top_up":
            ledger.top_up(args[0], amount=args[1], reference=f"I-{number}")
        elif kind == "work":
            slug, worked, hourly, days_back = args
            ticket = f"T-{number}"
            at = clock.now - timedelta(days=days_back)
            ledger.log_work(
                slug,
                kind="rfc",
                ticket=ticket,
                hours=worked,
                rate=hourly,
                at=at,
                description=f"job {number}",
            )
            tickets[slug].append(ticket)
        elif kind == "reverse":
            slug, index = args
            if not tickets[slug]:  # the other customer's work, if only they have some
                slug = next((other for other in CUSTOMERS if tickets[other]), slug)
            known = tickets[slug]
            if not known:  # predicted: nothing to reverse
                with pytest.raises(UnknownWorkEntryError):
                    ledger.reverse_work(slug, ticket="T-none", reason="correction")
                tally.saw("refused_reverse")
                continue
            ticket = known[-1 - index % len(known)]  # mostly recent work
            ledger.reverse_work(slug, ticket=ticket, reason="correction")
        elif kind == "advance":
            clock.advance(hours=args[0])
        elif kind == "threshold":
            slug, how, value = args
            chosen = {"percent": min(value, Decimal("100.00"))} if how == "percent" else {"amount": value}
            ledger.set_alert_threshold(slug, **chosen)
        elif kind == "support":
            slug, component, days_back, count = args
            for day in range(count):  # a burst of entries, a day apart
                at = clock.now - timedelta(days=days_back + day)
                ticket = f"S-{number}-{day}"
                ledger.log_work(slug, ticket=ticket, hours="1", kind="support", component=component, at=at)
        elif kind == "ack":
            open_alerts = ledger.alerts()
            if open_alerts:
                ledger.acknowledge_alert(open_alerts[args[0] % len(open_alerts)].id)
        elif kind == "statements":
            ledger.issue_due_statements(clock.now)
        else:
            ledger.projections.catch_up(args[0])
        tally.saw(f"accepted_{kind}")


def issued_documents(ledger: Ledger) -> list[str]:
    """Every issued statement, rendered: what must not change, byte for byte."""
    view = ledger.projections.fresh("statements")
    documents = []
    for holder, latest in view.due_candidates():
        if latest is not None:
            statement = ledger.statement(holder.customer, latest)
            documents += [render_text(statement), render_json(statement)]
    return documents


def check(ledger: Ledger) -> None:
    projections = ledger.projections
    projections.catch_up()
    incremental = all_contents(projections)
    documents = issued_documents(ledger)
    projections.rebuild()
    assert all_contents(projections) == incremental
    assert issued_documents(ledger) == documents
    # Small sections: reversals meet their work lines (and earlier parts) stored by an earlier
    # section, read ahead by each view's prefetch; each section's writes are gathered and reordered.
    every = [projections.projection(name) for name in projections.names]
    for section_events_max in (1, 3):
        catch_up_together(ledger.app, every, reset=True, section_events_max=section_events_max)
        assert all_contents(projections) == incremental

    balances = ledger.report_balances()
    for row in balances:
        assert row.balance == ledger.balance(row.customer).balance  # view and aggregate agree
        assert row.balance >= ZERO
        paid = sum(
            (r.card_paid for r in projections.projection("work_records").view.records(row.customer)), ZERO
        )
        assert paid == row.debited  # every debit is an invoice-free work line, net of reversals
    far_future = ledger.report_balances("2099-12-31")
    assert [(r.customer, r.balance) for r in far_future] == [(r.customer, r.balance) for r in balances]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_rebuilt_views_equal_incremental_views(kind: str) -> None:
    tally = Tally()

    @given(operations=st.lists(operation, min_size=3, max_size=30))
    @example(operations=ORDINARY_MONTH)  # so that every floor below is reachable in any run
    @example(operations=LATE_WORK_REVERSED)
    def rebuilt_equals_incremental(operations: list[tuple[Any, ...]]) -> None:
        with tempfile.TemporaryDirectory() as folder, throwaway_store(kind, Path(folder)) as url:
            clock = FakeClock()
            with open_ledger(url, clock) as ledger:
                play(ledger, clock, operations, tally)
                check(ledger)

    rebuilt_equals_incremental()
    # Views of a history whose purchases and work were all refused would match trivially.
    tally.at_least(
        accepted_buy=10, accepted_work=10, accepted_support=5, accepted_top_up=1, accepted_reverse=1
    )
