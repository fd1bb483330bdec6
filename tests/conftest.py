"""Shared fixtures: every store-backed test runs on SQLite and on real PostgreSQL.

PostgreSQL is found at ``LEDGER_TEST_POSTGRES_URL`` (default the local ``test`` database). Each test
gets its own schema, dropped afterwards. Without a reachable server the PostgreSQL cases skip with
a note on how to enable them — except under CI (``CI`` set), where they fail instead.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings

from ledger import Ledger
from tests.support import FakeClock

# The command line keeps holiday tables in a cache folder (ledger.cli.holiday_tables): the
# tests' commands keep theirs in a folder of this run, never in the user's own.
os.environ["LEDGER_CACHE_DIR"] = tempfile.mkdtemp(prefix="ledger-test-cache-")

POSTGRES_URL = os.environ.get("LEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

# CI and the README's test command run a fixed set of examples (derandomize): a red run is then a
# change in the code, never an unlucky draw, and the floors of the state machines hold or fail alike
# on every run. Exploring new examples is what the long profile is for (random, many more).
settings.register_profile(
    "default",
    deadline=None,
    max_examples=40,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long", deadline=None, max_examples=2000, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("LEDGER_HYPOTHESIS_PROFILE", "default"))


_postgres_problem: str | None = None
_postgres_checked = False


def postgres_available() -> None:
    """Skip (or, under CI, fail) when PostgreSQL cannot be reached."""
    global _postgres_checked, _postgres_problem
    if not _postgres_checked:
        _postgres_checked = True
        try:
            with psycopg.connect(POSTGRES_URL, connect_timeout=3) as connection:
                connection.execute("SELECT 1")
        except psycopg.Error as error:
            _postgres_problem = str(error).strip().splitlines()[0]
    if _postgres_problem is not None:
        message = (
            f"PostgreSQL not reachable at {POSTGRES_URL} ({_postgres_problem}); start it, or point "
            "LEDGER_TEST_POSTGRES_URL at a database you may create schemas in"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _drop_schema(schema: str) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL with a fresh schema of its own."""
    postgres_available()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}schema={schema}"
    _drop_schema(schema)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same behaviour, on each real store."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ledger(store_url: str, clock: FakeClock) -> Iterator[Ledger]:
    with Ledger.open(store_url, actor="tester", clock=clock) as opened:
        yield opened


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that runs on PostgreSQL ``postgres`` (``-m "not postgres"`` runs without a
    server): those using the ``postgres_url`` fixture or parametrised with ``"postgres"``; tests
    that open PostgreSQL themselves carry the mark explicitly."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec is not None else ()
        if "postgres_url" in getattr(item, "fixturenames", ()) or "postgres" in params:
            item.add_marker(pytest.mark.postgres)
