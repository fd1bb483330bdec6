"""The event-sourced application: one event log, its repository, snapshots and transcodings.

Why one application: every aggregate of one deployment shares one notification log, so projections
and auditors read a single totally ordered history, and a command that changes two aggregates
(a work entry and the card it debits) commits them in one transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    ProjectorFunction,
    project_aggregate,
)
from eventsourcing.domain import (
    Aggregate,
)
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Mapper,
    Recording,
    Transcoder,
    Transcoding,
)
from eventsourcing.utils import EnvType, get_topic

from ledger.aggregates.customer import Customer
from ledger.aggregates.strippenkaart import CreditBlock, LedgerInvariantError, Strippenkaart
from ledger.domain.monthly import MonthlyTerm
from ledger.errors import DamagedHistoryError, UnknownCustomerError
from ledger.eventstore.command_cache import WHOLE_HISTORY_EVENTS_MAX, CommandCache
from ledger.persistence.mapper import LedgerMapper
from ledger.persistence.transcoder import LedgerTranscoder

SNAPSHOT_INTERVALS = {
    "ledger.aggregates.strippenkaart:Strippenkaart": 100,
    "ledger.aggregates.customer:Customer": 100,
    "ledger.aggregates.onsite_engagement:OnSiteEngagement": 100,
}
"""Every how many versions an aggregate is snapshotted, by the topic of its class.

