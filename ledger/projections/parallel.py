"""Rebuild independent views in separate processes.

Why: a rebuild is Python-bound (decoding and each view's rules), one core at a time, while the
views share nothing but the log they read: each has its own tables and its own tracking position.
On PostgreSQL, which takes writers of different tables at once, the views are split into groups
of about equal cost and each group is rebuilt by its own process — this one and children started
fresh (a new interpreter: a child shares no connection or lock with this process). Each group goes through
the same :func:`~ledger.projections.base.catch_up_together` as a serial rebuild: the same handlers,
one decode per group, the same reset-with-first-section, tracking and digests, so a view rebuilt in
a child is row for row the one a serial rebuild makes.

SQLite has one writer per file, so two processes rebuilding views of one file wait on each other
(measured slower than one): there each child rebuilds its views in a file of its own, a staging
file that this process then copies into the store (:mod:`.staging`), or for a verification a
scratch file of the run's folder. The encrypted store and a ``memory://`` one keep their views in
this process's memory, and are never split.
A small log is not split either: a child's start-up (its imports, its connections) would cost more
than it saves.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ledger.domain.results import JsonResult
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from ledger.config import LedgerSettings
    from ledger.projections.base import LedgerProjection
    from ledger.store import StoreConfig

CHILD_MODULE = "ledger.projections.rebuild_child"
"""What a child process runs (see :mod:`ledger.projections.rebuild_child`)."""
PARALLEL_EVENTS_MIN = 50_000
"""Below this many events in the log a rebuild stays in one process (a child starts in about a second)."""

REBUILD_COST = {
    "balances": 2.0,
    "work_records": 3.6,
    "invoiceable": 1.0,
    "alerts": 2.5,
    "statements": 3.9,
}
"""Each view's share of a rebuild's time (seconds per 44,060 events, ``benchmarks.rebuild`` on
PostgreSQL): what the groups are balanced by. A view not listed counts as the dearest."""
STAGED_REBUILD_COST = {
    "balances": 17.1,
    "work_records": 34.3,
    "invoiceable": 10.2,
    "alerts": 25.6,
    "statements": 25.3,
}
"""The same for views rebuilt into a SQLite staging or scratch file (seconds per 1,100,060 events,
each view alone, with an equal share of reading and decoding): relative shares differ from
PostgreSQL's, whose server does part of the work."""


@dataclass(frozen=True)
class RebuildResult(JsonResult):
    """One view rebuilt: events applied, the position reached, its seconds."""

    name: str
    events_applied: int
    position: int
    seconds: float


class Rebuilding(Protocol):
    """What a split rebuild needs of the views of a ledger (:class:`~.runtime.Projections`)."""

    @property
    def app(self) -> Application[Any]: ...
    @property
    def config(self) -> StoreConfig: ...
    @property
    def settings(self) -> LedgerSettings | None: ...
    @property
    def encrypted(self) -> bool: ...
    def rebuild_together(self, names: Sequence[str]) -> list[RebuildResult]: ...
    def rebuild_into(self, path: str, names: Sequence[str]) -> list[RebuildResult]: ...
    @property
    def stages_in_files(self) -> bool: ...
    def projection(self, name: str) -> LedgerProjection[Any]: ...


REBUILD = "rebuild"
CHECK_SNAPSHOTS = "check snapshots"

WORKERS_MAX = 64
"""The most processes a rebuild may be asked to use."""


