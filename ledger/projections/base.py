"""What every ledger projection shares: exactly-once dispatch, and the catch-up loop.

``process_event`` is what :class:`~eventsourcing.projection.ProjectionRunner` calls, one event per
transaction: an event another runner already applied is skipped, so several runners may follow
the same log. :func:`catch_up` is the SQLite (and read-your-writes) path: it reads the
notification log from the view's position and feeds the same handlers, a batch per transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.projection import Projection

from ledger.projections.sql import AlreadyAppliedError

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from ledger.config import LedgerSettings

V = TypeVar("V", bound=TrackingRecorder)

CATCH_UP_BATCH_EVENTS_MAX = 500
"""Events applied per transaction by :func:`catch_up`: big enough to be fast, small enough to
keep a racing runner's wait short."""


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

    @singledispatchmethod
    def apply(self, domain_event: Any, tracking: Tracking) -> None:
        """Events this view does not read still move its position."""
        self.view.insert_tracking(tracking)


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
                for notification in notifications:
                    domain_event = app.mapper.to_domain_event(notification)
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
