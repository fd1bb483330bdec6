"""Live views against a rebuild from nothing: the check behind ``ledger audit verify``.

Projections are pure functions of the log, so a view replayed from the first event into scratch
tables must hold exactly the rows of the live one. The scratch view is the same class on the same
kind of store (same SQL dialect, same value encodings), in a schema or file of this run's own
(:meth:`~ledger.projections.runtime.Projections.scratch`), removed afterwards: concurrent runs
never share a table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ledger.audit.findings import Finding
from ledger.errors import ViewTamperedError
from ledger.projections.base import catch_up
from ledger.projections.runtime import Projections, ScratchViews, projection_kind
from ledger.projections.sql import ProjectionInvariantError

if TYPE_CHECKING:
    from ledger.commands.application import LedgerApplication
    from ledger.projections.postgres import PostgresView
    from ledger.projections.sql import SQLiteView

ROW_DIFFERENCES_MAX = 20
"""How many differing rows one table reports before it only counts them."""


def view_comparisons(projections: Projections) -> list[Callable[[LedgerApplication], Iterator[Finding]]]:
    """One comparison of every registered projection, for :func:`ledger.audit.verify.verify_log`."""

    def compare_views(app: LedgerApplication) -> Iterator[Finding]:
        with projections.scratch() as scratch:
            for name in projections.names:
                yield from _compare(app, projections, scratch, name)

    compare_views.views = len(projections.names)  # type: ignore[attr-defined]
    return [compare_views]


def _compare(
    app: LedgerApplication, projections: Projections, scratch: ScratchViews, name: str
) -> Iterator[Finding]:
    live = projections.projection(name)
    scratch_view = scratch.view(name)
    rebuilt = projection_kind(name).projection(view=scratch_view)
    if projections.settings is not None:
        rebuilt.configure(projections.settings)
    try:
        catch_up(app, rebuilt)
    except ProjectionInvariantError as error:
        # The view's own both-sides check refused the log: that is the finding.
        yield Finding("view", None, f"view {name}: replaying the log fails: {error}")
        return
    tampered = False
    try:
        catch_up(app, live)
        live.view.check_digest(app.name)
    except ViewTamperedError as error:  # the rows below say what was changed, when comparable
        tampered = True
        yield Finding("view", None, str(error))
    except ProjectionInvariantError as error:
        yield Finding("view", None, f"view {name}: the live view refuses the log: {error}")
    live_position = live.view.max_tracking_id(app.name) or 0
    scratch_position = scratch_view.max_tracking_id(app.name) or 0
    if live_position != scratch_position:
        if tampered:  # it refused to catch up over the edit: nothing further to compare
            return
        message = (
            f"view {name}: the log moved while verifying (live at {live_position}, "
            f"rebuild at {scratch_position}); run verify again"
        )
        yield Finding("view", None, message)
        return
    yield from _compare_tables(name, live.view, scratch_view)


def _compare_tables(
    name: str, live: SQLiteView | PostgresView, scratch: SQLiteView | PostgresView
) -> Iterator[Finding]:
    for table in live.table_names:
        live_rows = _rows(live, table)
        scratch_rows = _rows(scratch, table)
        only_live = [row for row in live_rows if row not in scratch_rows]
        only_rebuilt = [row for row in scratch_rows if row not in live_rows]
        for row in only_live[:ROW_DIFFERENCES_MAX]:
            yield Finding("view", None, f"view {name}.{table}: live row not in a rebuild: {row}")
        for row in only_rebuilt[:ROW_DIFFERENCES_MAX]:
            yield Finding("view", None, f"view {name}.{table}: rebuilt row missing from the live view: {row}")
        hidden = max(len(only_live) - ROW_DIFFERENCES_MAX, 0) + max(
            len(only_rebuilt) - ROW_DIFFERENCES_MAX, 0
        )
        if hidden:
            yield Finding("view", None, f"view {name}.{table}: {hidden} more differing rows")


def _rows(view: SQLiteView | PostgresView, table: str) -> list[tuple[Any, ...]]:
    rows = view.query(f"SELECT * FROM {{{table}}}")
    # psycopg hands rows out as dicts, sqlite3 as sequences: compare the values either way.
    values = (tuple(row.values()) if isinstance(row, Mapping) else tuple(row) for row in rows)
    return sorted(values, key=repr)
