"""The money timeline against an independent model in integer cents, on SQLite and PostgreSQL.

A hypothesis state machine buys credit (backdated, with or without an expiry, and a monthly
plan whose credits the clock records), logs work with
random backdated effective times, reverses random entries, switches the late-work policy with a
dated setting, repeats entries, and lets the clock run and tick (expiry write-offs, statements).
Beside it runs the model below: credit blocks and their movements in cents, written from
DOMAIN.md rule 9 and ``shared/notes/money-timeline.md`` and sharing no code with ``ledger``.

After every step: the card's balance as of every moment the history touches equals the model's
and is never negative, every block's remainder as of every such moment is never negative, every
entry's money is conserved (card + invoice = amount). At the end: every month's statement renders
(a provisional one closes at the model's balance; an issued one stays as issued), a rebuild of
the views gives the same balances, and ``audit verify`` finds nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import ClassVar
from zoneinfo import ZoneInfo

import psycopg
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ledger import Ledger
from tests.conftest import POSTGRES_URL, postgres_available
from tests.support import FakeClock, event_count, examples
from tests.tally import Tally

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
"""All model arithmetic in UTC: Python compares two datetimes of one zone by their wall clocks."""
GRACE = timedelta(days=7)
QUARTER_CENTS = 3125
"""A quarter of an hour at 125.00 EUR."""
LATER_CREDIT, STRICT = "later-credit", "strict"


def cents(amount: Decimal) -> int:
    return int(amount * 100)


@dataclass
class Block:
    ref: str
    amount: int
    eff: datetime
    exp: datetime | None
    seq: int

    def key(self) -> tuple[bool, datetime, datetime, int]:
        return (self.exp is None, self.exp or self.eff, self.eff, self.seq)

    def in_force(self, at: datetime) -> bool:
        return self.eff <= at and (self.exp is None or at < self.exp)


@dataclass
class Entry:
    key: str
    at: datetime
    quarters: int
    taken: list[tuple[str, int, datetime]]
    reversed: bool = False


@dataclass
class Model:
    """Credit blocks and every movement on them, ``(moment, block, cents)``; nothing else."""

    blocks: dict[str, Block] = field(default_factory=dict)
    moves: list[tuple[datetime, str, int]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    policy: dict[datetime, str] = field(default_factory=dict)
    monthly: tuple[int, datetime] | None = None
    """(cents, first due moment): a credit at 00:00 Amsterdam on the 1st of every month from then."""

    def credit_months(self, now: datetime) -> None:
        """Every month's credit due by ``now`` that is not on the card yet, oldest first."""
        if self.monthly is None:
            return
        amount, due = self.monthly
        while due <= now:
            reference = f"monthly:{due.astimezone(AMSTERDAM):%Y-%m}"
            if reference not in self.blocks:
                self.blocks[reference] = Block(reference, amount, due, None, len(self.blocks))
            local = due.astimezone(AMSTERDAM)
            following = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=AMSTERDAM)
            due = following.astimezone(UTC)

    def remaining(self, ref: str, as_of: datetime | None = None) -> int:
        block = self.blocks[ref]
        if as_of is not None and block.eff > as_of:
            return 0
        return block.amount + sum(d for t, r, d in self.moves if r == ref and (as_of is None or t <= as_of))

    def balance(self, as_of: datetime | None = None) -> int:
        return sum(self.remaining(ref, as_of) for ref in self.blocks)

    def policy_at(self, at: datetime) -> str:
        versions = [(start, value) for start, value in self.policy.items() if start <= at]
        return max(versions)[1] if versions else LATER_CREDIT

    def pay(self, amount: int, at: datetime, now: datetime) -> list[tuple[str, int, datetime]]:
        """DOMAIN rule 9: credit of the work's time, then (later-credit) credit in force now."""
        ordered = sorted(self.blocks.values(), key=Block.key)
        plan = [(b, at) for b in ordered if b.in_force(at)]
        if self.policy_at(at) == LATER_CREDIT and plan:
            plan += [(b, b.eff) for b in ordered if b.eff > at and b.in_force(now)]
        taken = []
        for block, moment in plan:
            take = min(amount, self.remaining(block.ref))
            if take > 0:
                taken.append((block.ref, take, moment))
                amount -= take
        self.moves += [(moment, ref, -take) for ref, take, moment in taken]
        return taken

    def write_off(self, now: datetime, refs: list[str] | None = None) -> None:
        for block in self.blocks.values():
            due = block.exp is not None and block.exp + GRACE <= now
            if due and (refs is None or block.ref in refs) and self.remaining(block.ref) > 0:
                assert block.exp is not None
                self.moves.append((block.exp, block.ref, -self.remaining(block.ref)))

    def moments(self) -> list[datetime]:
        touched = {t for t, _, _ in self.moves} | {b.eff for b in self.blocks.values()}
        touched |= {b.exp for b in self.blocks.values() if b.exp is not None}
        return sorted(touched | {t - timedelta(seconds=1) for t in touched})


