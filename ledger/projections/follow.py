"""Following the log continuously: ``ledger projections run``.

On PostgreSQL each projection gets the library's :class:`~eventsourcing.projection.ProjectionRunner`
(LISTEN/NOTIFY subscription, its own application and view, the same tracking tables the reads
use). Any number of these may run at once, in one process or many, beside the inline catch-up of
reads: tracking lets exactly one of them apply each event, and the others skip it.

SQLite has no subscriptions in ``eventsourcing`` 9.5.6, so there ``run`` polls with the catch-up
loop. It is optional: reads catch up by themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from eventsourcing.projection import ProjectionRunner

from ledger.domain.grammar import decimal_text
from ledger.errors import InvalidInputError, ProjectionRunError
from ledger.eventstore.application import LedgerApplication
from ledger.projections.runtime import projection_kind

if TYPE_CHECKING:
    from eventsourcing.projection import ProjectionRunner

    from ledger.projections.runtime import Projections
    from ledger.store import StoreConfig

POLL_INTERVAL_S = 1.0
POLL_INTERVAL_MIN_S = 0.05
"""Shorter polls only burn CPU: a poll is a query per view."""
POLL_INTERVAL_MAX_S = 3600.0
"""Longer, and ``run`` would look hung; reads catch up by themselves anyway."""


def poll_interval(value: object, field: str = "poll_interval") -> float:
    """Seconds between SQLite catch-ups: a number in the ledger's grammar, within the bounds."""
    if isinstance(value, str):
        number = float(decimal_text(value, field))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        raise InvalidInputError(field, f"{type(value).__name__} is not a number of seconds")
    if not POLL_INTERVAL_MIN_S <= number <= POLL_INTERVAL_MAX_S:  # NaN fails both comparisons
        msg = f"{value!r} is outside {POLL_INTERVAL_MIN_S}..{POLL_INTERVAL_MAX_S:.0f} seconds"
        raise InvalidInputError(field, msg)
    return number


def follow(
    config: StoreConfig,
    projections: Projections,
    names: Sequence[str],
    stop: threading.Event,
    *,
    poll_interval_s: float = POLL_INTERVAL_S,
    started: Callable[[], None] | None = None,
) -> None:
    """Keep the named views up to date until ``stop`` is set; re-raise a projection's error."""
    poll_interval_s = poll_interval(poll_interval_s, "poll_interval_s")
    chosen = tuple(names) or projections.names
    for name in chosen:
        projections.projection(name)  # creates the tables once, before runners race to
    if config.kind == "memory":
        msg = "a memory:// store lives in one process; its reads catch up themselves"
        raise ProjectionRunError("db", msg)
    if config.kind == "postgres":
        _run_postgres(config, chosen, stop, poll_interval_s, started)
        return
    if started is not None:
        started()
    while not stop.is_set():
        for name in chosen:
            projections.catch_up(name)
        stop.wait(poll_interval_s)


def _run_postgres(
    config: StoreConfig,
    names: tuple[str, ...],
    stop: threading.Event,
    poll_interval_s: float,
    started: Callable[[], None] | None,
) -> None:
    from eventsourcing.projection import ProjectionRunner

    env = dict(config.env)
    for name in names:
        env[f"{name.upper()}_CREATE_TABLE"] = "n"  # only the views' factories read this prefix
    with ExitStack() as stack:
        runners: list[ProjectionRunner[LedgerApplication, Any]] = []
        for name in names:
            kind = projection_kind(name)
            runner: ProjectionRunner[LedgerApplication, Any] = ProjectionRunner(
                application_class=LedgerApplication,
                projection_class=kind.projection,
                view_class=kind.postgres_view,
                env=env,
            )
            runners.append(stack.enter_context(runner))
        if started is not None:
            started()
        slice_s = poll_interval_s / len(runners)
        while not stop.is_set():
            for runner in runners:
                runner.run_forever(timeout=slice_s)  # re-raises a projection's error
                if runner.is_interrupted.is_set():
                    return
