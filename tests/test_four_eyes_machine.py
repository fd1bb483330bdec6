"""A state machine over people, roles, requests, grants, scopes, suspensions, resumes, revocations
and withdrawals: no single person ever makes an admin account able to do a task it could not do
before.

The model below is independent of the implementation: it knows each actor as a true person (the
machine types that person's name in several spellings), keeps its own small picture of each account
(holder, open request, granted tasks, the grant's requester, suspended), predicts whether the ledger
must accept each step, and after every step compares what each account may do with what the ledger
says. Every step that widens an account is checked to have had a second person in it.
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import psycopg
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from ledger import Ledger
from ledger.errors import AdminGrantError, IdentityError, UnknownAdminAccountError, UnknownPersonError
from tests.conftest import POSTGRES_URL, postgres_available
from tests.support import FakeClock, examples
from tests.tally import Tally

REFUSALS = (AdminGrantError, IdentityError, UnknownAdminAccountError, UnknownPersonError)
"""What a refused step may raise: the four-eyes, identity and lookup refusals, nothing else."""
PEOPLE = ["jan@acme.nl", "kim@acme.nl", "bob@msp.nl", "sam@msp.nl", "eve@msp.nl"]
ACCOUNTS = ["adm-1", "adm-2"]
TASKS = ["backup.restore", "users.create", "users.reset-password"]
ROLE_SETS = [
    ("servicedesk",),
    ("security-officer",),
    ("account-manager",),
    ("servicedesk", "security-officer"),
]
APPROVERS = {"servicedesk", "security-officer"}

task_sets = st.lists(st.sampled_from(TASKS), min_size=1, max_size=3, unique=True).map(sorted)


def spell(person: str, how: int) -> str:
    """The same person, typed another way: as is, upper case, padded, or in full-width letters."""
    if how == 1:
        return person.upper()
    if how == 2:
        return f"  {person.title()} "
    if how == 3:
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in person)
    return person


@dataclass
class Account:
    holder: str
    request: tuple[str, frozenset[str]] | None = None
    tasks: frozenset[str] | None = None
    grant_requester: str | None = None
    suspended: bool = False

    def able(self) -> frozenset[str]:
        return frozenset() if self.tasks is None or self.suspended else self.tasks


@dataclass
class Model:
    accounts: dict[str, Account] = field(default_factory=dict)
    roles: dict[str, frozenset[str]] = field(default_factory=dict)
    active: dict[str, bool] = field(default_factory=dict)

    def holds(self, person: str, wanted: set[str]) -> bool:
        """Once anyone is registered, an approver must be an active person with the role."""
        if not self.roles:
            return True
        return self.active.get(person, False) and bool(self.roles[person] & wanted)


class FourEyesMachine(RuleBasedStateMachine):
    url: str = ""
    tally: ClassVar[Tally]

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.ledger = Ledger.open(self.store(), actor="setup", clock=self.clock)
        self.ledger.add_customer("acme", name="Acme", account_manager="Anna")
        self.ledger.start_contract("acme", tier="basis", effective_from="2026-01-01")
        self.model = Model()

    def store(self) -> str:
        raise NotImplementedError

    def teardown(self) -> None:
        self.ledger.close()

    def attempt(self, expected: bool, call: Any) -> bool:
        """Run ``call``; the ledger must accept it exactly when the model says so."""
        self.clock.advance(minutes=1)
        refusal = None
        try:
            call()
        except REFUSALS as error:
            refusal = str(error)
        if expected:
            assert refusal is None, f"refused but the model allows it: {refusal}"
        else:
            assert refusal is not None, "accepted but the model refuses it"
        self.tally.saw("accepted" if refusal is None else "refused")
        return refusal is None

    def widened_by_one(self, name: str, before: frozenset[str], actor: str, others: set[str | None]) -> None:
        """The property: if the account can now do more, ``actor`` is none of ``others`` (the
        requester and holder, or for a resume the holder and the grant's requester), and those
        others exist: a second person took part."""
        widened = self.model.accounts[name].able() - before
        if widened:
            self.tally.saw("widened")
            assert others - {None}, (name, actor, widened, "nobody else took part")
            assert actor not in others, (name, actor, widened, others)

    # --- people and roles ----------------------------------------------------------------------

    @initialize(staffed=st.booleans())
    def staff(self, staffed: bool) -> None:
        """Each account starts with an open request; half the runs start with a register (approvals
        then need roles), half without."""
        if staffed:
            self.add_person("sam@msp.nl", ("security-officer",), "setup")
            self.add_person("bob@msp.nl", ("servicedesk",), "sam@msp.nl")
        starts = [("jan@acme.nl", "jan@acme.nl"), ("kim@acme.nl", "eve@msp.nl")]  # (requester, holder)
        for name, (by, holder) in zip(ACCOUNTS, starts, strict=True):
            self.ledger.request_admin(
                "acme", account=name, tasks=TASKS[1:], reason="start", holder=holder, actor=by
            )
            self.model.accounts[name] = Account(holder=holder, request=(by, frozenset(TASKS[1:])))

    @rule(
        kind=st.sampled_from(["add", "change", "deactivate"]),
        person=st.sampled_from(PEOPLE),
        roles=st.sampled_from(ROLE_SETS),
        by=st.sampled_from(PEOPLE),
    )
    def people(self, kind: str, person: str, roles: tuple[str, ...], by: str) -> None:
        """One rule for every change of people, so they do not crowd out the admin steps."""
        if kind == "add":
            self.add_person(person, roles, by)
        elif kind == "change":
            self.change_roles(person, roles, by)
        else:
            self.deactivate(person, by)

    def add_person(self, person: str, roles: tuple[str, ...], by: str) -> None:
        known = person in self.model.roles
        expected = not known and not (by == person and self.model.roles)
        if known and self.model.active[person] and self.model.roles[person] == frozenset(roles):
            expected = True  # the same details again: accepted, nothing changes
        name = person.split("@")[0].title()
        if self.attempt(expected, lambda: self.ledger.add_person(person, name=name, roles=roles, actor=by)):
            self.model.roles[person] = frozenset(roles)
            self.model.active.setdefault(person, True)

    def change_roles(self, person: str, roles: tuple[str, ...], by: str) -> None:
        expected = by != person and self.model.active.get(person, False)
        if self.attempt(expected, lambda: self.ledger.change_person(person, roles=roles, actor=by)):
            self.model.roles[person] = frozenset(roles)

    def deactivate(self, person: str, by: str) -> None:
        expected = by != person and self.model.active.get(person, False)
        if self.attempt(expected, lambda: self.ledger.deactivate_person(person, reason="left", actor=by)):
            self.model.active[person] = False

    # --- requests and approvals -----------------------------------------------------------------

    @rule(
        name=st.sampled_from(ACCOUNTS),
        by=st.sampled_from(PEOPLE),
        how=st.integers(0, 3),
        tasks=task_sets,
        holder=st.sampled_from([None, None, None, *PEOPLE]),
    )
    def request(self, name: str, by: str, how: int, tasks: list[str], holder: str | None) -> None:
        account = self.model.accounts.get(name)
        expected = account is None or (
            account.request is None and (holder is None or holder == account.holder)
        )

        def call() -> None:
            self.ledger.request_admin(
                "acme", account=name, tasks=tasks, reason="work", holder=holder, actor=spell(by, how)
            )

        if self.attempt(expected, call):
            if account is None:
                account = self.model.accounts[name] = Account(holder=holder or by)
            account.request = (by, frozenset(tasks))

    def asked_mostly(self, data: st.DataObject, name: str) -> list[str]:
        """Tasks for an approval: usually some the open request asked for, sometimes any."""
        account = self.model.accounts.get(name)
        request = None if account is None else account.request
        current = sorted(account.tasks) if account is not None and account.tasks else []
        if len(current) > 1 and data.draw(st.integers(0, 2), label="narrow") == 0:
            fewer = st.lists(st.sampled_from(current), min_size=1, max_size=len(current) - 1, unique=True)
            return sorted(data.draw(fewer, label="fewer"))
        if request is None or data.draw(st.integers(0, 3), label="any tasks") == 0:
            return data.draw(task_sets, label="tasks")
        base = set() if account is None or account.tasks is None else set(account.tasks)
        some = st.lists(st.sampled_from(sorted(request[1])), min_size=1, unique=True)
        asked = data.draw(st.one_of(st.just(sorted(request[1])), some), label="asked")
        return sorted(base | set(asked))

    def someone(self, data: st.DataObject, roles: set[str]) -> str:
        """Anyone; more often someone the register lets approve, so approvals are tried often."""
        able = [p for p in PEOPLE if self.model.holds(p, roles)]
        prefer_able: bool = data.draw(st.booleans(), label="able")
        pool = able if able and prefer_able else PEOPLE
        return data.draw(st.sampled_from(pool), label="by")

    @rule(name=st.sampled_from(ACCOUNTS), how=st.integers(0, 3), data=st.data())
    def grant(self, name: str, how: int, data: st.DataObject) -> None:
        by = self.someone(data, APPROVERS)
        tasks = self.asked_mostly(data, name)
        account = self.model.accounts.get(name)
        request = None if account is None else account.request
        expected = (
            account is not None
            and request is not None
            and by not in (request[0], account.holder)
            and set(tasks) <= request[1]
            and self.model.holds(by, APPROVERS)
        )

        def call() -> None:
            self.ledger.grant_admin("acme", account=name, tasks=tasks, rfc="RFC-1", actor=spell(by, how))

        if account is None:
            self.attempt(False, call)
            return
        before = account.able()
        if self.attempt(expected, call):
            assert request is not None
            account.tasks, account.grant_requester, account.request = frozenset(tasks), request[0], None
            self.widened_by_one(name, before, by, {request[0], account.holder})

    @rule(name=st.sampled_from(ACCOUNTS), how=st.integers(0, 3), data=st.data())
    def scope(self, name: str, how: int, data: st.DataObject) -> None:
        by = self.someone(data, APPROVERS)
        tasks = self.asked_mostly(data, name)
        account = self.model.accounts.get(name)
        if account is None or account.tasks is None or account.tasks == frozenset(tasks):
            expected = False
        else:
            added = set(tasks) - account.tasks
            request = account.request
            expected = not added or (
                request is not None
                and by not in (request[0], account.holder)
                and added <= request[1]
                and self.model.holds(by, APPROVERS)
            )

        def call() -> None:
            self.ledger.change_admin_scope(
                "acme", account=name, tasks=tasks, reason="r", rfc="RFC-2", actor=spell(by, how)
            )

        if account is None:
            self.attempt(False, call)
            return
        before, request = account.able(), account.request
        if self.attempt(expected, call):
            assert account.tasks is not None
            others: set[str | None] = set()
            if set(tasks) - account.tasks:
                assert request is not None
                account.request = None
                others = {request[0], account.holder}
            account.tasks = frozenset(tasks)
            self.widened_by_one(name, before, by, others)

    @rule(name=st.sampled_from(ACCOUNTS), by=st.sampled_from(PEOPLE))
    def withdraw(self, name: str, by: str) -> None:
        account = self.model.accounts.get(name)
        expected = account is not None and account.request is not None
        call = lambda: self.ledger.withdraw_admin_request("acme", account=name, reason="r", actor=by)  # noqa: E731
        if self.attempt(expected, call) and account is not None:
            account.request = None

    # --- standing -------------------------------------------------------------------------------

    @rule(name=st.sampled_from(ACCOUNTS), by=st.sampled_from(PEOPLE))
    def suspend(self, name: str, by: str) -> None:
        account = self.model.accounts.get(name)
        expected = account is not None and not account.suspended
        call = lambda: self.ledger.suspend_admin("acme", account=name, reason="r", actor=by)  # noqa: E731
        if self.attempt(expected, call) and account is not None:
            account.suspended = True

    @rule(name=st.sampled_from(ACCOUNTS), how=st.integers(0, 3), data=st.data())
    def resume(self, name: str, how: int, data: st.DataObject) -> None:
        by = self.someone(data, {"security-officer"})
        account = self.model.accounts.get(name)
        expected = (
            account is not None
            and account.suspended
            and by not in (account.holder, account.grant_requester if account.tasks is not None else None)
            and self.model.holds(by, {"security-officer"})
        )
        call = lambda: self.ledger.resume_admin("acme", account=name, reason="r", actor=spell(by, how))  # noqa: E731
        if account is None:
            self.attempt(False, call)
            return
        before = account.able()
        if self.attempt(expected, call):
            account.suspended = False
            self.widened_by_one(name, before, by, {account.holder, account.grant_requester})

    @rule(name=st.sampled_from(ACCOUNTS), by=st.sampled_from(PEOPLE))
    def revoke(self, name: str, by: str) -> None:
        account = self.model.accounts.get(name)
        expected = account is not None and account.tasks is not None
        call = lambda: self.ledger.revoke_admin("acme", account=name, reason="r", actor=by)  # noqa: E731
        if self.attempt(expected, call) and account is not None:
            account.tasks, account.grant_requester, account.suspended = None, None, False

    # --- what each account may do, by the ledger and by the model ---------------------------------

    @invariant()
    def the_ledger_agrees_with_the_model(self) -> None:
        for name, account in self.model.accounts.items():
            for task in TASKS:
                allowed = self.ledger.admin_check("acme", account=name, task=task).allowed
                assert allowed is (task in account.able()), (name, task, account)


class SQLiteMachine(FourEyesMachine):
    def store(self) -> str:
        self.directory = tempfile.TemporaryDirectory()
        return f"sqlite:///{Path(self.directory.name) / 'ledger.db'}"

    def teardown(self) -> None:
        super().teardown()
        self.directory.cleanup()


class PostgresMachine(FourEyesMachine):
    def store(self) -> str:
        self.schema = f"t_{uuid.uuid4().hex[:12]}"
        separator = "&" if "?" in POSTGRES_URL else "?"
        return f"{POSTGRES_URL}{separator}schema={self.schema}"

    def teardown(self) -> None:
        super().teardown()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


def run_four_eyes(machine: type[FourEyesMachine], count: int, steps: int) -> None:
    tally = Tally()
    machine.tally = tally
    run_state_machine_as_test(
        machine, settings=settings(max_examples=count, stateful_step_count=steps, deadline=None)
    )
    # Refusals are most of the point (each is predicted by the model), but a run that never widened
    # an account, or accepted almost nothing, proves nothing.
    tally.at_least(widened=1)
    assert tally["accepted"] * 20 >= tally["accepted"] + tally["refused"], dict(tally)


@pytest.mark.slow
def test_no_single_person_widens_an_account_on_sqlite() -> None:
    run_four_eyes(SQLiteMachine, examples(60), 40)


@pytest.mark.slow
@pytest.mark.postgres
def test_no_single_person_widens_an_account_on_postgres() -> None:
    postgres_available()
    run_four_eyes(PostgresMachine, examples(10), 25)
