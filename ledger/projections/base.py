"""What every ledger projection shares: exactly-once dispatch, and the catch-up loop.

``process_event`` is what :class:`~eventsourcing.projection.ProjectionRunner` calls, one event per
transaction: an event another runner already applied is skipped, so several runners may follow
the same log. :func:`catch_up` is the SQLite (and read-your-writes) path: it reads the
notification log from the view's position and feeds the same handlers, a batch per transaction.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.projection import Projection

from ledger.projections.sql import AlreadyAppliedError, ProjectionInvariantError

if TYPE_CHECKING:
    from eventsourcing.application import Application
    from eventsourcing.persistence import Notification

    from ledger.config import LedgerSettings

V = TypeVar("V", bound=TrackingRecorder)

CATCH_UP_BATCH_EVENTS_MAX = 500
"""Events applied per transaction by :func:`catch_up`: big enough to be fast, small enough to
keep a racing runner's wait short."""
SECTION_EVENTS_MAX = 2000
"""Log events read and decoded at once by :func:`catch_up_together`, then applied to each view in
one transaction of its own: decoding is shared by every view, and a bigger transaction pays its
commit, tracking and digest once for more events. Bounded so memory stays flat on any log."""
POSTGRES_SECTION_EVENTS_MAX = SECTION_EVENTS_MAX
"""The same on PostgreSQL, now that the row-sums triggers fire per statement (they fired per row,
and a row-sums row updated thousands of times in one transaction slowed down quadratically,
which kept sections there at 500 events)."""


class LedgerProjection(Projection[V]):
    """A projection whose handlers are registered on :meth:`apply`."""

    def configure(self, settings: LedgerSettings) -> None:
        """Take the deployment's settings; most projections need none (a view is a pure function of
        the log), those with rules that a deployment tunes (alerts) override this."""

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Apply one event in its own transaction; skip it when another runner got there first."""
        view: Any = self.view  # every ledger view is a SqlView
        try:
            with view.batch():  # the event, its position and the rows' digest commit together
                view.check_digest(tracking.application_name)  # an edit is refused, never folded in
                self.apply(domain_event, tracking)
                view.record_digest(tracking.application_name)
        except AlreadyAppliedError:
            return

    def prefetch(self, events: Sequence[Any]) -> None:
        """Before a batch of ``events`` is applied, in its transaction: read at once, into the
        batch's memo, the rows their handlers would otherwise read one by one (a round trip and
        a flush of the batch's writes each). Most views need nothing read."""

    @singledispatchmethod
    def apply(self, domain_event: Any, tracking: Tracking) -> None:
        """Events this view does not read still move its position."""
        self.view.insert_tracking(tracking)

    def handler(self, event_type: type[Any]) -> Callable[[Any, Tracking], None]:
        """``apply`` as bound for one event type, looked up once: the library's dispatching
        descriptor builds a new wrapper on every call, a tenth of a replay's time."""
        own: Callable[[Any, Tracking], None] | None = self.__dict__.get("apply")
        if own is not None:  # replaced on this object (a test's crash, a wrapper): always that
            return own
        handlers: dict[type[Any], Callable[[Any, Tracking], None]] = self.__dict__.setdefault("_handlers", {})
        found = handlers.get(event_type)
        if found is None:
            self.apply  # noqa: B018 (the descriptor registers deferred handlers when first read)
            descriptor = inspect.getattr_static(type(self), "apply")
            found = descriptor.dispatcher.dispatch(event_type).__get__(self, type(self))
            handlers[event_type] = found
        return found


