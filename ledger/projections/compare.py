"""Live views against a rebuild from nothing: the check behind ``ledger audit verify``.

Projections are pure functions of the log, so a view replayed from the first event into scratch
tables must hold exactly the rows of the live one. The scratch view is the same class on the same
kind of store (same SQL dialect, same value encodings), in a schema or file of this run's own
(:meth:`~ledger.projections.runtime.Projections.scratch`), removed afterwards: concurrent runs
never share a table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import zip_longest
from typing import TYPE_CHECKING, Any

from ledger.audit.findings import Finding
from ledger.errors import ViewTamperedError
from ledger.projections import parallel
from ledger.projections.base import LedgerProjection, SectionDecoder, catch_up, catch_up_together
from ledger.projections.runtime import Projections, ScratchViews
from ledger.projections.sql import ProjectionInvariantError, row_values

if TYPE_CHECKING:
    from ledger.eventstore.application import LedgerApplication
    from ledger.projections.postgres import PostgresView
    from ledger.projections.sql import SQLiteView

ROW_DIFFERENCES_MAX = 20
"""How many differing rows one table reports before it only counts them."""
ROWS_PAGE = 2000
"""Rows of a view read at once while comparing: memory stays flat on any size of view."""


def view_comparisons(projections: Projections) -> list[Callable[[LedgerApplication], Iterator[Finding]]]:
    """One comparison of every registered projection, for :func:`ledger.audit.verify.verify_log`."""
    return [ViewsCheck(projections)]


class ViewsCheck:
    """Every projection rebuilt into scratch views, then each compared with its live view.

    Called, it does both. :meth:`rebuilt` splits them, so that a verifier can rebuild from a pass
    over the log that also feeds its own checks (``decode``), run other checks, then compare."""

    __name__ = "compare_views"

    def __init__(self, projections: Projections) -> None:
        self.projections = projections
        self.views = len(projections.names)

    def __call__(self, app: LedgerApplication) -> Iterator[Finding]:
        with self.rebuilt(app) as compare:
            yield from compare()

    @contextmanager
    def rebuilt(
        self, app: LedgerApplication, decode: SectionDecoder | None = None
    ) -> Iterator[Callable[[], Iterator[Finding]]]:
        """The views rebuilt from the log; what it yields compares them (scratch removed after)."""
        projections = self.projections
        with projections.scratch() as scratch:
            rebuilt = _rebuild_all(app, projections, scratch, decode)

            def compare() -> Iterator[Finding]:
                for name in projections.names:
                    yield from _compare(app, projections, rebuilt, name)

            yield compare


def _rebuild_all(
    app: LedgerApplication, projections: Projections, scratch: ScratchViews, decode: SectionDecoder | None
) -> dict[str, LedgerProjection[Any] | ProjectionInvariantError]:
    """Every projection replayed into its scratch view from one pass over the log (the views'
    own both-sides checks may refuse the log: then that refusal stands for the view).

    A big log is split as a rebuild is (:mod:`.parallel`), on either store: one group of views
    here, fed by the pass that also feeds ``decode`` (the invariant replay, whose work counts in
    the split), each other group by a child process (PostgreSQL: into the run's scratch schema;
    SQLite: into a file of its own in the run's folder, so that no two processes write one file),
    all at once."""
    names = projections.names
    own_files = scratch.folder is not None
    here, elsewhere = _shares(
        names, parallel.workers_for(projections, names, None, own_files=own_files), own_files
    )
    files = [scratch.file_for(number) for number in range(len(elsewhere))]
    jobs = [
        parallel.Job(
            projections.config,
            projections.settings,
            group,
            scratch_schema=scratch.schema(),
            lock_timeout=getattr(scratch.datastore, "lock_timeout", 0),
            scratch_file=path,
        )
        for group, path in zip(elsewhere, files, strict=True)
    ]
    children = parallel.start(jobs)
    if not children:  # no child could be started: every view here
        here, elsewhere, files = names, [], []
    try:
        failures = scratch_rebuild(app, projections, scratch, here, decode)
    except BaseException:
        for child in children:
            child.stop()
        raise
    where = {name: scratch for name in here}
    for child, group, path in zip(children, elsewhere, files, strict=True):
        failures.update(child.answer())
        views = scratch if path is None else scratch.opened(path)
        where.update(dict.fromkeys(group, views))
    return {name: failures.get(name) or where[name].projection(name) for name in names}


REPLAY = "(the invariant replay)"
"""Stands in a verification's split for the work of the invariant replay, which is done in the
process that reads the log for it (this one): the views of its group are rebuilt here."""
REPLAY_COST = {"staged": 30.0, "postgres": 4.4}
"""The replay's own share (feeding its checks; the log is decoded for the views anyway), in the
units of :data:`~.parallel.STAGED_REBUILD_COST` and :data:`~.parallel.REBUILD_COST`: measured on a
1,100,060-event log as what this process's group took beyond its views' shares (with 12 and 1,
the child's group was done 16 s (SQLite) and 33 s (PostgreSQL) before this process's)."""


def _shares(
    names: Sequence[str], workers: int, own_files: bool
) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The views rebuilt here (with the invariant replay) and the groups for other processes,
    all of about equal cost; never none here, since this process's pass also feeds the replay."""
    costs = {
        **(parallel.STAGED_REBUILD_COST if own_files else parallel.REBUILD_COST),
        REPLAY: REPLAY_COST["staged" if own_files else "postgres"],
    }
    groups = parallel.split([*names, REPLAY], workers, costs)
    mine = next(group for group in groups if REPLAY in group)
    others = [group for group in groups if group is not mine]
    here = tuple(name for name in mine if name != REPLAY)
    if not here:  # the replay alone: the cheapest other group joins it
        here = min(others, key=lambda group: parallel.group_cost(group, costs))
        others.remove(here)
    return here, others


def scratch_rebuild(
    app: LedgerApplication,
    projections: Projections,
    scratch: ScratchViews,
    names: Sequence[str],
    decode: SectionDecoder | None = None,
) -> dict[str, ProjectionInvariantError]:
    """Replay the log into the scratch views of ``names`` together; which of them refused it."""
    rebuilt = [scratch.projection(name) for name in names]
    for projection in rebuilt:  # nobody else reads a scratch view: its rows need no running sums
        view: Any = projection.view
        view.lift_row_triggers()
    together = catch_up_together(
        app, rebuilt, keep_going=True, section_events_max=projections.section_events_max, decode=decode
    )
    return dict(together.failures)


def _compare(
    app: LedgerApplication,
    projections: Projections,
    rebuilt: dict[str, LedgerProjection[Any] | ProjectionInvariantError],
    name: str,
) -> Iterator[Finding]:
    live = projections.projection(name)
    replayed = rebuilt[name]
    if isinstance(replayed, ProjectionInvariantError):
        # The view's own both-sides check refused the log: that is the finding.
        yield Finding("view", None, f"view {name}: replaying the log fails: {replayed}")
        return
    scratch_view = replayed.view
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
        only_live, only_rebuilt = _table_differences(live, scratch, table)
        for row in sorted(only_live.elements(), key=repr)[:ROW_DIFFERENCES_MAX]:
            yield Finding("view", None, f"view {name}.{table}: live row not in a rebuild: {row}")
        for row in sorted(only_rebuilt.elements(), key=repr)[:ROW_DIFFERENCES_MAX]:
            yield Finding("view", None, f"view {name}.{table}: rebuilt row missing from the live view: {row}")
        hidden = max(only_live.total() - ROW_DIFFERENCES_MAX, 0) + max(
            only_rebuilt.total() - ROW_DIFFERENCES_MAX, 0
        )
        if hidden:
            yield Finding("view", None, f"view {name}.{table}: {hidden} more differing rows")


def _table_differences(
    live: SQLiteView | PostgresView, scratch: SQLiteView | PostgresView, table: str
) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """The rows only the live ``table`` holds and those only the rebuilt one holds: counted by the
    database when it can (:meth:`~.sql.SqlView.row_differences`), else from both read in pages."""
    counted = live.row_differences(scratch, table)
    if counted is not None:
        return counted
    return _differences(_pages(live, table), _pages(scratch, table))


def _differences(
    live: Iterator[list[Any]], rebuilt: Iterator[list[Any]]
) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """The rows (with multiplicity) only one side has, from two streams of pages in the same order.

    Why streams: a view of a million rows compared as two sorted lists (``row in list``) was
    quadratic and held both tables in memory. Both sides are read in one order (same dialect,
    same ``ORDER BY``) and in pages of one size, so equal rows meet pairwise: two equal pages are
    passed over whole (a list comparison, no row made into a tuple), and only the rows of unequal
    pages are paired one by one. A row one side lacks shifts the pairing, and the rows waiting for
    their partner stay as few as the differences."""
    only_live: Counter[tuple[Any, ...]] = Counter()
    only_rebuilt: Counter[tuple[Any, ...]] = Counter()
    no_rows: list[Any] = []
    for mine_page, theirs_page in zip_longest(live, rebuilt, fillvalue=no_rows):
        if mine_page == theirs_page:
            continue
        for mine, theirs in zip_longest(map(row_values, mine_page), map(row_values, theirs_page)):
            if mine == theirs:
                continue
            for row, own, other in ((mine, only_live, only_rebuilt), (theirs, only_rebuilt, only_live)):
                if row is None:
                    continue
                if other[row]:
                    other[row] -= 1
                    if not other[row]:
                        del other[row]
                else:
                    own[row] += 1
    return only_live, only_rebuilt


def _pages(view: SQLiteView | PostgresView, table: str) -> Iterator[list[Any]]:
    """Every row of ``table`` in one order of all its columns, a page of rows at a time."""
    with view.transaction(commit=False) as cursor:
        raw = getattr(cursor, "sqlite_cursor", cursor)  # the library wraps sqlite3's cursor
        raw.execute(view.sql(f"SELECT * FROM {{{table}}} LIMIT 0"))
        columns = len(raw.description)
        order = ", ".join(str(number) for number in range(1, columns + 1))
        statement = view.sql(f"SELECT * FROM {{{table}}} ORDER BY {order}")
        with view.row_stream(raw, statement) as rows:
            while page := rows.fetchmany(ROWS_PAGE):
                yield list(page)
