"""The whole ledger against a small, independent reference model, one random step at a time.

A hypothesis state machine drives the library on a SQLite file and on PostgreSQL (so through the
command cache and the conditional append) with two or three customers: purchases, top-ups,
monthly plans, support and RFC work (with or without a component, now or slightly backdated),
reversals, servicedesk contracts that start, change tier and end, beheerpacks, ticks, deliveries,
and a clock that only moves forward — minutes to weeks at a time. Beside it runs the model below,
written from DOMAIN.md and sharing no decision code with ``ledger``: credit blocks per customer, the
contract timeline, the packs, who pays for each ticket, and the card alerts in integer cents.
After every step the ledger must agree with the model: balances, every work entry's payer and
split, the monthly credits recorded, the channel now, and the card alerts raised so far.

Alerts (issue 16): every crossing of the nearly-used threshold (20 % of the balance right after
the latest credit) and of 0.00, in any order of purchases, top-ups, backdated work, reversals and
monthly credits, must give exactly ONE alert, and the real deliverer (``Ledger.notify_run`` with
the SMTP and webhook senders ``ledger notify run`` uses) must deliver it exactly once to an SMTP
server (aiosmtpd) and a webhook receiver on 127.0.0.1.

The model stays small by restricting what is generated rather than modelling everything: no
credit expiry, contract and pack changes only dated forward (each after the last one), at most one
monthly plan per customer, purchases at the clock's now.

Every rule is guarded by a ``@precondition`` and counts what the ledger accepted (``Tally``); the
test fails if too little was accepted. CI runs a few examples per store;
``LEDGER_HYPOTHESIS_PROFILE=long`` runs fifty times as many (see ``tests/support.py``).
"""

from __future__ import annotations

import calendar
import json
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import holidays
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

from ledger import ContractInForceError, Ledger, NoContractInForceError, ReferenceConflictError
from ledger.config import LedgerSettings
from ledger.notify.deliver import DeliveryPolicy, Senders
from tests.conftest import POSTGRES_URL, postgres_available
from tests.notify.receivers import SmtpServer, WebhookReceiver
from tests.support import START, FakeClock, event_count, examples
from tests.tally import Tally

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DUTCH_HOLIDAYS = holidays.country_holidays("NL")
"""The public-holiday calendar is data, not ledger code: the model reads it directly."""
OPENS, CLOSES = time(8, 0), time(18, 0)
DEFAULT_RATE = Decimal("125.00")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CUSTOMERS = ("acme", "bolt", "cobra")
COMPONENTS = ("network", "backup", "m365")

amounts = st.integers(1, 150_000).map(lambda cents: Decimal(cents).scaleb(-2))
hours = st.one_of(
    st.integers(1, 300).map(lambda hundredths: Decimal(hundredths).scaleb(-2)),
    st.integers(1, 1200).map(lambda hundredths: Decimal(hundredths).scaleb(-2)),
)
"""Mostly small entries, so that a card crosses its threshold before it is empty."""
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


# --- the card alerts, in integer cents -------------------------------------------------------------

NEARLY_USED, FULLY_USED, INVOICED_WORK = "nearly-used", "fully-used", "invoiced-work"
CARD_KINDS = (NEARLY_USED, FULLY_USED, INVOICED_WORK)
NEARLY_USED_PERCENT = 20


def cents(amount: Decimal) -> int:
    return int(amount * 100)


@dataclass
class CardAlerts:
    """The alerts DOMAIN.md promises, judged from the balance before and after each card movement.

    ``nearly-used``: a movement takes the balance from above the threshold (20 % of the balance
    right after the latest credit, half-up to the cent) to at or below it, above 0.00;
    ``fully-used``: a movement takes it from above 0.00 to 0.00, or work overflows to invoice
    while the card is empty and no ``fully-used`` was raised since the balance was last above 0.00.
    Work the card never could pay (no card, or no credit in force at or before the work's time) is
    an ``invoiced-work`` notice, not a card alert.
    """

    base_cents: int = 0
    """The balance right after the latest credit."""
    fully_raised: bool = False
    """A fully-used alert was raised since the balance was last above 0.00."""
    expected: list[str] = field(default_factory=list)

    def threshold_cents(self) -> int:
        return (self.base_cents * NEARLY_USED_PERCENT * 2 + 100) // 200  # half up

    def credited(self, after_cents: int) -> None:
        self.base_cents = after_cents
        self.restored(after_cents)

    def restored(self, after_cents: int) -> None:
        if after_cents > 0:
            self.fully_raised = False

    def lowered(self, before_cents: int, after_cents: int) -> None:
        if before_cents > 0 and after_cents == 0:
            self.expected.append(FULLY_USED)
            self.fully_raised = True
        elif after_cents > 0 and before_cents > self.threshold_cents() >= after_cents:
            self.expected.append(NEARLY_USED)

    def invoiced(self, card_could_pay: bool, after_cents: int) -> None:
        if not card_could_pay:
            self.expected.append(INVOICED_WORK)
        elif after_cents == 0 and not self.fully_raised:
            self.expected.append(FULLY_USED)
            self.fully_raised = True


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
    alerts: CardAlerts = field(default_factory=CardAlerts)

    @property
    def balance_cents(self) -> int:
        return sum(cents(b.remaining) for b in self.blocks.values())

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