def catch_up(
    app: Application[Any],
    projection: LedgerProjection[Any],
    *,
    batch_events_max: int = CATCH_UP_BATCH_EVENTS_MAX,
    events_max: int | None = None,
) -> int:
    """Apply every event of ``projection.topics`` after the view's position; how many were applied.

    The log's last id is read first (``stop``); once every relevant event up to it is applied,
    the position is moved to ``stop`` itself, so ``position == last id`` means "seen everything"
    even when the last events were of no interest to this view. A batch that loses a race to
    another runner rolls back whole, and the loop starts again from the position that runner left.
    ``events_max`` stops early (to bound a call, or to stop a catch-up mid-stream in a test).
    """
    view = projection.view
    stop = app.recorder.max_notification_id() or 0
    start = view.max_tracking_id(app.name) or 0
    applied = 0
    rounds_max = max(stop - start, 0) + 2  # each round applies an event or finds the position moved
    for _ in range(rounds_max):
        position = view.max_tracking_id(app.name) or 0
        room = batch_events_max if events_max is None else min(batch_events_max, events_max - applied)
        if position >= stop or room <= 0:
            return applied
        notifications = app.recorder.select_notifications(
            start=position + 1, limit=room, stop=stop, topics=projection.topics
        )
        try:
            with view.batch():
                view.check_digest(app.name)  # an edit is refused, never folded into a new digest
                events = [app.mapper.to_domain_event(notification) for notification in notifications]
                projection.prefetch(events)
                for notification, domain_event in zip(notifications, events, strict=True):
                    projection.apply(domain_event, Tracking(app.name, notification.id))
                last = notifications[-1].id if notifications else position
                if len(notifications) < room and last < stop:
                    view.insert_tracking(Tracking(app.name, stop))
                view.record_digest(app.name)
        except AlreadyAppliedError:
            continue
        applied += len(notifications)
    msg = f"{projection.name}: catch-up made no progress in {rounds_max} rounds"
    raise RuntimeError(msg)


def rebuild(app: Application[Any], projection: LedgerProjection[Any]) -> int:
    """Empty the view and replay the log into it from the first event; how many were applied.

    The reset commits together with the first batch, so no runner can ever write into an empty
    view at a late position: a racing runner waits on the tracking row, then finds the position
    moved and carries on from there, as does a reader who catches up meanwhile. Later batches
    commit one by one (one huge transaction is quadratic on PostgreSQL, see :mod:`.sql`).
    """
    view = projection.view
    with view.batch():
        view.reset(app.name)
        applied = catch_up(app, projection, events_max=CATCH_UP_BATCH_EVENTS_MAX)
    return applied + catch_up(app, projection)


SectionDecoder = Callable[[Sequence["Notification"]], list[Any]]
"""Decodes a section of the whole log (every topic) for :func:`catch_up_together`, each record's
event in order, or the exception that says why it cannot be read; it may look at every record on
the way (``audit verify`` checks its invariants there), so the log is read and decoded once."""


@dataclass
class TogetherResult:
    """What :func:`catch_up_together` did for each view, by projection name."""

    applied: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    """The view's own transactions, plus an equal share of reading and decoding the log."""
    failures: dict[str, ProjectionInvariantError] = field(default_factory=dict)


