"""The five ways one person could pass four-eyes (issue 17), each a regression test on both stores,
and the rule under them: every write path stores one valid, normalised actor.

Each bypass is first tried exactly as the issue describes it and must be refused with nothing
written; then the legitimate route (a second, different person) must still work.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger import (
    AdminGrantError,
    FourEyesError,
    IdentityError,
    InvalidInputError,
    Ledger,
    UnknownAdminAccountError,
)
from tests.support import FakeClock, event_count


@pytest.fixture
def acme(ledger: Ledger) -> Ledger:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna de Vries")
    ledger.start_contract("acme", tier="basis", effective_from="2026-01-01")
    return ledger


def can(ledger: Ledger, task: str, account: str = "adm-jan") -> bool:
    return ledger.admin_check("acme", account=account, task=task).allowed


def refused(ledger: Ledger, error: type[Exception], call: Any, match: str | None = None) -> Exception:
    """``call`` raises ``error`` and writes nothing."""
    before = event_count(ledger)
    with pytest.raises(error, match=match) as raised:
        call()
    assert event_count(ledger) == before
    return raised.value


def ask(ledger: Ledger, tasks: str, actor: str = "jan@acme.nl", account: str = "adm-jan") -> None:
    ledger.request_admin("acme", account=account, tasks=tasks, reason="work", actor=actor)


def grant(ledger: Ledger, tasks: str, actor: str, account: str = "adm-jan") -> Any:
    return ledger.grant_admin("acme", account=account, tasks=tasks, actor=actor, rfc="RFC-2026-17")


# --- 1. another spelling of the same person --------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["JAN@acme.nl", " jan@ACME.NL ", "Ｊａｎ@ａｃｍｅ.ｎｌ", "jan@acme.nl\u00a0"],
    ids=["upper", "padded", "fullwidth", "nbsp"],
)
def test_bypass_1_another_spelling_of_the_requester_cannot_grant(acme: Ledger, spelling: str) -> None:
    ask(acme, "users.reset-password")
    refused(acme, FourEyesError, lambda: grant(acme, "users.reset-password", spelling), "four-eyes")
    assert not can(acme, "users.reset-password")
    assert grant(acme, "users.reset-password", "bob").actor == "bob"
    assert can(acme, "users.reset-password")


@pytest.mark.parametrize(
    "hidden",
    ["ja\u200bn@acme.nl", "\u202ejan@acme.nl", "jan@acme.nl\u2066", "ja\u00adn@acme.nl", "jan\u3164@acme.nl"],
    ids=["zero-width-space", "rtl-override", "bidi-isolate", "soft-hyphen", "hangul-filler"],
)
def test_bypass_1_invisible_and_bidi_characters_are_refused(acme: Ledger, hidden: str) -> None:
    ask(acme, "users.reset-password")
    error = refused(acme, InvalidInputError, lambda: grant(acme, "users.reset-password", hidden))
    assert isinstance(error, InvalidInputError)
    assert error.field == "actor"
    assert "invisible, control or bidirectional" in error.reason


# --- 2. widening one's own grant with admin scope ----------------------------------------------------


def test_bypass_2_the_requester_cannot_widen_his_own_grant_with_scope(acme: Ledger) -> None:
    ask(acme, "users.reset-password")
    grant(acme, "users.reset-password", "bob")

    def widen(actor: str) -> Any:
        return acme.change_admin_scope(
            "acme",
            account="adm-jan",
            tasks="users.reset-password,backup.restore",
            reason="restores too",
            rfc="RFC-2026-18",
            actor=actor,
        )

    refused(acme, FourEyesError, lambda: widen("jan@acme.nl"), "no open request")
    ask(acme, "backup.restore")
    refused(acme, FourEyesError, lambda: widen("JAN@acme.nl"), "jan@acme.nl requested")
    assert not can(acme, "backup.restore")
    refused(
        acme,
        InvalidInputError,
        lambda: acme.change_admin_scope(
            "acme", account="adm-jan", tasks="backup.restore", reason="no rfc", actor="carla"
        ),
        "rfc",
    )
    scoped = widen("carla")
    assert (scoped.request, scoped.rfc) == (2, "RFC-2026-18")
    assert can(acme, "backup.restore")


def test_bypass_2_narrowing_takes_one_person(acme: Ledger) -> None:
    ask(acme, "users.reset-password,users.create")
    grant(acme, "users.reset-password,users.create", "bob")
    narrowed = acme.change_admin_scope(
        "acme", account="adm-jan", tasks="users.create", reason="less", actor="jan@acme.nl"
    )
    assert narrowed.request is None
    assert not can(acme, "users.reset-password")
    assert can(acme, "users.create")


def test_bypass_2_a_grant_covers_only_what_was_asked(acme: Ledger) -> None:
    ask(acme, "users.reset-password")
    refused(
        acme, FourEyesError, lambda: grant(acme, "users.reset-password,backup.restore", "bob"), "did not ask"
    )
    assert grant(acme, "users.reset-password", "bob").tasks == ["users.reset-password"]


# --- 3. a grant without any request ---------------------------------------------------------------


def test_bypass_3_admin_grant_must_answer_an_open_request(acme: Ledger) -> None:
    refused(acme, UnknownAdminAccountError, lambda: grant(acme, "backup.restore", "jan@acme.nl"))
    ask(acme, "users.reset-password")
    grant(acme, "users.reset-password", "bob")
    error = refused(acme, FourEyesError, lambda: grant(acme, "backup.restore", "bob"), "no open request")
    assert isinstance(error, FourEyesError)
    assert error.field == "request"
    refused(
        acme, FourEyesError, lambda: grant(acme, "users.reset-password", "jan@acme.nl"), "no open request"
    )
    assert not can(acme, "backup.restore")


def test_bypass_3_the_holder_cannot_approve_a_request_filed_for_him(acme: Ledger) -> None:
    acme.request_admin(
        "acme", account="adm-jan", tasks="users.create", reason="x", holder="jan@acme.nl", actor="kim@acme.nl"
    )
    refused(acme, FourEyesError, lambda: grant(acme, "users.create", "Jan@Acme.nl"), "holds admin account")
    grant(acme, "users.create", "bob")
    assert acme.admin_history("acme").changes[0]["holder"] == "jan@acme.nl"


# --- 4. a suspended holder resuming his own account -------------------------------------------------


def test_bypass_4_a_suspended_holder_cannot_resume_his_own_account(acme: Ledger) -> None:
    ask(acme, "users.reset-password")
    grant(acme, "users.reset-password", "bob")
    acme.suspend_admin("acme", account="adm-jan", reason="investigation", actor="sec")
    assert not can(acme, "users.reset-password")

    def resume(actor: str) -> Any:
        return acme.resume_admin("acme", account="adm-jan", reason="cleared", actor=actor)

    refused(acme, FourEyesError, lambda: resume("JAN@acme.nl"), "holds the account")
    assert not can(acme, "users.reset-password")
    resume("sec")
    assert can(acme, "users.reset-password")


def test_bypass_4_with_people_registered_only_a_security_officer_resumes(acme: Ledger) -> None:
    acme.add_person("sam@msp.nl", name="Sam", roles="security-officer")
    acme.add_person("bob@msp.nl", name="Bob", roles="servicedesk", actor="sam@msp.nl")
    ask(acme, "users.reset-password")
    grant(acme, "users.reset-password", "bob@msp.nl")
    acme.suspend_admin("acme", account="adm-jan", reason="investigation", actor="bob@msp.nl")
    refused(
        acme,
        IdentityError,
        lambda: acme.resume_admin("acme", account="adm-jan", reason="ok", actor="bob@msp.nl"),
        "security-officer",
    )
    acme.resume_admin("acme", account="adm-jan", reason="ok", actor="sam@msp.nl")
    assert can(acme, "users.reset-password")


# --- 5. a second request replacing the first --------------------------------------------------------


def test_bypass_5_a_second_request_cannot_replace_the_first(acme: Ledger) -> None:
    ask(acme, "users.reset-password", actor="jan@acme.nl")
    refused(acme, AdminGrantError, lambda: ask(acme, "backup.restore", actor="kim"), "still open")
    refused(acme, FourEyesError, lambda: grant(acme, "backup.restore", "jan@acme.nl"))
    refused(acme, FourEyesError, lambda: grant(acme, "users.reset-password", "jan@acme.nl"))
    pending = acme.admin_accounts("acme").accounts[0]["pending_request"]
    assert (pending["request"], pending["requested_by"]) == (1, "jan@acme.nl")
    assert not can(acme, "backup.restore")


# --- approvers, when a register of people exists -----------------------------------------------------


def test_with_people_registered_an_approver_must_hold_an_approving_role(acme: Ledger) -> None:
    acme.add_person("sam@msp.nl", name="Sam", roles="security-officer")
    acme.add_person("anna@msp.nl", name="Anna", roles="account-manager", actor="sam@msp.nl")
    acme.add_person("jan@acme.nl", name="Jan", roles="customer-contact", customer="acme", actor="sam@msp.nl")
    ask(acme, "users.create")
    refused(acme, IdentityError, lambda: grant(acme, "users.create", "anna@msp.nl"), "servicedesk")
    refused(acme, IdentityError, lambda: grant(acme, "users.create", "someone-unregistered"))
    grant(acme, "users.create", "sam@msp.nl")
    acme.add_customer("beta", name="Beta", account_manager="Anna")
    refused(
        acme,
        IdentityError,
        lambda: acme.request_admin(
            "beta", account="adm", tasks="users.create", reason="x", actor="jan@acme.nl"
        ),
        "customer-contact of 'acme'",
    )


# --- every write path stores a valid, normalised actor -------------------------------------------------

BAD_ACTORS = ["", "   ", "a\x00b", "jan\x1b[31m", "ja\u200bn", "\u202ejan", 42, ["jan"]]


def writes(ledger: Ledger, actor: Any) -> list[Any]:
    """One call per kind of write path, each naming ``actor``."""
    return [
        lambda: ledger.add_customer("beta", name="Beta", account_manager="A", actor=actor),
        lambda: ledger.buy_card("acme", amount="100.00", reference="INV-1", actor=actor),
        lambda: ledger.log_work("acme", ticket="T-1", hours="1", rate="100", kind="rfc", actor=actor),
        lambda: ledger.set_setting("late-work-policy", "strict", effective_from="2026-04-01", actor=actor),
        lambda: ledger.tick(actor=actor),
        lambda: ledger.request_admin("acme", account="adm", tasks="users.create", reason="x", actor=actor),
        lambda: ledger.add_person("p@msp.nl", name="P", roles="servicedesk", actor=actor),
        lambda: ledger.issue_due_statements(actor=actor),
    ]


@pytest.mark.parametrize("actor", BAD_ACTORS, ids=lambda a: repr(a))
def test_every_write_path_refuses_a_bad_actor(acme: Ledger, actor: Any) -> None:
    for call in writes(acme, actor):
        error = refused(acme, InvalidInputError, call)
        assert isinstance(error, InvalidInputError)
        assert error.field == "actor"


def test_a_bad_actor_on_the_handle_is_refused_on_every_path(store_url: str, clock: FakeClock) -> None:
    with Ledger.open(store_url, actor="tester", clock=clock) as good:
        good.add_customer("acme", name="Acme", account_manager="A")
    # Refused when the handle is opened, before any path can write with it.
    with pytest.raises(InvalidInputError, match="actor"):
        Ledger.open(store_url, actor="  \u200b ", clock=clock)


def test_every_stored_actor_is_normalised(acme: Ledger) -> None:
    for call in writes(acme, "  ＴＥＳＴer  "):
        call()
    actors = {
        getattr(acme.app.mapper.to_domain_event(n), "actor", None)
        for n in acme.app.recorder.select_notifications(start=1, limit=10_000)
    }
    actors.discard(None)
    assert actors <= {"tester", "clock", "LEDGER_CONFIG"}, actors
    assert "tester" in actors
