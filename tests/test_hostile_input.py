"""Hostile and careless input, case by case: each found by hand or by the fuzz test, each pinned here.

User text is printed literally (no console markup), output files are checked before anything is
written and replaced only when complete, numbers, dates and identifiers follow one grammar, CSV
cells cannot run as formulas, and a refused command writes nothing.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger
from ledger.cli import main
from ledger.cli.common import one_line
from ledger.errors import InvalidInputError, LedgerError, StoreError
from ledger.spreadsheet import neutralise
from ledger.store import parse_store_url
from tests.support import FakeClock, event_count

EVIL = "[/x] Evil"
LINK = "[link=https://evil.example]Anna[/link]"


class Cli:
    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url = url
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        code = main(["--db", self.url, "--actor", "tester", *argv])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def refused(self, *argv: str) -> str:
        """Run a command that must be refused: exit 2, one line, nothing written; its reason."""
        before = self.events()
        code, out, err = self(*argv)
        assert code == 2, (out, err)
        assert out == ""
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith("ledger: error: ")
        assert self.events() == before
        return err.strip().removeprefix("ledger: error: ")

    def events(self) -> int:
        with Ledger.open(self.url) as ledger:
            return event_count(ledger)


@pytest.fixture
def cli(store_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    with Ledger.open(store_url, actor="setup", clock=FakeClock()) as ledger:
        ledger.add_customer("acme", name=EVIL, account_manager=LINK)
        ledger.buy_card("acme", amount="100", reference="[/]", at="2026-01-02")
        ledger.set_rate("acme", rate="110", role="[/x] role", effective_from="2026-01-01")
        ledger.log_work("acme", ticket="=1+1", hours="1", kind="rfc", description=EVIL, at="2026-01-05")
        ledger.log_work("acme", ticket="big", hours="1", kind="rfc", rate="100", at="2026-01-06")
        ledger.request_admin("acme", account="adm-jan", tasks="users.unlock", reason=EVIL, at="2026-01-06")
    return Cli(store_url, capsys)


# --- user text is data, never markup ----------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "balances"],
        ["report", "work", "acme", "--month", "2026-01"],
        ["alerts", "--all"],
        ["rate", "show", "acme", "--at", "2026-02-01"],
        ["admin", "history", "acme"],
    ],
)
def test_markup_in_stored_text_prints_literally(cli: Cli, argv: list[str]) -> None:
    code, out, err = cli(*argv)
    assert code == 0, err
    assert "[/" in out  # "[/x] Evil" or "[/]" as typed, not swallowed or styled
    assert "\x1b" not in out


def test_names_with_markup_print_exactly(cli: Cli) -> None:
    code, out, _ = cli("report", "balances")
    assert code == 0
    assert EVIL in out
    code, out, _ = cli("admin", "history", "acme")
    assert EVIL in out
    code, out, _ = cli("rate", "show", "acme", "--at", "2026-02-01")
    assert "[/x] role" in out


def test_a_new_customer_with_markup_is_registered_and_shown(cli: Cli) -> None:
    code, out, err = cli("customer", "add", "evil", "--name", "[bold]x[/bold] [/]", "--account-manager", LINK)
    assert code == 0, err
    assert "[bold]x[/bold] [/]" in out
    assert LINK in out


# --- output files --------------------------------------------------------------------------------


def test_statement_to_a_missing_directory_is_refused_before_it_is_issued(cli: Cli, tmp_path: Path) -> None:
    reason = cli.refused(
        "statement", "issue", "acme", "--month", "2026-01", "--output", str(tmp_path / "no" / "s.txt")
    )
    assert reason.startswith("output: the directory")


def test_output_over_the_database_is_refused(cli: Cli, store_url: str) -> None:
    if not store_url.startswith("sqlite"):
        pytest.skip("only a SQLite store is a file")
    database = store_url.removeprefix("sqlite:///")
    reason = cli.refused("audit", "export", "--output", database)
    assert "is the ledger's database" in reason
    assert cli.events() > 0  # still a ledger
    reason = cli.refused("statement", "acme", "--month", "2026-01", "--output", database + "-wal")
    assert "is the ledger's database" in reason


@pytest.mark.parametrize("target", ["/dev/null", "DIRECTORY", ""])
def test_output_to_something_not_a_regular_file_is_refused(cli: Cli, tmp_path: Path, target: str) -> None:
    path = str(tmp_path) if target == "DIRECTORY" else target
    reason = cli.refused("audit", "export", "--output", path)
    assert reason.startswith("output: ")


def test_output_replaces_the_target_only_when_complete(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "export.csv"
    target.write_text("yesterday's export\n", encoding="utf-8")
    target.chmod(0o640)
    code, _, err = cli("audit", "export", "--format", "csv", "--output", str(target))
    assert code == 0, err
    assert target.read_text(encoding="utf-8").startswith("position,")
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in target.parent.iterdir()] == ["export.csv"]  # no temporary file left


def test_statement_output_is_written(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "s.html"
    code, _, err = cli("statement", "acme", "--month", "2026-01", "--format", "html", "--output", str(target))
    assert code == 0, err
    page = target.read_text(encoding="utf-8")
    assert "[/x] Evil" in page
    assert "&lt;" not in EVIL  # (sanity) and the page's user text is escaped:
    assert "<script" not in page.lower() or "&lt;script" in page.lower()


# --- CSV cells cannot run as formulas ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12.50", "-12.50"),
        ("12.50", "12.50"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_formula_cells_get_a_quote(cell: str, written: str) -> None:
    assert neutralise(cell) == written


def test_csv_reports_neutralise_formula_cells(cli: Cli) -> None:
    code, out, err = cli("report", "work", "acme", "--month", "2026-01", "--format", "csv")
    assert code == 0, err
    tickets = [row["ticket"] for row in csv.DictReader(io.StringIO(out))]
    assert "'=1+1" in tickets
    code, out, err = cli("audit", "export", "--format", "csv")
    assert code == 0, err
    assert not [
        cell for row in csv.reader(io.StringIO(out)) for cell in row if cell.startswith(("=", "+", "@"))
    ]


# --- one grammar for numbers, dates, months and identifiers ---------------------------------------


@pytest.mark.parametrize("hours", ["1e3", "١٢", "１２", "1_000", ".5", "+5", "12 ", "-1", "0", "NaN", "inf"])
def test_hours_outside_the_grammar_are_refused(cli: Cli, hours: str) -> None:
    reason = cli.refused("work", "log", "acme", "--ticket", "T-9", "--hours", hours, "--kind", "rfc")
    assert reason.startswith("hours: ")


@pytest.mark.parametrize("amount", ["1e3", "١٢", "１２", "1_000", ".5", "+5", " 5", "5.", "1.005"])
def test_money_outside_the_grammar_is_refused(cli: Cli, amount: str) -> None:
    assert cli.refused("card", "top-up", "acme", "--amount", amount, "--reference", "X").startswith(
        "amount: "
    )


@pytest.mark.parametrize("minutes", ["١٥", "15.0", "+15", "1e1", " 15"])
def test_minutes_outside_the_grammar_are_refused(cli: Cli, minutes: str) -> None:
    reason = cli.refused("rate", "rounding", "acme", "--increment", minutes, "--from", "2026-02-01")
    assert reason.startswith("increment_minutes: ")


@pytest.mark.parametrize(
    "month", ["9999-12", "0001-01", "2026-13", "２０２６-01", "2026-1", "1999-12", "2100-01"]
)
def test_months_outside_the_grammar_or_range_are_refused(cli: Cli, month: str) -> None:
    assert cli.refused("statement", "acme", "--month", month).startswith("month: ")


def test_the_earliest_day_is_accepted_and_the_bound_message_reads_right() -> None:
    from ledger.domain.time import parse_instant

    assert parse_instant("2000-01-01").year == 2000
    with pytest.raises(InvalidInputError, match=r"1999-12-31 is before 2000, the earliest year accepted"):
        parse_instant("1999-12-31")
    with pytest.raises(InvalidInputError, match=r"2100-01-01 is after 2099, the latest year accepted"):
        parse_instant("2100-01-01")
    with pytest.raises(InvalidInputError, match="not an ISO 8601"):
        parse_instant("２０２６-01-01")


@pytest.mark.parametrize("ticket", ["T\u202e1", "T\u200b1", "T\x1b1", "T\u20661"])
def test_invisible_and_bidi_characters_are_refused_in_tickets(cli: Cli, ticket: str) -> None:
    reason = cli.refused("work", "log", "acme", "--ticket", ticket, "--hours", "1", "--kind", "rfc")
    assert reason.startswith("ticket: contains the invisible or control character U+")
    assert "\x1b" not in reason
    assert "\u202e" not in reason


def test_the_monthly_prefix_is_reserved_in_any_case(cli: Cli) -> None:
    for reference in ("monthly:2026-02", "Monthly:2026-02", "MONTHLY:x"):
        reason = cli.refused("card", "top-up", "acme", "--amount", "5", "--reference", reference)
        assert reason == "reference: 'monthly:' is reserved for monthly credits"


def test_work_that_costs_nothing_is_refused(cli: Cli) -> None:
    reason = cli.refused(
        "work", "log", "acme", "--ticket", "Z", "--hours", "0.01", "--rate", "0.01", "--kind", "rfc"
    )
    assert reason == "hours: 0.01 h × 0.01 rounds to 0.00; nothing to record"


def test_poll_interval_must_be_a_bounded_positive_number(cli: Cli) -> None:
    for value in ("0", "-1", "nan", "inf", "1e3", "99999"):
        assert cli.refused("projections", "run", "--poll-interval", value).startswith("poll_interval: ")


# --- errors: one line, FIELD: REASON, never a tuple -------------------------------------------------


def test_four_eyes_refusal_is_field_and_reason_not_a_tuple(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(store_url, capsys)
    with Ledger.open(store_url, actor="anna") as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        ledger.request_admin("acme", account="adm-jan", tasks="users.unlock", reason="why", at="2026-01-06")
    code = main(
        [
            "--db",
            store_url,
            "--actor",
            "anna",
            "admin",
            "grant",
            "acme",
            "--account",
            "adm-jan",
            "--task",
            "users.unlock",
            "--rfc",
            "RFC-1",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("ledger: error: actor: ")
    assert "('" not in err
    assert cli.events() == cli.events()


def test_usage_errors_have_the_same_shape(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, line in (
        (["work", "log", "acme"], "ledger: error: --ticket, --hours"),
        (
            ["contract", "start", "acme", "--tier", "gold", "--from", "2026-01-01"],
            "ledger: error: --tier: invalid choice",
        ),
        (["balance", "acme", "--frobnicate"], "ledger: error: --frobnicate: not an option"),
    ):
        with pytest.raises(SystemExit) as raised:
            main(argv)
        assert raised.value.code == 2
        assert capsys.readouterr().err.startswith(line)


def test_control_characters_in_an_error_are_escaped(cli: Cli) -> None:
    reason = cli.refused("balance", "\x1b[2Jacme\n")
    assert "\x1b" not in reason
    assert one_line("a\x1b[2J\nb\u202ec") == "a\\x1b[2J\\nb\\u202ec"


def test_every_ledger_error_has_field_and_reason() -> None:
    import datetime
    import inspect

    import ledger.commands.importing as importing

    def subclasses(cls: type[LedgerError]) -> set[type[LedgerError]]:
        found = {cls}
        for direct in cls.__subclasses__():
            found |= subclasses(direct)
        return found

    samples: dict[str, Any] = {
        "customer": "acme",
        "field": "f",
        "reason": "r",
        "reference": "R",
        "detail": "d",
        "card_currency": "EUR",
        "given_currency": "USD",
        "ticket": "T",
        "attempts": 3,
        "name": "n",
        "known": ("a",),
        "task": "t",
        "account": "a",
        "alert_id": "x",
        "aggregate_id": "00000000-0000-0000-0000-000000000000",
        "delivery_id": "d-1",
        "person": "jan@acme.nl",
        "view": "alerts",
        "one": "x",
        "problems": [importing.Problem(2, "amount", "bad")],
        "line": 7,
        "committed": 6,
        "index": 3,
    }
    samples["day"] = datetime.date(2026, 1, 1)
    samples["error"] = InvalidInputError("amount", "bad")
    for cls in subclasses(LedgerError):
        parameters = list(inspect.signature(cls).parameters)
        error = cls(*(samples[name] for name in parameters))
        assert isinstance(error.field, str), cls
        assert error.field, cls
        assert isinstance(error.reason, str), cls
        assert error.reason, cls
        assert str(error) == f"{error.field}: {error.reason}", cls
        assert "\n" not in str(error), cls


# --- store URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("sqlite:///x\x00y.db", "control characters"),
        ("postgresql://u:s3cret@localhost:99999/db", "port"),
        ("postgresql://u:s3cret@[::1/db", "IPv6"),
        ("postgresql://u:s3cret@localhost/db?connect_timeout=99999999", "connect_timeout"),
        ("postgresql://u:s3cret@localhost/db?schema=a%22b", "schema"),
        ('postgresql://u:s3cret@localhost/db?schema=a"b', "schema"),
        ("postgresql://u:s3cret@localhost/db?colour=red", "unknown parameter"),
        ("", "empty"),
        ("ftp://x", "use sqlite"),
        ("postgresql://u:s3cret/x@localhost/db", "port"),
        ("postgresql://u:s3c@ret@localhost:0/db?schema=a-b", "schema"),
    ],
)
def test_bad_store_urls_are_refused_naming_db_without_the_password(url: str, reason: str) -> None:
    with pytest.raises(StoreError) as raised:
        parse_store_url(url)
    assert raised.value.field == "db"
    assert reason in raised.value.reason
    assert "s3cret" not in str(raised.value)
    assert "ret@" not in str(raised.value)
    assert "s3cret" not in repr(raised.value)


def test_a_file_that_is_not_a_ledger_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("precious notes\n", encoding="utf-8")
    code = main(
        [
            "--db",
            f"sqlite:///{notes}",
            "--actor",
            "x",
            "customer",
            "add",
            "acme",
            "--name",
            "A",
            "--account-manager",
            "B",
        ]
    )
    assert code == 2
    assert "is not a SQLite database" in capsys.readouterr().err
    assert notes.read_text(encoding="utf-8") == "precious notes\n"
    code = main(["--db", f"sqlite:///{tmp_path}", "balance", "acme"])
    assert code == 2
    assert "is not a regular file" in capsys.readouterr().err


def test_library_handle_arguments_are_checked() -> None:
    for kwargs in (
        {"url": 0},
        {"url": ""},
        {"url": "memory://", "actor": 5},
        {"url": "memory://", "clock": 5},
    ):
        with pytest.raises(LedgerError):
            Ledger.open(**kwargs)


# --- import ---------------------------------------------------------------------------------------

HEADER = "type,customer,at,amount,reference\n"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            b"type,type,customer,at\nwork,work,acme,2026-01-05\n",
            "line 1: header: column 'type' appears 2 times",
        ),
        (HEADER.encode() + b"purchase,acme,2026-01-05,10,caf\xe9\n", "is not UTF-8 text (line 2)"),
        (
            HEADER.encode() + b"purchase,acme,2026-01-05,10," + b"x" * (129 * 1024) + b"\n",
            "line 2: reference: the cell is over 128 KB",
        ),
        (HEADER.encode() + b"purchase,acme,2026-01-05,\xd9\xa1\xd9\xa2,R-1\n", "line 2: amount: "),
    ],
)
def test_bad_import_files_are_refused_in_one_line(
    cli: Cli, tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    assert reason in cli.refused("import", str(path))


def test_import_of_a_missing_file_or_a_directory_is_refused(cli: Cli, tmp_path: Path) -> None:
    assert cli.refused("import", str(tmp_path / "missing.csv")).endswith("does not exist")
    assert cli.refused("import", str(tmp_path)).endswith("is not a regular file")


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("separator", [b",", b";"])
def test_import_reads_utf8_with_or_without_bom_split_by_comma_or_semicolon(
    cli: Cli, tmp_path: Path, bom: bytes, separator: bytes
) -> None:
    rows = [b"type,customer,at,amount,reference", "purchase,acme,2026-01-07,10.50,Café-1".encode()]
    path = tmp_path / "in.csv"
    path.write_bytes(bom + b"\r\n".join(row.replace(b",", separator) for row in rows) + b"\r\n")
    code, out, err = cli("import", str(path), "--json")
    assert code == 0, err
    assert '"applied": 1' in out
    with Ledger.open(cli.url) as ledger:
        assert ledger.balance("acme").credited == Decimal("110.50")


def test_another_applications_sqlite_database_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    other = tmp_path / "crm.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE contacts (name TEXT)")
    before = other.read_bytes()
    code = main(
        [
            "--db",
            f"sqlite:///{other}",
            "--actor",
            "x",
            "customer",
            "add",
            "acme",
            "--name",
            "A",
            "--account-manager",
            "B",
        ]
    )
    assert code == 2
    assert "is a SQLite database of something else, not a ledger" in capsys.readouterr().err
    assert other.read_bytes() == before
