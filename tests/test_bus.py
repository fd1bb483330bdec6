"""The message bus: every write command is dispatched, dated and retried in one place; every
question of the records is validated, dated and answered there, writing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError

from ledger import Ledger, StoreError
from ledger.commands.handlers import HANDLERS
from ledger.commands.models import AddCustomer, Command
from ledger.commands.queries import QUERY_HANDLERS, BalanceOf, PacksAt, Query, WorkEntryOf
from ledger.domain.time import CLOCK_SKEW_MAX
from ledger.errors import InvalidInputError
from tests.support import FakeClock

COMMANDS = sorted(HANDLERS, key=lambda kind: kind.__name__)


@pytest.mark.parametrize("kind", COMMANDS, ids=[kind.__name__ for kind in COMMANDS])
def test_every_command_names_its_role_row_and_an_effective_time_field_it_has(kind: type[Command]) -> None:
    assert kind.COMMAND, f"{kind.__name__} names no row of the role table"
    assert kind.WHEN is None or kind.WHEN in kind.model_fields


def test_a_lost_race_reruns_the_whole_command_on_fresh_state(store_url: str, clock: FakeClock) -> None:
    with Ledger.open(store_url, actor="tester", clock=clock) as ledger:
        handler = HANDLERS[AddCustomer]
        calls: list[int] = []

        def loses_once(*args: object) -> object:
            calls.append(1)
            if len(calls) == 1:
                raise IntegrityError("a rival got there first")
            return handler(*args)  # type: ignore[arg-type]

        ledger.bus.handlers = {**ledger.bus.handlers, AddCustomer: loses_once}
        result = ledger.add_customer("acme", name="Acme", account_manager="Anna")
        assert (len(calls), result.duplicate) == (2, False)


def test_store_failures_become_one_typed_error_and_refusals_pass_through(
    store_url: str, clock: FakeClock
) -> None:
    with Ledger.open(store_url, actor="tester", clock=clock) as ledger:

        def store_down(*args: object) -> object:
            raise OperationalError("server closed the connection unexpectedly")

        ledger.bus.handlers = {**ledger.bus.handlers, AddCustomer: store_down}
        with pytest.raises(StoreError, match="server closed the connection"):
            ledger.add_customer("acme", name="Acme", account_manager="Anna")


def test_the_bus_refuses_work_dated_in_the_future_before_the_handler_runs(
    store_url: str, clock: FakeClock
) -> None:
    with Ledger.open(store_url, actor="tester", clock=clock) as ledger:
        later = clock() + CLOCK_SKEW_MAX + timedelta(minutes=1)
        with pytest.raises(InvalidInputError, match="is in the future"):
            ledger.add_customer("acme", name="Acme", account_manager="Anna", at=later)
        assert ledger.customers() == []


def test_dated_terms_may_lie_in_the_future(store_url: str, clock: FakeClock) -> None:
    with Ledger.open(store_url, actor="tester", clock=clock) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2026-01-01")
        start = datetime(2030, 1, 1, tzinfo=UTC)
        change = ledger.start_contract("acme", tier="basis", effective_from=start)
        assert change.effective_at == start


QUERIES = sorted(QUERY_HANDLERS, key=lambda kind: kind.__name__)


@pytest.mark.parametrize("kind", QUERIES, ids=[kind.__name__ for kind in QUERIES])
def test_every_question_has_a_handler_that_exists(kind: type[Query]) -> None:
    """The table names its handlers lazily; each name must resolve to a function."""
    assert callable(QUERY_HANDLERS[kind])
    assert isinstance(QUERY_HANDLERS[kind].__name__, str)


def test_a_question_writes_nothing_and_loads_no_command_handler(store_url: str, clock: FakeClock) -> None:
    with Ledger.open(store_url, actor="tester", clock=clock) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2026-01-01")
        ledger.buy_card("acme", amount="5000", reference="PO-1")
    with Ledger.open(store_url, clock=clock) as reader:
        position = reader.log_position()
        balance = reader.bus.handle(BalanceOf.build(customer="acme"))
        assert str(balance.balance) == "5000.00"
        assert reader.log_position() == position
        assert "handlers" not in vars(reader.bus), "a question loaded the command table"


def test_a_dated_question_is_asked_at_the_clock_unless_it_names_a_moment(
    store_url: str, clock: FakeClock
) -> None:
    with Ledger.open(store_url, actor="tester", clock=clock) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2026-01-01")
        later = clock() + timedelta(days=30)
        ledger.add_pack("acme", pack="werkplek", components=["laptops"], effective_from=later)
        assert ledger.bus.handle(PacksAt.build(customer="acme")).active == {}
        assert ledger.bus.handle(PacksAt.build(customer="acme", at=later)).active == {"werkplek": ["laptops"]}


def test_a_question_is_validated_like_a_command_and_store_failures_are_typed(
    store_url: str, clock: FakeClock
) -> None:
    with Ledger.open(store_url, actor="tester", clock=clock) as ledger:
        with pytest.raises(InvalidInputError, match="entry"):
            WorkEntryOf.build(customer="acme")
        with pytest.raises(InvalidInputError, match="customer"):
            BalanceOf.build(customer="Not A Slug!")
        with pytest.raises(InvalidInputError, match="customer"):
            BalanceOf.build(customer=None)
        assert PacksAt.build(customer=" acme ").customer == "acme"

        def store_down(*args: object) -> object:
            raise OperationalError("server closed the connection unexpectedly")

        ledger.bus.queries = {**ledger.bus.queries, BalanceOf: store_down}
        with pytest.raises(StoreError, match="server closed the connection"):
            ledger.balance("acme")