class MoneyTimeline(RuleBasedStateMachine):
    """Drives one customer's card through backdated, reversed and interleaved history."""

    store: ClassVar[str] = "sqlite"
    tally: ClassVar[Tally]

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock(START)
        self.model = Model()
        self.counter = 0
        self.folder: TemporaryDirectory[str] | None = None
        self.schema: str | None = None
        if self.store == "sqlite":
            self.folder = TemporaryDirectory()
            url = f"sqlite:///{Path(self.folder.name) / 'ledger.db'}"
        else:
            self.schema = f"m_{uuid.uuid4().hex[:12]}"
            url = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}schema={self.schema}"
        self.ledger = Ledger.open(url, actor="model", clock=self.clock)
        self.ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-01")

    def teardown(self) -> None:
        try:
            self._check_documents()
        finally:
            self.ledger.close()
            if self.folder is not None:
                self.folder.cleanup()
            if self.schema is not None:
                with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
                    connection.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    def _next(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"

    @initialize(euros=st.integers(50, 2000), back_days=st.integers(0, 60))
    def first_credit(self, euros: int, back_days: int) -> None:
        """Every example starts with credit on the card: a run without any proves nothing."""
        self.buy(euros, back_days, None)

    @rule(
        euros=st.integers(50, 2000),
        back_days=st.integers(0, 60),
        expires_after_days=st.one_of(st.none(), st.integers(10, 200)),
    )
    def buy(self, euros: int, back_days: int, expires_after_days: int | None) -> None:
        at = self.clock.now - timedelta(days=back_days)
        expires = None if expires_after_days is None else at + timedelta(days=expires_after_days)
        reference = self._next("ORDER")
        self.ledger.buy_card("acme", amount=str(euros), reference=reference, at=at, expires_at=expires)
        self.model.blocks[reference] = Block(reference, euros * 100, at, expires, len(self.model.blocks))
        self.tally.saw("credit_bought")

    @precondition(lambda self: self.model.monthly is None)
    @rule(euros=st.integers(50, 800), back_months=st.integers(0, 3))
    def buy_monthly(self, euros: int, back_months: int) -> None:
        local = self.clock.now.astimezone(AMSTERDAM)
        year, month = local.year, local.month - back_months
        while month < 1:
            year, month = year - 1, month + 12
        start = datetime(year, month, 1, tzinfo=AMSTERDAM)
        self.ledger.buy_monthly("acme", amount=str(euros), day=1, start=start.date().isoformat())
        self.model.monthly = (euros * 100, start.astimezone(UTC))
        self.model.credit_months(self.clock.now)
        self.tally.saw("monthly_plan")

    @rule(quarters=st.integers(1, 40), back_hours=st.integers(0, 120 * 24))
    def log(self, quarters: int, back_hours: int) -> None:
        at = self.clock.now - timedelta(hours=back_hours)
        key = self._next("W")
        result = self.ledger.log_work(
            "acme", ticket=key, hours=str(Decimal(quarters) / 4), rate="125.00", kind="rfc", at=at
        )
        amount = quarters * QUARTER_CENTS
        taken = self.model.pay(amount, at, self.clock.now)
        self.model.entries.append(Entry(key, at, quarters, taken))
        paid = sum(take for _, take, _ in taken)
        assert (cents(result.debited), cents(result.invoiceable)) == (paid, amount - paid), result.reason
        assert cents(result.amount) == amount
        self.tally.saw("late_work_from_later_credit" if any(m != at for _, _, m in taken) else "work_logged")

    @precondition(lambda self: any(not entry.reversed for entry in self.model.entries))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        open_entries = [entry for entry in self.model.entries if not entry.reversed]
        entry = data.draw(st.sampled_from(open_entries))
        result = self.ledger.reverse_work("acme", ticket=entry.key, reason="model reversal")
        entry.reversed = True
        self.model.moves += [(moment, ref, take) for ref, take, moment in entry.taken]
        self.model.write_off(self.clock.now, [ref for ref, _, _ in entry.taken])
        assert result.effective_at == entry.at
        assert cents(result.balance) == self.model.balance()
        self.tally.saw("reversed")

    @precondition(lambda self: bool(self.model.entries))
    @rule(data=st.data())
    def repeat(self, data: st.DataObject) -> None:
        entry = data.draw(st.sampled_from(self.model.entries))
        before = event_count(self.ledger)
        again = self.ledger.log_work(
            "acme",
            ticket=entry.key,
            hours=str(Decimal(entry.quarters) / 4),
            rate="125.00",
            kind="rfc",
            at=entry.at,
        )
        assert again.duplicate
        assert event_count(self.ledger) == before
        self.tally.saw("repeated")

    @rule(strict=st.booleans(), back_days=st.integers(0, 120))
    def set_policy(self, strict: bool, back_days: int) -> None:
        day = (self.clock.now - timedelta(days=back_days)).astimezone(AMSTERDAM).date()
        value = STRICT if strict else LATER_CREDIT
        self.ledger.set_setting("late-work-policy", value, effective_from=day.isoformat())
        start = datetime(day.year, day.month, day.day, tzinfo=AMSTERDAM).astimezone(UTC)
        self.model.policy[start] = value
        self.tally.saw("policy_set")

    @rule(days=st.integers(1, 45))
    def advance_and_tick(self, days: int) -> None:
        self.clock.advance(days=days)
        self.ledger.tick()
        self.model.credit_months(self.clock.now)
        self.model.write_off(self.clock.now)
        self.tally.saw("ticked")

    @invariant()
    def every_moment_agrees_and_is_never_negative(self) -> None:
        card = self.ledger.app.card("acme")
        assert cents(self.ledger.balance("acme").balance) == self.model.balance()
        if card is not None:
            assert {ref: cents(b.remaining) for ref, b in card.blocks.items()} == {
                ref: self.model.remaining(ref) for ref in self.model.blocks
            }
        for moment in self.model.moments():
            for ref in self.model.blocks:
                assert self.model.remaining(ref, moment) >= 0, (ref, moment)
            expected = self.model.balance(moment)
            assert cents(self.ledger.balance("acme", as_of=moment).balance) == expected, moment

    def _check_documents(self) -> None:
        """Every month's statement renders and closes where the model does; a rebuild agrees."""
        self.ledger.tick()
        self.model.credit_months(self.clock.now)
        self.model.write_off(self.clock.now)
        opened = min((block.eff for block in self.model.blocks.values()), default=None)
        month = datetime(START.year, START.month, 1, tzinfo=AMSTERDAM)
        while opened is not None and month <= self.clock.now:
            following = (month + timedelta(days=32)).replace(day=1)  # wall-clock: 00:00 Amsterdam
            if following <= opened:  # no card yet that month: no card statement
                month = following
                continue
            self.ledger.work_records("acme", f"{month:%Y-%m}")  # every report reads the history
            invoiced = self.ledger.invoiceable_lines(f"{month:%Y-%m}", customer="acme")
            assert all(line.amount >= 0 for line in invoiced)
            statement = self.ledger.statement("acme", f"{month:%Y-%m}")
            if statement.number is None:  # provisional: the figures of today (issued ones stay as issued)
                expected = self.model.balance(following - timedelta(microseconds=1))
                assert cents(statement.closing_balance) == expected, f"{month:%Y-%m}"
            month = following
        self.ledger.rebuild_projection()
        rows = {row.customer: row for row in self.ledger.report_balances(as_of=self.clock.now)}
        if "acme" in rows:
            assert cents(rows["acme"].balance) == self.model.balance(self.clock.now)
        self.ledger.seal()  # unsealed events are a finding of their own (issue 18): seal, then demand ok
        report = self.ledger.verify()
        assert report.ok, [p.message for p in report.problems][:3]


class MoneyTimelineOnPostgres(MoneyTimeline):
    store: ClassVar[str] = "postgres"


def run_timeline(machine: type[MoneyTimeline], count: int, steps: int) -> None:
    tally = Tally()
    machine.tally = tally
    run_state_machine_as_test(
        machine, settings=settings(max_examples=count, stateful_step_count=steps, deadline=None)
    )
    # Every example buys or plans credit and logs work; a run that did not is no evidence.
    tally.at_least(reversed=1)
    assert tally["work_logged"] + tally["late_work_from_later_credit"] >= count, dict(tally)
    assert tally["credit_bought"] + tally["monthly_plan"] >= count, dict(tally)


@pytest.mark.slow
def test_money_timeline_on_sqlite() -> None:
    run_timeline(MoneyTimeline, examples(8), 25)


@pytest.mark.slow
@pytest.mark.postgres
def test_money_timeline_on_postgres() -> None:
    postgres_available()
    run_timeline(MoneyTimelineOnPostgres, examples(3), 20)
