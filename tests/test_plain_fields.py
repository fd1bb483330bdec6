"""The one-record table printed without rich is the table rich prints, byte for byte, wherever the
plain renderer takes it on; elsewhere (a terminal, odd text, a wide table) rich prints it."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.cli.output import Output, plain_fields

ascii_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=70)
any_text = st.text(max_size=30)


def printed(monkeypatch: pytest.MonkeyPatch, title: str, cells: list[tuple[str, str]], *, rich: bool) -> str:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    out = Output()
    if rich:
        out._rich_fields(title, cells)
    else:
        out.fields(title, cells)
    return stream.getvalue()


@given(
    title=ascii_text,
    cells=st.lists(st.tuples(ascii_text, ascii_text | any_text), min_size=1, max_size=6),
)
def test_plain_fields_print_what_rich_prints(title: str, cells: list[tuple[str, str]]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.delenv("FORCE_COLOR", raising=False)
        monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
        assert printed(monkeypatch, title, cells, rich=False) == printed(monkeypatch, title, cells, rich=True)


def test_a_balance_table_is_printed_plain() -> None:
    cells = [("credited", "5000.00"), ("debited", "0.00"), ("expired", "0.00"), ("balance", "5000.00")]
    assert plain_fields("Strippenkaart acme (EUR)", cells) is not None


@pytest.mark.parametrize(
    ("title", "cells"),
    [
        ("Jörg", [("name", "x")]),  # not ASCII: rich measures its width
        ("t", [("name", "a\tb")]),  # a tab
        ("t", [("name", "x" * 120)]),  # wider than the console: rich wraps it
        ("t" * 121, [("name", "x")]),
        ("t", []),
    ],
)
def test_what_rich_might_print_otherwise_is_left_to_rich(title: str, cells: list[tuple[str, str]]) -> None:
    assert plain_fields(title, cells) is None


def test_colour_forced_goes_to_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert not Output()._plain
