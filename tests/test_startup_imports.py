"""The command line imports only what a command needs: ``ledger balance`` on an SQLite store loads no
PostgreSQL driver, no chart, document or mail code, no views and no holiday tables.

Each check runs the command in a fresh interpreter (a test process has imported everything already)
and reads that interpreter's ``sys.modules`` after the command ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger
from ledger.cli import COMMANDS, build_parser
from ledger.cli.common import LazySubparsers
from ledger.cli.holiday_tables import CACHE_VARIABLE

HEAVY = (
    "psycopg",
    "psycopg_pool",
    "psycopg_binary",
    "eventsourcing.postgres",
    "ledger.persistence.postgres",
    "ledger.projections",
    "matplotlib",
    "weasyprint",
    "babel",
    "aiosmtpd",
    "smtplib",
    "http.server",
    "asyncio",
    "holidays",
    "ledger.statements",
    "ledger.notify",
    "ledger.audit",
    "ledger.commands.models",
    "ledger.commands.admin",
    "ledger.commands.importing",
    # the write side: a question goes through the bus, but needs no command table, no handler
    # module of a command, and no result model
    "ledger.commands.handlers",
    "ledger.commands.cards",
    "ledger.commands.clock_index",
    "ledger.commands.people",
    "ledger.commands.settings",
    "ledger.commands.results",
    "ledger.domain.results",
    # model machinery: no settings file, no command model, no result model on this path
    "pydantic",
    "pydantic_core",
    "ledger.config",
    "ledger.commands.fields",
    # aggregates a balance never reads
    "ledger.aggregates.onsite_engagement",
    "ledger.aggregates.settings",
    "ledger.aggregates.people",
    "ledger.aggregates.person",
    "ledger.aggregates.clock_index",
    # a one-record table on a pipe is printed without rich (ledger.cli.output.plain_fields)
    "rich",
)
"""Modules (and their submodules) a balance on SQLite must not import: the PostgreSQL driver, charts,
documents, mail and HTTP servers, the views, the auditor's tools, the holiday tables, the command
handlers, pydantic (the defaults stand in for a settings file; the answer is plain figures), and the
aggregates other than the customer and the card; and, its output going to a pipe, rich."""

RUN = """
import json, sys
from ledger.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as done:
    code = done.code
sys.stdout.flush()
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def run_cli(*argv: str, url: str | None = None, cache: Path | None = None) -> tuple[int, str, set[str]]:
    """(exit code, output, modules imported) of ``ledger ARGV`` in a fresh interpreter, its caches
    in ``cache`` (else the test run's folder)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LEDGER_") and key not in {"FORCE_COLOR", "TTY_COMPATIBLE"}
    }
    env[CACHE_VARIABLE] = str(cache) if cache is not None else os.environ[CACHE_VARIABLE]
    if url is not None:
        env["LEDGER_DATABASE_URL"] = url
    done = subprocess.run(
        [sys.executable, "-c", RUN, *argv], env=env, capture_output=True, text=True, check=False
    )
    output, _, last = done.stdout.rstrip("\n").rpartition("\n")
    report: dict[str, Any] = json.loads(last)
    return report["code"], output, set(report["modules"])


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.fixture
def card_url(sqlite_url: str) -> str:
    with Ledger.open(sqlite_url, actor="test") as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        ledger.buy_card("acme", amount="5000.00", reference="ORDER-1", at="2026-01-01")
    return sqlite_url


def test_balance_on_sqlite_imports_nothing_heavy(card_url: str) -> None:
    code, output, modules = run_cli("balance", "acme", url=card_url)
    assert code == 0
    assert "5000.00" in output
    assert heavy_in(modules) == []


def test_balance_as_json_needs_no_table_renderer(card_url: str) -> None:
    code, output, modules = run_cli("balance", "acme", "--json", url=card_url)
    assert code == 0
    assert json.loads(output)["balance"] == "5000.00"
    assert heavy_in(modules) == []
    assert "rich.console" not in modules


WORK_LOG_AVOIDS = (
    "psycopg",
    "eventsourcing.postgres",
    "ledger.projections",
    "ledger.statements",
    "ledger.notify",
    "ledger.audit",
    "matplotlib",
    "weasyprint",
    "babel",
    "asyncio",
    # other commands' handlers: the table imports a handler's module when its command first runs
    "ledger.commands.admin",
    "ledger.commands.alerts",
    "ledger.commands.cards",
    "ledger.commands.contracts",
    "ledger.commands.customers",
    "ledger.commands.importing",
    "ledger.commands.invoice_export",
    "ledger.commands.monthly",
    "ledger.commands.onsite",
    "ledger.commands.packs",
    "ledger.commands.rates",
    "ledger.commands.statement_book",
    "ledger.commands.tick",
    "ledger.commands.webhooks",
    # who may act is judged without the people in open mode
    "ledger.commands.people",
    "ledger.aggregates.people",
    "ledger.aggregates.person",
    "ledger.aggregates.admin_account",
)
"""What ``ledger work log`` on SQLite in open mode must not import: it needs the aggregates that
decide who pays (card, contract, packs, on-site engagement, rate card) and the holiday tables, and
nothing of the other commands, the read side or the documents."""


def test_work_log_imports_its_own_handler_and_no_other(card_url: str) -> None:
    work = ["work", "log", "acme", "--ticket", "T-1", "--hours", "1", "--kind", "rfc", "--actor", "eve"]
    code, output, modules = run_cli(*work, url=card_url)
    assert code == 0, output
    assert "T-1" in output
    assert "ledger.commands.work" in modules
    assert sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in WORK_LOG_AVOIDS)) == []


def test_work_log_reads_the_holiday_tables_the_last_command_kept(sqlite_url: str, tmp_path: Path) -> None:
    """The first ``work log`` on a Basis contract asks the holidays library (it judges the day);
    the next, in a fresh interpreter, reads what the first kept and imports no holiday code, and
    decides the same: King's Day is no working day, the day after is."""
    with Ledger.open(sqlite_url, actor="test") as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        ledger.start_contract("acme", tier="basis", effective_from="2026-01-01")
        ledger.buy_card("acme", amount="5000.00", reference="ORDER-1", at="2026-01-01")
    cache = tmp_path / "cache"

    def log(ticket: str, at: str) -> tuple[str, set[str]]:
        work = ["work", "log", "acme", "--ticket", ticket, "--hours", "1", "--kind", "support"]
        code, output, modules = run_cli(*work, "--at", at, "--json", url=sqlite_url, cache=cache)
        assert code == 0, output
        return json.loads(output)["payer"], {m for m in modules if m.split(".")[0] == "holidays"}

    payer, holiday_modules = log("T-1", "2026-04-27T10:00:00+02:00")
    assert (payer, "holidays" in holiday_modules) == ("strippenkaart", True)
    assert log("T-2", "2026-04-27T11:00:00+02:00") == ("strippenkaart", set())
    assert log("T-3", "2026-04-28T10:00:00+02:00") == ("servicedesk-contract", set())


