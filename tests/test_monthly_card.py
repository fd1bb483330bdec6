"""The monthly strippenkaart and the clock, through the library, on SQLite and PostgreSQL."""

from __future__ import annotations

import calendar
import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import InvalidInputError, Ledger, NoCardError
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.domain.time import AMSTERDAM, start_of_day
from ledger.errors import MonthlyPlanConflictError, NoMonthlyPlanError
from tests.support import FakeClock, event_count, examples


def local(text: str) -> datetime:
    """A wall-clock time in Amsterdam, e.g. ``2026-03-31 09:00``."""
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


def monthly_blocks(ledger: Ledger, customer: str) -> dict[str, tuple[Decimal, datetime]]:
    card = ledger.app.card(customer)
    assert card is not None
    return {
        ref: (block.amount, block.effective_at)
        for ref, block in card.blocks.items()
        if block.kind == "monthly"
    }


@pytest.fixture
def acme(ledger: Ledger) -> Ledger:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna de Vries")
    return ledger


def test_buying_monthly_credits_the_months_already_due_and_the_clock_the_rest(
    acme: Ledger, clock: FakeClock
) -> None:
    clock.now = local("2026-03-02 09:00")
    bought = acme.buy_monthly("acme", amount="500.00", day=1, start="2026-02-01")
    assert bought.credits_recorded == ["monthly:2026-02", "monthly:2026-03"]
    assert bought.balance == Decimal("1000.00")

    clock.now = local("2026-06-01 00:00")
    ticked = acme.tick()
    assert [i.reference for i in ticked.items] == ["monthly:2026-04", "monthly:2026-05", "monthly:2026-06"]
    assert ticked.recorded == {
        "monthly-credit": 3,
        "expiry-write-off": 0,
        "evaluation-due": 0,
        "grant-expiring": 0,
        "grant-expiry": 0,
        "credit-expiring": 0,
    }
    assert ticked.actor == "clock"
    assert {i.effective_at for i in ticked.items} == {
        local("2026-04-01 00:00"),
        local("2026-05-01 00:00"),
        local("2026-06-01 00:00"),
    }
    before = event_count(acme)
    again = acme.tick()
    assert again.items == ()
    assert again.recorded == {
        "monthly-credit": 0,
        "expiry-write-off": 0,
        "evaluation-due": 0,
        "grant-expiring": 0,
        "grant-expiry": 0,
        "credit-expiring": 0,
    }
    assert event_count(acme) == before
    assert acme.balance("acme").credited == Decimal("2500.00")


def test_day_31_credits_on_every_months_last_day_through_a_leap_february(
    acme: Ledger, clock: FakeClock
) -> None:
    clock.now = local("2027-12-01 09:00")
    acme.buy_monthly("acme", amount="100", day=31, start="2027-12-01")
    clock.now = local("2028-05-01 09:00")
    acme.tick()
    assert {ref: at.date().isoformat() for ref, (_, at) in monthly_blocks(acme, "acme").items()} == {
        "monthly:2027-12": "2027-12-31",
        "monthly:2028-01": "2028-01-31",
        "monthly:2028-02": "2028-02-29",
        "monthly:2028-03": "2028-03-31",
        "monthly:2028-04": "2028-04-30",
    }


@pytest.mark.parametrize(
    ("plan_day", "february"), [(29, "2027-02-28"), (30, "2027-02-28"), (28, "2027-02-28")]
)
def test_days_29_and_30_in_a_common_february(
    acme: Ledger, clock: FakeClock, plan_day: int, february: str
) -> None:
    clock.now = local("2027-01-01 09:00")
    acme.buy_monthly("acme", amount="100", day=plan_day, start="2027-01-01")
    clock.now = local("2027-03-31 09:00")
    acme.tick()
    dates = {ref: at.date().isoformat() for ref, (_, at) in monthly_blocks(acme, "acme").items()}
    assert dates == {
        "monthly:2027-01": f"2027-01-{plan_day}",
        "monthly:2027-02": february,
        "monthly:2027-03": f"2027-03-{plan_day}",
    }


