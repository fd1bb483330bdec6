"""Admin accounts (beheeraccounts) through the library, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from ledger import (
    AdminGrantError,
    FourEyesError,
    InvalidInputError,
    Ledger,
    NoContractInForceError,
    UnknownAdminAccountError,
    UnknownAdminTaskError,
    UnknownCustomerError,
)
from ledger.config import AdminSettings, LedgerSettings
from ledger.domain.time import AMSTERDAM
from tests.support import FakeClock, event_count

RFC = "request the change from the servicedesk as an RFC"


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=AMSTERDAM)


@pytest.fixture
def acme(ledger: Ledger) -> Ledger:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna de Vries")
    ledger.start_contract("acme", tier="basis", effective_from="2026-01-01")
    return ledger


def allowed(ledger: Ledger, task: str, at: datetime | str, account: str = "adm-jan") -> bool:
    return ledger.admin_check("acme", account=account, task=task, at=at).allowed


def granted(ledger: Ledger, tasks: str = "users.reset-password", **kw: object) -> None:
    ledger.request_admin("acme", account="adm-jan", tasks=tasks, reason="helpdesk", actor="jan@acme.nl")
    ledger.grant_admin("acme", account="adm-jan", tasks=tasks, actor="bob", rfc="RFC-7", **kw)  # type: ignore[arg-type]


def asked_and_granted(ledger: Ledger, account: str, tasks: str | list[str], **kw: object) -> None:
    """A request by the account's holder, then a grant by someone else (four-eyes)."""
    ledger.request_admin("acme", account=account, tasks=tasks, reason="needed", actor=f"{account}@acme.nl")
    ledger.grant_admin("acme", account=account, tasks=tasks, actor="bob", rfc="RFC-9", **kw)  # type: ignore[arg-type]


# --- locked by default, four-eyes ---------------------------------------------------------------


def test_a_request_alone_allows_nothing(acme: Ledger) -> None:
    acme.request_admin("acme", account="adm-jan", tasks="users.create", reason="new starters", actor="jan")
    result = acme.admin_check("acme", account="adm-jan", task="users.create")
    assert not result.allowed
    assert result.grant is None
    assert result.reason == (
        f"no grant for users.create is in force for admin account 'adm-jan' at 2026-03-02 09:00 CET; {RFC}"
    )


def test_four_eyes_the_requester_cannot_grant_and_nothing_is_written(acme: Ledger) -> None:
    acme.request_admin("acme", account="adm-jan", tasks="users.create", reason="new starters", actor="jan")
    before = event_count(acme)
    with pytest.raises(FourEyesError, match=r"jan requested these tasks \(request #1\); four-eyes"):
        acme.grant_admin("acme", account="adm-jan", tasks="users.create", actor="jan", rfc="RFC-1")
    assert event_count(acme) == before
    assert not allowed(acme, "users.create", "2026-03-03T10:00:00+01:00")
    result = acme.grant_admin("acme", account="adm-jan", tasks="users.create", actor="bob", rfc="RFC-1")
    assert (result.change, result.number, result.request, result.actor) == ("granted", 1, 1, "bob")
    check = acme.admin_check("acme", account="adm-jan", task="users.create")
    assert check.allowed
    assert check.grant is not None
    assert check.grant["granted_by"] == "bob"
    assert check.grant["request"]["requested_by"] == "jan"
    assert check.grant["request"]["justification"] == "new starters"


def test_four_eyes_also_holds_for_a_scope_change_answering_a_request(acme: Ledger) -> None:
    granted(acme)
    acme.request_admin("acme", account="adm-jan", tasks="users.*", reason="more", actor="jan@acme.nl")
    with pytest.raises(FourEyesError):
        acme.change_admin_scope(
            "acme", account="adm-jan", tasks="users.*", reason="ok", actor="jan@acme.nl", rfc="RFC-8"
        )
    acme.change_admin_scope(
        "acme", account="adm-jan", tasks="users.*", reason="approved", actor="carla", rfc="RFC-8"
    )
    check = acme.admin_check("acme", account="adm-jan", task="users.create")
    assert check.allowed
    assert check.grant is not None
    assert (check.grant["grant"], check.grant["version"], check.grant["decided_by"]) == (1, 2, "carla")


