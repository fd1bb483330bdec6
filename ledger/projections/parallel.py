"""Rebuild independent views in separate processes on PostgreSQL.

Why: a rebuild is Python-bound (decoding and each view's rules), one core at a time, while the
views share nothing but the log they read: each has its own tables and its own tracking position.
On PostgreSQL, which takes writers of different tables at once, the views are split into groups
of about equal cost and each group is rebuilt by its own process — this one and children started
fresh (a new interpreter: a child shares no connection or lock with this process). Each group goes through
the same :func:`~ledger.projections.base.catch_up_together` as a serial rebuild: the same handlers,
one decode per group, the same reset-with-first-section, tracking and digests, so a view rebuilt in
a child is row for row the one a serial rebuild makes.

SQLite is never split: its single writer makes two rebuilding processes wait on each other (two
groups measured slower than one), and the encrypted store keeps its views in this process's memory.
A small log is not split either: a child's start-up (its imports, its connections) would cost more
than it saves.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ledger.domain.results import JsonResult
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from ledger.config import LedgerSettings
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


def split(names: Sequence[str], workers: int) -> list[tuple[str, ...]]:
    """``names`` in at most ``workers`` groups of about equal cost, dearest view first (greedy).

    Every name lands in exactly one group, no group is empty, and the order within a group is the
    order of ``names`` (the order a serial rebuild applies them in)."""
    groups: list[list[str]] = [[] for _ in range(max(1, min(workers, len(names))))]
    costs = [0.0 for _ in groups]
    dearest = max(REBUILD_COST.values())
    for name in sorted(names, key=lambda each: -REBUILD_COST.get(each, dearest)):
        cheapest = costs.index(min(costs))
        groups[cheapest].append(name)
        costs[cheapest] += REBUILD_COST.get(name, dearest)
    return [tuple(name for name in names if name in group) for group in groups if group]


def workers_for(projections: Rebuilding, names: Sequence[str], workers: int | None) -> int:
    """How many processes rebuild ``names``: 1 unless the store takes parallel writers and the log
    is big enough; ``workers`` (None: the cores available) is the most."""
    if projections.config.kind != "postgres" or projections.encrypted or len(names) < 2:
        return 1
    if workers is None:
        log_size = projections.app.recorder.max_notification_id() or 0
        if log_size < PARALLEL_EVENTS_MIN:
            return 1
        workers = available_workers()
    return max(1, min(workers, len(names)))


def rebuild_split(
    projections: Rebuilding, names: Sequence[str], groups: Sequence[tuple[str, ...]]
) -> list[RebuildResult]:
    """Rebuild the first group here and each other group in a child process, all at once.

    A child is ``python -m ledger.projections.rebuild_child`` (not :mod:`multiprocessing`, which would
    import the caller's main module again in the child: a program embedding the ledger need not
    guard its main module). It is handed the store, the settings and its views on stdin and hands
    back its results, or the typed error that stopped it, on stdout. A child's failure is raised
    here once this process's own group is done; the views other groups finished stay rebuilt (each
    view's rebuild commits on its own, as in a serial rebuild)."""
    first, others = groups[0], groups[1:]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
    children = []
    for group in others:
        child = subprocess.Popen(
            [sys.executable, "-m", CHILD_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
        )
        _hand_over(child, pickle.dumps((projections.config, projections.settings, group)))
        children.append(child)
    try:
        results = projections.rebuild_together(first)
    finally:
        answers = [_answer(child) for child in children]
    for answer in answers:
        results.extend(answer)
    by_name = {result.name: result for result in results}
    return [by_name[name] for name in names]


def _hand_over(child: subprocess.Popen[bytes], payload: bytes) -> None:
    """Give a child its work on stdin and close it (the child starts when it has read it all)."""
    stdin, child.stdin = child.stdin, None  # so that communicate() later only reads
    if stdin is not None:
        with stdin:
            stdin.write(payload)


def _answer(child: subprocess.Popen[bytes]) -> list[RebuildResult]:
    """What a child rebuilt, or its error raised here."""
    output, errors = child.communicate()  # both pipes at once: a chatty stderr cannot block it
    if child.returncode == 0 and output:
        outcome, value = pickle.loads(output)  # our own child's answer
        if outcome == "error":
            raise value
        return list(value)
    lines = errors.decode("utf-8", "replace").strip().splitlines()
    detail = lines[-1] if lines else f"exit code {child.returncode}"
    msg = f"a rebuilding process stopped: {detail}"
    raise RuntimeError(msg)