def test_day_defaults_to_the_day_of_the_start_and_start_to_today(acme: Ledger, clock: FakeClock) -> None:
    clock.now = local("2026-03-17 15:00")
    bought = acme.buy_monthly("acme", amount="250")
    assert bought.terms == [{"from": local("2026-03-17 00:00"), "amount": "250.00", "day": 17}]
    assert bought.credits_recorded == ["monthly:2026-03"]


def test_a_change_takes_effect_from_its_date_and_earlier_months_keep_their_amount(
    acme: Ledger, clock: FakeClock
) -> None:
    clock.now = local("2026-01-01 09:00")
    acme.buy_monthly("acme", amount="500", day=1, start="2026-01-01", until="2026-12-01")
    clock.now = local("2026-03-05 09:00")
    acme.tick()
    acme.change_monthly("acme", amount="400", start="2026-05-01")
    clock.now = local("2027-03-01 09:00")
    acme.tick()
    amounts = {ref: amount for ref, (amount, _) in monthly_blocks(acme, "acme").items()}
    assert amounts == {f"monthly:2026-{m:02d}": Decimal(500 if m < 5 else 400) for m in range(1, 12)}


def test_a_plan_cannot_be_changed_or_stopped_for_a_month_already_credited(
    acme: Ledger, clock: FakeClock
) -> None:
    clock.now = local("2026-03-02 09:00")
    acme.buy_monthly("acme", amount="500", day=1, start="2026-01-01")
    before = event_count(acme)
    with pytest.raises(MonthlyPlanConflictError, match=r"from: the credit 'monthly:2026-03'"):
        acme.change_monthly("acme", amount="400", start="2026-02-15")
    with pytest.raises(MonthlyPlanConflictError, match="monthly:2026-03"):
        acme.stop_monthly("acme", start="2026-03-01")
    with pytest.raises(MonthlyPlanConflictError, match="already has a monthly plan"):
        acme.buy_monthly("acme", amount="100", day=5, start="2026-06-01")
    assert event_count(acme) == before


def test_plan_commands_repeated_take_effect_once(acme: Ledger, clock: FakeClock) -> None:
    clock.now = local("2026-01-05 09:00")
    first = acme.buy_monthly("acme", amount="500", day=1, start="2026-02-01", until="2027-02-01")
    again = acme.buy_monthly("acme", amount="500", day=1, start="2026-02-01", until="2027-02-01")
    assert (first.duplicate, again.duplicate) == (False, True)
    acme.change_monthly("acme", amount="450", start="2026-06-01")
    before = event_count(acme)
    assert acme.change_monthly("acme", amount="450", start="2026-06-01").duplicate
    acme.stop_monthly("acme", start="2026-09-01")
    assert acme.stop_monthly("acme", start="2026-09-01").duplicate
    assert acme.stop_monthly("acme", start="2026-10-01").duplicate  # nothing runs then anyway
    assert event_count(acme) == before + 1


def test_plan_refusals_name_the_field_and_write_nothing(acme: Ledger, clock: FakeClock) -> None:
    before = event_count(acme)
    with pytest.raises(InvalidInputError, match="day"):
        acme.buy_monthly("acme", amount="500", day=32)
    with pytest.raises(InvalidInputError, match="day"):
        acme.buy_monthly("acme", amount="500", day=0)
    with pytest.raises(InvalidInputError, match="until: 2026-01-01 is not after the start 2026-01-01"):
        acme.buy_monthly("acme", amount="500", start="2026-01-01", until="2026-01-01")
    with pytest.raises(InvalidInputError, match="amount"):
        acme.buy_monthly("acme", amount="-5")
    with pytest.raises(NoCardError, match="acme"):
        acme.change_monthly("acme", amount="400", start="2026-05-01")
    assert event_count(acme) == before
    acme.buy_card("acme", amount="100", reference="O-1")
    before = event_count(acme)
    with pytest.raises(NoMonthlyPlanError, match="no monthly plan in force on 2026-05-01"):
        acme.change_monthly("acme", amount="400", start="2026-05-01")
    with pytest.raises(NoMonthlyPlanError):
        acme.stop_monthly("acme", start="2026-05-01")
    with pytest.raises(InvalidInputError, match=r"until: .* is in the future"):
        acme.tick(clock.now + timedelta(minutes=1))
    assert event_count(acme) == before


