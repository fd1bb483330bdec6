"""The whole ledger against a small, independent reference model, one random step at a time.

A hypothesis state machine drives the library (in memory, and on a SQLite file with fewer
examples) with two or three customers: purchases, top-ups, monthly plans, support and RFC work
(with or without a component, now or slightly backdated), reversals, servicedesk contracts that
start, change tier and end, beheerpacks, ticks, and a clock that only moves forward — minutes to
weeks at a time. Beside it runs the model below, written from DOMAIN.md and sharing no decision
code with ``ledger``: credit blocks per customer, the contract timeline, the packs, and who pays
for each ticket. After every step the ledger must agree with the model: balances, every work
entry's payer and split, every credit block, the monthly credits recorded, the channel now.

The model stays small by restricting what is generated rather than modelling everything: no
credit expiry, contract and pack changes only dated forward (each after the last one), at most one
monthly plan per customer, purchases at the clock's now. Alerts are not checked: this ledger has
no alerts API yet.

CI runs a few examples per machine; ``LEDGER_HYPOTHESIS_PROFILE=long`` runs fifty times as many
(see ``tests/support.py``).
"""

from __future__ import annotations

import calendar
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ledger import ContractInForceError, Ledger, NoContractInForceError, ReferenceConflictError
from ledger.config import LedgerSettings
from tests.support import START, FakeClock, event_count, examples

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DUTCH_HOLIDAYS = holidays.country_holidays("NL")
"""The public-holiday calendar is data, not ledger code: the model reads it directly."""
OPENS, CLOSES = time(8, 0), time(18, 0)
DEFAULT_RATE = Decimal("125.00")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CUSTOMERS = ("acme", "bolt", "cobra")
COMPONENTS = ("network", "backup", "m365")

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1500"), places=2)
hours = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("12"), places=2)
rates = st.one_of(st.none(), st.decimals(min_value=Decimal("50"), max_value=Decimal("200"), places=2))
minutes_forward = st.one_of(
    st.integers(1, 180), st.integers(180, 3 * 24 * 60), st.integers(3 * 24 * 60, 21 * 24 * 60)
)
"""How far the clock moves: minutes, hours to days, or weeks."""
backdating = st.one_of(st.just(0), st.integers(1, 12 * 60))
"""Work is recorded at the clock's now, or dated up to half a day before it."""
later = st.integers(0, 10 * 24 * 60)
starts = st.sampled_from(
    [
        START,
        datetime(2026, 4, 2, 16, 0, tzinfo=AMSTERDAM),  # Good Friday and Easter Monday ahead
        datetime(2026, 4, 26, 7, 30, tzinfo=AMSTERDAM),  # King's Day tomorrow
        datetime(2026, 12, 23, 9, 0, tzinfo=AMSTERDAM),  # Christmas, then a new year
    ]
)
"""Where the clock starts: the fixture's Monday, or just before public holidays (rare otherwise)."""
"""How far after now (or after the previous change) a contract or pack change takes effect."""


# --- the reference model ----------------------------------------------------------------------


def servicedesk_open(at: datetime) -> bool:
    """Mon–Fri 08:00–18:00 Amsterdam, not on a Dutch public holiday."""
    local = at.astimezone(AMSTERDAM)
    return local.weekday() < 5 and local.date() not in DUTCH_HOLIDAYS and OPENS <= local.time() < CLOSES


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), AMSTERDAM)


def monthly_dues(start: date, day: int, until: datetime) -> list[tuple[str, datetime]]:
    """(period, due moment) of each month from the plan's start: 00:00 Amsterdam on ``day``,
    or on the month's last day when it is shorter; due moments before the start do not count."""
    dues: list[tuple[str, datetime]] = []
    year, month = start.year, start.month
    while True:
        due = midnight(date(year, month, min(day, calendar.monthrange(year, month)[1])))
        if due > until:
            return dues
        if due >= midnight(start):
            dues.append((f"{year:04d}-{month:02d}", due))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass
class Block:
    amount: Decimal
    remaining: Decimal
    effective_at: datetime
    sequence: int