def test_a_grant_answers_a_request_and_records_its_rfc(acme: Ledger) -> None:
    """Formerly a grant without a request was allowed (one person could grant); now it is refused."""
    with pytest.raises(UnknownAdminAccountError):
        acme.grant_admin("acme", account="adm-piet", tasks="backup.restore", actor="bob", rfc="RFC-1")
    asked_and_granted(acme, "adm-piet", "backup.restore")
    check = acme.admin_check("acme", account="adm-piet", task="backup.restore")
    assert check.allowed
    assert check.grant is not None
    assert (check.grant["granted_by"], check.grant["rfc"]) == ("bob", "RFC-9")
    requested, granted_row = acme.admin_history("acme", account="adm-piet").changes
    assert (granted_row["change"], granted_row["actor"], granted_row["request"]) == ("granted", "bob", 1)
    assert granted_row["rfc"] == "RFC-9"
    assert requested["holder"] == "adm-piet@acme.nl"


# --- effective times ----------------------------------------------------------------------------


def test_a_revocation_recorded_later_denies_from_its_effective_time(acme: Ledger, clock: FakeClock) -> None:
    granted(acme, valid_from="2026-02-01")
    assert allowed(acme, "users.reset-password", "2026-02-20T10:00:00+01:00")
    clock.advance(days=10)
    acme.revoke_admin("acme", account="adm-jan", reason="left", effective_from="2026-02-15", actor="sec")
    assert allowed(acme, "users.reset-password", "2026-02-14T23:59:59+01:00")
    assert not allowed(acme, "users.reset-password", "2026-02-15T00:00:00+01:00")
    result = acme.admin_check(
        "acme", account="adm-jan", task="users.reset-password", at="2026-02-20T10:00+01:00"
    )
    assert result.reason.startswith("admin account 'adm-jan' was revoked at 2026-02-15 by sec (left)")
    (revoked,) = [c for c in acme.admin_history("acme").changes if c["change"] == "revoked"]
    assert revoked["backdated"] is True


def test_a_scheduled_revocation_takes_effect_at_its_time_not_when_recorded(acme: Ledger) -> None:
    granted(acme)
    acme.revoke_admin(
        "acme", account="adm-jan", reason="contract staff", effective_from="2026-04-01", actor="sec"
    )
    assert allowed(acme, "users.reset-password", "2026-03-31T23:59:59+02:00")
    assert not allowed(acme, "users.reset-password", "2026-04-01T00:00:00+02:00")


def test_revocation_cancels_a_grant_scheduled_for_later(acme: Ledger) -> None:
    granted(acme, valid_from="2026-05-01")
    acme.revoke_admin(
        "acme", account="adm-jan", reason="not needed", effective_from="2026-04-01", actor="sec"
    )
    assert not allowed(acme, "users.reset-password", "2026-05-02")
    acme.request_admin("acme", account="adm-jan", tasks="users.create", reason="again", actor="jan@acme.nl")
    with pytest.raises(AdminGrantError, match="revoked at 2026-04-01; a new grant must start at or after"):
        acme.grant_admin(
            "acme", account="adm-jan", tasks="users.create", valid_from="2026-03-01", actor="bob", rfc="R"
        )
    acme.grant_admin(
        "acme", account="adm-jan", tasks="users.create", valid_from="2026-06-01", actor="bob", rfc="R"
    )
    assert allowed(acme, "users.create", "2026-06-01")
    assert not allowed(acme, "users.create", "2026-05-31T23:00:00+02:00")


def test_expiry_until_is_the_first_moment_it_no_longer_holds(acme: Ledger, clock: FakeClock) -> None:
    granted(acme, valid_until="2026-03-10")
    assert allowed(acme, "users.reset-password", "2026-03-09T23:59:59+01:00")
    result = acme.admin_check("acme", account="adm-jan", task="users.reset-password", at="2026-03-10")
    assert not result.allowed
    assert result.reason.startswith("grant #1 of 'adm-jan' expired at 2026-03-10")


def test_ledger_tick_records_each_grant_expiry_once(acme: Ledger, clock: FakeClock) -> None:
    """A grant with an end date is in the clock index; the tick records its expiry when it has passed."""
    granted(acme, valid_until="2026-03-10")
    clock.advance(days=30)
    early = acme.tick(until="2026-03-09T23:59:59+01:00")
    assert early.recorded["grant-expiry"] == 0
    due = acme.tick(until="2026-03-10T00:00:00+01:00")
    assert due.recorded["grant-expiry"] == 1
    assert [(i.reference, i.effective_at) for i in due.items if i.kind == "grant-expiry"] == [
        ("adm-jan#1", local(2026, 3, 10))
    ]
    assert acme.tick().recorded["grant-expiry"] == 0
    (expired,) = [c for c in acme.admin_history("acme").changes if c["change"] == "expired"]
    assert expired["actor"] == "clock"


