"""Every event of the log as a flat row: where it sits, what it is, when it took effect, who did it.

Rows stream straight from the store in batches, so an export of any size runs in constant memory.
Events that do not name their customer (a card's ``Debited``, a work entry's ``Reversed``) are
attributed through their aggregate's first event (see :class:`~ledger.audit.log.CustomerIndex`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any
from uuid import UUID

from ledger.audit.log import CustomerIndex, aggregate_type, event_data, event_type, jsonable, notifications
from ledger.persistence.recorded import RecordedTimes
from ledger.spreadsheet import neutralise

if TYPE_CHECKING:
    from ledger.eventstore.application import LedgerApplication

COLUMNS = (
    "position",
    "aggregate_id",
    "aggregate_type",
    "version",
    "recorded_at",
    "effective_at",
    "actor",
    "type",
    "customer",
    "data",
)


@dataclass(frozen=True)
class ExportRow:
    """One stored event, as an auditor reads it.

    ``position`` is its place in the whole log (the notification id), ``recorded_at`` when the
    ledger wrote it, ``effective_at`` when it takes effect in the business (they differ for
    backdated facts), ``data`` the event's own fields.
    """

    position: int
    aggregate_id: UUID
    aggregate_type: str
    version: int
    recorded_at: datetime
    effective_at: datetime | None
    actor: str | None
    type: str
    customer: str | None
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {column: jsonable(getattr(self, column)) for column in COLUMNS}


def export_rows(
    app: LedgerApplication,
    *,
    customer: str | None = None,
    effective_from: datetime | None = None,
    effective_to: datetime | None = None,
) -> Iterator[ExportRow]:
    """Rows in log order; ``effective_from`` ≤ effective time < ``effective_to`` when given."""
    customers = CustomerIndex(app.recorder, app.mapper)
    stamped = RecordedTimes(app.recorder)
    windowed = effective_from is not None or effective_to is not None
    for notification in notifications(app.recorder):
        event = app.mapper.to_domain_event(notification)
        aggregate_id = UUID(str(notification.originator_id))
        owner = customers.customer(aggregate_id, event)
        if customer is not None and owner != customer:
            continue
        effective_at = getattr(event, "effective_at", None)
        if windowed and not _in_window(effective_at, effective_from, effective_to):
            continue
        data = event_data(event)
        data.pop("effective_at", None)
        actor = data.pop("actor", None)
        yield ExportRow(
            position=notification.id,
            aggregate_id=aggregate_id,
            aggregate_type=aggregate_type(event),
            version=notification.originator_version,
            recorded_at=stamped.at(notification.id) or recorded_at(event),
            effective_at=effective_at,
            actor=actor,
            type=event_type(event),
            customer=owner,
            data=data,
        )


def recorded_at(event: object) -> datetime:
    """When the event was made: the library's ``timestamp``, read before the write lock; it stands
    in for the store's stamp only where there is none (older events, the in-memory store)."""
    timestamp = getattr(event, "timestamp", None)
    if not isinstance(timestamp, datetime):
        msg = f"{type(event).__qualname__} has no recorded time"
        raise TypeError(msg)
    return timestamp


def _in_window(at: object, start: datetime | None, end: datetime | None) -> bool:
    if not isinstance(at, datetime):
        return False
    return (start is None or start <= at) and (end is None or at < end)


def write_jsonl(rows: Iterator[ExportRow], out: IO[str]) -> Iterator[ExportRow]:
    """One JSON object a line; yields each row after writing it (for progress)."""
    for row in rows:
        out.write(json.dumps(row.to_json(), ensure_ascii=False) + "\n")
        yield row


def write_csv(rows: Iterator[ExportRow], out: IO[str]) -> Iterator[ExportRow]:
    """A header, then one line per event; ``data`` is a JSON object in its cell.

    Cells a spreadsheet would run as a formula get a leading ``'`` (see :mod:`ledger.spreadsheet`).
    """
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        values = row.to_json()
        values["data"] = json.dumps(values["data"], ensure_ascii=False, sort_keys=True)
        writer.writerow(
            ["" if values[column] is None else neutralise(str(values[column])) for column in COLUMNS]
        )
        yield row


WRITERS = {"jsonl": write_jsonl, "csv": write_csv}