@dataclass
class Work:
    payer: str
    amount: Decimal
    debited: Decimal
    invoiceable: Decimal
    taken: list[tuple[str, Decimal]]
    reversed: bool = False


@dataclass
class Customer:
    """One customer as the model sees it."""

    has_card: bool = False
    blocks: dict[str, Block] = field(default_factory=dict)
    plan: tuple[date, int, Decimal] | None = None
    contract: list[tuple[datetime, str | None]] = field(default_factory=list)
    """(effective, tier or None for ended), in effective order: changes are only dated forward."""
    packs: dict[str, tuple[datetime, frozenset[str]]] = field(default_factory=dict)
    work: dict[str, Work] = field(default_factory=dict)
    purchases: dict[str, tuple[str, Decimal]] = field(default_factory=dict)
    """reference → (purchase or top-up, amount): what sending it again must repeat."""

    @property
    def credited(self) -> Decimal:
        return sum((b.amount for b in self.blocks.values()), ZERO)

    @property
    def debited(self) -> Decimal:
        return sum((w.debited for w in self.work.values() if not w.reversed), ZERO)

    def tier_at(self, at: datetime) -> str | None:
        tier = None
        for effective, changed_to in self.contract:
            if effective <= at:
                tier = changed_to
        return tier

    def last_change(self) -> datetime | None:
        return self.contract[-1][0] if self.contract else None

    def covered(self) -> frozenset[str]:
        return frozenset().union(*(components for _, components in self.packs.values()))

    def pack_covers(self, component: str, at: datetime) -> bool:
        return any(start <= at and component in components for start, components in self.packs.values())

    def credit(self, reference: str, amount: Decimal, at: datetime) -> None:
        self.blocks[reference] = Block(amount, amount, at, len(self.blocks))

    def record_monthly(self, until: datetime) -> list[str]:
        """Credit every month of the plan due by ``until`` that is not credited yet."""
        if self.plan is None:
            return []
        start, day, amount = self.plan
        new = []
        for period, due in monthly_dues(start, day, until):
            reference = f"monthly:{period}"
            if reference not in self.blocks:
                self.credit(reference, amount, due)
                new.append(reference)
        return new

    def decide(self, kind: str, component: str | None, at: datetime, amount: Decimal, now: datetime) -> Work:
        """DOMAIN.md's payer order: contract channel, beheerpack, strippenkaart, invoice.

        The strippenkaart pays from the credit of the work's time, then (rule 9, late work) from
        credit credited after it and in force now, if the card had any credit at the work's time."""
        tier = self.tier_at(at)
        if kind == "support" and (tier == "comfort" or (tier == "basis" and servicedesk_open(at))):
            return Work("servicedesk-contract", amount, ZERO, ZERO, [])
        if component is not None and self.pack_covers(component, at):
            return Work("beheerpack", amount, ZERO, ZERO, [])
        usable = sorted(
            (b.effective_at, b.sequence, reference)
            for reference, b in self.blocks.items()
            if b.effective_at <= at and b.remaining > ZERO
        )
        if any(b.effective_at <= at for b in self.blocks.values()):
            usable += sorted(
                (b.effective_at, b.sequence, reference)
                for reference, b in self.blocks.items()
                if at < b.effective_at <= now and b.remaining > ZERO
            )
        taken, outstanding = [], amount
        for _, _, reference in usable:
            part = min(outstanding, self.blocks[reference].remaining)
            if part <= ZERO:
                break
            taken.append((reference, part))
            outstanding -= part
        paid = amount - outstanding
        if paid == ZERO:
            return Work("invoice", amount, ZERO, amount, [])
        return Work("strippenkaart", amount, paid, outstanding, taken)


