"""The statement as a self-contained HTML page a customer can be sent: inline CSS, the balance
chart as inline SVG, no scripts, no external resources. Deterministic, like the text form."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ledger.domain.money import format_money
from ledger.statements.render import PROVISIONAL_NOTICE, charge, issue_note, title

if TYPE_CHECKING:
    from decimal import Decimal

    from ledger.statements.document import Statement, StatementLine

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2733;
       margin: 0; background: #f4f6f8; }
main { max-width: 820px; margin: 24px auto; background: #fff; padding: 32px 40px;
       box-shadow: 0 1px 3px rgba(0,0,0,.12); border-radius: 6px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 28px 0 8px; color: #1f5f8b; border-bottom: 1px solid #dde3ea;
     padding-bottom: 4px; }
.meta { color: #5b6773; font-size: 13px; margin: 2px 0; }
.provisional { background: #fff4d6; border: 1px solid #e0b84c; color: #7a5500; padding: 8px 12px;
               border-radius: 4px; font-weight: 600; margin: 12px 0; }
.summary { display: grid; grid-template-columns: repeat(5, 1fr); gap: 8px; margin: 20px 0; }
.summary div { background: #f0f5f9; border-radius: 4px; padding: 10px; }
.summary span { display: block; font-size: 11px; color: #5b6773; text-transform: uppercase; }
.summary strong { font-size: 16px; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { text-align: left; color: #5b6773; font-weight: 600; border-bottom: 1px solid #dde3ea; padding: 4px 6px; }
td { padding: 4px 6px; border-bottom: 1px solid #f0f2f4; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: 600; border-bottom: none; }
.note { color: #7a5500; font-size: 12px; }
.chart svg { width: 100%; height: auto; }
.forecast { background: #f0f5f9; border-left: 4px solid #1f5f8b; padding: 10px 14px; }
footer { color: #8a949e; font-size: 11px; margin-top: 28px; }
"""


PAID_NOTE = "No invoice is sent for the work above: it was paid from the strippenkaart."


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _total_row(label_columns: int, amount: Decimal) -> str:
    return (
        f'<tr class="total"><td colspan="{label_columns}">Total</td>'
        f'<td class="n">{format_money(amount)}</td><td></td></tr>'
    )


def _money(amount: Decimal) -> str:
    return format_money(amount)


def _cells(*cells: str, numeric_from: int) -> str:
    return "".join(
        f'<td class="n">{cell}</td>' if index >= numeric_from else f"<td>{cell}</td>"
        for index, cell in enumerate(cells)
    )


def _work_row(line: StatementLine, currency: str) -> str:
    hours = "" if line.hours is None else _money(line.hours)
    rate = "" if line.rate is None else _money(line.rate)
    description = escape(line.description)
    if line.invoiced_separately:
        extra = f"+ {_money(line.invoiced_separately)} {escape(currency)} invoiced separately"
        description += f'<br><span class="note">{extra}</span>'
    cells = (line.date, escape(line.reference), description, hours, rate)
    figures = (_money(charge(line)), _money(line.balance_after))
    return f"<tr>{_cells(*cells, *figures, numeric_from=3)}</tr>"


def _simple_rows(lines: list[StatementLine], sign: int) -> str:
    return "".join(
        "<tr>"
        + _cells(
            line.date,
            escape(line.reference),
            escape(line.description),
            _money(sign * line.amount),
            _money(line.balance_after),
            numeric_from=3,
        )
        + "</tr>"
        for line in lines
    )


def render_html(statement: Statement) -> str:
    s, cur = statement, escape(statement.currency)
    banner = f'<p class="provisional">{PROVISIONAL_NOTICE}</p>' if s.number is None else ""
    summary = "".join(
        f"<div><span>{label}</span><strong>{_money(value)}</strong></div>"
        for label, value in (
            ("Opening balance", s.opening_balance),
            ("Credits", s.total_credits),
            ("Invoice-free work", s.total_work),
            ("Other changes", s.total_other),
            ("Closing balance", s.closing_balance),
        )
    )
    simple_head = '<tr><th>Date</th><th>Reference</th><th>Description</th><th class="n">Amount</th>'
    simple_head += '<th class="n">Balance after</th></tr>'
    work_head = (
        '<tr><th>Date</th><th>Ticket</th><th>Description</th><th class="n">Hours</th>'
        '<th class="n">Rate</th><th class="n">Amount</th><th class="n">Balance after</th></tr>'
    )
    work_rows = (
        "".join(_work_row(line, s.currency) for line in s.work) or '<tr><td colspan="7">none</td></tr>'
    )
    work_total = _total_row(5, s.total_work)
    credit_rows = _simple_rows(s.credits, 1) or '<tr><td colspan="5">none</td></tr>'
    credit_total = _total_row(3, s.total_credits)
    other = ""
    if s.other:
        other = (
            f"<h2>Other changes ({cur})</h2><table>{simple_head}{_simple_rows(s.other, -1)}"
            f"{_total_row(3, s.total_other)}</table>"
        )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title(s))} · {escape(s.name)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<h1>{escape(title(s))}</h1>
<p class="meta">{escape(s.name)} · strippenkaart in {cur}</p>
<p class="meta">Period {s.period_start.date().isoformat()} – {s.last_day.isoformat()} (Europe/Amsterdam)
 · account manager {escape(s.account_manager)}</p>
{banner}
<section class="summary" id="summary">{summary}</section>
<section class="chart" id="chart">{_chart(s)}</section>
<h2>Credits ({cur})</h2>
<table id="credits">{simple_head}{credit_rows}{credit_total}</table>
<h2>Invoice-free work ({cur})</h2>
<table id="work">{work_head}{work_rows}{work_total}</table>
{other}
<h2>When does the card run out?</h2>
<p class="forecast" id="forecast"><strong>{escape(_sentence(s.forecast.summary))}</strong><br>
<small>Method: {escape(s.forecast.method)}.</small></p>
<footer>{escape(issue_note(s))}. {PAID_NOTE}</footer>
</main>
</body>
</html>
"""


def _chart(statement: Statement) -> str:
    """The balance chart; matplotlib is imported only when a page is drawn, not by every command."""
    from ledger.statements.chart import balance_chart_svg

    return balance_chart_svg(statement)