def booked(
    customer: Customer, taken: list[tuple[str, Decimal]], at: datetime
) -> list[list[tuple[str, Decimal]]]:
    """The card movements one entry makes: what credit of the work's own time pays, then what each
    later credit pays, booked at that credit's start (DOMAIN rule 9); each is judged on its own."""
    moments: dict[datetime, list[tuple[str, Decimal]]] = {}
    for reference, part in taken:
        moments.setdefault(max(at, customer.blocks[reference].effective_at), []).append((reference, part))
    return [moments[moment] for moment in sorted(moments)]


# --- the receivers -------------------------------------------------------------------------------

HOOK_SECRET_ENV = "MODEL_HOOK_SECRET"


@dataclass
class Receivers:
    """An SMTP server and a webhook receiver on 127.0.0.1, shared by the examples of one test."""

    smtp: SmtpServer
    webhook: WebhookReceiver

    def senders(self) -> Senders:
        """What ``ledger notify run`` builds from its environment: real SMTP, real HTTP POSTs."""
        env = {
            "LEDGER_SMTP_URL": self.smtp.url,
            "LEDGER_MAIL_FROM": "ledger@msp.example",
            HOOK_SECRET_ENV: "whsec_model_5ecret",
        }
        return Senders.from_env(env)

    def clear(self) -> None:
        self.smtp.messages.clear()
        self.webhook.requests.clear()


def mailbox(slug: str) -> str:
    return f"am-{slug}@msp.example"


def header(headers: dict[str, str], name: str) -> str:
    [value] = [v for k, v in headers.items() if k.lower() == name.lower()]
    return value


