"""A SQLite rebuild split over processes: each group of views is rebuilt in a file of its own,
and this process copies each into the store in one transaction.

Why: a rebuild is Python-bound, one core at a time, and SQLite has one writer per file, so two
processes rebuilding views of one file wait on each other (measured slower than one process).
Here no two processes write one file: this process and each child rebuild a group of views, with
the same handlers through the same :func:`~ledger.projections.base.catch_up_together`, in a
staging file of a private folder, and this process moves each staged group into the store with
set-based ``INSERT … SELECT`` statements (C speed, no Python per row). Nobody reads a staging
file while it is written, so its views go without their row triggers and count their rows and
hash sums once at the end (:meth:`~ledger.projections.sql.SQLiteView.recount`): the same sums,
without a hash and a row-sums update per row written.

A staged view replaces the live one whole, in one transaction: its rows, its position, its
digest and the row sums behind it (the same hashes over the same columns, so the digest still
holds), while rows of the tables a rebuild keeps (the alerts' delivery outbox) are only added,
never replaced, as a rebuild adds them. Nobody sees a view half copied: the transaction holds
the file's write lock, and the row triggers it lifts to copy without hashing each row again are
back before it commits. A view whose table layout differs from the staged one (a store made by
an older layout) is not copied: that group is rebuilt in the store instead.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.persistence.sqlite import ImmediateTransaction
from ledger.projections import parallel
from ledger.projections.digest import DIGEST_TABLE, ROWSUMS_TABLE
from ledger.projections.sql import SQLiteView, lift_triggers, register_digest_functions

if TYPE_CHECKING:
    from ledger.projections.parallel import RebuildResult

STAGED = "ledger_staged"
"""The schema name the staging file is attached under, on this process's connection only."""


def rebuild_staged(
    projections: parallel.Rebuilding, names: Sequence[str], groups: Sequence[tuple[str, ...]]
) -> list[RebuildResult]:
    """Rebuild each group in a staging file of its own, the cheapest here and the others in
    children, all at once; copy each into the store as soon as it is done (this process's own
    group while the children still work). One group: all of it here, staged all the same.

    A child's failure is raised once the groups that finished are copied (each group commits on
    its own, as the views of a serial rebuild do); the failed group's views keep their old rows
    and position. Without children (none can be started) every view is rebuilt in the store."""
    here = min(groups, key=lambda group: parallel.group_cost(group, parallel.STAGED_REBUILD_COST))
    elsewhere = [group for group in groups if group is not here]
    try:
        staging = tempfile.TemporaryDirectory(prefix="ledger-rebuild-")
    except OSError:  # no temporary folder to stage in: every view is rebuilt in the store
        return projections.rebuild_together(names)
    with staging as folder:
        files = [str(Path(folder) / f"staged-{number}.db") for number in range(len(groups))]
        jobs = [
            parallel.Job(projections.config, projections.settings, group, staging_file=path)
            for group, path in zip(elsewhere, files[1:], strict=True)
        ]
        children = parallel.start(jobs) if jobs else []
        if len(children) < len(jobs):  # none could be started: every view in the store
            return projections.rebuild_together(names)
        try:
            results = _adopted(projections, here, files[0], projections.rebuild_into(files[0], here))
        except BaseException:
            for child in children:
                child.stop()
            raise
        failure: BaseException | None = None
        for child, group, path in zip(children, elsewhere, files[1:], strict=True):
            try:
                staged: list[RebuildResult] = child.answer()
            except Exception as error:  # the other children's views are still copied
                failure = failure or error
                continue
            results.extend(_adopted(projections, group, path, staged))
        if failure is not None:
            raise failure
    by_name = {result.name: result for result in results}
    return [by_name[name] for name in names]


def _adopted(
    projections: parallel.Rebuilding, group: Sequence[str], path: str, staged: list[RebuildResult]
) -> list[RebuildResult]:
    """The group's staged views copied into the store; rebuilt there instead if their tables'
    layout differs from the store's (nothing was copied then)."""
    views = [projections.projection(name).view for name in group]
    app_name = projections.app.name
    if all(isinstance(view, SQLiteView) and copy_staged(view, path, app_name) for view in views):
        return staged
    return projections.rebuild_together(group)


def copy_staged(view: SQLiteView, path: str, application_name: str) -> bool:
    """Replace ``view``'s rows, position and digest with those of the same view rebuilt in the
    SQLite file at ``path``, in one transaction; False (nothing written) when a table's columns
    differ between the two, since the row sums are hashes of the columns in their order."""
    with view.datastore.get_connection(commit=True) as connection:
        register_digest_functions(connection)
        raw: Any = connection._sqlite_conn
        raw.execute(f"ATTACH DATABASE ? AS {STAGED}", (path,))  # not possible inside a transaction
        try:
            with ImmediateTransaction(connection, commit=True) as cursor, cursor:
                return _copy(view, cursor, application_name)
        finally:
            raw.execute(f"DETACH DATABASE {STAGED}")


def _copy(view: SQLiteView, cursor: Any, application_name: str) -> bool:
    def name(table: str) -> str:
        return f"{view.prefix}_{table}"

    columns: dict[str, str] = {}
    for table in (*view.table_names, *view.kept_table_names):
        live, staged = _columns(cursor, "main", name(table)), _columns(cursor, STAGED, name(table))
        if live != staged:
            return False
        columns[table] = ", ".join(f'"{column}"' for column in live)
    tracking = f'"{view.tracking_table_name}"'
    cursor.execute(f"DELETE FROM main.{tracking} WHERE application_name = ?", (application_name,))
    cursor.execute(
        f"INSERT INTO main.{tracking} SELECT * FROM {STAGED}.{tracking} WHERE application_name = ?",
        (application_name,),
    )
    for table in view.table_names:
        triggers = lift_triggers(cursor, name(table))
        cursor.execute(f'DELETE FROM main."{name(table)}"')
        cursor.execute(_copy_rows("INSERT", name(table), columns[table]))
        for statement in triggers:
            cursor.execute(statement)
    for table in view.kept_table_names:  # only added to, never replaced (see the module's docstring)
        cursor.execute(_copy_rows("INSERT OR IGNORE", name(table), columns[table]))
    for table in (DIGEST_TABLE, ROWSUMS_TABLE):
        cursor.execute(f'DELETE FROM main."{name(table)}"')
        cursor.execute(f'INSERT INTO main."{name(table)}" SELECT * FROM {STAGED}."{name(table)}"')
    return True


def _copy_rows(verb: str, table: str, columns: str) -> str:
    return f'{verb} INTO main."{table}" ({columns}) SELECT {columns} FROM {STAGED}."{table}"'


def _columns(cursor: Any, schema: str, table: str) -> list[str]:
    cursor.execute(f'PRAGMA {schema}.table_info("{table}")')
    return [str(row[1]) for row in cursor.fetchall()]