# --- the machine --------------------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    url = "memory://"

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.start = self.clock.now
        self.ledger = Ledger.open(self.url, actor="model", clock=self.clock, settings=LedgerSettings())
        self.model: dict[str, Customer] = {}
        self.tickets = 0
        self.sent: dict[tuple[str, str], dict[str, Any]] = {}
        """What each work entry was sent with, to send it again."""

    def teardown(self) -> None:
        self.ledger.close()

    @initialize(count=st.integers(2, 3), start=starts)
    def customers(self, count: int, start: datetime) -> None:
        self.clock.now = self.start = start
        for slug in CUSTOMERS[:count]:
            self.ledger.add_customer(slug, name=slug.title(), account_manager="Anna de Vries")
            self.model[slug] = Customer()

    def pick(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(sorted(self.model)), label="customer")

    @property
    def now(self) -> datetime:
        return self.clock.now

    # --- time ---------------------------------------------------------------------------------

    @rule(minutes=minutes_forward)
    def advance(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    @rule(behind=st.one_of(st.just(0), st.integers(1, 3 * 24 * 60)))
    def tick(self, behind: int) -> None:
        until = max(self.now - timedelta(minutes=behind), self.start)
        result = self.ledger.tick(until=until)
        expected = {(slug, ref) for slug, c in self.model.items() for ref in c.record_monthly(until)}
        got = {(item.customer, item.reference) for item in result.items if item.kind == "monthly-credit"}
        assert got == expected
        assert result.recorded["monthly-credit"] == len(expected)
        assert result.recorded["expiry-write-off"] == 0

    # --- money ----------------------------------------------------------------------------------

    @rule(data=st.data(), amount=amounts)
    def purchase(self, data: st.DataObject, amount: Decimal) -> None:
        slug = self.pick(data)
        customer = self.model[slug]
        reference = f"P-{len(customer.purchases) + 1}"
        result = self.ledger.buy_card(slug, amount=amount, reference=reference)
        assert not result.duplicate
        customer.purchases[reference] = ("purchase", amount)
        customer.credit(reference, amount, self.now)
        customer.has_card = True

    @rule(data=st.data(), amount=amounts)
    def top_up(self, data: st.DataObject, amount: Decimal) -> None:
        slug = self.pick(data)
        customer = self.model[slug]
        if not customer.has_card:
            return
        reference = f"P-{len(customer.purchases) + 1}"
        result = self.ledger.top_up(slug, amount=amount, reference=reference)
        assert not result.duplicate
        customer.purchases[reference] = ("top-up", amount)
        customer.credit(reference, amount, self.now)

    @rule(data=st.data())
    def purchase_sent_again(self, data: st.DataObject) -> None:
        slug = self.pick(data)
        customer = self.model[slug]
        if not customer.purchases:
            return
        reference = data.draw(st.sampled_from(sorted(customer.purchases)), label="reference")
        kind, amount = customer.purchases[reference]
        send = self.ledger.buy_card if kind == "purchase" else self.ledger.top_up
        before = event_count(self.ledger)
        result = send(slug, amount=amount, reference=reference)
        assert (result.duplicate, result.kind, result.amount) == (True, kind, amount)
        assert event_count(self.ledger) == before

    @rule(
        data=st.data(),
        amount=amounts,
        day=st.one_of(st.none(), st.integers(1, 31)),
        start_offset_days=st.integers(-45, 45),
    )
    def buy_monthly(
        self, data: st.DataObject, amount: Decimal, day: int | None, start_offset_days: int
    ) -> None:
        slug = self.pick(data)
        customer = self.model[slug]
        if customer.plan is not None:
            return
        start = self.now.astimezone(AMSTERDAM).date() + timedelta(days=start_offset_days)
        result = self.ledger.buy_monthly(slug, amount=amount, day=day, start=start.isoformat())
        customer.plan = (start, day if day is not None else start.day, amount)
        customer.has_card = True
        assert result.credits_recorded == customer.record_monthly(self.now)

    # --- work -----------------------------------------------------------------------------------

    @rule(
        data=st.data(),
        worked=hours,
        rate=rates,
        kind=st.sampled_from(["support", "rfc"]),
        component=st.one_of(st.none(), st.sampled_from(COMPONENTS)),
        behind=backdating,
    )
    def work(
        self,
        data: st.DataObject,
        worked: Decimal,
        rate: Decimal | None,
        kind: str,
        component: str | None,
        behind: int,
    ) -> None:
        slug = self.pick(data)
        customer = self.model[slug]
        at = max(self.now - timedelta(minutes=behind), self.start)
        self.tickets += 1
        ticket = f"T-{self.tickets}"
        amount = (worked * (rate or DEFAULT_RATE)).quantize(CENT, rounding=ROUND_HALF_UP)
        expected = customer.decide(kind, component, at, amount, self.now)
        result = self.ledger.log_work(
            slug,
            ticket=ticket,
            hours=worked,
            rate=rate,
            kind=kind,
            component=component,
            at=None if behind == 0 else at,
        )
        assert not result.duplicate
        assert result.at == at
        assert (result.payer, result.amount, result.debited, result.invoiceable) == (
            expected.payer,
            expected.amount,
            expected.debited,
            expected.invoiceable,
        ), result.reason
        blocks = [(b["reference"], b["amount"]) for b in result.derivation["blocks"]]
        assert blocks == expected.taken
        for reference, part in expected.taken:
            customer.blocks[reference].remaining -= part
        customer.work[ticket] = expected
        self.sent[(slug, ticket)] = {
            "hours": worked,
            "rate": rate,
            "kind": kind,
            "component": component,
            "at": at,
        }

    @rule(data=st.data(), same=st.booleans())
    def work_sent_again(self, data: st.DataObject, same: bool) -> None:
        slug = self.pick(data)
        customer = self.model[slug]
        if not customer.work:
            return
        ticket = data.draw(st.sampled_from(sorted(customer.work)), label="ticket")
        before = event_count(self.ledger)
        figures = dict(self.sent[(slug, ticket)])
        if not same:  # the same key with other figures: refused, nothing written
            figures["hours"] = figures["hours"] + Decimal("0.01")
            with pytest.raises(ReferenceConflictError, match="other hours"):
                self.ledger.log_work(slug, ticket=ticket, **figures)
            assert event_count(self.ledger) == before
            return
        result = self.ledger.log_work(slug, ticket=ticket, **figures)
        recorded = customer.work[ticket]
        assert result.duplicate
        assert (result.payer, result.debited, result.invoiceable) == (
            recorded.payer,
            recorded.debited,
            recorded.invoiceable,
        )
        assert event_count(self.ledger) == before

    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        slug = self.pick(data)
        customer = self.model[slug]
        if not customer.work:
            return
        ticket = data.draw(st.sampled_from(sorted(customer.work)), label="ticket")
        recorded = customer.work[ticket]
        result = self.ledger.reverse_work(slug, ticket=ticket, reason="model-based test")
        assert result.duplicate == recorded.reversed
        assert (result.restored, result.invoiceable_voided) == (recorded.debited, recorded.invoiceable)
        if not recorded.reversed:
            for reference, part in recorded.taken:
                customer.blocks[reference].remaining += part
            recorded.reversed = True

    # --- contracts and packs ----------------------------------------------------------------------

    def next_change_moment(self, customer: Customer, after: int) -> datetime:
        """Forward-dated: at or after now, and after the customer's last change."""
        last = customer.last_change()
        base = self.now if last is None or last < self.now else last + timedelta(minutes=1)
        return base + timedelta(minutes=after)

    @rule(data=st.data(), tier=st.sampled_from(["basis", "comfort"]), after=later)
    def start_contract(self, data: st.DataObject, tier: str, after: int) -> None:
        slug = self.pick(data)
        customer = self.model[slug]
        at = self.next_change_moment(customer, after)
        if customer.tier_at(at) is not None:
            before = event_count(self.ledger)
            with pytest.raises(ContractInForceError):
                self.ledger.start_contract(slug, tier=tier, effective_from=at)
            assert event_count(self.ledger) == before
            return
        self.ledger.start_contract(slug, tier=tier, effective_from=at)
        customer.contract.append((at, tier))

    @rule(data=st.data(), after=later)
    def change_contract(self, data: st.DataObject, after: int) -> None:
        slug = self.pick(data)
        customer = self.model[slug]
        at = self.next_change_moment(customer, after)
        tier = customer.tier_at(at)
        if tier is None:
            before = event_count(self.ledger)
            with pytest.raises(NoContractInForceError):
                self.ledger.change_contract(slug, tier="comfort", effective_from=at)
            assert event_count(self.ledger) == before
            return
        other = "comfort" if tier == "basis" else "basis"
        result = self.ledger.change_contract(slug, tier=other, effective_from=at)
        assert (result.tier, result.effective_at) == (other, at)
        customer.contract.append((at, other))

    @rule(data=st.data(), after=later)
    def end_contract(self, data: st.DataObject, after: int) -> None:
        slug = self.pick(data)
        customer = self.model[slug]
        at = self.next_change_moment(customer, after)
        if customer.tier_at(at) is None:
            return
        self.ledger.end_contract(slug, effective_from=at)
        customer.contract.append((at, None))

    @rule(data=st.data(), after=later)
    def add_pack(self, data: st.DataObject, after: int) -> None:
        slug = self.pick(data)
        customer = self.model[slug]
        free = sorted(set(COMPONENTS) - customer.covered())
        if not free:
            return
        components = data.draw(st.lists(st.sampled_from(free), min_size=1, unique=True), label="components")
        pack = f"pack-{len(customer.packs) + 1}"
        at = self.now + timedelta(minutes=after)
        self.ledger.add_pack(slug, pack=pack, components=components, effective_from=at)
        customer.packs[pack] = (at, frozenset(components))

    # --- after every step ------------------------------------------------------------------------

    @invariant()
    def balances_agree(self) -> None:
        for slug, customer in self.model.items():
            balance = self.ledger.balance(slug)
            assert balance.balance >= ZERO
            assert balance.balance == balance.credited - balance.debited - balance.expired
            assert (balance.credited, balance.debited, balance.expired) == (
                customer.credited,
                customer.debited,
                ZERO,
            )
            assert balance.balance == sum((b.remaining for b in customer.blocks.values()), ZERO)

    @invariant()
    def blocks_and_monthly_credits_agree(self) -> None:
        for slug, customer in self.model.items():
            card = self.ledger.app.card(slug)
            assert (card is not None) == customer.has_card
            if card is None:
                continue
            got = {ref: (b.amount, b.remaining, b.effective_at) for ref, b in card.blocks.items()}
            want = {ref: (b.amount, b.remaining, b.effective_at) for ref, b in customer.blocks.items()}
            assert got == want

    @invariant()
    def work_entries_agree(self) -> None:
        for slug, customer in self.model.items():
            for ticket, recorded in customer.work.items():
                entry = self.ledger.work_entry(slug, ticket=ticket)
                assert (entry.payer, entry.debited, entry.invoiceable, entry.reversed) == (
                    recorded.payer,
                    recorded.debited,
                    recorded.invoiceable,
                    recorded.reversed,
                )

    @invariant()
    def channel_now_agrees(self) -> None:
        for slug, customer in self.model.items():
            tier = customer.tier_at(self.now)
            if tier is None:
                channel = "none"
            elif servicedesk_open(self.now):
                channel = "servicedesk"
            else:
                channel = "emergency-line" if tier == "comfort" else "none"
            entitlement = self.ledger.entitlement(slug, at=self.now)
            assert (entitlement.tier, entitlement.channel) == (tier, channel)


class SQLiteLedgerMachine(LedgerMachine):
    """The same machine on a SQLite file, fewer examples: the store must not change the answers."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory()
        type(self).url = f"sqlite:///{self.folder.name}/ledger.db"
        super().__init__()

    def teardown(self) -> None:
        super().teardown()
        self.folder.cleanup()


TestLedgerModelInMemory = LedgerMachine.TestCase
TestLedgerModelInMemory.settings = settings(max_examples=examples(15), stateful_step_count=40, deadline=None)
TestLedgerModelOnSQLite = SQLiteLedgerMachine.TestCase
TestLedgerModelOnSQLite.settings = settings(max_examples=examples(5), stateful_step_count=25, deadline=None)
