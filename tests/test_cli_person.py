"""``ledger person ...`` and ``ledger settings set identity`` from the command line, on both stores."""

from __future__ import annotations

from datetime import datetime

import pytest

from ledger.domain.time import AMSTERDAM
from tests.test_cli_admin import Cli


@pytest.fixture
def cli(store_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    run = Cli(store_url, capsys)
    assert run("customer", "add", "acme", "--name", "Acme B.V.", "--account-manager", "Anna")[0] == 0
    return run


def test_add_show_list_change_deactivate(cli: Cli) -> None:
    sam = cli.json(
        "person", "add", "Sam@MSP.nl", "--name", "Sam", "--role", "security-officer", "--db-role", "sam",
        actor="setup",
    )  # fmt: skip
    assert sam == {
        "person": "sam@msp.nl",
        "name": "Sam",
        "roles": ["security-officer"],
        "customer": None,
        "email": None,
        "db_role": "sam",
        "active": True,
    }
    jan = cli.json(
        "person", "add", "jan@acme.nl", "--name", "Jan", "--role", "customer-contact", "--customer", "acme",
        "--email", "Jan@Acme.NL", actor="SAM@msp.nl",
    )  # fmt: skip
    assert (jan["customer"], jan["email"]) == ("acme", "jan@acme.nl")
    assert [p["person"] for p in cli.json("person", "list")] == ["jan@acme.nl", "sam@msp.nl"]
    code, out, _ = cli("person", "list")
    assert code == 0
    assert "customer-contact" in out
    changed = cli.json("person", "change", "JAN@acme.nl", "--email", "", actor="sam@msp.nl")
    assert changed["email"] is None
    assert cli.json("person", "show", "jan@acme.nl")["email"] is None
    gone = cli.json("person", "deactivate", "jan@acme.nl", "--reason", "left", actor="sam@msp.nl")
    assert gone["active"] is False
    code, out, _ = cli("person", "show", "jan@acme.nl")
    assert code == 0
    assert "Person: jan@acme.nl" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["person", "add", "x", "--name", "X", "--role", "root"], "role: 'root' is not a role"),
        (["person", "add", "x", "--name", "X", "--role", "customer-contact"], "customer: a customer-contact"),
        (["person", "add", "x", "--name", "X", "--role", "customer-contact", "--customer", "nope"], "nope"),
        (["person", "add", "x\u200b", "--name", "X", "--role", "auditor"], "person: contains an invisible"),
        (["person", "add", "x", "--name", "X", "--role", "auditor", "--db-role", "a b"], "db_role:"),
        (["person", "change", "sam@msp.nl", "--role", "servicedesk", "--actor", "sam@msp.nl"], "own record"),
        (["person", "show", "nobody"], "unknown person 'nobody'"),
        (["person", "deactivate", "sam@msp.nl"], "--reason"),
    ],
)
def test_refusals_exit_2_with_one_line_and_write_nothing(cli: Cli, argv: list[str], message: str) -> None:
    cli.json("person", "add", "sam@msp.nl", "--name", "Sam", "--role", "security-officer", actor="setup")
    before = cli.events()
    code, out, err = cli(*argv, actor="other")
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert cli.events() == before


def test_registered_mode_from_the_command_line(cli: Cli) -> None:
    today = datetime.now(AMSTERDAM).date().isoformat()
    code, _, err = cli("settings", "set", "identity", "registered", "--from", today)
    assert code == 2
    assert "no active security-officer" in err
    cli.json("person", "add", "sam@msp.nl", "--name", "Sam", "--role", "security-officer", actor="setup")
    cli.json(
        "person", "add", "anna@msp.nl", "--name", "Anna", "--role", "account-manager", actor="sam@msp.nl"
    )
    cli.json("settings", "set", "identity", "registered", "--from", today, actor="sam@msp.nl")
    code, _, err = cli("customer", "add", "beta", "--name", "Beta", "--account-manager", "A", actor="nobody")
    assert code == 2
    assert err.startswith("ledger: error: actor: identity mode 'registered'")
    code, _, err = cli("customer", "add", "beta", "--name", "B", "--account-manager", "A", actor="sam@msp.nl")
    assert "may not run 'customer add'" in err
    assert (
        cli("customer", "add", "beta", "--name", "B", "--account-manager", "A", actor="anna@msp.nl")[0] == 0
    )
