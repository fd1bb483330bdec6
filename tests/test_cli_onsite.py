"""``ledger onsite ...`` and ``work log --focus``, run in-process on both stores."""

from __future__ import annotations

import pytest

from tests.test_cli_entitlements import Cli


@pytest.fixture
def cli(store_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    run = Cli(store_url, capsys)
    assert run("customer", "add", "acme", "--name", "Acme B.V.", "--account-manager", "Anna")[0] == 0
    assert (
        run("card", "buy", "acme", "--amount", "5000", "--reference", "ORD-1", "--at", "2025-01-01")[0] == 0
    )
    kicked = run.json(
        "onsite", "kickoff", "acme", "--focus", "Werkplekken, network", "--visits", "biweekly",
        "--evaluation", "quarterly", "--at", "2025-08-31",
    )  # fmt: skip
    assert (kicked["details"]["focus_areas"], kicked["next_evaluation_due"]) == (
        ["network", "werkplekken"],
        "2025-11-30",
    )
    return run


def test_an_engagement_from_kick_off_to_end(cli: Cli) -> None:
    assert cli.json("onsite", "assign", "acme", "--consultant", "Jan Jansen", "--at", "2025-09-01")[
        "details"
    ] == {"consultant": "Jan Jansen"}
    visit = ("onsite", "visit", "acme", "--consultant", "Jan Jansen", "--hours", "7.5", "--focus", "network")
    first = cli.json(*visit, "--reference", "V-1", "--at", "2025-09-02")
    again = cli.json(*visit, "--reference", "V-1", "--at", "2025-09-02")
    assert (first["duplicate"], again["duplicate"], again["details"]["hours"]) == (False, True, "7.50")

    code, out, _ = cli("onsite", "show", "acme")
    assert code == 0
    assert "Hours per focus area since the last evaluation" in out
    assert "│ network     │  7.50 │" in out
    assert "│ werkplekken │  0.00 │" in out

    adjusted = cli.json(
        "onsite", "evaluate", "acme", "--outcome", "adjust", "--focus", "network,security",
        "--notes", "start security", "--at", "2025-11-28T14:00:00+01:00",
    )  # fmt: skip
    assert (adjusted["details"]["focus_areas"], adjusted["next_evaluation_due"]) == (
        ["network", "security"],
        "2026-02-28",
    )
    report = cli.json("onsite", "show", "acme")
    assert (report["focus_areas"], report["last_evaluation"]["outcome"], report["hours_total"]) == (
        ["network", "security"],
        "adjust",
        "0.00",
    )
    assert cli.json("onsite", "release", "acme", "--consultant", "Jan Jansen", "--at", "2025-12-01")[
        "change"
    ] == ("consultant-released")
    ended = cli.json("onsite", "end", "acme", "--at", "2025-12-31")
    assert (ended["details"]["reason"], ended["next_evaluation_due"]) == ("ended", None)
    assert cli.json("onsite", "show", "acme")["status"] == "ended"


def test_onsite_work_names_its_focus_area(cli: Cli) -> None:
    inside = cli.json(
        "work", "log", "acme", "--ticket", "O-1", "--hours", "2", "--kind", "onsite", "--focus", "Network",
        "--at", "2025-09-02T10:00:00+02:00",
    )  # fmt: skip
    outside = cli.json(
        "work", "log", "acme", "--ticket", "O-2", "--hours", "2", "--kind", "onsite", "--focus", "security",
        "--at", "2025-09-02T10:00:00+02:00",
    )  # fmt: skip
    assert (inside["payer"], inside["debited"]) == ("onsite", "0.00")
    assert (outside["payer"], outside["debited"]) == ("strippenkaart", "250.00")
    check = cli.json("entitlement", "check", "acme", "--at", "2025-09-02T10:00:00+02:00")
    assert check["onsite_focus_areas"] == ["network", "werkplekken"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("onsite", "visit", "acme", "--consultant", "Eva", "--hours", "4", "--focus", "network",
             "--reference", "V-1", "--at", "2025-09-02"),
            "ledger: error: consultant: 'Eva' is not assigned to the on-site engagement of 'acme'",
        ),
        (
            ("onsite", "kickoff", "acme", "--focus", "security", "--visits", "weekly", "--evaluation",
             "quarterly"),
            "ledger: error: at: an on-site engagement of 'acme' is in force since 2025-08-31",
        ),
        (
            ("onsite", "evaluate", "acme", "--outcome", "adjust", "--at", "2025-11-30"),
            "ledger: error: focus_areas: an adjust names the new focus areas",
        ),
        (
            ("work", "log", "acme", "--kind", "rfc", "--ticket", "R-1", "--hours", "1", "--focus", "network"),
            "ledger: error: focus: only on-site work (kind onsite) names a focus area",
        ),
        (("onsite", "show", "nobody"), "ledger: error: customer: unknown customer 'nobody'"),
    ],
)  # fmt: skip
def test_refusals_are_one_line_and_exit_2(cli: Cli, argv: tuple[str, ...], message: str) -> None:
    code, out, err = cli(*argv)
    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert err.count("\n") == 1
