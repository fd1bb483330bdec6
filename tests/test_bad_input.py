"""Nonsense in, never a traceback out: the CLI exits 0 or 2, the library raises only LedgerError.

Hypothesis generates strings and numbers for every option of the recording commands; whatever is
refused must leave the store exactly as it was.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import Ledger, LedgerError
from ledger.cli import main
from tests.support import FakeClock, event_count, examples

junk_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "NaN", "inf", "-1", "0", "1e999", "1.005", "2026-13-45", "\x00", "9" * 400]),
)
junk_number = st.one_of(
    junk_text,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'ledger.db'}"
    with Ledger.open(url, actor="setup", clock=FakeClock()) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        ledger.buy_card("acme", amount="100", reference="O-1", at="2026-01-01")
    return url


def run_cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return code, err.getvalue()


COMMANDS = [
    ["customer", "add", "{0}", "--name", "{1}", "--account-manager", "{2}"],
    ["card", "buy", "{0}", "--amount", "{1}", "--currency", "{2}", "--reference", "{3}"],
    ["card", "top-up", "{0}", "--amount", "{1}", "--reference", "{2}"],
    [
        "work",
        "log",
        "{0}",
        "--kind",
        "rfc",
        "--ticket",
        "{1}",
        "--hours",
        "{2}",
        "--rate",
        "{3}",
        "--at",
        "{4}",
    ],
    ["work", "log", "acme", "--ticket", "{0}", "--hours", "{1}", "--kind", "{2}", "--component", "{3}"],
    ["work", "reverse", "{0}", "--ticket", "{1}", "--reason", "{2}"],
    ["balance", "{0}"],
]


@settings(max_examples=examples(150))
@given(template=st.sampled_from(COMMANDS), values=st.lists(junk_text, min_size=5, max_size=5))
def test_cli_exits_0_or_2_and_refusals_write_nothing(
    store: str, template: list[str], values: list[str]
) -> None:
    argv = ["--db", store, "--actor", "fuzz", *(part.format(*values) for part in template)]
    with Ledger.open(store) as ledger:
        before = event_count(ledger)
    code, err = run_cli(argv)
    assert code in (0, 2), err
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err
        with Ledger.open(store) as ledger:
            assert event_count(ledger) == before


@settings(max_examples=examples(150))
@given(
    customer=st.one_of(st.just("acme"), junk_text),
    ticket=junk_text,
    hours=junk_number,
    rate=junk_number,
    at=st.one_of(junk_number, st.datetimes()),
    amount=junk_number,
)
def test_library_raises_only_ledger_errors(
    store: str, customer: str, ticket: str, hours: object, rate: object, at: object, amount: object
) -> None:
    with Ledger.open(store, actor="fuzz", clock=FakeClock()) as ledger:
        before = event_count(ledger)
        calls: list[Callable[[], object]] = [
            lambda: ledger.log_work(customer, kind="rfc", ticket=ticket, hours=hours, rate=rate, at=at),  # type: ignore[arg-type]
            lambda: ledger.buy_card(customer, amount=amount, reference=ticket, at=at),  # type: ignore[arg-type]
            lambda: ledger.top_up(customer, amount=amount, reference=ticket),  # type: ignore[arg-type]
            lambda: ledger.reverse_work(customer, ticket=ticket, reason=str(hours)),
            lambda: ledger.balance(customer),
        ]
        for call in calls:
            written = event_count(ledger)
            try:
                call()
            except LedgerError:
                refused = True
            else:
                refused = False
            assert not refused or event_count(ledger) == written
        assert event_count(ledger) >= before


def test_refused_floats_never_become_money(sqlite_url: str) -> None:
    with Ledger.open(sqlite_url, actor="fuzz") as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        ledger.buy_card("acme", amount="100", reference="O-1")
        with pytest.raises(LedgerError, match="float"):
            ledger.top_up("acme", amount=0.1 + 0.2, reference="F-1")  # type: ignore[arg-type]
        assert ledger.balance("acme").credited == Decimal("100.00")
