"""A statement as text (for a terminal or an e-mail body) and as stable JSON.

Both are pure functions of the :class:`~ledger.statements.document.Statement` and a language:
nothing here reads a clock, so an issued statement renders to the same bytes every time. Text
never cuts anything off: long descriptions wrap. Every work line shows hours × rate = amount (the
whole amount, whoever pays it), then what the card paid and what is invoiced separately. JSON keeps
``amount`` as the signed change of the card and the figures as plain decimals.
"""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING

from ledger.domain.time import AMSTERDAM
from ledger.statements.words import Words

if TYPE_CHECKING:
    from decimal import Decimal

    from ledger.statements.document import Sender, Statement, StatementLine

WIDTH = 100
"""Characters per text line; text wraps at it, never truncates."""
LABEL_WIDTH = 58
FIGURE_WIDTH = 16
BALANCE_WIDTH = 22
INDENT = "  "
DETAIL_INDENT = " " * 16
PROVISIONAL_NOTICE = Words("en")["provisional"]


def words_for(statement: Statement, language: str | None) -> Words:
    """The language asked for, else the customer's (as known at issue)."""
    return Words(language or statement.language)


def title(statement: Statement, language: str | None = None) -> str:
    w = words_for(statement, language)
    if statement.number is None:
        return f"{w['provisional_title']} {w.month(statement.month)}"
    return f"{w['statement']} {statement.number}"


def issue_note(statement: Statement, language: str | None = None) -> str:
    """When and from what the statement was made: the promise that it can be reproduced."""
    w = words_for(statement, language)
    if statement.closed_at is None:
        return f"{w['provisional']} ({w['computed'].format(position=statement.log_position)})"
    closed = statement.closed_at.astimezone(AMSTERDAM)
    when = f"{w.day(closed.date())} {closed:%H:%M}"
    return w["issued"].format(when=when, position=statement.log_position)


def render_json(statement: Statement) -> str:
    return json.dumps(statement.to_json(), ensure_ascii=False, indent=2) + "\n"


def charge(line: StatementLine) -> Decimal:
    """What a work line charged the card (a reversal: negative)."""
    return -line.amount


def sender_lines(sender: Sender, w: Words) -> list[str]:
    """The sender block: name, address, registration numbers, contact (what is set)."""
    numbers = [
        f"{w[label]} {value}"
        for label, value in (("kvk", sender.kvk), ("btw", sender.btw), ("iban", sender.iban))
        if value
    ]
    return [part for part in (sender.name, sender.address, " · ".join(numbers), sender.contact) if part]


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def flat(text: str) -> str:
    """Free text on one line (a description may hold line breaks); wrapping is the renderer's job."""
    return " ".join(text.split())


def _entry(first: str, details: list[str], amount: str, balance: str) -> list[str]:
    """One line of a section: the first text with the figures beside it, the details below,
    everything wrapped."""
    head, *rest = _wrap(first, LABEL_WIDTH)
    out = [f"{INDENT}{head:<{LABEL_WIDTH}}{amount:>{FIGURE_WIDTH}}{balance:>{BALANCE_WIDTH}}"]
    out += [f"{INDENT}{DETAIL_INDENT}{part}" for part in rest]
    for detail in details:
        out += [
            f"{INDENT}{DETAIL_INDENT}{part}" for part in _wrap(detail, WIDTH - len(INDENT + DETAIL_INDENT))
        ]
    return out


def line_details(line: StatementLine, w: Words, currency: str) -> list[str]:
    """Below a line: hours × rate = amount, the work's description, what is invoiced separately."""
    details = []
    if line.section in ("work", "covered", "invoiced") and line.hours is not None:
        details.append(w.hours_times_rate(line, currency))
    if line.kind == "reversal" and line.description:
        details.append(w["correction_of"].format(reference=line.reference))
    if line.section == "covered" and line.kind != "reversal":
        details.append(w.covered_by(line.kind))
    if line.invoiced_separately:
        details.append(w["invoiced_separately"].format(amount=w.money(line.invoiced_separately, currency)))
    return details


def _section(
    title_text: str, lines: list[StatementLine], w: Words, currency: str, *, period: bool
) -> list[str]:
    out = ["", title_text]
    if not lines:
        return [*out, f"{INDENT}{w['none']}"]
    for line in lines:
        details = line_details(line, w, currency)
        if period:  # a correction says which earlier period it belongs to
            details.insert(0, w["for_period"].format(period=w.month(line.period)))
        if line.section in ("credit", "other"):  # no internal ids: the label names it
            label = f"{w.day(line.date)}  {flat(w.line_label(line))}"
        else:  # the ticket beside the figures, what was done below them, whole
            label = f"{w.day(line.date)}  {line.reference}"
            details.insert(0, flat(w.line_label(line)))
        moves = line.section in ("credit", "work", "other")
        amount = w.money(line.amount, currency) if moves else ""
        balance = f"{w['balance_after']} {w.money(line.balance_after, currency)}" if moves else ""
        out += _entry(label, details, amount, balance)
    return out


def _figure(label: str, amount: str) -> str:
    return f"{label:<{LABEL_WIDTH + FIGURE_WIDTH + 2}}{amount:>{BALANCE_WIDTH}}"


def render_text(statement: Statement, language: str | None = None) -> str:
    s, cur = statement, statement.currency
    w = words_for(s, language)
    heading = title(s, language).upper()
    if s.number is None:
        heading += f"  [{w['provisional']}]"
    card = f"{w['card_in']} {cur}" if s.has_card else w["no_card"]
    out = [heading, *sender_lines(s.sender, w), ""]
    out += _wrap(f"{w['to']}: {s.name} ({s.customer}) · {w['account_manager']} {s.account_manager}", WIDTH)
    out += _wrap(f"{w['period']}: {w.day(s.period_start.date())} – {w.day(s.last_day)} · {card}", WIDTH)
    out += _wrap(issue_note(s, language), WIDTH)
    out += [
        "",
        _figure(w["opening"].format(day=w.day(s.period_start.date())), w.money(s.opening_balance, cur)),
    ]
    if s.corrections:
        out += _section(w["corrections"], s.corrections, w, cur, period=True)
    out += _section(w["credits"], s.credits, w, cur, period=False)
    out += _section(w["work"], s.work, w, cur, period=False)
    if s.other:
        out += _section(w["expired"], s.other, w, cur, period=False)
    if s.covered:
        out += _section(w["covered"], s.covered, w, cur, period=False)
    if s.invoiced:
        out += _section(w["invoiced"], s.invoiced, w, cur, period=False)
    out += ["", _figure(w["closing"].format(day=w.day(s.last_day)), w.money(s.closing_balance, cur))]
    out += _wrap(w["check"], WIDTH)
    sentence, method, expiring = w.forecast(s.forecast, cur)
    out += ["", *_wrap(f"{w['forecast']}: {sentence}.", WIDTH)]
    for notice in expiring:
        out += [f"{INDENT}{part}" for part in _wrap(f"{notice}.", WIDTH - len(INDENT))]
    out += [f"{INDENT}{part}" for part in _wrap(f"{method}.", WIDTH - len(INDENT))]
    return "\n".join(line.rstrip() for line in out) + "\n"