# --- the machine --------------------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    """One example: a fresh store of ``store``'s kind, the model beside it, deliveries checked."""

    store: ClassVar[str] = "sqlite"
    receivers: ClassVar[Receivers]
    tally: ClassVar[Tally]

    def __init__(self) -> None:
        super().__init__()
        self.folder: tempfile.TemporaryDirectory[str] | None = None
        self.schema: str | None = None
        if self.store == "sqlite":
            self.folder = tempfile.TemporaryDirectory()
            url = f"sqlite:///{self.folder.name}/ledger.db"
        else:
            self.schema = f"m_{uuid.uuid4().hex[:12]}"
            url = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}schema={self.schema}"
        self.clock = FakeClock()
        self.start = self.clock.now
        self.ledger = Ledger.open(url, actor="model", clock=self.clock, settings=LedgerSettings())
        self.model: dict[str, Customer] = {}
        self.tickets = 0
        self.sent: dict[tuple[str, str], dict[str, Any]] = {}
        """What each work entry was sent with, to send it again."""
        self.receivers.clear()
        self.ledger.add_webhook(self.receivers.webhook.url, secret_env=HOOK_SECRET_ENV)

    def teardown(self) -> None:
        try:
            self.check_at_the_end()
        finally:
            self.close_store()

    def check_at_the_end(self) -> None:
        self.deliver()  # whatever is still in the outbox: delivered, each once
        self.every_work_entry_agrees()
        for customer in self.model.values():
            for kind in customer.alerts.expected:
                self.tally.saw(kind.replace("-", "_"))

    def close_store(self) -> None:
        self.ledger.close()
        if self.folder is not None:
            self.folder.cleanup()
        if self.schema is not None:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    @initialize(
        count=st.integers(2, 3),
        start=starts,
        cards=st.lists(st.one_of(st.none(), amounts), min_size=len(CUSTOMERS), max_size=len(CUSTOMERS)),
    )
    def customers(self, count: int, start: datetime, cards: list[Decimal | None]) -> None:
        """Two or three customers, most with a card from the start."""
        self.clock.now = self.start = start
        for slug, amount in zip(CUSTOMERS[:count], cards, strict=False):
            self.ledger.add_customer(
                slug, name=slug.title(), account_manager="Anna de Vries", account_manager_email=mailbox(slug)
            )
            self.model[slug] = Customer()
            if amount is not None:
                self.buy(slug, amount)

    def pick(self, data: st.DataObject, which: list[str] | None = None) -> str:
        return data.draw(st.sampled_from(sorted(self.model) if which is None else which), label="customer")

    def with_card(self) -> list[str]:
        return sorted(slug for slug, customer in self.model.items() if customer.has_card)

    def without_plan(self) -> list[str]:
        return sorted(slug for slug, customer in self.model.items() if customer.plan is None)

    def with_work(self) -> list[str]:
        return sorted(slug for slug, customer in self.model.items() if customer.work)

    def with_purchases(self) -> list[str]:
        return sorted(slug for slug, customer in self.model.items() if customer.purchases)

    def with_free_components(self) -> list[str]:
        return sorted(slug for slug, c in self.model.items() if set(COMPONENTS) - c.covered())

    @property
    def now(self) -> datetime:
        return self.clock.now

    # --- time ---------------------------------------------------------------------------------

    @rule(minutes=minutes_forward, deliver=st.booleans())
    def advance(self, minutes: int, deliver: bool) -> None:
        """Time passes, and now and then ``ledger notify run`` runs."""
        self.clock.advance(minutes=minutes)
        if deliver:
            self.deliver()

    @precondition(lambda self: bool(self.model))
    @rule(behind=st.one_of(st.just(0), st.integers(1, 3 * 24 * 60)))
    def tick(self, behind: int) -> None:
        until = max(self.now - timedelta(minutes=behind), self.start)
        before = {slug: c.balance_cents for slug, c in self.model.items()}
        result = self.ledger.tick(until=until)
        expected = {(slug, ref) for slug, c in self.model.items() for ref in c.record_monthly(until)}
        got = {(item.customer, item.reference) for item in result.items if item.kind == "monthly-credit"}
        assert got == expected
        assert result.recorded["monthly-credit"] == len(expected)
        assert result.recorded["expiry-write-off"] == 0
        for slug, customer in self.model.items():
            if customer.balance_cents != before[slug]:
                customer.alerts.credited(customer.balance_cents)
        self.tally.saw("monthly credit" if expected else "tick")

    # --- money ----------------------------------------------------------------------------------

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), amount=amounts)
    def purchase(self, data: st.DataObject, amount: Decimal) -> None:
        self.buy(self.pick(data), amount)

    def buy(self, slug: str, amount: Decimal) -> None:
        customer = self.model[slug]
        reference = f"P-{len(customer.purchases) + 1}"
        result = self.ledger.buy_card(slug, amount=amount, reference=reference)
        assert not result.duplicate
        customer.purchases[reference] = ("purchase", amount)
        customer.credit(reference, amount, self.now)
        customer.has_card = True
        customer.alerts.credited(customer.balance_cents)
        self.tally.saw("purchase")

    @precondition(lambda self: bool(self.with_card()))
    @rule(data=st.data(), amount=amounts)
    def top_up(self, data: st.DataObject, amount: Decimal) -> None:
        slug = self.pick(data, self.with_card())
        customer = self.model[slug]
        reference = f"P-{len(customer.purchases) + 1}"
        result = self.ledger.top_up(slug, amount=amount, reference=reference)
        assert not result.duplicate
        customer.purchases[reference] = ("top-up", amount)
        customer.credit(reference, amount, self.now)
        customer.alerts.credited(customer.balance_cents)
        self.tally.saw("top_up")

    @precondition(lambda self: bool(self.with_purchases()))
    @rule(data=st.data())
    def purchase_sent_again(self, data: st.DataObject) -> None:
        slug = self.pick(data, self.with_purchases())
        customer = self.model[slug]
        reference = data.draw(st.sampled_from(sorted(customer.purchases)), label="reference")
        kind, amount = customer.purchases[reference]
        send = self.ledger.buy_card if kind == "purchase" else self.ledger.top_up
        before = event_count(self.ledger)
        result = send(slug, amount=amount, reference=reference)
        assert (result.duplicate, result.kind, result.amount) == (True, kind, amount)
        assert event_count(self.ledger) == before
        self.tally.saw("purchase_duplicate")

    @precondition(lambda self: bool(self.without_plan()))
    @rule(
        data=st.data(),
        amount=amounts,
        day=st.one_of(st.none(), st.integers(1, 31)),
        start_offset_days=st.integers(-45, 45),
    )
    def buy_monthly(
        self, data: st.DataObject, amount: Decimal, day: int | None, start_offset_days: int
    ) -> None:
        slug = self.pick(data, self.without_plan())
        customer = self.model[slug]
        start = self.now.astimezone(AMSTERDAM).date() + timedelta(days=start_offset_days)
        result = self.ledger.buy_monthly(slug, amount=amount, day=day, start=start.isoformat())
        customer.plan = (start, day if day is not None else start.day, amount)
        customer.has_card = True
        credited = customer.record_monthly(self.now)
        assert result.credits_recorded == credited
        if credited:
            customer.alerts.credited(customer.balance_cents)
        self.tally.saw("monthly_plan")

    # --- work -----------------------------------------------------------------------------------

    @precondition(lambda self: bool(self.model))
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
        self.log(self.pick(data), worked, rate, kind, component, behind)

    @precondition(lambda self: bool(self.with_card()))
    @rule(data=st.data(), share=st.integers(1, 120), behind=backdating)
    def card_work(self, data: st.DataObject, share: int, behind: int) -> None:
        """An RFC for a customer with a card, of about ``share`` % of its balance (at least 0.01 h):
        debits of every size relative to the card, so that it crosses its threshold as often as it
        is emptied."""
        slug = self.pick(data, self.with_card())
        hundredths = self.model[slug].balance_cents * share // cents(DEFAULT_RATE)
        worked = Decimal(max(hundredths, 1)).scaleb(-2)
        self.log(slug, worked, None, "rfc", None, behind)

    def log(
        self, slug: str, worked: Decimal, rate: Decimal | None, kind: str, component: str | None, behind: int
    ) -> None:
        customer = self.model[slug]
        at = max(self.now - timedelta(minutes=behind), self.start)
        self.tickets += 1
        ticket = f"T-{self.tickets}"
        amount = (worked * (rate or DEFAULT_RATE)).quantize(CENT, rounding=ROUND_HALF_UP)
        could_pay = any(b.effective_at <= at for b in customer.blocks.values())
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
        blocks = [(b["reference"], Decimal(b["amount"])) for b in result.to_json()["derivation"]["blocks"]]
        assert blocks == expected.taken
        for moment_taken in booked(customer, expected.taken, at):
            before_cents = customer.balance_cents
            for reference, part in moment_taken:
                customer.blocks[reference].remaining -= part
            customer.alerts.lowered(before_cents, customer.balance_cents)
        customer.work[ticket] = expected
        if expected.invoiceable > ZERO:
            customer.alerts.invoiced(could_pay, customer.balance_cents)
        self.sent[(slug, ticket)] = {
            "hours": worked,
            "rate": rate,
            "kind": kind,
            "component": component,
            "at": at,
        }
        self.tally.saw(f"work_{expected.payer.replace('-', '_')}")

    @precondition(lambda self: bool(self.with_work()))
    @rule(data=st.data(), same=st.booleans())
    def work_sent_again(self, data: st.DataObject, same: bool) -> None:
        slug = self.pick(data, self.with_work())
        customer = self.model[slug]
        ticket = data.draw(st.sampled_from(sorted(customer.work)), label="ticket")
        before = event_count(self.ledger)
        figures = dict(self.sent[(slug, ticket)])
        if not same:  # the same key with other figures: refused, nothing written
            figures["hours"] = figures["hours"] + Decimal("0.01")
            with pytest.raises(ReferenceConflictError, match="other hours"):
                self.ledger.log_work(slug, ticket=ticket, **figures)
            assert event_count(self.ledger) == before
            self.tally.saw("work_conflict_refused")
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
        self.tally.saw("work_duplicate")

    @precondition(lambda self: bool(self.with_work()))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        slug = self.pick(data, self.with_work())
        customer = self.model[slug]
        ticket = data.draw(st.sampled_from(sorted(customer.work)), label="ticket")
        recorded = customer.work[ticket]
        result = self.ledger.reverse_work(slug, ticket=ticket, reason="model-based test")
        assert result.duplicate == recorded.reversed
        assert (result.restored, result.invoiceable_voided) == (recorded.debited, recorded.invoiceable)
        if not recorded.reversed:
            for reference, part in recorded.taken:
                customer.blocks[reference].remaining += part
            recorded.reversed = True
            if recorded.debited > ZERO:
                customer.alerts.restored(customer.balance_cents)
        self.tally.saw("reversal_repeated" if result.duplicate else "reversal")

    # --- contracts and packs ----------------------------------------------------------------------

    def next_change_moment(self, customer: Customer, after: int) -> datetime:
        """Forward-dated: at or after now, and after the customer's last change."""
        last = customer.last_change()
        base = self.now if last is None or last < self.now else last + timedelta(minutes=1)
        return base + timedelta(minutes=after)

    @precondition(lambda self: bool(self.model))
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
            self.tally.saw("contract_start_refused")
            return
        self.ledger.start_contract(slug, tier=tier, effective_from=at)
        customer.contract.append((at, tier))
        self.tally.saw("contract_start")

    def ever_contracted(self) -> list[str]:
        return sorted(slug for slug, customer in self.model.items() if customer.contract)

    @precondition(lambda self: bool(self.ever_contracted()))
    @rule(data=st.data(), after=later, end=st.booleans())
    def change_or_end_contract(self, data: st.DataObject, after: int, end: bool) -> None:
        slug = self.pick(data, self.ever_contracted())
        customer = self.model[slug]
        at = self.next_change_moment(customer, after)
        tier = customer.tier_at(at)
        if tier is None:
            before = event_count(self.ledger)
            refused = (
                partial(self.ledger.end_contract, slug, effective_from=at)
                if end
                else partial(self.ledger.change_contract, slug, tier="comfort", effective_from=at)
            )
            with pytest.raises(NoContractInForceError):
                refused()
            assert event_count(self.ledger) == before
            self.tally.saw("contract_change_refused")
            return
        if end:
            self.ledger.end_contract(slug, effective_from=at)
            customer.contract.append((at, None))
            self.tally.saw("contract_end")
            return
        other = "comfort" if tier == "basis" else "basis"
        result = self.ledger.change_contract(slug, tier=other, effective_from=at)
        assert (result.tier, result.effective_at) == (other, at)
        customer.contract.append((at, other))
        self.tally.saw("contract_change")

    @precondition(lambda self: bool(self.with_free_components()))
    @rule(data=st.data(), after=later)
    def add_pack(self, data: st.DataObject, after: int) -> None:
        slug = self.pick(data, self.with_free_components())
        customer = self.model[slug]
        free = sorted(set(COMPONENTS) - customer.covered())
        components = data.draw(st.lists(st.sampled_from(free), min_size=1, unique=True), label="components")
        pack = f"pack-{len(customer.packs) + 1}"
        at = self.now + timedelta(minutes=after)
        self.ledger.add_pack(slug, pack=pack, components=components, effective_from=at)
        customer.packs[pack] = (at, frozenset(components))
        self.tally.saw("pack")

    # --- delivery -------------------------------------------------------------------------------

    def deliver(self) -> None:
        """``ledger notify run``: every alert so far reaches the mail server and the webhook, once."""
        result = self.ledger.notify_run(self.receivers.senders(), DeliveryPolicy())
        assert (result.failed, result.dead, result.waiting) == (0, 0, 0)
        alerts = self.ledger.alerts(include_acknowledged=True)
        deliveries = self.ledger.deliveries()
        wanted = Counter((alert.id, channel) for alert in alerts for channel in ("email", "webhook"))
        assert Counter((d.alert_id, d.channel) for d in deliveries) == wanted  # one of each per alert
        assert all(d.status == "delivered" for d in deliveries), [d.to_json() for d in deliveries]
        customer_of = {alert.id: alert.customer for alert in alerts}
        mail_ids = {d.id: d.alert_id for d in deliveries if d.channel == "email"}
        mails = [
            (to, header(dict(m.items()), "X-Ledger-Idempotency-Key"))
            for to, m in self.receivers.smtp.messages
        ]
        assert sorted(key for _, key in mails) == sorted(mail_ids)  # each mail once, none missing
        assert all(to == [mailbox(customer_of[mail_ids[key]])] for to, key in mails)
        hook_ids = {d.id: d.alert_id for d in deliveries if d.channel == "webhook"}
        posts = [
            (header(r.headers, "Idempotency-Key"), json.loads(r.body))
            for r in self.receivers.webhook.requests
        ]
        assert sorted(key for key, _ in posts) == sorted(hook_ids)
        assert all(body["alert"]["id"] == hook_ids[key] for key, body in posts)
        for kind in CARD_KINDS:
            delivered = sum(1 for _, body in posts if body["alert"]["kind"] == kind)
            assert delivered == sum(c.alerts.expected.count(kind) for c in self.model.values()), kind
        self.tally.saw("delivered" if result.delivered else "nothing_to_deliver")

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
    def card_alerts_agree(self) -> None:
        """Exactly one alert per crossing, in the order of the crossings, per customer."""
        raised = self.ledger.alerts(include_acknowledged=True)
        for slug, customer in self.model.items():
            kinds = [alert.kind for alert in raised if alert.customer == slug and alert.kind in CARD_KINDS]
            assert kinds == customer.alerts.expected, slug

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

    def every_work_entry_agrees(self) -> None:
        for slug, customer in self.model.items():
            for ticket, recorded in customer.work.items():
                entry = self.ledger.work_entry(slug, ticket=ticket)
                assert (entry.payer, entry.debited, entry.invoiceable, entry.reversed) == (
                    recorded.payer,
                    recorded.debited,
                    recorded.invoiceable,
                    recorded.reversed,
                )