def test_a_revoked_grant_has_no_expiry_to_record(acme: Ledger, clock: FakeClock) -> None:
    granted(acme, valid_until="2026-06-01")
    acme.revoke_admin("acme", account="adm-jan", reason="left", effective_from="2026-05-01", actor="sec")
    clock.advance(days=365)
    assert acme.tick().recorded["grant-expiry"] == 0


def test_suspension_pauses_and_resumption_restores(acme: Ledger) -> None:
    granted(acme)
    acme.suspend_admin(
        "acme", account="adm-jan", reason="investigation", effective_from="2026-03-05", actor="sec"
    )
    with pytest.raises(AdminGrantError, match="already suspended"):
        acme.suspend_admin(
            "acme", account="adm-jan", reason="again", effective_from="2026-03-06", actor="sec"
        )
    acme.resume_admin("acme", account="adm-jan", reason="cleared", effective_from="2026-03-08", actor="sec")
    assert allowed(acme, "users.reset-password", "2026-03-04")
    result = acme.admin_check("acme", account="adm-jan", task="users.reset-password", at="2026-03-06")
    assert not result.allowed
    assert "suspended since 2026-03-05 by sec (investigation)" in result.reason
    assert allowed(acme, "users.reset-password", "2026-03-08")
    with pytest.raises(AdminGrantError, match="not suspended"):
        acme.resume_admin("acme", account="adm-jan", reason="?", effective_from="2026-03-09", actor="sec")


# --- the contract carries the grants -----------------------------------------------------------


def test_contract_end_ends_access_and_a_new_contract_does_not_revive_it(acme: Ledger) -> None:
    granted(acme)
    acme.end_contract("acme", effective_from="2026-06-01")
    assert allowed(acme, "users.reset-password", "2026-05-31T23:00:00+02:00")
    result = acme.admin_check("acme", account="adm-jan", task="users.reset-password", at="2026-06-01")
    assert not result.allowed
    assert result.reason.startswith(
        "the servicedesk contract of 'acme' ended at 2026-06-01, which ended grant #1"
    )
    acme.start_contract("acme", tier="comfort", effective_from="2026-07-01")
    assert not allowed(acme, "users.reset-password", "2026-07-02")
    assert acme.admin_accounts("acme", at="2026-07-02").accounts[0]["status"] == "contract-ended"


def test_a_tier_change_keeps_access(acme: Ledger) -> None:
    granted(acme)
    acme.change_contract("acme", tier="comfort", effective_from="2026-04-01")
    assert allowed(acme, "users.reset-password", "2026-04-02")


def test_no_grant_without_a_contract(ledger: Ledger) -> None:
    ledger.add_customer("beta", name="Beta", account_manager="Anna")
    ledger.request_admin("beta", account="adm", tasks="users.create", reason="x", actor="kim")
    before = event_count(ledger)
    with pytest.raises(NoContractInForceError, match="no servicedesk contract is in force for 'beta'"):
        ledger.grant_admin("beta", account="adm", tasks="users.create", actor="bob", rfc="RFC-1")
    assert event_count(ledger) == before
    assert ledger.admin_accounts("beta").accounts[0]["status"] == "no-grant"


# --- catalogue, wildcards, refusals ------------------------------------------------------------


def test_wildcards_resolve_against_the_catalogue_at_grant_time(acme: Ledger) -> None:
    acme.request_admin(
        "acme", account="adm-jan", tasks=["users.*", "mailbox.permissions"], reason="x", actor="jan"
    )
    result = acme.grant_admin(
        "acme", account="adm-jan", tasks=["users.*", "mailbox.permissions"], actor="bob", rfc="RFC-1"
    )
    assert result.asked == ["users.*", "mailbox.permissions"]
    assert result.tasks == [
        "mailbox.permissions",
        "users.create",
        "users.disable",
        "users.reset-password",
        "users.unlock",
    ]