def worker_count(value: object, field: str = "workers") -> int:
    """A number of rebuilding processes: a whole number 1..:data:`WORKERS_MAX` (or its digits)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 2:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= WORKERS_MAX:
        shown = repr(value) if len(repr(value)) <= 40 else f"{repr(value)[:40]}..."
        raise InvalidInputError(field, f"{shown} is not a whole number of processes 1..{WORKERS_MAX}")
    return value


def available_workers() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def split(
    names: Sequence[str], workers: int, costs: Mapping[str, float] = REBUILD_COST
) -> list[tuple[str, ...]]:
    """``names`` in at most ``workers`` groups of about equal cost, dearest view first (greedy).

    Every name lands in exactly one group, no group is empty, and the order within a group is the
    order of ``names`` (the order a serial rebuild applies them in)."""
    groups: list[list[str]] = [[] for _ in range(max(1, min(workers, len(names))))]
    totals = [0.0 for _ in groups]
    for name in sorted(names, key=lambda each: -_cost(each, costs)):
        cheapest = totals.index(min(totals))
        groups[cheapest].append(name)
        totals[cheapest] += _cost(name, costs)
    return [tuple(name for name in names if name in group) for group in groups if group]


def _cost(name: str, costs: Mapping[str, float]) -> float:
    """A view's share of a rebuild's time; a view not in ``costs`` counts as the dearest."""
    return costs.get(name, max(costs.values()))


def group_cost(group: Sequence[str], costs: Mapping[str, float] = REBUILD_COST) -> float:
    """A group's share of a rebuild's time, by ``costs``."""
    return sum(_cost(name, costs) for name in group)


def workers_for(
    projections: Rebuilding, names: Sequence[str], workers: int | None, *, own_files: bool = False
) -> int:
    """How many processes rebuild ``names``: 1 unless the store takes parallel writers (PostgreSQL,
    or SQLite when each process writes a file of its own: ``own_files``, a verification's scratch
    views) and the log is big enough; ``workers`` (None: the cores available) is the most."""
    takes_writers = projections.config.kind == "postgres" or own_files
    if not takes_writers or projections.encrypted or len(names) < 2:
        return 1
    if workers is None:
        log_size = projections.app.recorder.max_notification_id() or 0
        if log_size < PARALLEL_EVENTS_MIN:
            return 1
        workers = available_workers()
    return max(1, min(workers, len(names)))


@dataclass(frozen=True)
class Job:
    """What a child is handed: the store, the settings, its views, and for a verification the
    scratch schema or file its views are rebuilt into (neither: the live views)."""

    config: StoreConfig
    settings: LedgerSettings | None
    names: tuple[str, ...]
    scratch_schema: str | None = None
    lock_timeout: int = 0
    scratch_file: str | None = None
    """SQLite: the file of the run's folder the child rebuilds its scratch views into."""
    staging_file: str | None = None
    """SQLite: the file the child rebuilds the live views into, for its parent to copy into the
    store (see :mod:`.staging`)."""
    task: str = REBUILD
    """What the child does: rebuild ``names`` (:data:`REBUILD`), or check the snapshots of a
    verification (:data:`CHECK_SNAPSHOTS`)."""


class Child:
    """A rebuilding process: ``python -m ledger.projections.rebuild_child``, its job on stdin.

    Not :mod:`multiprocessing`, which would import the caller's main module again in the child: a
    program embedding the ledger need not guard its main module. The child hands back what it
    rebuilt, or the typed error that stopped it, pickled on stdout."""

    def __init__(self, job: Job) -> None:
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", CHILD_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
        )
        stdin, self.process.stdin = self.process.stdin, None  # so that communicate() only reads
        if stdin is not None:
            with stdin:
                stdin.write(pickle.dumps(job))

    def answer(self) -> Any:
        """What the child returned, once it is done; its error is raised here."""
        output, errors = self.process.communicate()  # both pipes at once: stderr cannot block it
        if self.process.returncode == 0 and output:
            outcome, value = pickle.loads(output)  # our own child's answer
            if outcome == "error":
                raise value
            return value
        lines = errors.decode("utf-8", "replace").strip().splitlines()
        detail = lines[-1] if lines else f"exit code {self.process.returncode}"
        msg = f"a rebuilding process stopped: {detail}"
        raise RuntimeError(msg)

    def stop(self) -> None:
        """This process failed: the child's work is no longer wanted."""
        self.process.kill()
        self.process.communicate()


def start(jobs: Sequence[Job]) -> list[Child]:
    """A child for each job; none at all (the caller then does the work itself) when this
    interpreter cannot start one (an embedding program without ``sys.executable``, no processes
    left)."""
    if not sys.executable:
        return []
    children: list[Child] = []
    try:
        for job in jobs:
            children.append(Child(job))
    except OSError:
        for child in children:
            child.stop()
        return []
    return children


def snapshots_elsewhere(projections: Rebuilding) -> Callable[[], Any] | None:
    """A verification's snapshot check started in a child, to run while this process compares the
    views; what waits for its (summary, findings). None when the log is small, the store is in
    memory or encrypted, or no child can be started: the check then runs here."""
    if projections.encrypted or not (projections.config.kind == "postgres" or projections.stages_in_files):
        return None
    if (projections.app.recorder.max_notification_id() or 0) < PARALLEL_EVENTS_MIN:
        return None
    children = start([Job(projections.config, projections.settings, (), task=CHECK_SNAPSHOTS)])
    return children[0].answer if children else None


def rebuild_split(
    projections: Rebuilding, names: Sequence[str], groups: Sequence[tuple[str, ...]]
) -> list[RebuildResult]:
    """Rebuild the first group here and each other group in a child process, all at once.

    A child's failure is raised here once this process's own group is done; the views other
    groups finished stay rebuilt (each view's rebuild commits on its own, as in a serial rebuild).
    When this process's own group fails, the children are stopped (a view a child had not
    finished keeps its old rows and position, or its emptied tables: its reset and first section
    commit together, so a later catch-up or rebuild finishes it)."""
    first, others = groups[0], groups[1:]
    children = start([Job(projections.config, projections.settings, group) for group in others])
    if not children:
        return projections.rebuild_together(names)
    try:
        results = projections.rebuild_together(first)
    except BaseException:
        for child in children:
            child.stop()
        raise
    for child in children:
        results.extend(child.answer())
    by_name = {result.name: result for result in results}
    return [by_name[name] for name in names]
