"""Identity modes (the dated ``identity`` setting): open, registered, authenticated.

``authenticated`` on PostgreSQL is tested with real login roles (``CREATE ROLE ... LOGIN``, unique
per test, dropped afterwards) connecting to the ledger; on SQLite the operating-system user is
what ``getpass`` reports, set through ``LOGNAME`` as a login shell would.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from ledger import IdentityError, InvalidInputError, Ledger
from tests.conftest import POSTGRES_URL
from tests.support import FakeClock, event_count


def setup(ledger: Ledger, *, sam_login: str | None = None, bob_login: str | None = None) -> None:
    """Staff and a customer, in open mode (as a new ledger starts)."""
    ledger.add_customer("acme", name="Acme", account_manager="Anna")
    ledger.start_contract("acme", tier="basis", effective_from="2026-01-01")
    ledger.add_person("sam@msp.nl", name="Sam", roles="security-officer", db_role=sam_login)
    ledger.add_person("bob@msp.nl", name="Bob", roles="servicedesk", db_role=bob_login, actor="sam@msp.nl")
    ledger.add_person("anna@msp.nl", name="Anna", roles="account-manager", actor="sam@msp.nl")
    ledger.add_person("billing-bot", name="Billing", roles="billing", actor="sam@msp.nl")
    ledger.add_person("aud@msp.nl", name="Audrey", roles="auditor", actor="sam@msp.nl")
    ledger.add_person(
        "jan@acme.nl", name="Jan", roles="customer-contact", customer="acme", actor="sam@msp.nl"
    )


# --- registered ------------------------------------------------------------------------------------


def test_registered_mode_cannot_be_entered_without_a_security_officer(ledger: Ledger) -> None:
    before = event_count(ledger)
    with pytest.raises(IdentityError, match="no active security-officer"):
        ledger.set_setting("identity", "registered", effective_from="2026-03-02")
    assert event_count(ledger) == before


def test_the_identity_mode_cannot_be_backdated(ledger: Ledger) -> None:
    setup(ledger)
    with pytest.raises(InvalidInputError, match="cannot be backdated"):
        ledger.set_setting("identity", "registered", effective_from="2026-03-01", actor="sam@msp.nl")


def test_registered_mode_checks_the_role_table(ledger: Ledger) -> None:
    setup(ledger)
    ledger.set_setting("identity", "registered", effective_from="2026-03-02", actor="sam@msp.nl")
    before = event_count(ledger)
    with pytest.raises(IdentityError, match="'tester' is not a registered person"):
        ledger.add_customer("beta", name="Beta", account_manager="Anna")
    with pytest.raises(IdentityError, match="may not run 'customer add'"):
        ledger.add_customer("beta", name="Beta", account_manager="Anna", actor="aud@msp.nl")
    with pytest.raises(IdentityError, match="may not run 'admin request'"):
        ledger.request_admin("acme", account="adm", tasks="users.create", reason="x", actor="billing-bot")
    with pytest.raises(IdentityError, match="may not run 'person add'"):
        ledger.add_person("eve", name="Eve", roles="security-officer", actor="billing-bot")
    with pytest.raises(IdentityError, match="may not run 'settings set identity'"):
        ledger.set_setting("identity", "open", effective_from="2026-03-03", actor="billing-bot")
    assert event_count(ledger) == before
    ledger.add_customer("beta", name="Beta", account_manager="Anna", actor="ANNA@msp.nl")
    ledger.buy_card("acme", amount="500.00", reference="INV-1", actor="billing-bot")
    ledger.log_work("acme", ticket="T-1", hours="1", rate="100", kind="rfc", actor="billing-bot")
    ledger.request_admin("acme", account="adm-jan", tasks="users.create", reason="x", actor="jan@acme.nl")
    ledger.grant_admin("acme", account="adm-jan", tasks="users.create", rfc="RFC-1", actor="bob@msp.nl")
    assert ledger.admin_check("acme", account="adm-jan", task="users.create").allowed


def test_registered_mode_refuses_a_deactivated_person_and_self_service(ledger: Ledger) -> None:
    setup(ledger)
    ledger.set_setting("identity", "registered", effective_from="2026-03-02", actor="sam@msp.nl")
    with pytest.raises(IdentityError, match="cannot change their own record"):
        ledger.change_person("sam@msp.nl", roles="security-officer,servicedesk", actor="sam@msp.nl")
    ledger.deactivate_person("anna@msp.nl", reason="left", actor="sam@msp.nl")
    with pytest.raises(IdentityError, match="deactivated"):
        ledger.add_customer("beta", name="Beta", account_manager="Anna", actor="anna@msp.nl")


def test_the_library_handle_is_checked_the_same_way(store_url: str, clock: FakeClock) -> None:
    with Ledger.open(store_url, actor="tester", clock=clock) as ledger:
        setup(ledger)
        ledger.set_setting("identity", "registered", effective_from="2026-03-02", actor="sam@msp.nl")
    with Ledger.open(store_url, actor="anna@msp.nl", clock=clock) as anna:
        anna.add_customer("beta", name="Beta", account_manager="Anna")
        with pytest.raises(IdentityError):
            anna.request_admin("beta", account="adm", tasks="users.create", reason="x", actor="nobody")
    with Ledger.open(store_url, clock=clock) as unnamed, pytest.raises(IdentityError, match="'system'"):
        unnamed.add_customer("gamma", name="Gamma", account_manager="Anna")


def test_a_login_belongs_to_one_person(ledger: Ledger) -> None:
    setup(ledger, sam_login="sam_login")
    with pytest.raises(IdentityError, match=r"already belongs to 'sam@msp\.nl'"):
        ledger.change_person("bob@msp.nl", db_role="sam_login", actor="sam@msp.nl")
    assert [p.person for p in ledger.people() if p.db_role == "sam_login"] == ["sam@msp.nl"]


# --- authenticated on SQLite: the operating-system user ---------------------------------------------


def test_authenticated_on_sqlite_the_actor_is_the_os_user(
    sqlite_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LOGNAME", "sam_os")
    with Ledger.open(sqlite_url, actor="setup", clock=clock) as ledger:
        setup(ledger, sam_login="sam_os", bob_login="bob_os")
        ledger.set_setting("identity", "authenticated", effective_from="2026-03-02", actor="sam@msp.nl")
    monkeypatch.setenv("LOGNAME", "bob_os")
    with Ledger.open(sqlite_url, clock=clock) as bob:
        before = event_count(bob)
        with pytest.raises(IdentityError, match="names someone else"):
            bob.request_admin("acme", account="adm", tasks="users.create", reason="x", actor="sam@msp.nl")
        assert event_count(bob) == before
        result = bob.request_admin("acme", account="adm", tasks="users.create", reason="x")
        assert result.actor == "bob@msp.nl"
        with pytest.raises(Exception, match="four-eyes"):
            bob.grant_admin("acme", account="adm", tasks="users.create", rfc="RFC-1", actor="BOB@msp.nl")
    monkeypatch.setenv("LOGNAME", "mallory")
    with (
        Ledger.open(sqlite_url, actor="sam@msp.nl", clock=clock) as mallory,
        pytest.raises(IdentityError, match="login 'mallory' is bound to no active person"),
    ):
        mallory.grant_admin("acme", account="adm", tasks="users.create", rfc="RFC-1")
    monkeypatch.setenv("LOGNAME", "sam_os")
    with Ledger.open(sqlite_url, clock=clock) as sam:
        granted = sam.grant_admin("acme", account="adm", tasks="users.create", rfc="RFC-1")
        assert granted.actor == "sam@msp.nl"
        last = sam.app.recorder.select_notifications(start=1, limit=10_000)[-1]
        event = sam.app.mapper.to_domain_event(last)
        assert (event.actor, event.login) == ("sam@msp.nl", "sam_os")  # type: ignore[attr-defined]


# --- authenticated on PostgreSQL: real login roles ----------------------------------------------------


@pytest.fixture
def two_logins(postgres_url: str) -> Iterator[tuple[str, str, str]]:
    """Two fresh PostgreSQL login roles (unique names, dropped afterwards), as docs/identity.md sets
    operators up: members of a role that owns the ledger's schema, switched to it at login
    (``ALTER ROLE ... SET role``), so ``session_user`` names the person and the tables one owner.

    Yields each login's URL and the superuser's URL, all on the test's schema.
    """
    schema = postgres_url.rsplit("schema=", 1)[1]
    suffix = uuid.uuid4().hex[:10]
    owner, logins = f"l17_owner_{suffix}", [f"l17_sam_{suffix}", f"l17_bob_{suffix}"]
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE ROLE "{owner}" NOLOGIN')
        for login in logins:
            connection.execute(f'CREATE ROLE "{login}" LOGIN IN ROLE "{owner}"')
            connection.execute(f'ALTER ROLE "{login}" SET role = "{owner}"')
        connection.execute(f'CREATE SCHEMA "{schema}" AUTHORIZATION "{owner}"')
    parts = urlsplit(postgres_url)
    urls = [urlunsplit(parts._replace(netloc=f"{login}@{parts.hostname}:{parts.port}")) for login in logins]
    try:
        with Ledger.open(urls[0], actor="setup") as first:  # the tables are created, owned by the owner role
            first.log_position()
        yield urls[0], urls[1], postgres_url
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            for role in [*logins, owner]:
                connection.execute(f'DROP OWNED BY "{role}"')
                connection.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_authenticated_on_postgres_the_actor_is_the_session_user(
    two_logins: tuple[str, str, str], clock: FakeClock
) -> None:
    sam_url, bob_url, admin_url = two_logins
    sam_login = urlsplit(sam_url).username
    bob_login = urlsplit(bob_url).username
    with Ledger.open(admin_url, actor="setup", clock=clock) as ledger:
        setup(ledger, sam_login=sam_login, bob_login=bob_login)
        ledger.set_setting("identity", "authenticated", effective_from="2026-03-02", actor="sam@msp.nl")
    with (
        Ledger.open(admin_url, actor="sam@msp.nl", clock=clock) as superuser,
        pytest.raises(IdentityError, match="login 'postgres' is bound to no active person"),
    ):
        superuser.add_customer("beta", name="Beta", account_manager="Anna")
    with Ledger.open(bob_url, clock=clock) as bob:
        assert bob.login() == bob_login
        before = event_count(bob)
        with pytest.raises(IdentityError, match="names someone else"):
            bob.request_admin("acme", account="adm", tasks="users.create", reason="x", actor="sam@msp.nl")
        assert event_count(bob) == before
        assert (
            bob.request_admin("acme", account="adm", tasks="users.create", reason="x").actor == "bob@msp.nl"
        )
        with pytest.raises(Exception, match="four-eyes"):
            bob.grant_admin("acme", account="adm", tasks="users.create", rfc="RFC-1")
        with pytest.raises(IdentityError, match="may not run 'admin resume'"):
            bob.resume_admin("acme", account="adm", reason="x")
    with Ledger.open(sam_url, actor="SAM@msp.nl", clock=clock) as sam:
        granted = sam.grant_admin("acme", account="adm", tasks="users.create", rfc="RFC-1")
        assert granted.actor == "sam@msp.nl"
        rows = [row for row in sam.export_events() if row.type.endswith("Granted")]
        assert rows[-1].actor == "sam@msp.nl"
        assert rows[-1].data["login"] == sam_login
        assert rows[-1].data["rfc"] == "RFC-1"
        assert sam.admin_check("acme", account="adm", task="users.create").allowed


def test_billing_records_work_on_behalf_of_an_engineer_and_nobody_else_does(ledger: Ledger) -> None:
    setup(ledger)
    ledger.set_setting("identity", "registered", effective_from="2026-03-02", actor="sam@msp.nl")
    ledger.buy_card("acme", amount="500.00", reference="INV-1", actor="billing-bot")
    work = {"ticket": "RFC-1", "hours": "1", "rate": "100", "kind": "rfc"}
    done = ledger.log_work("acme", **work, entry="E-1", engineer="BOB@msp.nl", actor="billing-bot")
    assert done.engineer == "BOB@msp.nl"
    before = event_count(ledger)
    with pytest.raises(IdentityError, match="only the billing service account"):
        ledger.log_work("acme", **work, entry="E-2", engineer="sam@msp.nl", actor="bob@msp.nl")
    with pytest.raises(IdentityError, match="not an active registered person"):
        ledger.log_work("acme", **work, entry="E-3", engineer="nobody", actor="billing-bot")
    assert event_count(ledger) == before
    ledger.log_work("acme", **work, entry="E-4", engineer="bob@msp.nl", actor="bob@msp.nl")


# --- a check made on what this process holds ------------------------------------------------------


def test_a_mode_another_process_changed_is_what_the_next_command_is_checked_against(
    store_url: str, clock: FakeClock
) -> None:
    """The check before a command reads the settings this process holds without a query; another
    handle's change must still decide the next command, whether it writes or not, and a refusal
    is never made on a copy the store has moved past."""
    with (
        Ledger.open(store_url, actor="sam@msp.nl", clock=clock) as admin,
        Ledger.open(store_url, actor="tester", clock=clock) as writer,
        Ledger.open(store_url, actor="tester", clock=clock) as repeater,
    ):
        setup(admin)
        admin.buy_card("acme", amount="500.00", reference="INV-1")
        writer.log_work("acme", ticket="T-1", hours="1", rate="100", kind="rfc")  # each holds 'open'
        repeater.log_work("acme", ticket="T-2", hours="1", rate="100", kind="rfc")
        admin.set_setting("identity", "registered", effective_from="2026-03-02")
        before = event_count(admin)
        with pytest.raises(IdentityError, match="'tester' is not a registered person"):
            writer.log_work("acme", ticket="T-9", hours="1", rate="100", kind="rfc")  # its append checks
        with pytest.raises(IdentityError, match="'tester' is not a registered person"):
            writer.add_customer("beta", name="Beta", account_manager="Anna")  # read before, as ever
        with pytest.raises(IdentityError, match="'tester' is not a registered person"):
            repeater.log_work("acme", ticket="T-2", hours="1", rate="100", kind="rfc")  # writes nothing
        assert event_count(admin) == before
        billed = writer.log_work("acme", ticket="T-3", hours="1", rate="100", kind="rfc", actor="billing-bot")
        assert not billed.duplicate  # the writer now holds 'registered'
        admin.set_setting("identity", "open", effective_from="2026-03-03")
        clock.advance(days=1)
        assert not writer.log_work("acme", ticket="T-4", hours="1", rate="100", kind="rfc").duplicate
        assert writer.log_work("acme", ticket="T-4", hours="1", rate="100", kind="rfc").duplicate


def test_a_further_command_waits_for_the_check_it_was_authorised_by_to_be_confirmed(
    store_url: str, clock: FakeClock
) -> None:
    """A command checked on a held copy that dispatches another one: the other must not commit on
    that check once the copy has changed, even though its own retry would get past the conflict."""
    from ledger.commands.models import AddCustomer, LogWork

    with (
        Ledger.open(store_url, actor="sam@msp.nl", clock=clock) as admin,
        Ledger.open(store_url, actor="tester", clock=clock) as writer,
    ):
        setup(admin)
        admin.buy_card("acme", amount="500.00", reference="INV-1")
        writer.log_work("acme", ticket="T-1", hours="1", rate="100", kind="rfc")  # holds 'open'

        def adds_a_customer(unit: object, command: LogWork, context: Any) -> object:
            return context.handle(AddCustomer(customer="beta", name="Beta", account_manager="Anna"))

        writer.bus.handlers = {**writer.bus.handlers, LogWork: adds_a_customer}
        admin.set_setting("identity", "registered", effective_from="2026-03-02")
        before = event_count(admin)
        with pytest.raises(IdentityError, match="'tester' is not a registered person"):
            writer.log_work("acme", ticket="T-2", hours="1", rate="100", kind="rfc")
        assert event_count(admin) == before


def test_a_work_log_on_a_warm_handle_is_one_statement_on_postgres(
    postgres_url: str, clock: FakeClock
) -> None:
    """The identity check, the reads and the append of ``work log`` cost one round trip: what the
    command read is checked by the append's read condition, under its write lock."""
    with Ledger.open(postgres_url, actor="tester", clock=clock) as ledger:
        setup(ledger)
        ledger.buy_card("acme", amount="500.00", reference="INV-1")
        ledger.log_work("acme", ticket="T-0", hours="0.25", rate="100", kind="rfc")
        sent: list[str] = []
        execute = psycopg.Cursor.execute

        def counted(cursor: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
            sent.append(str(query))
            return execute(cursor, query, *args, **kwargs)

        psycopg.Cursor.execute = counted  # type: ignore[method-assign,assignment]
        try:
            for number in range(1, 6):
                ledger.log_work("acme", ticket=f"T-{number}", hours="0.25", rate="100", kind="rfc")
        finally:
            psycopg.Cursor.execute = execute  # type: ignore[method-assign]
        assert len(sent) == 5, sent
        assert all("_append_if" in statement for statement in sent)