def test_a_replaced_catalogue_decides_what_can_be_granted(store_url: str, clock: FakeClock) -> None:
    settings = LedgerSettings(admin=AdminSettings(tasks=("erp.post-journal", "erp.approve", "users.create")))
    with Ledger.open(store_url, actor="t", clock=clock, settings=settings) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        ledger.start_contract("acme", tier="basis", effective_from="2026-01-01")
        ledger.request_admin("acme", account="adm", tasks="erp.*", reason="x", actor="jan")
        result = ledger.grant_admin("acme", account="adm", tasks="erp.*", actor="bob", rfc="RFC-1")
        assert result.tasks == ["erp.approve", "erp.post-journal"]
        with pytest.raises(UnknownAdminTaskError, match=r"'backup\.restore'"):
            ledger.grant_admin("acme", account="adm", tasks="backup.restore", actor="bob", rfc="RFC-1")


GRANT = {"account": "adm-jan", "tasks": "users.create", "actor": "b", "rfc": "RFC-1"}
REQUEST = {"account": "adm-jan", "tasks": "users.create", "actor": "kim"}
REFUSALS = [
    ("grant_admin", {**GRANT, "tasks": "users.creat"}, UnknownAdminTaskError, "'users.creat'"),
    ("grant_admin", {**GRANT, "tasks": "printer.*"}, UnknownAdminTaskError, "'printer.*'"),
    ("grant_admin", {**GRANT, "tasks": "*"}, InvalidInputError, "name an area"),
    ("grant_admin", {**GRANT, "tasks": ""}, InvalidInputError, "at least one task"),
    ("grant_admin", {**GRANT, "customer": "nobody"}, UnknownCustomerError, "nobody"),
    ("grant_admin", {**GRANT, "account": "adm jan"}, InvalidInputError, "account"),
    ("grant_admin", {**GRANT, "valid_from": "2026-03-10T10:00"}, InvalidInputError, "has no timezone"),
    (
        "grant_admin",
        {**GRANT, "valid_from": "2026-05-01", "valid_until": "2026-05-01"},
        InvalidInputError,
        "valid_until",
    ),
    ("request_admin", {**REQUEST, "reason": " "}, InvalidInputError, "reason"),
    ("grant_admin", {**GRANT, "rfc": " "}, InvalidInputError, "rfc"),
    ("grant_admin", {**GRANT, "actor": "kim"}, FourEyesError, "kim requested these tasks"),
    ("grant_admin", {**GRANT, "actor": "JAN@ACME.NL"}, FourEyesError, "jan@acme.nl holds admin account"),
    ("grant_admin", {**GRANT, "tasks": "backup.restore"}, FourEyesError, "did not ask for backup.restore"),
    (
        "revoke_admin",
        {"account": "adm-piet", "reason": "x", "actor": "s"},
        UnknownAdminAccountError,
        "'adm-piet'",
    ),
    (
        "suspend_admin",
        {"account": "adm-piet", "reason": "x", "actor": "s"},
        UnknownAdminAccountError,
        "'adm-piet'",
    ),
    ("admin_check", {"account": "adm-piet", "task": "users.create"}, UnknownAdminAccountError, "'adm-piet'"),
    ("admin_check", {"account": "adm-jan", "task": "users.*"}, InvalidInputError, "not a task name"),
    (
        "admin_check",
        {"account": "adm-jan", "task": "users.create", "at": "2026-03-10T10:00"},
        InvalidInputError,
        "timezone",
    ),
]


@pytest.mark.parametrize(("method", "arguments", "error", "message"), REFUSALS)
def test_refusals_are_typed_and_write_nothing(
    acme: Ledger, method: str, arguments: dict[str, str], error: type[Exception], message: str
) -> None:
    granted(acme, tasks="users.create")
    acme.request_admin("acme", account="adm-jan", tasks="users.create", reason="renew", actor="kim")
    before = event_count(acme)
    given = dict(arguments)
    customer = given.pop("customer", "acme")
    with pytest.raises(error, match=re.escape(message)):
        getattr(acme, method)(customer, **given)
    assert event_count(acme) == before


def test_revoking_an_expired_grant_is_refused(acme: Ledger) -> None:
    granted(acme, valid_until="2026-03-05")
    with pytest.raises(AdminGrantError, match="nothing to revoke"):
        acme.revoke_admin("acme", account="adm-jan", reason="x", effective_from="2026-03-06", actor="sec")


