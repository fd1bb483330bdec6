"""Default deny over any history: an admin check says "allowed" exactly when a plain reference
model finds a grant in force at that moment covering the task.

Histories are generated as steps arriving in any effective order (backdated, scheduled, ties on
the same moment), mixed with contract starts and ends. The reference model below is written from
the rules, not from the implementation's walk: a grant counts at T when it is the latest
non-cancelled grant started by T, no revocation recorded after it is effective by T, T is before
its ``valid_until``, the account is not suspended at T, and the contract has been in force from
the grant's start through T without a break.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ledger import Ledger, UnknownAdminAccountError
from ledger.aggregates.admin_account import AdminAccount
from ledger.aggregates.servicedesk_contract import ServicedeskContract
from ledger.config import AdminSettings, LedgerSettings
from ledger.domain.admin_access import Period, decide
from ledger.domain.admin_tasks import TaskCatalogue
from ledger.domain.service_window import Tier
from ledger.domain.time import AMSTERDAM
from ledger.errors import AdminGrantError, TimelineError
from tests.support import FakeClock, event_count, examples
from tests.tally import Tally

BASE = datetime(2026, 1, 1, tzinfo=AMSTERDAM)
CATALOGUE = TaskCatalogue.of(
    ["users.create", "users.reset-password", "mailbox.permissions", "backup.restore"]
)
TASKS = list(CATALOGUE.tasks)

days = st.integers(min_value=0, max_value=12)
task_sets = st.lists(st.sampled_from([*TASKS, "users.*"]), min_size=1, max_size=3, unique=True)
customers = st.sampled_from(["cust-a", "cust-b"])
staff = st.sampled_from(["cust-a", "staff-x", "staff-y"])

steps = st.one_of(
    st.tuples(st.just("request"), customers, task_sets, days),
    st.tuples(st.just("grant"), staff, task_sets, days, st.one_of(st.none(), st.integers(1, 8))),
    st.tuples(st.just("scope"), staff, task_sets, days),
    st.tuples(st.sampled_from(["suspend", "resume", "revoke"]), staff, days),
    st.tuples(st.sampled_from(["contract-end", "contract-start"]), days),
)
questions = st.lists(st.tuples(st.integers(0, 24).map(lambda h: h * 12), st.sampled_from(TASKS)), max_size=8)


GRANTED = [
    ("request", "cust-a", ["users.create", "backup.restore"], 1),
    ("grant", "staff-x", ["users.create"], 2, None),
    ("suspend", "staff-y", 4),
    ("resume", "staff-x", 5),
    ("request", "cust-a", ["backup.restore"], 6),
    ("scope", "staff-y", ["users.create", "backup.restore"], 7),
]
"""A history that is accepted step by step (requested, granted by another, suspended and resumed,
widened on a second request): random histories on a store rarely get that far in a few examples."""


def day(n: int) -> datetime:
    return BASE + timedelta(days=n)


@dataclass
class Reference:
    """The accepted steps, in the order recorded; every answer is derived from them directly."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    contract_moments: list[datetime] = field(default_factory=list)

    def add(self, **step: Any) -> None:
        self.steps.append({"seq": len(self.steps), **step})

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [step for step in self.steps if step["kind"] == kind]

    def latest(self, steps: list[dict[str, Any]], at: datetime) -> dict[str, Any] | None:
        due = [step for step in steps if step["eff"] <= at]
        return max(due, key=lambda step: (step["eff"], step["seq"])) if due else None

    def grant_at(self, at: datetime) -> dict[str, Any] | None:
        revocations = self.of("revoke")

        def cancelled(grant: dict[str, Any]) -> bool:
            return any(r["seq"] > grant["seq"] and r["eff"] <= grant["eff"] for r in revocations)

        grant = self.latest([g for g in self.of("grant") if not cancelled(g)], at)
        if grant is None or any(r["seq"] > grant["seq"] and r["eff"] <= at for r in revocations):
            return None
        if grant["until"] is not None and at >= grant["until"]:
            return None
        return grant

    def allowed(self, at: datetime, task: str, contract: ServicedeskContract) -> int | None:
        """The number of the grant that allows ``task`` at ``at``, or None."""
        grant = self.grant_at(at)
        if grant is None:
            return None
        scope = self.latest([s for s in self.of("scope") if s["grant"] == grant["number"]], at)
        tasks = grant["tasks"] if scope is None else scope["tasks"]
        standing = self.latest(self.of("suspend") + self.of("resume") + self.of("revoke"), at)
        suspended = standing is not None and standing["kind"] == "suspend"
        moments = [grant["eff"], *(m for m in self.contract_moments if grant["eff"] < m <= at)]
        served = all(contract.tier_at(moment) is not None for moment in moments)
        return grant["number"] if task in tasks and not suspended and served else None


