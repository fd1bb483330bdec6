"""Helpers for projection tests: a view's whole content, and throwaway stores."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from ledger import Ledger
from ledger.projections.runtime import Projections
from tests.conftest import POSTGRES_URL, postgres_available
from tests.support import FakeClock


def view_contents(projections: Projections, name: str) -> Any:
    """Everything a view holds, read as it stands (no catch-up)."""
    view: Any = projections.projection(name).view
    if name == "balances":
        return view.balances(), view.movements()
    if name == "work_records":
        return view.records()
    if name == "invoiceable":
        return view.lines(include_void=True)
    if name == "alerts":
        return view.alerts(include_acknowledged=True)
    if name == "statements":
        lines = [dict(row) for row in view.query("SELECT * FROM {lines} ORDER BY notification_id")]
        return lines, view.due_candidates()
    raise AssertionError(name)


def all_contents(projections: Projections) -> dict[str, Any]:
    return {name: view_contents(projections, name) for name in projections.names}


@contextmanager
def throwaway_store(kind: str, folder: Path) -> Iterator[str]:
    """A new empty store of ``kind`` (sqlite or postgres), removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex}.db'}"
        return
    postgres_available()
    schema = f"h_{uuid.uuid4().hex[:12]}"
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}schema={schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def open_ledger(url: str, clock: FakeClock | None = None) -> Ledger:
    return Ledger.open(url, actor="tester", clock=clock or FakeClock())
