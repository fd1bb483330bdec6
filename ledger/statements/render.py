"""A statement as text (for a terminal or an e-mail body) and as stable JSON.

Both are pure functions of the :class:`~ledger.statements.document.Statement`: nothing here reads
a clock, so an issued statement renders to the same bytes every time. Work shows what the card was
charged (a reversal as a negative charge); JSON keeps ``amount`` as the signed change of the card.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ledger.domain.money import format_money
from ledger.domain.time import describe_instant

if TYPE_CHECKING:
    from decimal import Decimal

    from ledger.statements.document import Statement, StatementLine

DESCRIPTION_WIDTH = 30
PROVISIONAL_NOTICE = "PROVISIONAL — not issued; the figures may still change"


def title(statement: Statement) -> str:
    if statement.number is None:
        return f"Provisional statement {statement.month}"
    return f"Statement {statement.number}"


def issue_note(statement: Statement) -> str:
    """When and from what the statement was made: the promise that it can be reproduced."""
    if statement.closed_at is None:
        return f"{PROVISIONAL_NOTICE} (computed from the ledger up to log position {statement.log_position})"
    return (
        f"Issued {describe_instant(statement.closed_at)}; computed from the ledger as known then "
        f"(log position {statement.log_position})"
    )


def render_json(statement: Statement) -> str:
    return json.dumps(statement.to_json(), ensure_ascii=False, indent=2) + "\n"


def _cut(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def charge(line: StatementLine) -> Decimal:
    """What a work line charged the card (a reversal: negative)."""
    return -line.amount


def _row(*cells: str) -> str:
    """One table row: date, reference, description, hours, rate, amount, balance after."""
    date, reference, description, hours, rate, amount, balance = cells
    return (
        f"  {date:<10}  {_cut(reference, 14):<14}  "
        f"{_cut(description, DESCRIPTION_WIDTH):<{DESCRIPTION_WIDTH}}"
        f"{hours:>7}{rate:>9}{amount:>11}{balance:>15}"
    )


HEADER = _row("date", "reference", "description", "hours", "rate", "amount", "balance after")


def _total(label: str, amount: Decimal) -> str:
    return _row("", "", label, "", "", format_money(amount), "")


def _balance(label: str, amount: Decimal) -> str:
    width = 2 + 10 + 2 + 14 + 2 + DESCRIPTION_WIDTH + 7 + 9 + 11
    return f"  {label:<{width - 2}}{format_money(amount):>15}"


def render_text(statement: Statement) -> str:
    s, cur = statement, statement.currency
    heading = title(s).upper() if s.number else f"{title(s).upper()}  [{PROVISIONAL_NOTICE}]"
    out = [
        heading,
        f"{s.name} ({s.customer}) · strippenkaart in {cur} · account manager {s.account_manager}",
        f"Period: {s.period_start.date().isoformat()} – {s.last_day.isoformat()} (Europe/Amsterdam)",
        issue_note(s),
        "",
        HEADER,
        _balance(f"Opening balance {s.period_start.date().isoformat()}", s.opening_balance),
        "",
        "  Credits",
    ]
    out += [
        _row(
            line.date,
            line.reference,
            line.kind,
            "",
            "",
            format_money(line.amount),
            format_money(line.balance_after),
        )
        for line in s.credits
    ] or [_row("", "", "none", "", "", "", "")]
    out += [_total("Total credits", s.total_credits), "", "  Invoice-free work"]
    for line in s.work:
        out.append(
            _row(
                line.date,
                line.reference,
                line.description,
                _opt(line.hours),
                _opt(line.rate),
                format_money(charge(line)),
                format_money(line.balance_after),
            )
        )
        if line.invoiced_separately:
            note = f"(+ {format_money(line.invoiced_separately)} {cur} invoiced separately)"
            out.append(_row("", "", note, "", "", "", ""))
    if not s.work:
        out.append(_row("", "", "none", "", "", "", ""))
    out.append(_total("Total work", s.total_work))
    if s.other:
        out += ["", "  Other changes"]
        out += [
            _row(
                line.date,
                line.reference,
                line.description,
                "",
                "",
                format_money(-line.amount),
                format_money(line.balance_after),
            )
            for line in s.other
        ]
        out.append(_total("Total other changes", s.total_other))
    out += [
        "",
        _balance(f"Closing balance {s.last_day.isoformat()}", s.closing_balance),
        "",
        f"Forecast: {s.forecast.summary}",
        f"  method: {s.forecast.method}",
    ]
    return "\n".join(line.rstrip() for line in out) + "\n"


def _opt(value: Decimal | None) -> str:
    return "" if value is None else format_money(value)