class Target:
    """Applies a step to the system under test; raises LedgerError when it is refused."""

    def request(self, actor: str, tasks: list[str], at: datetime) -> None:
        raise NotImplementedError

    def grant(self, actor: str, tasks: list[str], at: datetime, until: datetime | None) -> int:
        raise NotImplementedError

    def scope(self, actor: str, tasks: list[str], at: datetime) -> int:
        raise NotImplementedError

    def standing(self, kind: str, actor: str, at: datetime) -> None:
        raise NotImplementedError

    def change_contract(self, kind: str, at: datetime) -> None:
        raise NotImplementedError


REFUSALS = (AdminGrantError, TimelineError, UnknownAdminAccountError)
"""What a step of a random history may be refused with (four-eyes, grant and contract-timeline
rules; a grant of an account never requested): anything else is a failure."""


def replay(target: Target, history: list[tuple[Any, ...]], reference: Reference, tally: Tally) -> None:
    """Apply every step; the accepted ones go into the reference model in the same order."""
    for step in history:
        kind = step[0]
        try:
            if kind == "request":
                _, actor, asked, n = step
                target.request(actor, asked, day(n))
                reference.add(kind=kind, actor=actor, eff=day(n))
            elif kind == "grant":
                _, actor, asked, n, length = step
                until = None if length is None else day(n + length)
                number = target.grant(actor, asked, day(n), until)
                tasks = CATALOGUE.resolve(asked).tasks
                reference.add(kind=kind, actor=actor, eff=day(n), until=until, tasks=tasks, number=number)
            elif kind == "scope":
                _, actor, asked, n = step
                number = target.scope(actor, asked, day(n))
                reference.add(kind=kind, eff=day(n), grant=number, tasks=CATALOGUE.resolve(asked).tasks)
            elif kind in ("suspend", "resume", "revoke"):
                _, actor, n = step
                target.standing(kind, actor, day(n))
                reference.add(kind=kind, eff=day(n))
            else:
                target.change_contract(kind, day(step[1]))
                reference.contract_moments.append(day(step[1]))
        except REFUSALS as error:
            tally.saw(f"refused_{type(error).__name__}")
            continue
        tally.saw(f"accepted_{kind.replace('-', '_')}")
        tally.saw("accepted")


def enough(tally: Tally, grants: int) -> None:
    """Histories whose steps were all refused would check nothing: grants must have been made."""
    tally.at_least(accepted_grant=grants, accepted_request=grants)
    assert tally["accepted"] * 5 >= sum(n for k, n in tally.items() if k.startswith("refused_")), dict(tally)


class AggregateTarget(Target):
    """The aggregates themselves, in memory: fast, so many histories."""

    def __init__(self) -> None:
        self.account = AdminAccount(customer="acme", account="adm", actor="t", effective_at=BASE)
        self.contract = ServicedeskContract(customer="acme", actor="t", effective_at=BASE)
        self.contract.start(Tier.BASIS, "t", BASE, BASE)
        self.now = BASE + timedelta(days=60)

    def request(self, actor: str, tasks: list[str], at: datetime) -> None:
        resolved = CATALOGUE.resolve(tasks)
        self.account.request(list(resolved.asked), list(resolved.tasks), "because", actor, at, self.now)

    def grant(self, actor: str, tasks: list[str], at: datetime, until: datetime | None) -> int:
        resolved = CATALOGUE.resolve(tasks)
        periods = periods_of(self.contract)
        return self.account.grant(
            list(resolved.asked), list(resolved.tasks), at, until, periods, actor, self.now, "RFC-1"
        )

    def scope(self, actor: str, tasks: list[str], at: datetime) -> int:
        resolved = CATALOGUE.resolve(tasks)
        return self.account.change_scope(
            list(resolved.asked), list(resolved.tasks), "rescope", actor, at, self.now, "RFC-2"
        )

    def standing(self, kind: str, actor: str, at: datetime) -> None:
        getattr(self.account, kind)("why", actor, at, self.now)

    def change_contract(self, kind: str, at: datetime) -> None:
        if kind == "contract-end":
            self.contract.end("t", at, self.now)
        else:
            self.contract.start(Tier.COMFORT, "t", at, self.now)


def four_eyes_held(account: AdminAccount) -> None:
    """Every grant or scope change that answered a request was made by someone else."""
    requests = {c["number"]: c["actor"] for c in account.changes if c["change"] == "requested"}
    for change in account.changes:
        if change["change"] in ("granted", "scope-changed") and change["request"] is not None:
            assert change["actor"] != requests[change["request"]]


def test_allowed_exactly_when_the_reference_finds_a_covering_grant() -> None:
    tally = Tally()
    allowed_exactly_when_the_reference_finds_a_covering_grant(tally)
    enough(tally, 3)


def allowed_exactly_when_the_reference_finds_a_covering_grant(tally: Tally) -> None:
    @settings(max_examples=examples(300))
    @given(st.lists(steps, max_size=14), questions)
    def check(history: list[tuple[Any, ...]], asked: list[tuple[int, str]]) -> None:
        check_aggregate(history, asked, tally)

    check()


