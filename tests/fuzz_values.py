"""Values for the fuzz tests: a plausible one per argument name, and hostile ones for any argument.

Plausible values keep most generated commands valid enough to reach the code behind the parser
(writes, renderers, output files); hostile ones are what an attacker or a careless user types.
Arguments with no plausible value here (a new option) still get text, so they are fuzzed too.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import strategies as st

MARKUP = ["[/x] Evil", "[/]", "[link=https://evil.example]click[/link]", "[bold red]x", ":smile:"]
FORMULAS = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
CONTROL = ["\x00", "a\x00b", "\x1b[31mred", "a\rb", "a\nb", "tab\there", "\u202eevil", "zero\u200bwidth"]
DIGITS = ["١٢", "１２", "1e3", "1E3", "1_000", ".5", "5.", "+5", "-5", "12 ", " 12", "0", "0.00", "1.005"]
NUMBERS = ["NaN", "inf", "-inf", "1e999", "9" * 400, "99999999999", "0.01", "0.001", "1,5", "1.2.3"]
DATES = ["2026-13-45", "9999-12", "0001-01", "1999-12-31", "2100-01-01", "99999-01-01", "2026-02-30"]
DATES += ["2026-07-01T25:00", "2026-07-01T09:00", "２０２６-01-01", "20260101", "2026-1-1", "today"]
EMPTY = ["", " ", "-", "--", "x" * 5000]
HOSTILE_TEXT = MARKUP + FORMULAS + CONTROL + DIGITS + NUMBERS + DATES + EMPTY


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=30))


def bad_paths(base: Path, database: Path) -> list[str]:
    """Output or input paths that must be refused (or, for a fresh file in ``base``, written)."""
    return [
        str(base / "missing" / "dir" / "out.txt"),
        str(base),
        str(database),
        "/dev/null",
        str(base / "out\x00.txt"),
        "",
    ]


def bad_urls(base: Path) -> list[str]:
    """Database URLs that must be refused before anything is written (none reaches a server)."""
    text_file = base / "notes.txt"
    text_file.write_text("not a database\n", encoding="utf-8")
    return [
        f"sqlite:///{text_file}",
        f"sqlite:///{base}",
        f"sqlite:///{base}/missing/dir/x.db",
        f"sqlite:///{base}/x\x00y.db",
        "sqlite://relative",
        "postgresql://user:s3cret@localhost:99999/db",
        "postgresql://user:s3cret@[::1/db",
        "postgresql://user:s3cret@localhost/db?connect_timeout=99999999",
        "postgresql://user:s3cret@localhost/db?connect_timeout=-1",
        'postgresql://user:s3cret@localhost/db?schema=x";drop',
        "postgresql://user:s3cret@/db",
        "ftp://example.org/x",
        "memory",
        "[/x]",
    ]


SECRET = "s3cret"
"""The password in :func:`bad_urls`: it must never appear in a message."""

PLAIN: dict[str, list[str]] = {
    "actor": ["fuzz", "[/x] Evil actor"],
    "customer": ["acme", "acme", "globex", "nobody"],
    "name": ["Acme B.V.", "[/x] Evil", "=cmd|' /C calc'!A0", "balances"],
    "account_manager": ["Anna", "[link=https://x]Anna[/link]"],
    "amount": ["100", "12.50", "0.01"],
    "percent": ["20", "12.5"],
    "monthly": ["500", "250.00"],
    "day": ["1", "31"],
    "effective_from": ["2026-01-01", "2026-03-01", "2026-02-15T09:00:00+01:00"],
    "effective_to": ["2026-12-31"],
    "until": ["2026-06-30", "2026-03-02"],
    "currency": ["EUR", "usd"],
    "reference": ["O-9", "[/]", "=1+1", "R-{n}"],
    "expires": ["2027-01-01"],
    "at": ["2026-03-02T10:00:00+01:00", "2026-01-05", "2026-02-02T22:00:00+01:00"],
    "as_of": ["2026-02-01"],
    "as_known_at": ["2026-03-01"],
    "ticket": ["T-1", "T-{n}", "[/x] Evil", "@SUM(1)"],
    "hours": ["1.5", "2", "0.25"],
    "rate": ["125", "99.99"],
    "description": ["password reset", "[link=https://evil]x[/link]", "-2+3"],
    "kind": ["rfc", "support", "project", "onsite", "other"],
    "component": ["network", "m365"],
    "role": ["consultant", "[/x] Role"],
    "focus": ["network", "m365"],
    "reason": ["typo", "[/x] Evil reason"],
    "pack": ["m365", "network"],
    "covers": ["m365", "network,backup"],
    "increment": ["15", "6"],
    "minimum": ["30", "0"],
    "consultant": ["Carla", "[/x] Consultant"],
    "notes": ["fine", "[bold]x"],
    "account": ["adm-jan", "adm-piet"],
    "task": ["users.unlock", "users.*", "mailbox.create,users.unlock"],
    "month": ["2026-01", "2026-02", "2026-03"],
    "words": ["acme", "issue acme"],
    "names": ["", "balances"],
    "poll_interval": ["0.2", "0", "-1", "nan", "inf"],
    "entry": ["E-{n}"],
    "engineer": ["Eve", "[/x] Eve"],
    "note": ["note", "=1+1"],
}
"""Plausible values by argparse ``dest`` (``{n}`` becomes a fresh number)."""

PLAIN_BY_PARAMETER: dict[str, list[object]] = {
    "focus_areas": [["network"], ("m365", "network")],
    "components": [["m365"], ("network", "backup")],
    "tasks": ["users.unlock", ["users.unlock"]],
    "start": ["2026-01-01"],
    "end": ["2026-12-31"],
    "valid_from": ["2026-03-01"],
    "due_date": [date(2026, 4, 1)],
    "today": [date(2026, 3, 2)],
    "since": [date(2026, 1, 1)],
    "include_acknowledged": [True, False],
    "include_void": [True, False],
    "visits": ["weekly"],
    "evaluation": ["quarterly"],
    "outcome": ["continue"],
    "tier": ["comfort", "basis"],
    "expires_at": ["2027-01-01"],
    "source": ["api"],
    "alert_id": ["x"],
}
"""Extra plausible values for library parameters whose names the CLI does not use."""


def hostile_object() -> st.SearchStrategy[object]:
    """Anything a library caller might pass by mistake."""
    return st.one_of(
        hostile_text(),
        st.sampled_from(
            [
                None,
                True,
                0.1 + 0.2,
                float("nan"),
                10**30,
                -1,
                Decimal("NaN"),
                Decimal("1E+3"),
                Decimal("-0.01"),
                b"bytes",
                [],
                {},
                ["a", 1],
                object(),
                datetime(2026, 3, 2, 9, 0),
                datetime.max,
                date.min,
                Path("/nonexistent"),
            ]
        ),
        st.integers(),
        st.floats(),
    )
