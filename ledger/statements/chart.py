"""The balance over the month as an SVG chart, made with matplotlib, embedded inline in the page.

Deterministic on purpose (an issued statement must render to the same bytes): a fixed
``svg.hashsalt`` for the element ids, text kept as text (``svg.fonttype = none``, no embedded glyph
paths that depend on the fonts installed), and no creation date in the metadata. The figure is made
with :class:`matplotlib.figure.Figure` directly, on the Agg/SVG canvases, never through pyplot's
global state, so it is safe in a server thread.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import matplotlib as mpl

mpl.use("Agg")  # no display, ever: statements are rendered on servers and in CI

from matplotlib import dates as mdates
from matplotlib.figure import Figure

from ledger.domain.time import AMSTERDAM

if TYPE_CHECKING:
    from ledger.statements.document import Statement

RC: Any = {
    "svg.hashsalt": "ledger-statement",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
LINE_COLOUR = "#1f5f8b"
FILL_COLOUR = "#d6e6f2"
FIGURE_SIZE_IN = (7.2, 2.6)


def balance_chart_svg(statement: Statement, heading: str | None = None) -> str:
    """An ``<svg>`` element (no XML prolog) drawing the card's balance through the month; the
    day ticks are day numbers, so no month name depends on the process locale."""
    times = [point.at for point in statement.balance_points]
    balances = [float(point.balance) for point in statement.balance_points]
    with mpl.rc_context(RC):
        figure = Figure(figsize=FIGURE_SIZE_IN)
        axes = figure.add_subplot()
        axes.step(times, balances, where="post", color=LINE_COLOUR, linewidth=1.8)  # type: ignore[arg-type]
        axes.fill_between(times, balances, step="post", color=FILL_COLOUR, alpha=0.8)  # type: ignore[arg-type]
        axes.set_xlim(statement.period_start, statement.period_end)  # type: ignore[arg-type]
        axes.set_ylim(bottom=0, top=max([*balances, 1.0]) * 1.1)
        days: Any = mdates.DayLocator  # matplotlib's date helpers are untyped
        formatter: Any = mdates.DateFormatter
        axes.xaxis.set_major_locator(days(bymonthday=(1, 8, 15, 22), tz=AMSTERDAM))
        axes.xaxis.set_major_formatter(formatter("%d", tz=AMSTERDAM))
        axes.set_ylabel(statement.currency)
        axes.grid(axis="y", color="#e5e5e5", linewidth=0.6)
        axes.set_title(heading or f"Balance in {statement.month}", loc="left", fontsize=10)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]