Why topics and not the classes: naming a class imports its module, and every handle makes this
application; a question about a card should not create the event classes of on-site engagements.
An aggregate is saved only after its module was imported, so its topic is known by then."""
REPLAY_FAILURES = (AssertionError, AttributeError, KeyError, TypeError, LedgerInvariantError)
"""What replaying a history that was tampered with raises inside the library or a mutator."""
A = TypeVar("A", bound=Aggregate)


class CreditBlockAsDict(Transcoding):
    """Lets snapshots of a card carry its blocks."""

    type = CreditBlock
    name = "ledger_credit_block"

    def encode(self, obj: CreditBlock) -> dict[str, Any]:
        return asdict(obj)

    def decode(self, data: dict[str, Any]) -> CreditBlock:
        return CreditBlock(**data)


class MonthlyTermAsDict(Transcoding):
    """Lets snapshots of a card carry its monthly plan."""

    type = MonthlyTerm
    name = "ledger_monthly_term"

    def encode(self, obj: MonthlyTerm) -> dict[str, Any]:
        return asdict(obj)

    def decode(self, data: dict[str, Any]) -> MonthlyTerm:
        return MonthlyTerm(**data)


def checked_kind(aggregate_id: UUID, aggregate: Any, kind: type[A]) -> A | None:
    """``aggregate`` as a ``kind`` (None stays None), or TypeError: an id names one kind of record."""
    if aggregate is not None and not isinstance(aggregate, kind):
        msg = f"aggregate {aggregate_id} is a {type(aggregate).__name__}, not a {kind.__name__}"
        raise TypeError(msg)
    return aggregate


class CustomerLookups:
    """The two lookups every command starts from, for anything with ``get_or_none``."""

    def get_or_none(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        raise NotImplementedError

    def customer(self, slug: str) -> Customer:
        """The registered customer, or UnknownCustomerError."""
        customer = self.get_or_none(Customer.create_id(slug), Customer)
        if customer is None:
            raise UnknownCustomerError(slug)
        return customer

    def card(self, slug: str) -> Strippenkaart | None:
        return self.get_or_none(Strippenkaart.create_id(slug), Strippenkaart)


class LedgerApplication(CustomerLookups, Application[UUID]):
    """The ledger's write side."""

    name = "ledger"
    env: ClassVar[dict[str, str]] = {
        # Keep recently used aggregates in memory and bring them up to date with one query for
        # newer events (fast-forward), instead of replaying them on every command; writes by
        # other processes are still seen, and a lost race is still caught by the version check.
        "AGGREGATE_CACHE_MAXSIZE": "10000",
        "AGGREGATE_CACHE_FASTFORWARD": "y",
    }
    is_snapshotting_enabled = True
    snapshot_intervals: ClassVar[dict[str, int]] = SNAPSHOT_INTERVALS
    log_section_size = 1000

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(CreditBlockAsDict())
        transcoder.register(MonthlyTermAsDict())

    def construct_transcoder(self) -> Transcoder:
        """The library's JSON, read faster (see LedgerTranscoder): the same bytes either way."""
        transcoder = LedgerTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def construct_mapper(self) -> Mapper[UUID]:
        """Stored topics resolve only to the ledger's own event classes (see LedgerMapper)."""
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=LedgerMapper)

    def __init__(self, env: EnvType | None = None) -> None:
        super().__init__(env)
        self.command_cache = CommandCache(self)
        self.login: str | None = None
        """In ``authenticated`` identity mode, the login the current write was checked against."""

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's ``save``, collecting the ledger's own aggregates without its protocol
        checks (``isinstance`` against runtime protocols is slow; the figure: benchmarks/README.md)."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:  # in the order given, like the library
            if isinstance(obj, Aggregate):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        if self.login is not None:
            _stamp_login(processing_event.events, self.login)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Appends, with the prefetched block's read condition when there is one (PostgreSQL)."""
        condition = self.command_cache.read_condition()
        if condition is not None:
            processing_event.saved_kwargs["read_condition"] = condition
        try:
            recordings = super()._record(processing_event)
        except IntegrityError:
            # A changed read set, or an aggregate taken to be absent exists: read next time.
            self.command_cache.refused()
            raise
        self.command_cache.committed(processing_event.aggregates.values())
        return recordings

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshot the object just saved, instead of the library's way of reading it back from
        the store and replaying up to an interval's worth of events: it is the recorded state."""
        if self.snapshots is None:
            return
        due: dict[UUID, Any] = {}
        for event in processing_event.events:
            aggregate = processing_event.aggregates.get(event.originator_id)
            interval = (
                self.snapshot_intervals.get(get_topic(type(aggregate))) if aggregate is not None else None
            )
            if interval is not None and event.originator_version % interval == 0:
                due[event.originator_id] = aggregate
        snapshots = [self._snapshot_class(aggregate).take(aggregate) for aggregate in due.values()]
        if len(snapshots) == 1:
            self._put_snapshot(snapshots[0])
        elif snapshots:
            # A batch (the bulk import) snapshots many aggregates at once: one transaction for all,
            # and one by one only when one of them was stored already.
            assert self.snapshots is not None
            try:
                self.snapshots.put(snapshots)
            except IntegrityError:
                for snapshot in snapshots:
                    self._put_snapshot(snapshot)

    def _snapshot_class(self, aggregate: Any) -> Any:
        return getattr(type(aggregate), "Snapshot", type(self).snapshot_class)

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = project_aggregate,
    ) -> None:
        """The library's, except that a snapshot of a version already snapshotted is not an error."""
        with contextlib.suppress(IntegrityError):
            super().take_snapshot(aggregate_id, version, projector_func)

    def _put_snapshot(self, snapshot: Any) -> None:
        """A snapshot of a version is that version's state: if one is stored already (taken at the
        same version by hand, or by another process), the store keeps it."""
        assert self.snapshots is not None
        with contextlib.suppress(IntegrityError):
            self.snapshots.put([snapshot])

    def prefetched(
        self, aggregate_ids: Sequence[UUID], creates: Sequence[UUID] = ()
    ) -> AbstractContextManager[None]:
        """Read these aggregates in one query; ``get_or_none`` inside the block answers from it."""
        return self.command_cache.prefetched(aggregate_ids, creates)

    def read_many(self, aggregate_ids: Sequence[UUID]) -> dict[UUID, Any]:
        """Those of these aggregates that one query can answer (None: no events), as new objects
        no cache holds, for a caller that changes them (a bulk import's batch). Left out, for the
        caller's ordinary read: a long history (read from its snapshot there) and one whose
        events do not replay (refused there as the damaged history it is)."""
        histories = self.command_cache.histories(aggregate_ids)
        found: dict[UUID, Any] = {}
        for aggregate_id, stored in ({} if histories is None else histories).items():
            if len(stored) > WHOLE_HISTORY_EVENTS_MAX:
                continue
            aggregate: Any = None
            try:
                for stored_event in stored:
                    domain_event: Any = self.mapper.to_domain_event(stored_event)
                    aggregate = domain_event.mutate(aggregate)
            except REPLAY_FAILURES:
                continue
            found[aggregate_id] = aggregate
        if histories is not None:
            found.update((i, None) for i in aggregate_ids if i not in histories)
        return found

    def get_or_none(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        """The aggregate with this id, or None when nothing was ever recorded under it."""
        taken, prefetched = self.command_cache.take(aggregate_id)
        try:
            aggregate: object = prefetched if taken else self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        except REPLAY_FAILURES as error:
            # A record of another kind in this history (a rewritten topic), or state without a
            # field its kind has: not a bug to crash on, a damaged log to refuse.
            raise DamagedHistoryError(aggregate_id, f"{type(error).__name__}: {error}") from error
        return checked_kind(aggregate_id, aggregate, kind)


def _stamp_login(events: Sequence[Any], login: str) -> None:
    """Each event of an authenticated write records the login beside the person (``actor``).

    Why on the event and not in a field of every event class: it is a fact about how the write was
    made, for every kind of event alike. The aggregates' mutators take only their own parameters,
    so replay ignores it; audit exports show it among the event's data.
    """
    for event in events:
        object.__setattr__(event, "login", login)