class PostgresLedgerMachine(LedgerMachine):
    store: ClassVar[str] = "postgres"


@pytest.fixture(scope="module")
def receivers() -> Iterator[Receivers]:
    smtp, webhook = SmtpServer().start(), WebhookReceiver().start()
    yield Receivers(smtp, webhook)
    smtp.stop()
    webhook.stop()


def run_machine(machine: type[LedgerMachine], receivers: Receivers, examples_count: int, steps: int) -> Tally:
    tally = Tally()
    machine.receivers, machine.tally = receivers, tally
    run_state_machine_as_test(
        machine,
        settings=settings(max_examples=examples_count, stateful_step_count=steps, deadline=None),
    )
    return tally


def demand_enough(tally: Tally, examples_count: int) -> None:
    """A run that accepted little proves little: most commands must have been accepted, and every
    kind of step the model checks must have happened."""
    tally.at_least(
        purchase=examples_count,
        work_strippenkaart=examples_count,
        delivered=examples_count // 2,
        nearly_used=1,
        fully_used=1,
        reversal=1,
    )
    refused = sum(count for name, count in tally.items() if name.endswith("_refused"))
    assert refused * 4 <= sum(tally.values()), dict(tally)


@pytest.mark.slow
def test_the_ledger_agrees_with_the_model_on_sqlite(receivers: Receivers) -> None:
    count = examples(8)
    demand_enough(run_machine(LedgerMachine, receivers, count, 30), count)


