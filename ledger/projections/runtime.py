"""The views of one open ledger: where they live, how they catch up, rebuild and report status.

Views live in the store of the events: the same SQLite file, or the same PostgreSQL database and
schema. A ``memory://`` ledger keeps its views in an in-process SQLite memory database, so the
same SQL serves it and no third implementation has to be kept in step.

Read-your-writes without a daemon: every read through :class:`Projections` first catches its view
up (one indexed look-up when nothing is new). A PostgreSQL deployment may also run
``ledger projections run`` to keep views warm; reads and runners then race harmlessly, because
tracking lets exactly one of them apply each event.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from eventsourcing.persistence import IntegrityError
from eventsourcing.sqlite import SQLiteDatastore, SQLiteFactory

from ledger.collector import paced_for_bulk
from ledger.domain.results import JsonResult
from ledger.errors import UnknownProjectionError
from ledger.persistence.sqlite import scratch_file_datastore
from ledger.projections import parallel, staging
from ledger.projections.alerts import AlertsProjection, SQLiteAlertsView
from ledger.projections.balances import (
    BalancesProjection,
    SQLiteBalancesView,
)
from ledger.projections.base import (
    POSTGRES_SECTION_EVENTS_MAX,
    SECTION_EVENTS_MAX,
    LedgerProjection,
    catch_up,
    catch_up_together,
    rebuild,
)
from ledger.projections.invoiceable import (
    InvoiceableProjection,
    SQLiteInvoiceableView,
)
from ledger.projections.parallel import RebuildResult
from ledger.projections.sealed_views import SealedViewStore
from ledger.projections.sql import SQLiteView
from ledger.projections.statement_lines import (
    SQLiteStatementsView,
    StatementsProjection,
)
from ledger.projections.work_records import (
    SQLiteWorkRecordsView,
    WorkRecordsProjection,
)
from ledger.store import provisioning

if TYPE_CHECKING:
    from eventsourcing.application import Application
    from eventsourcing.postgres import PostgresDatastore

    from ledger.config import LedgerSettings
    from ledger.projections.postgres import PostgresView
    from ledger.store import StoreConfig

CREATE_TABLE_ATTEMPTS_MAX = 3
"""Two processes creating the same PostgreSQL tables at once can collide once; then it exists."""
STATUS_PENDING_MAX = 10_000
"""``status`` counts unapplied relevant events up to this many."""


@dataclass(frozen=True)
class ProjectionKind:
    """One projection and its view on each kind of store (PostgreSQL's imported only when asked)."""

    projection: type[LedgerProjection[Any]]
    sqlite_view: type[SQLiteView]

    @property
    def postgres_view(self) -> type[PostgresView]:
        from ledger.projections.postgres import POSTGRES_VIEWS

        return POSTGRES_VIEWS[self.projection.name]


PROJECTIONS: dict[str, ProjectionKind] = {
    kind.projection.name: kind
    for kind in (
        ProjectionKind(BalancesProjection, SQLiteBalancesView),
        ProjectionKind(WorkRecordsProjection, SQLiteWorkRecordsView),
        ProjectionKind(InvoiceableProjection, SQLiteInvoiceableView),
        ProjectionKind(AlertsProjection, SQLiteAlertsView),
        ProjectionKind(StatementsProjection, SQLiteStatementsView),
    )
}
"""Every projection, by name; later views (alerts, statements) add themselves here."""


def projection_kind(name: str) -> ProjectionKind:
    kind = PROJECTIONS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise UnknownProjectionError(name if isinstance(name, str) else repr(name)[:100], tuple(PROJECTIONS))
    return kind


@dataclass(frozen=True)
class ProjectionStatus(JsonResult):
    """Where a view stands: its position, the log's last id, and what it has not applied yet.

    ``behind`` counts every later event in the log; ``pending`` only those this view reads
    (up to ``STATUS_PENDING_MAX``), which a runner may leave unequal to ``behind``.
    """

    name: str
    position: int
    log_position: int
    behind: int
    pending: int


class Projections:
    """The projections of one application, their views built on first use."""

    def __init__(
        self, app: Application[Any], config: StoreConfig, settings: LedgerSettings | None = None
    ) -> None:
        self.app = app
        self.config = config
        self.settings = settings
        self._projections: dict[str, LedgerProjection[Any]] = {}
        self._memory_datastore: SQLiteDatastore | None = None
        self._sealed: SealedViewStore | None = None

    @property
    def section_events_max(self) -> int:
        """Events per view transaction when views catch up together (see :mod:`.base`)."""
        return POSTGRES_SECTION_EVENTS_MAX if self.config.kind == "postgres" else SECTION_EVENTS_MAX

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(PROJECTIONS)

    def projection(self, name: str) -> LedgerProjection[Any]:
        """The projection and its view, creating the view's tables the first time."""
        projection = self._projections.get(name)
        if projection is None:
            kind = projection_kind(name)
            projection = kind.projection(view=self._construct_view(kind))
            if self.settings is not None:
                projection.configure(self.settings)
            self._projections[name] = projection
        return projection

    def fresh(self, name: str) -> Any:
        """The view, caught up with every event recorded so far: read-your-writes."""
        projection = self.projection(name)
        catch_up(self.app, projection)
        projection.view.check_digest(self.app.name)  # never print figures edited behind our back
        return projection.view

    def catch_up(self, name: str | None = None) -> int:
        chosen = [self.projection(each) for each in self._chosen(name)]
        if len(chosen) == 1:
            return catch_up(self.app, chosen[0])
        together = catch_up_together(self.app, chosen, section_events_max=self.section_events_max)
        return sum(together.applied.values())  # the log read once

    @paced_for_bulk()  # the whole log in sections: see ledger.collector
    def rebuild(self, name: str | None = None, workers: int | None = None) -> list[RebuildResult]:
        """Empty each chosen view and replay the log into it (reset and first batch commit together).

        Every view from one pass over the log (see :func:`catch_up_together`); ``seconds`` is then
        each view's own transactions plus an equal share of reading and decoding. A big log is
        rebuilt by up to ``workers`` processes (None: one per core), each a group of views (see
        :mod:`.parallel`); ``workers=1`` keeps it in this process. On SQLite a big log's views are
        rebuilt in staging files, one per process, and copied into the store (see :mod:`.staging`)."""
        names = self._chosen(name)
        count = parallel.workers_for(self, names, workers, own_files=self.stages_in_files)
        if self.stages_in_files and (count > 1 or self._big_log()):
            groups = parallel.split(names, count, parallel.STAGED_REBUILD_COST)
            return staging.rebuild_staged(self, names, groups)
        if count > 1:
            return parallel.rebuild_split(self, names, parallel.split(names, count))
        return self.rebuild_together(names)

    def _big_log(self) -> bool:
        """A log big enough that staging pays on SQLite even in one process (no row triggers, no
        flush per commit, the old view readable until the new one is copied in)."""
        return (self.app.recorder.max_notification_id() or 0) >= parallel.PARALLEL_EVENTS_MIN

    @property
    def stages_in_files(self) -> bool:
        """Whether a rebuild can stage views in files of their own to be copied into the store, in
        this process or in children: a SQLite file store (not one in memory, which no other process
        sees, nor an encrypted one, whose views must not reach the disk in plaintext)."""
        factory = self.app.factory
        if not isinstance(factory, SQLiteFactory) or self.encrypted:
            return False
        return not factory.datastore.pool.is_sqlite_memory_mode

    def rebuild_together(self, names: Sequence[str]) -> list[RebuildResult]:
        """Rebuild ``names`` in this process, from one pass over the log."""
        chosen = [self.projection(each) for each in names]
        if len(chosen) == 1:
            started = time.perf_counter()
            applied = {chosen[0].name: rebuild(self.app, chosen[0])}
            seconds = {chosen[0].name: time.perf_counter() - started}
        else:
            together = catch_up_together(
                self.app, chosen, reset=True, section_events_max=self.section_events_max
            )
            applied, seconds = together.applied, together.seconds
        return self._results(chosen, applied, seconds)

    def rebuild_into(self, path: str, names: Sequence[str]) -> list[RebuildResult]:
        """Rebuild ``names`` from one pass over the log into a new SQLite file at ``path`` that
        nobody else reads (a staging file, see :mod:`.staging`): the same handlers, with the
        row triggers lifted and the rows counted once at the end instead."""
        datastore = scratch_file_datastore(path)
        try:
            staged = ScratchViews(self, datastore)
            rebuilt = [staged.projection(name) for name in names]
            for projection in rebuilt:
                projection.view.lift_row_triggers()
            together = catch_up_together(self.app, rebuilt, section_events_max=self.section_events_max)
            for projection in rebuilt:
                view: Any = projection.view
                view.recount(self.app.name)
            return self._results(rebuilt, together.applied, together.seconds)
        finally:
            datastore.close()

    def _results(
        self, rebuilt: Sequence[LedgerProjection[Any]], applied: dict[str, int], seconds: dict[str, float]
    ) -> list[RebuildResult]:
        """What each rebuilt view reports: events applied, the position its view reached, seconds."""
        return [
            RebuildResult(
                projection.name,
                applied[projection.name],
                projection.view.max_tracking_id(self.app.name) or 0,
                round(seconds[projection.name], 3),
            )
            for projection in rebuilt
        ]

    def status(self) -> list[ProjectionStatus]:
        """Each view's position against the log, without catching up (that is the point)."""
        log_position = self.app.recorder.max_notification_id() or 0
        statuses = []
        for name in self.names:
            projection = self.projection(name)
            position = projection.view.max_tracking_id(self.app.name) or 0
            unapplied = self.app.recorder.select_notifications(
                start=position + 1, limit=STATUS_PENDING_MAX, stop=log_position, topics=projection.topics
            )
            statuses.append(
                ProjectionStatus(name, position, log_position, log_position - position, len(unapplied))
            )
        return statuses

    @property
    def encrypted(self) -> bool:
        """With a cipher key the views never reach the store in plaintext (see sealed_views)."""
        return getattr(self.app.mapper, "cipher", None) is not None

    def close(self) -> None:
        if self._sealed is not None:
            self._sealed.save()
            self._sealed.close()
            self._sealed = None
        if self._memory_datastore is not None:
            self._memory_datastore.close()
            self._memory_datastore = None

    def _chosen(self, name: str | None) -> tuple[str, ...]:
        if name is None:
            return self.names
        projection_kind(name)
        return (name,)

    @contextmanager
    def scratch(self) -> Iterator[ScratchViews]:
        """Empty views of every projection in a store of their own, for this run only, removed after.

        PostgreSQL: a new schema (same database, so the same dialect and encodings) named for the
        run; SQLite: a new file in a private temporary folder, or an in-memory database when the
        events are encrypted (nothing decrypted may reach the disk). Two runs never share tables,
        so concurrent verifications cannot see, lock or drop each other's.
        """
        token = uuid4().hex[:12]
        factory = self.app.factory
        datastore: SQLiteDatastore | PostgresDatastore
        folder: tempfile.TemporaryDirectory[str] | None = None
        if self.config.kind == "postgres" and not self.encrypted:
            live = factory.datastore  # type: ignore[attr-defined]
            datastore = scratch_datastore(self.config, f"{SCRATCH_SCHEMA_PREFIX}{token}", live.lock_timeout)
            with datastore.transaction(commit=True) as cursor:
                cursor.execute(f'CREATE SCHEMA "{datastore.schema}"')
        elif isinstance(factory, SQLiteFactory) and not self.encrypted:
            folder = tempfile.TemporaryDirectory(prefix="ledger-verify-")
            datastore = scratch_file_datastore(str(Path(folder.name) / "scratch.db"))
        else:
            datastore = SQLiteDatastore(f"file:ledger-verify-{token}?mode=memory&cache=shared")
        views = ScratchViews(self, datastore, None if folder is None else folder.name)
        try:
            yield views
        finally:
            for other in views.others:
                other.close()
            if not isinstance(datastore, SQLiteDatastore):
                with datastore.transaction(commit=True) as cursor:
                    cursor.execute(f'DROP SCHEMA IF EXISTS "{datastore.schema}" CASCADE')
            datastore.close()
            if folder is not None:
                folder.cleanup()

    def _construct_view(
        self, kind: ProjectionKind, datastore: SQLiteDatastore | PostgresDatastore | None = None
    ) -> SQLiteView | PostgresView:
        tracking_table_name = f"{kind.projection.name}_tracking"
        factory = self.app.factory
        view: SQLiteView | PostgresView
        if datastore is None:
            if (self.config.kind == "postgres" or isinstance(factory, SQLiteFactory)) and not self.encrypted:
                datastore = factory.datastore  # type: ignore[attr-defined]
            else:
                datastore = self._memory()
        if not isinstance(datastore, SQLiteDatastore):
            view = kind.postgres_view(datastore=datastore, tracking_table_name=tracking_table_name)
        else:
            view = kind.sqlite_view(datastore, tracking_table_name=tracking_table_name)
        with provisioning(self.config):  # PostgreSQL DDL takes turns with other processes
            create_tables(view)
        return view

    def _memory(self) -> SQLiteDatastore:
        if self._memory_datastore is None:
            name = f"file:ledger-views-{uuid4().hex}?mode=memory&cache=shared"
            cipher = self.app.mapper.cipher
            if cipher is not None:
                self._sealed = SealedViewStore(self.app, cipher, name)
                self._sealed.load()
            self._memory_datastore = SQLiteDatastore(name)
        return self._memory_datastore


SCRATCH_SCHEMA_PREFIX = "ledger_verify_"


def scratch_datastore(config: StoreConfig, schema: str, lock_timeout: int) -> PostgresDatastore:
    """The PostgreSQL datastore of a verification's scratch schema, for this process or a child."""
    from eventsourcing.postgres import PostgresDatastore

    return PostgresDatastore(
        dbname=config.env["POSTGRES_DBNAME"],
        host=config.env["POSTGRES_HOST"],
        port=config.env["POSTGRES_PORT"],
        user=config.env["POSTGRES_USER"],
        password=config.env["POSTGRES_PASSWORD"],
        connect_timeout=float(config.env["POSTGRES_CONNECT_TIMEOUT"]),
        lock_timeout=lock_timeout,
        schema=schema,
    )


@dataclass
class ScratchViews:
    """Views of one verification run, in their own schema or file."""

    projections: Projections
    datastore: SQLiteDatastore | PostgresDatastore
    folder: str | None = None
    """SQLite: the run's private folder, where other processes may rebuild views in files of their own."""
    others: list[SQLiteDatastore] = field(default_factory=list)
    """Stores of those files opened here, closed with the run."""

    def view(self, name: str) -> SQLiteView | PostgresView:
        return self.projections._construct_view(projection_kind(name), self.datastore)

    def projection(self, name: str) -> LedgerProjection[Any]:
        """The projection ``name`` on its view here, configured as the live one."""
        projection = projection_kind(name).projection(view=self.view(name))
        if self.projections.settings is not None:
            projection.configure(self.projections.settings)
        return projection

    def schema(self) -> str | None:
        """PostgreSQL: the run's schema, which other processes may write views into as well."""
        return None if isinstance(self.datastore, SQLiteDatastore) else self.datastore.schema

    def file_for(self, number: int) -> str | None:
        """SQLite: a file of the run's folder for another process's views (None: no folder)."""
        return None if self.folder is None else str(Path(self.folder) / f"scratch-{number}.db")

    def opened(self, path: str) -> ScratchViews:
        """The views another process rebuilt into ``path`` (a file of :meth:`file_for`)."""
        datastore = scratch_file_datastore(path)
        self.others.append(datastore)
        return ScratchViews(self.projections, datastore)


def create_tables(view: SQLiteView | PostgresView) -> None:
    """Create a view's tables, retrying the one collision two creators can have on PostgreSQL."""
    for attempt in range(CREATE_TABLE_ATTEMPTS_MAX):
        try:
            view.create_table()
            return
        except IntegrityError:
            if attempt == CREATE_TABLE_ATTEMPTS_MAX - 1:
                raise
