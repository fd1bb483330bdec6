"""Fuzz every CLI command and every public library method with hostile input.

The CLI cases are built from the argparse parser itself: every leaf command, its positionals and
its required options, and a random choice of its other options, each with a plausible value or a
hostile one (markup, formula prefixes, control characters, other scripts' digits, huge and tiny
numbers, bad paths, bad database URLs). A new command or option is fuzzed without a change here.
The promise checked: exit 0 or 2, never a traceback, a refusal is one line ``ledger: error: ...``
that shows no password, and a refusal leaves the event count as it was.

The library cases introspect ``Ledger``'s public methods the same way: every parameter gets a
plausible value or a hostile object, and a call either returns or raises a ``LedgerError`` with a
``field`` and a ``reason`` (never ``TypeError``/``AttributeError``), writing nothing when it raises.
Both run on SQLite and on PostgreSQL.

Each command and each method is its own test case, so every one is fuzzed on every run: in CI five
examples per command and four per method (about five hundred in all, in-process, no subprocess);
``LEDGER_HYPOTHESIS_PROFILE=long`` runs fifty times as many.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import io
import itertools
import os
import re
import signal
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from ledger import Ledger, LedgerError
from ledger.cli import build_parser, main
from tests.conftest import POSTGRES_URL, postgres_available
from tests.fuzz_values import (
    PLAIN,
    PLAIN_BY_PARAMETER,
    SECRET,
    bad_paths,
    bad_urls,
    hostile_object,
    hostile_text,
)
from tests.support import FakeClock, event_count, examples

FRESH = itertools.count(1)
LIBRARY_SKIPPED = {"open", "close", "projections"}
"""Not commands: opening and closing the handle, and the projections runtime object."""


def leaf_commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Any]:
    """(words, parser) of every runnable command, found by walking the subparsers."""
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        yield path, parser
        return
    for name, child in subparsers[0].choices.items():
        yield from leaf_commands(child, (*path, name))


COMMANDS = sorted(leaf_commands(build_parser()), key=lambda item: item[0])


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, place: Path) -> Iterator[str]:
    """One seeded ledger per module and store kind: examples share it, as an operator's runs do."""
    if request.param == "sqlite":
        url = f"sqlite:///{place / 'ledger.db'}"
        seed(url)
        yield url
        return
    postgres_available()
    schema = f"fuzz_{uuid.uuid4().hex[:12]}"
    url = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}schema={schema}"
    seed(url)
    yield url
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def seed(url: str) -> None:
    """A ledger with something of everything (in hostile text), so commands reach their renderers."""
    with Ledger.open(url, actor="setup", clock=FakeClock()) as ledger:
        ledger.add_customer("acme", name="[/x] Evil", account_manager="[link=https://x]Anna[/link]")
        ledger.add_customer("globex", name='=HYPERLINK("x")', account_manager="Bob")
        ledger.buy_card("acme", amount="1000", reference="[/]", at="2026-01-02")
        ledger.start_contract("acme", tier="comfort", effective_from="2026-01-01")
        ledger.add_pack("acme", pack="m365", components=["m365"], effective_from="2026-01-01")
        ledger.set_rate("acme", rate="110", role="[/x] role", effective_from="2026-01-01")
        ledger.kick_off(
            "acme", focus_areas=["network"], visits="weekly", evaluation="quarterly", at="2026-01-05"
        )
        ledger.assign_consultant("acme", consultant="[/x] Carla", at="2026-01-05")
        ledger.log_work(
            "acme", ticket="-2+3", hours="4", kind="rfc", description="[/x] Evil", at="2026-01-10"
        )
        ledger.request_admin(
            "acme", account="adm-jan", tasks="users.unlock", reason="[/x] why", at="2026-01-06"
        )


def _value(action: argparse.Action, data: st.DataObject, place: Path, database: Path) -> str:
    """One value for an argument: usually plausible, sometimes hostile."""
    if action.choices is not None and data.draw(st.integers(0, 9)) > 0:
        return str(data.draw(st.sampled_from(sorted(map(str, action.choices)))))
    plain = PLAIN.get(action.dest, [])
    if action.dest in ("output", "file"):
        plain = [str(place / f"out-{next(FRESH)}.txt"), str(place / "import.csv")]
        hostile: st.SearchStrategy[str] = st.sampled_from(bad_paths(place, database))
    else:
        hostile = hostile_text()
    if plain and data.draw(st.integers(0, 6)) > 0:
        return data.draw(st.sampled_from(plain)).replace("{n}", str(next(FRESH)))
    return data.draw(hostile)


def build_argv(
    words: tuple[str, ...], parser: argparse.ArgumentParser, data: st.DataObject, store: str, place: Path
) -> list[str]:
    """Valid skeleton (every positional and required option), a random set of the others."""
    database = Path(store.removeprefix("sqlite:///")) if store.startswith("sqlite") else place / "ledger.db"
    db = store if data.draw(st.integers(0, 9)) > 0 else data.draw(st.sampled_from(bad_urls(place)))
    argv = ["--db", db, *words]
    left_out = _left_out_of_exclusive_groups(parser, data)
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction) or action.dest == "db" or action in left_out:
            continue
        if not action.option_strings:
            count = _positional_count(action.nargs, data)
            if action.dest == "words" and count and data.draw(st.booleans()):
                argv += ["issue", "acme"] if "statement" in words else ["ack", "x"]
                continue
            argv += [_value(action, data, place, database) for _ in range(count)]
            continue
        must = action.required or action in chosen_of_groups(parser, left_out)
        if not must and not data.draw(st.booleans()):
            continue
        option = action.option_strings[-1]
        if action.nargs == 0:
            argv.append(option)
        else:
            argv += [option, _value(action, data, place, database)]
    return argv


