"""Consecutive statements join up, whatever is recorded late: a property over random histories.

Random purchases (some expiring), top-ups, work (much of it back-dated across month ends), covered
support, reversals, and the clock ticking (issuing statements and writing off expired credit) in
between. Afterwards, for every customer and every pair of consecutive issued statements:
closing(n) = opening(n+1), and opening + credits − work + corrections − expired = closing, to the
cent; each statement reads byte for byte as it did when it was issued.
"""

from __future__ import annotations

import itertools
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import Ledger, NoCardError, UnknownWorkEntryError
from ledger.aggregates.statement_book import StatementBook
from ledger.statements.document import Statement
from ledger.statements.render import render_json, render_text
from tests.projections.support import open_ledger, throwaway_store
from tests.support import FakeClock
from tests.tally import Tally

CUSTOMERS = ("acme", "beta")
ZERO = Decimal("0.00")

customer = st.sampled_from(CUSTOMERS)
money = st.integers(min_value=100, max_value=200_000).map(lambda cents: Decimal(cents).scaleb(-2))
hours = st.integers(min_value=25, max_value=1_000).map(lambda hundredths: Decimal(hundredths).scaleb(-2))
days_back = st.one_of(st.just(0), st.integers(min_value=1, max_value=45))

operation = st.one_of(
    st.tuples(st.just("buy"), customer, money, st.sampled_from((None, 20, 50))),
    st.tuples(st.just("top_up"), customer, money),
    st.tuples(st.just("work"), customer, hours, days_back),
    st.tuples(st.just("support"), customer, days_back),
    st.tuples(st.just("reverse"), customer, st.integers(min_value=0, max_value=3), days_back),
    st.tuples(st.just("advance"), st.integers(min_value=1, max_value=25)),
    st.tuples(st.just("tick")),
)


def play(
    ledger: Ledger, clock: FakeClock, operations: list[tuple[Any, ...]], tally: Tally
) -> dict[tuple[str, str], str]:
    """Run the operations; return every statement as rendered right when it was issued. The two
    refusals a random sequence meets (a top-up before any card, a reversal with no work) are
    predicted and must be exactly those errors."""
    for slug in CUSTOMERS:
        ledger.add_customer(slug, name=slug.title(), account_manager="Anna", at="2026-01-01")
        ledger.start_contract(slug, tier="comfort", effective_from="2026-01-01")
    tickets: dict[str, list[str]] = {slug: [] for slug in CUSTOMERS}
    carded: set[str] = set()
    issued: dict[tuple[str, str], str] = {}
    for number, (kind, *args) in enumerate(operations):
        if kind == "buy":
            slug, amount, expires_days = args
            expires = None if expires_days is None else clock.now + timedelta(days=expires_days)
            ledger.buy_card(slug, amount=amount, reference=f"O-{number}", expires_at=expires)
            carded.add(slug)
        elif kind == "top_up" and args[0] not in carded:  # predicted: no card to top up
            with pytest.raises(NoCardError):
                ledger.top_up(args[0], amount=args[1], reference=f"I-{number}")
            tally.saw("refused_top_up")
            continue
        elif kind == "top_up":
            ledger.top_up(args[0], amount=args[1], reference=f"I-{number}")
        elif kind == "work":
            slug, worked, back = args
            at = clock.now - timedelta(days=back)
            ledger.log_work(slug, ticket=f"T-{number}", hours=worked, rate="125.00", at=at, kind="rfc")
            tickets[slug].append(f"T-{number}")
        elif kind == "support":
            slug, back = args
            ledger.log_work(slug, ticket=f"S-{number}", hours="1", kind="support", component="vpn",
                            at=clock.now - timedelta(days=back))  # fmt: skip
            tickets[slug].append(f"S-{number}")
        elif kind == "reverse":
            slug, index, _ = args
            if not tickets[slug]:  # the other customer's work, if only they have some
                slug = next((other for other in CUSTOMERS if tickets[other]), slug)
            known = tickets[slug]
            if not known:  # predicted: nothing to reverse
                with pytest.raises(UnknownWorkEntryError):
                    ledger.reverse_work(slug, ticket="T-none", reason="correction")
                tally.saw("refused_reverse")
                continue
            ticket = known[-1 - index % len(known)]  # mostly recent work
            ledger.reverse_work(slug, ticket=ticket, reason="internal: wrong customer")
        elif kind == "advance":
            clock.advance(days=args[0])
        else:
            ledger.tick()
            for slug, month in issued_months(ledger):
                issued.setdefault((slug, month), render(ledger.statement(slug, month)))
        tally.saw(f"accepted_{kind}")
    return issued


def issued_months(ledger: Ledger) -> list[tuple[str, str]]:
    found = []
    for slug in CUSTOMERS:
        book = ledger.app.get_or_none(StatementBook.create_id(slug), StatementBook)
        found += [(slug, month) for month in sorted(book.statements)] if book is not None else []
    return found


def render(statement: Statement) -> str:
    return render_text(statement) + render_json(statement)


def reconciles(statement: Statement) -> bool:
    s = statement
    return (
        s.opening_balance + s.total_credits - s.total_work + s.total_corrections - s.total_other
        == s.closing_balance
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_consecutive_statements_join_up_and_issued_ones_never_change(kind: str) -> None:
    tally = Tally()

    @settings(max_examples=12)  # each example is a whole store with months of history: seconds each
    @given(operations=st.lists(operation, min_size=5, max_size=35))
    def check(operations: list[tuple[Any, ...]]) -> None:
        join_up(kind, operations, tally)

    check()
    # Sequences whose purchases and work were all refused would reconcile trivially.
    tally.at_least(accepted_buy=6, accepted_work=6, accepted_tick=6)


def join_up(kind: str, operations: list[tuple[Any, ...]], tally: Tally) -> None:
    with tempfile.TemporaryDirectory() as folder, throwaway_store(kind, Path(folder)) as url:
        clock = FakeClock()
        with open_ledger(url, clock) as ledger:
            issued = play(ledger, clock, operations, tally)
            clock.advance(days=70)
            ledger.tick()  # everything recorded late lands on a statement after it
            for slug in CUSTOMERS:
                months = [month for owner, month in issued_months(ledger) if owner == slug]
                statements = [ledger.statement(slug, month) for month in months]
                for statement in statements:
                    assert reconciles(statement), statement.month
                    assert all(c.period < statement.month for c in statement.corrections)
                    forecast = statement.forecast  # made as of the issue: never a date already past
                    assert forecast.runs_out_on is None or forecast.runs_out_on >= forecast.forecast_at
                for before, after in itertools.pairwise(statements):
                    assert before.closing_balance == after.opening_balance
                if statements and statements[-1].has_card:  # nothing was recorded after the last issue
                    end = statements[-1].period_end - timedelta(microseconds=1)
                    assert statements[-1].closing_balance == ledger.balance(slug, as_of=end).balance
            for (slug, month), document in issued.items():
                assert render(ledger.statement(slug, month)) == document