def check_aggregate(history: list[tuple[Any, ...]], asked: list[tuple[int, str]], tally: Tally) -> None:
    target = AggregateTarget()
    reference = Reference()
    replay(target, history, reference, tally)
    four_eyes_held(target.account)
    periods = periods_of(target.contract)
    for hours, task in asked:
        at = BASE + timedelta(hours=hours)
        decision = decide(target.account.state_at(at), periods, "acme", task, at)
        expected = reference.allowed(at, task, target.contract)
        assert decision.allowed is (expected is not None), (at, task, decision.reason)
        assert (decision.grant.number if decision.grant else None) == expected
        if not decision.allowed:
            assert decision.reason.endswith("request the change from the servicedesk as an RFC")
    replayed = None
    for pending in target.account.collect_events():
        replayed = pending.mutate(replayed)
    assert isinstance(replayed, AdminAccount)
    assert replayed.changes == target.account.changes


class LedgerTarget(Target):
    """The whole library on a real store: commands, transcoding, reload."""

    def __init__(self, ledger: Ledger, customer: str) -> None:
        self.ledger = ledger
        self.customer = customer
        ledger.add_customer(customer, name=customer, account_manager="Anna")
        ledger.start_contract(customer, tier="basis", effective_from=BASE)

    def _counted(self, call: Any) -> Any:
        before = event_count(self.ledger)
        try:
            return call()
        except REFUSALS:
            assert event_count(self.ledger) == before
            raise

    def request(self, actor: str, tasks: list[str], at: datetime) -> None:
        self._counted(
            lambda: self.ledger.request_admin(
                self.customer, account="adm", tasks=tasks, reason="because", actor=actor, at=at
            )
        )

    def grant(self, actor: str, tasks: list[str], at: datetime, until: datetime | None) -> int:
        result = self._counted(
            lambda: self.ledger.grant_admin(
                self.customer,
                account="adm",
                tasks=tasks,
                rfc="RFC-1",
                valid_from=at,
                valid_until=until,
                actor=actor,
            )
        )
        return int(result.number)

    def scope(self, actor: str, tasks: list[str], at: datetime) -> int:
        result = self._counted(
            lambda: self.ledger.change_admin_scope(
                self.customer,
                account="adm",
                tasks=tasks,
                reason="rescope",
                effective_from=at,
                rfc="RFC-2",
                actor=actor,
            )
        )
        return int(result.number)

    def standing(self, kind: str, actor: str, at: datetime) -> None:
        method = getattr(self.ledger, f"{kind}_admin")
        self._counted(
            lambda: method(self.customer, account="adm", reason="why", effective_from=at, actor=actor)
        )

    def change_contract(self, kind: str, at: datetime) -> None:
        if kind == "contract-end":
            self._counted(lambda: self.ledger.end_contract(self.customer, effective_from=at))
        else:
            self._counted(
                lambda: self.ledger.start_contract(self.customer, tier="comfort", effective_from=at)
            )


def test_the_library_agrees_with_the_reference_on_each_store(store_url: str) -> None:
    clock = FakeClock(BASE + timedelta(days=60))
    settings_ = LedgerSettings(admin=AdminSettings(tasks=CATALOGUE.tasks))
    counter = iter(range(10_000))
    tally = Tally()
    with Ledger.open(store_url, actor="t", clock=clock, settings=settings_) as ledger:

        @settings(max_examples=examples(12))
        @given(st.lists(steps, max_size=10), questions)
        @example(GRANTED, [(36, "users.create"), (60, "backup.restore"), (120, "users.create")])
        def check(history: list[tuple[Any, ...]], asked: list[tuple[int, str]]) -> None:
            customer = f"c{next(counter)}"
            target = LedgerTarget(ledger, customer)
            reference = Reference()
            replay(target, history, reference, tally)
            contract = ledger.app.get_or_none(ServicedeskContract.create_id(customer), ServicedeskContract)
            assert contract is not None
            with Ledger.open(store_url, actor="t", clock=clock, settings=settings_) as fresh:
                for hours, task in asked:
                    at = BASE + timedelta(hours=hours)
                    expected = reference.allowed(at, task, contract)
                    if not reference.of("request") and not reference.of("grant"):
                        with pytest.raises(UnknownAdminAccountError):  # never opened: nothing to allow
                            fresh.admin_check(customer, account="adm", task=task, at=at)
                        continue
                    result = fresh.admin_check(customer, account="adm", task=task, at=at)
                    assert result.allowed is (expected is not None), (at, task, result.reason)
                    assert (result.grant["grant"] if result.grant else None) == expected

        check()
    enough(tally, 1)


def periods_of(contract: ServicedeskContract | None) -> list[Period]:
    return [] if contract is None else contract.in_force_periods()
