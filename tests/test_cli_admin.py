"""``ledger admin ...`` run in-process on both stores: the flow, the output, and refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger import Ledger
from ledger.cli import main
from tests.support import event_count


class Cli:
    """Runs ``ledger --db URL --actor ACTOR ...``: exit code, stdout, stderr."""

    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url = url
        self.capsys = capsys

    def __call__(self, *argv: str, actor: str = "anna") -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main(["--db", self.url, "--actor", actor, *argv])
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *argv: str, actor: str = "anna") -> Any:
        code, out, err = self(*argv, "--json", actor=actor)
        assert code == 0, err
        return json.loads(out)

    def events(self) -> int:
        with Ledger.open(self.url, actor="t") as ledger:
            return event_count(ledger)


@pytest.fixture
def cli(store_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    run = Cli(store_url, capsys)
    assert run("customer", "add", "acme", "--name", "Acme B.V.", "--account-manager", "Anna")[0] == 0
    assert run("contract", "start", "acme", "--tier", "basis", "--from", "2026-01-01")[0] == 0
    return run


def test_request_grant_check_who_list_history(cli: Cli) -> None:
    request = cli.json(
        "admin",
        "request",
        "acme",
        "--account",
        "adm-jan",
        "--task",
        "users.*,mailbox.permissions",
        "--reason",
        "new starters",
        "--at",
        "2026-02-25",
        actor="jan@acme.nl",
    )
    assert (request["change"], request["number"], request["actor"]) == ("requested", 1, "jan@acme.nl")
    assert request["asked"] == ["users.*", "mailbox.permissions"]
    code, _, err = cli(
        "admin",
        "grant",
        "acme",
        "--account",
        "adm-jan",
        "--task",
        "users.*",
        "--rfc",
        "R1",
        actor="jan@acme.nl",
    )
    assert code == 2
    assert "four-eyes" in err
    grant = cli.json(
        "admin",
        "grant",
        "acme",
        "--account",
        "adm-jan",
        "--task",
        "users.*",
        "--from",
        "2026-03-01",
        "--until",
        "2026-07-01",
        "--rfc",
        "RFC-2026-031",
        actor="bob",
    )
    assert (grant["number"], grant["request"], grant["valid_until"]) == (1, 1, "2026-07-01T00:00:00+02:00")
    check = cli.json(
        "admin",
        "check",
        "acme",
        "--account",
        "adm-jan",
        "--task",
        "users.create",
        "--at",
        "2026-03-10T10:00:00+01:00",
    )
    assert check["allowed"] is True
    assert check["grant"]["granted_by"] == "bob"
    assert check["grant"]["request"]["requested_by"] == "jan@acme.nl"
    denied = cli.json(
        "admin", "check", "acme", "--account", "adm-jan", "--task", "users.create", "--at", "2026-07-01"
    )
    assert denied["allowed"] is False
    assert denied["grant"] is None
    assert denied["reason"].endswith("request the change from the servicedesk as an RFC")
    code, out, _ = cli(
        "admin",
        "check",
        "acme",
        "--account",
        "adm-jan",
        "--task",
        "mailbox.permissions",
        "--at",
        "2026-03-10",
    )
    assert code == 0
    assert "no" in out
    assert "RFC" in out
    who = cli.json("admin", "who", "acme", "--task", "users.create", "--at", "2026-03-10T10:00:00+01:00")
    assert [row["account"] for row in who["allowed"]] == ["adm-jan"]
    listing = cli.json("admin", "list", "acme", "--at", "2026-03-10")
    assert [(a["account"], a["status"]) for a in listing["accounts"]] == [("adm-jan", "active")]
    assert (
        cli(
            "admin",
            "revoke",
            "acme",
            "--account",
            "adm-jan",
            "--from",
            "2026-04-01",
            "--reason",
            "left",
            actor="sec",
        )[0]
        == 0
    )
    history = cli.json("admin", "history", "acme", "--account", "adm-jan")
    assert [(c["change"], c["actor"]) for c in history["changes"]] == [
        ("requested", "jan@acme.nl"),
        ("granted", "bob"),
        ("revoked", "sec"),
    ]
    for view in (
        ("list", "acme"),
        ("history", "acme"),
        ("who", "acme", "--task", "users.create", "--at", "2026-03-10"),
    ):
        code, out, _ = cli("admin", *view)
        assert code == 0
        assert "adm-jan" in out


GRANT_ADM = ["admin", "grant", "acme", "--account", "adm", "--task", "users.create"]


def request(cli: Cli, account: str, tasks: str, actor: str = "jan@acme.nl") -> None:
    cli.json("admin", "request", "acme", "--account", account, "--task", tasks, "--reason", "x", actor=actor)


def test_suspend_resume_and_scope_from_the_command_line(cli: Cli) -> None:
    request(cli, "adm-jan", "backup.restore")
    cli.json(
        "admin",
        "grant",
        "acme",
        "--account",
        "adm-jan",
        "--task",
        "backup.restore",
        "--from",
        "2026-03-01",
        "--rfc",
        "RFC-1",
        actor="bob",
    )
    cli.json(
        "admin",
        "suspend",
        "acme",
        "--account",
        "adm-jan",
        "--from",
        "2026-03-05",
        "--reason",
        "audit",
        actor="sec",
    )
    cli.json(
        "admin",
        "resume",
        "acme",
        "--account",
        "adm-jan",
        "--from",
        "2026-03-07",
        "--reason",
        "ok",
        actor="sec",
    )
    request(cli, "adm-jan", "software.install")
    scoped = cli.json(
        "admin",
        "scope",
        "acme",
        "--account",
        "adm-jan",
        "--task",
        "backup.restore,software.install",
        "--from",
        "2026-03-10",
        "--reason",
        "installs too",
        "--rfc",
        "RFC-2",
        actor="carla",
    )
    assert (scoped["change"], scoped["number"], scoped["request"], scoped["rfc"]) == (
        "scope-changed",
        1,
        2,
        "RFC-2",
    )
    history = cli.json("admin", "history", "acme")["changes"]
    assert {change["rfc"] for change in history} >= {"RFC-1", "RFC-2"}
    assert [c["holder"] for c in history if c["change"] == "requested"] == ["jan@acme.nl", "jan@acme.nl"]
    # The table wraps its details column where its other columns leave room: an instant at a full
    # minute prints without seconds, so a phrase of two words may break across lines. Single words:
    table = cli("admin", "history", "acme")[1]
    assert all(word in table for word in ("RFC-1", "RFC-2", "holder", "jan@acme.nl"))
    at = ["--account", "adm-jan", "--task", "software.install", "--at"]
    assert cli.json("admin", "check", "acme", *at, "2026-03-09")["allowed"] is False
    assert cli.json("admin", "check", "acme", *at, "2026-03-11")["allowed"] is True
    suspended = cli.json(
        "admin", "check", "acme", "--account", "adm-jan", "--task", "backup.restore", "--at", "2026-03-06"
    )
    assert "suspended since 2026-03-05 by sec (audit)" in suspended["reason"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["admin", "grant", "nobody", "--account", "adm", "--task", "users.create", "--rfc", "R"],
            "unknown customer 'nobody'",
        ),
        (
            ["admin", "grant", "acme", "--account", "adm", "--task", "users.creat", "--rfc", "R"],
            "unknown admin task 'users.creat'",
        ),
        (
            [
                "admin",
                "request",
                "acme",
                "--account",
                "adm",
                "--task",
                "users.create",
                "--reason",
                "x",
                "--at",
                "2026-03-01T10:00",
            ],
            "has no timezone",
        ),
        (
            [
                "admin",
                "grant",
                "acme",
                "--account",
                "adm",
                "--task",
                "users.create",
                "--from",
                "2026-03-01T10:00",
                "--rfc",
                "R",
            ],
            "has no timezone",
        ),
        (
            [*GRANT_ADM, "--until", "yesterday", "--rfc", "R"],
            "valid_until",
        ),
        (
            [
                "admin",
                "grant",
                "acme",
                "--account",
                "adm",
                "--task",
                "users.create",
                "--rfc",
                "R",
                "--actor",
                "KIM",
            ],
            "four-eyes",
        ),
        (
            ["admin", "grant", "acme", "--account", "adm", "--task", "users.create"],
            "--rfc",
        ),
        (
            ["admin", "revoke", "acme", "--account", "adm-piet", "--reason", "x"],
            "no admin account 'adm-piet'",
        ),
        (
            ["admin", "suspend", "acme", "--account", "adm-piet", "--reason", "x"],
            "no admin account 'adm-piet'",
        ),
        (
            ["admin", "check", "acme", "--account", "adm-piet", "--task", "users.create"],
            "no admin account 'adm-piet'",
        ),
        (
            [
                "admin",
                "check",
                "acme",
                "--account",
                "adm",
                "--task",
                "users.create",
                "--at",
                "2026-03-01T10:00",
            ],
            "has no timezone",
        ),
        (
            ["admin", "who", "acme", "--task", "nope.nope", "--at", "2026-03-01"],
            "unknown admin task 'nope.nope'",
        ),
        (["admin", "revoke", "acme", "--account", "adm"], "--reason"),
    ],
)
def test_refusals_exit_2_and_write_nothing(cli: Cli, argv: list[str], message: str) -> None:
    request(cli, "adm", "users.create", actor="kim")
    cli.json(
        "admin",
        "grant",
        "acme",
        "--account",
        "adm",
        "--task",
        "users.create",
        "--from",
        "2026-02-01",
        "--rfc",
        "RFC-1",
        actor="bob",
    )
    request(cli, "adm", "users.create", actor="kim")
    before = cli.events()
    code, out, err = cli(*argv)
    assert code == 2
    assert message in err
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert cli.events() == before
