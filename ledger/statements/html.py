"""The statement as a self-contained HTML page a customer can be sent, and the source of the PDF:
inline CSS (with print rules: A4, no grey background), the balance chart as inline SVG, no
scripts, no external resources. Deterministic, like the text form, in the statement's language."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ledger.statements.render import flat, issue_note, line_details, sender_lines, title, words_for

if TYPE_CHECKING:
    from decimal import Decimal

    from ledger.statements.document import Statement, StatementLine
    from ledger.statements.words import Words

CSS = """
body { font-family: "DejaVu Sans", system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1d2733; margin: 0; background: #f4f6f8; }
main { max-width: 820px; margin: 24px auto; background: #fff; padding: 32px 40px;
       box-shadow: 0 1px 3px rgba(0,0,0,.12); border-radius: 6px; }
header { display: flex; justify-content: space-between; gap: 24px; }
.sender { font-size: 12px; color: #3d4954; text-align: right; }
.sender strong { font-size: 14px; color: #1d2733; }
.to { font-size: 13px; margin: 16px 0 0; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 28px 0 8px; color: #1f5f8b; border-bottom: 1px solid #dde3ea;
     padding-bottom: 4px; page-break-after: avoid; }
.meta { color: #5b6773; font-size: 13px; margin: 2px 0; }
.provisional { background: #fff4d6; border: 1px solid #e0b84c; color: #7a5500; padding: 8px 12px;
               border-radius: 4px; font-weight: 600; margin: 12px 0; }
.summary { display: flex; gap: 8px; margin: 20px 0; }
.summary div { flex: 1; background: #f0f5f9; border-radius: 4px; padding: 10px; }
.summary span { display: block; font-size: 11px; color: #5b6773; text-transform: uppercase; }
.summary strong { font-size: 15px; white-space: nowrap; }
table { width: 100%; border-collapse: collapse; font-size: 12px; }
th { text-align: left; color: #5b6773; font-weight: 600; border-bottom: 1px solid #dde3ea; padding: 4px 6px; }
td { padding: 4px 6px; border-bottom: 1px solid #f0f2f4; vertical-align: top; }
tr { page-break-inside: avoid; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.d { white-space: nowrap; }
tr.total td { font-weight: 600; border-bottom: none; }
.note { color: #5b6773; font-size: 11px; }
.chart svg { width: 100%; height: auto; }
.forecast { background: #f0f5f9; border-left: 4px solid #1f5f8b; padding: 10px 14px; }
.expiring { color: #7a5500; font-weight: 600; }
.check { color: #5b6773; font-size: 11px; }
footer { color: #8a949e; font-size: 11px; margin-top: 28px; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  body { background: #fff; }
  main { max-width: none; margin: 0; padding: 0; box-shadow: none; border-radius: 0; }
  .summary div, .forecast { background: #fff; border: 1px solid #dde3ea; }
}
"""


def _money(w: Words, amount: Decimal, currency: str) -> str:
    return escape(w.money(amount, currency))


def _row(w: Words, line: StatementLine, currency: str, *, period: bool) -> str:
    """Date, reference, what it is (with hours × rate, notes), amount, balance after."""
    reference = "" if line.section in ("credit", "other") else escape(line.reference)
    details = line_details(line, w, currency)
    if period:
        details.insert(0, w["for_period"].format(period=w.month(line.period)))
    notes = "".join(f'<br><span class="note">{escape(detail)}</span>' for detail in details)
    moves = line.section in ("credit", "work", "other")
    amount = _money(w, line.amount, currency) if moves else ""
    balance = _money(w, line.balance_after, currency) if moves else ""
    return (
        f'<tr><td class="d">{escape(w.day(line.date))}</td><td>{reference}</td>'
        f"<td>{escape(flat(w.line_label(line)))}{notes}</td>"
        f'<td class="n">{amount}</td><td class="n">{balance}</td></tr>'
    )


def _table(w: Words, name: str, lines: list[StatementLine], currency: str, *, period: bool = False) -> str:
    head = (
        f"<tr><th>{w['date']}</th><th>{w['ticket']}</th><th>{w['description']}</th>"
        f'<th class="n">{w["amount"]}</th><th class="n">{w["balance"]}</th></tr>'
    )
    rows = "".join(_row(w, line, currency, period=period) for line in lines)
    rows = rows or f'<tr><td colspan="5">{w["none"]}</td></tr>'
    return f'<table id="{name}">{head}{rows}</table>'


def _sender(statement: Statement, w: Words) -> str:
    parts = sender_lines(statement.sender, w)
    if not parts:
        return ""
    name, *rest = parts if statement.sender.name else ["", *parts]
    body = "".join(f"<br>{escape(part)}" for part in rest)
    return f'<div class="sender" id="sender"><strong>{escape(name)}</strong>{body}</div>'


def render_html(statement: Statement, language: str | None = None) -> str:
    s, cur = statement, statement.currency
    w = words_for(s, language)
    banner = f'<p class="provisional">{escape(w["provisional"])}</p>' if s.number is None else ""
    summary = "".join(
        f"<div><span>{label}</span><strong>{_money(w, value, cur)}</strong></div>"
        for label, value in (
            (w["opening_short"], s.opening_balance),
            (w["credits"], s.total_credits),
            (w["work_short"], s.total_work),
            (w["corrections"], s.total_corrections),
            (w["expired"], s.total_other),
            (w["closing_short"], s.closing_balance),
        )
    )
    sections = []
    if s.corrections:
        sections.append(
            f"<h2>{w['corrections']}</h2>{_table(w, 'corrections', s.corrections, cur, period=True)}"
        )
    sections.append(f"<h2>{w['credits']}</h2>{_table(w, 'credits', s.credits, cur)}")
    sections.append(f"<h2>{w['work']}</h2>{_table(w, 'work', s.work, cur)}")
    for name, lines in (("expired", s.other), ("covered", s.covered), ("invoiced", s.invoiced)):
        if lines:
            sections.append(f"<h2>{w[name]}</h2>{_table(w, name, lines, cur)}")
    card = f"{w['card_in']} {escape(cur)}" if s.has_card else w["no_card"]
    sentence, method, notices = w.forecast(s.forecast, cur)
    expiring = "".join(f'<br><span class="expiring">{escape(notice)}.</span>' for notice in notices)
    period = f"{w.day(s.period_start.date())} – {w.day(s.last_day)}"
    check = (
        f"{_money(w, s.opening_balance, cur)} + {_money(w, s.total_credits, cur)} − "
        f"{_money(w, s.total_work, cur)} + {_money(w, s.total_corrections, cur)} − "
        f"{_money(w, s.total_other, cur)} = {_money(w, s.closing_balance, cur)}"
    )
    chart = _chart(s, w["balance_in"].format(month=w.month(s.month))) if s.has_card else ""
    return f"""<!DOCTYPE html>
<html lang="{w.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title(s, language))} · {escape(s.name)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header><div><h1>{escape(title(s, language))}</h1>
<p class="meta">{w["period"]} {escape(period)} · {card}</p></div>
{_sender(s, w)}</header>
<p class="to" id="customer">{w["to"]}: <strong>{escape(s.name)}</strong> ({escape(s.customer)})<br>
{w["account_manager"]}: {escape(s.account_manager)}</p>
{banner}
<section class="summary" id="summary">{summary}</section>
<section class="chart" id="chart">{chart}</section>
{"".join(sections)}
<p class="check" id="check">{w["check"]}: {check}</p>
<h2>{w["forecast"]}</h2>
<p class="forecast" id="forecast"><strong>{escape(sentence)}.</strong>{expiring}<br>
<small>{escape(method)}.</small></p>
<footer>{escape(issue_note(s, language))}. {w["paid_note"]}</footer>
</main>
</body>
</html>
"""


def _chart(statement: Statement, heading: str) -> str:
    """The balance chart; matplotlib is imported only when a page is drawn, not by every command."""
    from ledger.statements.chart import balance_chart_svg

    return balance_chart_svg(statement, heading)
