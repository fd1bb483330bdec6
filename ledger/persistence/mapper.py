"""The ledger's mapper: a stored topic resolves only to one of the ledger's own event classes.

Why: the library's mapper imports whatever module a stored topic names and instantiates whatever
it finds there. Anyone who can write to the events table could then make every reader import an
arbitrary module (``os:system``) and crash, or worse. Here a topic must name a module of the
ledger (or the library's snapshot class) and resolve to an event or snapshot class; anything else
is an :class:`UnknownTopicError`, which readers report as a damaged record, never a crash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import BaseAggregate, CanMutateAggregate, CanSnapshotAggregate, DomainEvent
from eventsourcing.persistence import Mapper, MapperDeserialisationError
from eventsourcing.utils import TopicError, resolve_topic

if TYPE_CHECKING:
    from eventsourcing.domain import DomainEventProtocol
    from eventsourcing.persistence import StoredEvent

TOPIC_MODULE_PREFIXES = ("ledger.",)
"""Modules a stored topic may name (the library's own snapshot class is allowed by name)."""
LIBRARY_TOPICS = frozenset({"eventsourcing.domain:Snapshot"})
TOPIC_CHARS_MAX = 200


class UnknownTopicError(MapperDeserialisationError):
    """A stored record names a type that is not one of the ledger's events: damaged or forged."""


EVENT_KINDS: tuple[type[Any], ...] = (CanMutateAggregate, CanSnapshotAggregate, DomainEvent)
"""What a stored record may be: an aggregate's event, a snapshot, or a plain logged event."""
AGGREGATE_KINDS: tuple[type[Any], ...] = (BaseAggregate,)


def event_class(topic: str, kind: tuple[type[Any], ...] = EVENT_KINDS) -> type[Any]:
    """The ledger class ``topic`` names (an event class unless ``kind`` says otherwise), or
    :class:`UnknownTopicError`."""
    module, _, name = topic.partition(":")
    allowed = topic in LIBRARY_TOPICS or (module.startswith(TOPIC_MODULE_PREFIXES) and name)
    if len(topic) > TOPIC_CHARS_MAX or not allowed:
        msg = f"stored topic {topic[:TOPIC_CHARS_MAX]!r} is not one of the ledger's event types"
        raise UnknownTopicError(msg)
    try:
        cls = resolve_topic(topic)
    except (TopicError, ImportError, AttributeError, ValueError) as error:
        msg = f"stored topic {topic!r} names no event type of this ledger version ({error})"
        raise UnknownTopicError(msg) from None
    if not (isinstance(cls, type) and issubclass(cls, kind)):
        what = "event" if kind is EVENT_KINDS else "aggregate"
        msg = f"stored topic {topic!r} is not one of the ledger's {what} types"
        raise UnknownTopicError(msg)
    return cls


class LedgerMapper(Mapper[UUID]):
    """The library's mapper, resolving topics through :func:`event_class` first."""

    checked_topics: set[str]
    """Topics already found to name an event class: a replay asks once per topic, not per event."""

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        checked = self.__dict__.setdefault("checked_topics", set())
        if stored_event.topic not in checked:
            event_class(stored_event.topic)
            checked.add(stored_event.topic)
        domain_event = super().to_domain_event(stored_event)
        if isinstance(domain_event, CanSnapshotAggregate):
            # A snapshot names its aggregate's class too, and loading would resolve it.
            event_class(str(domain_event.topic), AGGREGATE_KINDS)
        return domain_event