def test_the_clock_visits_only_indexed_cards_and_indexes_each_once(ledger: Ledger, clock: FakeClock) -> None:
    for name in ("plain", "monthly", "expiring"):
        ledger.add_customer(name, name=name, account_manager="Anna")
    ledger.buy_card("plain", amount="100", reference="P-1")
    ledger.buy_monthly("monthly", amount="100")
    ledger.change_monthly("monthly", amount="120", start=clock.now + timedelta(days=40))
    ledger.buy_card("expiring", amount="100", reference="E-1", expires_at="2026-06-01")
    ledger.top_up("expiring", amount="100", reference="E-2", expires_at="2026-07-01")
    assert ledger.tick().visited == 2
    from ledger.commands.clock_index import ClockIndex

    index = ClockIndex(ledger.app)
    assert len(list(index.log.get())) == 2
    assert set(index.aggregate_ids()) == {
        Strippenkaart.create_id("monthly"),
        Strippenkaart.create_id("expiring"),
    }


def test_a_card_with_a_plan_survives_a_snapshot(acme: Ledger, clock: FakeClock) -> None:
    clock.now = local("2026-01-01 09:00")
    acme.buy_monthly("acme", amount="500", day=1, start="2026-01-01")
    acme.change_monthly("acme", amount="400", start="2026-04-01")
    card = acme.app.card("acme")
    assert card is not None
    acme.app.take_snapshot(card.id)
    restored = acme.app.card("acme")
    assert restored is not None
    assert restored.monthly_terms == card.monthly_terms
    clock.now = local("2026-05-02 09:00")
    assert [str(i.amount) for i in acme.tick().items] == ["500.00", "500.00", "400.00", "400.00"]


def test_snapshots_from_before_monthly_plans_are_upcast() -> None:
    state: dict[str, object] = {"credited": Decimal("1.00")}
    Strippenkaart.upcast_v1_v2(state)
    assert state == {"credited": Decimal("1.00"), "expired": Decimal("0.00"), "monthly_terms": []}


def reference_periods(start: date, plan_day: int, until: date | None, horizon: datetime) -> set[str]:
    found = set()
    for year, month in itertools.product(range(start.year, horizon.year + 1), range(1, 13)):
        due = datetime(year, month, min(plan_day, calendar.monthrange(year, month)[1]), tzinfo=AMSTERDAM)
        if start_of_day(start) <= due <= horizon and (until is None or due < start_of_day(until)):
            found.add(f"monthly:{year:04d}-{month:02d}")
    return found


customers = itertools.count()


@settings(max_examples=examples(12), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
    plan_day=st.integers(min_value=1, max_value=31),
    length_days=st.one_of(st.none(), st.integers(min_value=1, max_value=700)),
    ticks=st.lists(st.one_of(st.none(), st.integers(min_value=-40, max_value=800)), min_size=1, max_size=8),
)
def test_for_any_schedule_and_any_ticks_each_elapsed_month_is_credited_once(
    ledger: Ledger,
    clock: FakeClock,
    start: date,
    plan_day: int,
    length_days: int | None,
    ticks: list[int | None],
) -> None:
    """Ticks go forwards, repeat, jump months, or go back (None: tick at the clock's now)."""
    customer = f"c{next(customers)}"
    ledger.add_customer(customer, name=customer, account_manager="Anna")
    until = None if length_days is None else start + timedelta(days=length_days)
    clock.now = start_of_day(start) - timedelta(hours=1)
    ledger.buy_monthly(
        customer,
        amount="10",
        day=plan_day,
        start=start.isoformat(),
        until=None if until is None else until.isoformat(),
    )
    horizon = clock.now
    for offset in ticks:
        if offset is None:
            ledger.tick()
        else:
            moment = start_of_day(start + timedelta(days=offset))
            clock.now = max(clock.now, moment)
            ledger.tick(moment)
            horizon = max(horizon, moment)
        blocks = monthly_blocks(ledger, customer)
        assert set(blocks) == reference_periods(start, plan_day, until, horizon)
        assert all(amount == Decimal("10.00") for amount, _ in blocks.values())
        assert ledger.balance(customer).credited == Decimal(10 * len(blocks))