def test_every_handler_of_the_table_resolves() -> None:
    """A misspelt module or name in the lazy command table would only fail when its command runs."""
    code = (
        "import json\n"
        "from ledger.commands.handlers import HANDLERS\n"
        "wrong = [k.__name__ for k, h in HANDLERS.items() if not callable(h._resolve())]\n"
        "print(json.dumps(wrong))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


def test_the_checks_see_a_heavy_import(card_url: str) -> None:
    """The same run of a command that renders views does import them: the check can fail."""
    code, _, modules = run_cli("report", "balances", url=card_url)
    assert code == 0
    assert "ledger.projections" in heavy_in(modules)


def test_help_imports_no_command_module() -> None:
    code, output, modules = run_cli("--help")
    assert code == 0
    assert "a customer's card balance" in output
    shared = {"ledger.cli.common", "ledger.cli.output"}
    assert {m for m in modules if m.startswith("ledger.cli.")} - shared == set()
    assert "ledger.api" not in modules


def test_each_command_module_gives_the_help_the_table_declares() -> None:
    """``ledger --help`` is printed from the table; each module's own ``register`` must agree."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, LazySubparsers))
    assert commands.registered_help == {name: summary for name, _, summary in COMMANDS}
    assert list(commands.choices) == [name for name, _, _ in COMMANDS]


RESOLVE = """
import importlib, json
import ledger.api
from ledger.lazy import _Stand
stands = {n: v for n, v in vars(ledger.api).items() if isinstance(v, _Stand)}
wrong = []
for name, stand in stands.items():
    module = importlib.import_module(stand._module)
    expected = module if stand._attribute is None else getattr(module, stand._attribute)
    if stand._resolve() is not expected or getattr(ledger.api, name) is not expected:
        wrong.append(name)
print(json.dumps({"stands": len(stands), "wrong": wrong}))
"""


def test_every_lazy_name_of_the_facade_resolves() -> None:
    """A misspelt name in ``ledger.api``'s lazy imports would only fail when its method runs; each
    resolves to its module's object and then stands in the facade's namespace itself."""
    done = subprocess.run([sys.executable, "-c", RESOLVE], capture_output=True, text=True, check=True)
    report = json.loads(done.stdout)
    assert report["stands"] > 50
    assert report["wrong"] == []
