"""Rendering results: readable tables for people, stable JSON for scripts.

User text is data, never markup: the console interprets no ``[style]`` markup and no ``:emoji:``
codes, so a customer named ``[/x] Evil`` or ``[link=...]`` prints exactly so, in every table and
line. Styling, where wanted, is passed as a rich ``Text`` built by the code.
"""

from __future__ import annotations

import builtins
import functools
import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text


PLAIN_WIDTH = 120
"""The console's width when it is not a terminal (see :attr:`Output.console`)."""


def plain_fields(title: str, cells: Sequence[tuple[str, str]]) -> str | None:
    """``cells`` as the console prints a table of :meth:`Output.fields` when not on a terminal, or
    None when that table could look otherwise (text that is not printable ASCII, or too wide a
    table, which the console would wrap).

    Why: ``ledger balance`` and the other one-record answers print in a fresh process, and rich's
    console and table would be much of what it loads (benchmarks/README.md, row 7). A test compares
    this with rich's table for arbitrary text."""
    texts = [title, *(text for cell in cells for text in cell)]
    if not cells or not all(text.isascii() and text.isprintable() for text in texts):
        return None
    name_width = max(len(name) for name, _ in cells)
    value_width = max(len(value) for _, value in cells)
    if name_width + value_width + 7 > PLAIN_WIDTH or len(title) > PLAIN_WIDTH:
        return None
    rule_name, rule_value = "─" * (name_width + 2), "─" * (value_width + 2)
    lines = [title] if title else []
    lines.append(f"┌{rule_name}┬{rule_value}┐")
    lines.extend(f"│ {name.ljust(name_width)} │ {value.ljust(value_width)} │" for name, value in cells)
    lines.append(f"└{rule_name}┴{rule_value}┘")
    return "\n".join(lines) + "\n"


class Output:
    """Where a command writes: stdout for results, stderr for errors."""

    def __init__(self, *, json_mode: bool = False) -> None:
        self.json_mode = json_mode
        self._stdout = sys.stdout

    @functools.cached_property
    def console(self) -> Console:
        """The console for tables and lines, made on first use: ``--json`` output needs no rich."""
        from rich.console import Console

        width = None if self._stdout.isatty() else PLAIN_WIDTH
        return Console(
            file=self._stdout, highlight=False, soft_wrap=True, width=width, markup=False, emoji=False
        )

    def json(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")

    def fields(self, title: str, rows: Iterable[tuple[str, Any]]) -> None:
        """A two-column table of one record."""
        cells = [(name, "" if value is None else str(value)) for name, value in rows]
        text = plain_fields(title, cells) if self._plain else None
        if text is None:
            self._rich_fields(title, cells)
        else:
            self._stdout.write(text)
            self._stdout.flush()

    def _rich_fields(self, title: str, cells: Sequence[tuple[str, str]]) -> None:
        from rich.table import Table

        table = Table(title=title, show_header=False, title_justify="left")
        table.add_column("field", style="bold")
        table.add_column("value")
        for name, value in cells:
            table.add_row(name, value)
        self.console.print(table)

    @functools.cached_property
    def _plain(self) -> bool:
        """Whether the console would print plain text here: no terminal (so no styles, and the fixed
        width of 120), a UTF-8 stream (so its box characters), and nothing that tells rich otherwise
        (a Jupyter shell, ``FORCE_COLOR``, ``TTY_COMPATIBLE=1``, Windows' legacy console)."""
        stream = self._stdout
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower()
        return (
            not stream.isatty()
            and encoding.startswith("utf")
            and os.environ.get("FORCE_COLOR") is None
            and os.environ.get("TTY_COMPATIBLE", "") != "1"
            and sys.platform != "win32"
            and not hasattr(builtins, "get_ipython")
        )

    def table(
        self,
        title: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        numeric: Sequence[str] = (),
    ) -> None:
        """A table of many records; ``numeric`` columns are right-aligned."""
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column, justify="right" if column in numeric else "left")
        for row in rows:
            table.add_row(*("" if value is None else str(value) for value in row))
        self.console.print(table)

    def line(self, text: str | Text) -> None:
        """One line, printed literally (a ``Text`` carries its own styles)."""
        self.console.print(text)