@pytest.mark.slow
@pytest.mark.postgres
def test_the_ledger_agrees_with_the_model_on_postgres(receivers: Receivers) -> None:
    postgres_available()
    count = examples(4)
    demand_enough(run_machine(PostgresLedgerMachine, receivers, count, 30), count)


def test_work_before_the_purchase_on_an_empty_card_is_noticed(sqlite_url: str) -> None:
    """Found by the machine above: work the card never could pay is an ``invoiced-work`` notice
    (DOMAIN.md, issue 16), even when the card happens to be empty when it is recorded."""
    clock = FakeClock()
    with Ledger.open(sqlite_url, actor="model", clock=clock) as ledger:
        ledger.add_customer(
            "acme", name="Acme", account_manager="Anna", account_manager_email=mailbox("acme")
        )
        ledger.buy_card("acme", amount="100.00", reference="P-1")
        clock.advance(hours=2)
        ledger.log_work("acme", ticket="T-1", hours="1", kind="rfc")  # 125.00: card empty, 25.00 invoiced
        before_purchase = START - timedelta(hours=1)
        ledger.log_work("acme", ticket="T-2", hours="1", kind="rfc", at=before_purchase)
        assert [a.kind for a in ledger.alerts(include_acknowledged=True)] == [FULLY_USED, INVOICED_WORK]