def _positional_count(nargs: int | str | None, data: st.DataObject) -> int:
    """How many values a positional gets: one, or as many as its ``nargs`` allows (up to two)."""
    if nargs is None:
        return 1
    if isinstance(nargs, int):
        return nargs
    bounds = {"?": (0, 1), "*": (0, 2)}.get(nargs, (1, 2))
    return data.draw(st.integers(*bounds))


def _left_out_of_exclusive_groups(parser: argparse.ArgumentParser, data: st.DataObject) -> set[Any]:
    """Of each mutually exclusive group, all but one option (the one kept is drawn)."""
    left_out: set[Any] = set()
    for group in parser._mutually_exclusive_groups:
        kept = data.draw(st.sampled_from(group._group_actions))
        left_out |= {action for action in group._group_actions if action is not kept}
    return left_out


def chosen_of_groups(parser: argparse.ArgumentParser, left_out: set[Any]) -> set[Any]:
    """The option kept of each required exclusive group: it must be given."""
    return {
        action
        for group in parser._mutually_exclusive_groups
        if group.required
        for action in group._group_actions
        if action not in left_out
    }


@contextlib.contextmanager
def stopped_after(seconds: float) -> Iterator[None]:
    """A SIGTERM after ``seconds``, for commands that run until stopped (``projections run``)."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    signal.signal(signal.SIGTERM, lambda *_: None)
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def run_cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), stopped_after(1.0):
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = int(exit_.code or 0) if not isinstance(exit_.code, str) else 2
    return code, err.getvalue()


@pytest.fixture(scope="module")
def handle(store: str) -> Iterator[Ledger]:
    """One open ledger per store for the library cases and for counting events (opening one per
    example would cost more than the example)."""
    with Ledger.open(store, actor="fuzz", clock=FakeClock()) as ledger:
        yield ledger


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(words) for words, _ in COMMANDS])
@settings(max_examples=examples(5), suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_every_cli_command_exits_0_or_2_and_a_refusal_writes_nothing(
    store: str,
    handle: Ledger,
    place: Path,
    command: tuple[tuple[str, ...], argparse.ArgumentParser],
    data: st.DataObject,
) -> None:
    (place / "import.csv").write_text(data.draw(st.sampled_from(IMPORTS)), encoding="utf-8", newline="")
    argv = build_argv(*command, data, store, place)
    before = event_count(handle)
    with contextlib.chdir(place):  # a relative --output or import path lands in the test's folder
        code, err = run_cli(argv)
    assert code in (0, 2), (argv, code, err)
    assert "Traceback" not in err, err
    assert SECRET not in err, err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1, (argv, err)
        assert re.match(r"^ledger: error: [^:\s][^:]*: \S", lines[0]), (argv, err)
        assert "('" not in lines[0].partition(": error: ")[2][:3], err  # never a Python tuple
        assert event_count(handle) == before, argv


IMPORTS = [
    "type,customer,at,name,account_manager\ncustomer,initech,2026-01-05,[/x] Initech,=1+1\n",
    "\ufefftype;customer;at;amount;reference\npurchase;acme;2026-01-05;10;[/x]-{n}\n",
    "type,type,customer,at\nwork,work,acme,2026-01-05\n",
    "type,customer,at,ticket,hours\nwork,acme,2026-01-05,T,١٢\n",
    'type,customer,at,ticket,reason\nreversal,acme,2026-01-05,"' + "x" * 140_000 + '",r\n',
    "",
]


def public_methods() -> list[str]:
    return sorted(
        name
        for name, member in inspect.getmembers(Ledger)
        if not name.startswith("_") and callable(member) and name not in LIBRARY_SKIPPED
    )


def _argument(name: str, data: st.DataObject) -> object:
    plain: list[object] = [*PLAIN.get(name, []), *PLAIN_BY_PARAMETER.get(name, [])]
    if name == "actor":
        plain = ["fuzz"]
    if plain and data.draw(st.integers(0, 2)) > 0:
        value = data.draw(st.sampled_from(plain))
        return value.replace("{n}", str(next(FRESH))) if isinstance(value, str) else value
    return data.draw(hostile_object())


@pytest.mark.parametrize("method", public_methods())
@settings(max_examples=examples(4), suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_library_method_raises_only_ledger_errors_and_a_refusal_writes_nothing(
    handle: Ledger, method: str, data: st.DataObject
) -> None:
    bound = getattr(handle, method)
    arguments: dict[str, object] = {}
    for parameter in inspect.signature(bound).parameters.values():
        given_it = parameter.default is inspect.Parameter.empty or data.draw(st.booleans())
        if not given_it or parameter.name == "progress":
            continue
        arguments[parameter.name] = _argument(parameter.name, data)
    before = event_count(handle)
    refusal: LedgerError | None = None
    # A relative head file or output path lands in a scratch folder, never in the checkout.
    with tempfile.TemporaryDirectory() as scratch, contextlib.chdir(scratch):
        try:
            result = bound(**arguments)
            if isinstance(result, Iterator):
                list(result)
        except LedgerError as error:
            refusal = error
    if refusal is not None:
        assert isinstance(refusal.field, str), repr(refusal)
        assert refusal.field, repr(refusal)
        assert isinstance(refusal.reason, str), repr(refusal)
        assert refusal.reason, repr(refusal)
        assert event_count(handle) == before, (method, arguments, refusal)
