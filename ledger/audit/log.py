"""Reading the whole log in bounded batches, and what every ledger event says about itself.

Why batches: an auditor's export or verification walks every event ever recorded; holding them all
would make memory grow with the log. ``select_notifications`` is used directly because the
notification log's own ``select`` caps a batch at ``log_section_size``.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import EventSourcingError
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import TopicError

from ledger.aggregates.customer import Customer
from ledger.persistence.which import on_postgres

if TYPE_CHECKING:
    from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification, StoredEvent

BATCH_EVENTS_MAX = 500
"""How many stored events one database round trip fetches."""

UNREADABLE = (ValueError, TypeError, KeyError, TopicError, EventSourcingError)
"""What decoding or replaying a tampered, damaged or foreign stored record can raise."""

CUSTOMER_CACHE_MAX = 10_000
"""How many aggregates' customers :class:`CustomerIndex` remembers before it asks the store again."""

BASE_FIELDS = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})
"""Fields every event has from the library; the rest are the event's own data."""


def notifications(
    recorder: ApplicationRecorder,
    *,
    after: int = 0,
    stop: int | None = None,
    batch: int | None = None,
) -> Iterator[Notification]:
    """Stored events with position > ``after`` (and ≤ ``stop``), in log order, ``batch`` at a time."""
    batch = batch or BATCH_EVENTS_MAX
    position = after
    while True:
        page = recorder.select_notifications(position, batch, stop=stop, inclusive_of_start=False)
        yield from page
        if len(page) < batch:
            return
        position = page[-1].id


def records_after(recorder: ApplicationRecorder, after: int, apart_from: UUID) -> tuple[int, int | None]:
    """How many stored records come after position ``after``, not counting ``apart_from``'s (an
    aggregate's own), and the first one's position: counted by the store where it is SQL (a
    count reads no event's bytes), else by reading them."""
    if on_postgres(recorder):
        schema, table = recorder.datastore.schema, recorder.events_table_name  # type: ignore[attr-defined]
        statement = (
            f'SELECT count(*) AS n, min(notification_id) AS first FROM "{schema}"."{table}" '
            "WHERE notification_id > %s AND originator_id <> %s"
        )
        params: tuple[Any, ...] = (after, apart_from)
    elif isinstance(recorder, SQLiteApplicationRecorder):
        statement = (
            f"SELECT count(*) AS n, min(rowid) AS first FROM {recorder.events_table_name} "
            "WHERE rowid > ? AND originator_id <> ?"
        )
        params = (after, apart_from.hex)
    else:
        count, first = 0, None
        for record in notifications(recorder, after=after):
            if originator(record) != apart_from:
                count += 1
                first = record.id if first is None else first
        return count, first
    with recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return int(row["n"]), None if row["first"] is None else int(row["first"])


def originator(record: StoredEvent) -> UUID:
    """The record's aggregate id as a ``UUID`` (the stores hand one out already; parsed otherwise)."""
    aggregate_id = record.originator_id
    return aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))


def event_type(event: object) -> str:
    """``Aggregate.Event`` as in the catalogue, e.g. ``Strippenkaart.Debited``."""
    return type(event).__qualname__


def aggregate_type(event: object) -> str:
    return type(event).__qualname__.rpartition(".")[0]


def event_data(event: object) -> dict[str, Any]:
    """The event's own fields (not the library's bookkeeping), in declaration order."""
    if not dataclasses.is_dataclass(event):
        return {}
    data = {
        field.name: getattr(event, field.name)
        for field in dataclasses.fields(event)
        if field.name not in BASE_FIELDS
    }
    login = vars(event).get("login")
    if login is not None and "login" not in data:  # authenticated writes: the login beside the actor
        data["login"] = login
    return data


def customer_of(event: object) -> str | None:
    """The customer an event names, if it names one (a customer's own events use ``slug``)."""
    if isinstance(event, Customer.Registered):
        return event.slug
    customer = getattr(event, "customer", None)
    return customer if isinstance(customer, str) else None


class CustomerIndex:
    """Whose event is this? Robust for events that do not name their customer.

    Every aggregate's first event names its customer (``customer``, or ``slug`` for a customer's
    own); later events such as ``Strippenkaart.Debited`` or ``WorkEntry.Reversed`` do not. The
    answer for an aggregate is remembered (least recently used first out, so memory stays bounded on
    any log) and, when forgotten, read again from the aggregate's first stored event.
    """

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID]) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.known: OrderedDict[UUID, str | None] = OrderedDict()

    def customer(self, aggregate_id: UUID, event: object) -> str | None:
        named = customer_of(event)
        if named is None and getattr(event, "originator_version", 1) > 1:
            named = self._remembered(aggregate_id)
        self._remember(aggregate_id, named)
        return named

    def _remembered(self, aggregate_id: UUID) -> str | None:
        if aggregate_id in self.known:
            return self.known[aggregate_id]
        first = self.recorder.select_events(aggregate_id, lte=1, limit=1)
        return customer_of(self.mapper.to_domain_event(first[0])) if first else None

    def _remember(self, aggregate_id: UUID, customer: str | None) -> None:
        self.known[aggregate_id] = customer
        self.known.move_to_end(aggregate_id)
        if len(self.known) > CUSTOMER_CACHE_MAX:
            self.known.popitem(last=False)


def jsonable(value: object) -> Any:
    """Plain JSON values; Decimals as exact strings, times in ISO 8601, ids as text."""
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value