# --- questions for auditors --------------------------------------------------------------------


def test_who_could_do_a_task_at_a_moment(acme: Ledger) -> None:
    asked_and_granted(acme, "adm-jan", "users.*", valid_from="2026-03-01")
    asked_and_granted(acme, "adm-piet", "backup.restore", valid_from="2026-03-01")
    asked_and_granted(acme, "adm-kees", "users.create", valid_from="2026-03-01", valid_until="2026-03-05")
    who = acme.admin_who("acme", task="users.create", at="2026-03-04T12:00:00+01:00")
    assert [row["account"] for row in who.allowed] == ["adm-jan", "adm-kees"]
    assert [row["account"] for row in who.denied] == ["adm-piet"]
    later = acme.admin_who("acme", task="users.create", at="2026-03-06")
    assert [row["account"] for row in later.allowed] == ["adm-jan"]
    assert all(row["reason"].endswith(RFC) for row in later.denied)


def test_list_and_history_name_every_actor_and_survive_a_reopen(acme: Ledger, store_url: str) -> None:
    granted(acme, valid_until="2026-09-01")
    acme.request_admin("acme", account="adm-piet", tasks="backup.restore", reason="restores", actor="piet")
    acme.suspend_admin("acme", account="adm-jan", reason="holiday", effective_from="2026-07-01", actor="sec")
    with Ledger.open(store_url, actor="t", clock=acme.clock) as reopened:
        listing = reopened.admin_accounts("acme", at="2026-07-02")
        history = reopened.admin_history("acme")
        one = reopened.admin_history("acme", account="ADM-Jan")
    rows = {row["account"]: row for row in listing.accounts}
    assert rows["adm-jan"]["status"] == "suspended"
    assert rows["adm-jan"]["grant"]["valid_until"] == local(2026, 9, 1)
    assert rows["adm-piet"]["status"] == "no-grant"
    assert rows["adm-piet"]["pending_request"]["requested_by"] == "piet"
    assert [(c["account"], c["change"], c["actor"]) for c in history.changes] == [
        ("adm-jan", "requested", "jan@acme.nl"),
        ("adm-jan", "granted", "bob"),
        ("adm-piet", "requested", "piet"),
        ("adm-jan", "suspended", "sec"),
    ]
    assert [c["change"] for c in one.changes] == ["requested", "granted", "suspended"]
    assert history.to_json()["changes"][1]["valid_until"] == "2026-09-01T00:00:00+02:00"


def test_a_second_request_is_refused_while_one_is_open(acme: Ledger) -> None:
    """Formerly a new request replaced the pending one, so its first requester could then grant it."""
    acme.request_admin("acme", account="adm-jan", tasks="users.create", reason="one", actor="jan")
    before = event_count(acme)
    with pytest.raises(AdminGrantError, match=r"request #1 by jan .* is still open"):
        acme.request_admin("acme", account="adm-jan", tasks="backup.restore", reason="two", actor="kim")
    assert event_count(acme) == before
    withdrawn = acme.withdraw_admin_request("acme", account="adm-jan", reason="typo", actor="jan")
    assert (withdrawn.change, withdrawn.number) == ("withdrawn", 1)
    acme.request_admin("acme", account="adm-jan", tasks="backup.restore", reason="two", actor="kim")
    with pytest.raises(FourEyesError, match="jan holds admin account"):
        acme.grant_admin("acme", account="adm-jan", tasks="backup.restore", actor="jan", rfc="RFC-1")
    result = acme.grant_admin("acme", account="adm-jan", tasks="backup.restore", actor="bob", rfc="RFC-1")
    assert result.request == 2
    assert acme.admin_accounts("acme").accounts[0]["pending_request"] is None


def test_changes_later_in_the_clock_do_not_touch_earlier_answers(acme: Ledger, clock: FakeClock) -> None:
    granted(acme)
    moment = clock() + timedelta(hours=1)
    before = acme.admin_check("acme", account="adm-jan", task="users.reset-password", at=moment)
    clock.advance(days=2)
    acme.revoke_admin("acme", account="adm-jan", reason="done", actor="sec")
    after = acme.admin_check("acme", account="adm-jan", task="users.reset-password", at=moment)
    assert before.allowed
    assert after.allowed
    assert not acme.admin_check("acme", account="adm-jan", task="users.reset-password").allowed
