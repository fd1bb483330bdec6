"""Rendering results: readable tables for people, stable JSON for scripts.

User text is data, never markup: the console interprets no ``[style]`` markup and no ``:emoji:``
codes, so a customer named ``[/x] Evil`` or ``[link=...]`` prints exactly so, in every table and
line. Styling, where wanted, is passed as a rich ``Text`` built by the code.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text


class Output:
    """Where a command writes: stdout for results, stderr for errors."""

    def __init__(self, *, json_mode: bool = False) -> None:
        self.json_mode = json_mode
        self._stdout = sys.stdout

    @functools.cached_property
    def console(self) -> Console:
        """The console for tables and lines, made on first use: ``--json`` output needs no rich."""
        from rich.console import Console

        width = None if self._stdout.isatty() else 120
        return Console(
            file=self._stdout, highlight=False, soft_wrap=True, width=width, markup=False, emoji=False
        )

    def json(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")

    def fields(self, title: str, rows: Iterable[tuple[str, Any]]) -> None:
        """A two-column table of one record."""
        from rich.table import Table

        table = Table(title=title, show_header=False, title_justify="left")
        table.add_column("field", style="bold")
        table.add_column("value")
        for name, value in rows:
            table.add_row(name, "" if value is None else str(value))
        self.console.print(table)

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