def catch_up_together(
    app: Application[Any],
    projections: Sequence[LedgerProjection[Any]],
    *,
    reset: bool = False,
    keep_going: bool = False,
    section_events_max: int = SECTION_EVENTS_MAX,
    decode: SectionDecoder | None = None,
) -> TogetherResult:
    """Catch several views up from one pass over the log; with ``reset``, rebuild them.

    Why: every view used to read and decode the whole log on its own, so a rebuild of five views
    decoded each event three to five times. Here a section of the log is read and decoded once
    and then applied to each view in a transaction of that view's own, exactly as :func:`catch_up`
    applies a batch: the same handlers, the same tracking (an event is applied only above the
    view's position, and a racing runner's move makes the batch roll back whole), the same digest
    check before and digest after. With ``decode``, every record of each section goes through it
    (not only the views' topics); a record a view reads that it could not decode is raised.
    With ``reset`` a view is emptied in the transaction of its
    first section (as :func:`rebuild` does). A view that loses a race is finished by
    :func:`catch_up` on its own. With ``keep_going``, a view whose handlers refuse the log
    (:class:`ProjectionInvariantError`) is dropped and its error returned instead of raised.
    """
    result = TogetherResult()
    stop = app.recorder.max_notification_id() or 0
    left = list(projections)
    for projection in left:
        result.applied[projection.name] = 0
        result.seconds[projection.name] = 0.0
    topics = {projection.name: frozenset(projection.topics) for projection in left}
    positions = {
        projection.name: 0 if reset else projection.view.max_tracking_id(app.name) or 0 for projection in left
    }
    read_topics = frozenset().union(*topics.values())
    resetting = {projection.name for projection in left} if reset else set()
    start = min(positions.values(), default=stop)
    lost: list[LedgerProjection[Any]] = []
    while left and (start < stop or resetting):
        started = time.perf_counter()
        # Every topic, the views' picked out here: PostgreSQL compares each row's topic with each
        # of the views' (``topic = ANY(…)``), which cost the server more than reading the rows.
        notifications = app.recorder.select_notifications(
            start=start + 1, limit=section_events_max, stop=stop, topics=[]
        )
        last = notifications[-1].id if len(notifications) == section_events_max else stop
        lowest = min(positions[projection.name] for projection in left)
        if decode is None:
            decoded = [
                (
                    notification.id,
                    notification.topic,
                    app.mapper.to_domain_event(notification),
                    Tracking(app.name, notification.id),
                )
                for notification in notifications
                if notification.id > lowest and notification.topic in read_topics
            ]
        else:
            decoded = _read(app, notifications, decode(notifications), read_topics, lowest)
        share = (time.perf_counter() - started) / len(left)
        for projection in list(left):
            name = projection.name
            started = time.perf_counter()
            try:
                applied = _apply_section(
                    app, projection, topics[name], decoded, last, reset=name in resetting
                )
            except AlreadyAppliedError:
                left.remove(projection)
                lost.append(projection)
                continue
            except ProjectionInvariantError as error:
                if not keep_going:
                    raise
                left.remove(projection)
                result.failures[name] = error
                continue
            finally:
                result.seconds[name] += time.perf_counter() - started + share
            resetting.discard(name)
            positions[name] = last
            result.applied[name] += applied
        start = last
    for projection in lost:
        started = time.perf_counter()
        result.applied[projection.name] += catch_up(app, projection)
        result.seconds[projection.name] += time.perf_counter() - started
    return result


def _read(
    app: Application[Any],
    notifications: Sequence[Notification],
    events: list[Any],
    topics: frozenset[str],
    lowest: int,
) -> list[tuple[int, str, Any, Tracking]]:
    """The views' records of a section another decoder decoded; one it could not decode is raised."""
    decoded = []
    for notification, event in zip(notifications, events, strict=True):
        if notification.id > lowest and notification.topic in topics:
            if isinstance(event, Exception):
                raise event
            decoded.append((notification.id, notification.topic, event, Tracking(app.name, notification.id)))
    return decoded


def _apply_section(
    app: Application[Any],
    projection: LedgerProjection[Any],
    topics: frozenset[str],
    decoded: list[tuple[int, str, Any, Tracking]],
    last: int,
    *,
    reset: bool,
) -> int:
    """One view's transaction for one decoded section of the log: its events above its position,
    then the position moved to ``last`` (the section's end) and the digest taken."""
    view = projection.view
    with view.batch():
        if reset:
            view.reset(app.name)
        position = view.max_tracking_id(app.name) or 0
        if position >= last:
            return 0
        view.check_digest(app.name)  # an edit is refused, never folded into a new digest
        chosen = [item for item in decoded if item[0] > position and item[1] in topics]
        projection.prefetch([domain_event for _, _, domain_event, _ in chosen])
        for _, _, domain_event, tracking in chosen:
            projection.handler(type(domain_event))(domain_event, tracking)
        if (view.max_tracking_id(app.name) or 0) < last:
            view.insert_tracking(Tracking(app.name, last))
        view.record_digest(app.name)
    return len(chosen)
