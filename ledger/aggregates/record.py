"""What every record of the ledger shares.

Every event says who recorded it (``actor``) and the moment it takes effect in the business
(``effective_at``), which may lie before the moment it was recorded (the library's ``timestamp``):
that pair is what makes history bitemporal and every change attributable, so it is declared once,
on :class:`Record.Event`, and every aggregate's events inherit it.

Most records belong to one customer and exist at most once per customer (the card, the contract,
the beheerpacks, the rate card, the statement book…): :class:`CustomerRecord` derives their id from
the customer's slug, so a command finds the record without an index and a second "open" collides
on the store's unique key instead of creating a twin.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from eventsourcing.domain import Aggregate

from ledger.aggregates.ids import natural_id

if TYPE_CHECKING:
    from uuid import UUID


class Record(Aggregate):
    """Base of the ledger's aggregates: events that carry who and from when."""

    class Event(Aggregate.Event):
        """An event of the ledger: recorded by ``actor``, in effect from ``effective_at``."""

        actor: str
        effective_at: datetime

    class Created(Event, Aggregate.Created):
        """The first event of a record."""


class CustomerRecord(Record):
    """A record kept once per customer; its id is the customer's slug under the record's ``KIND``."""

    KIND: ClassVar[str]

    class Opened(Record.Created):
        """The record of ``customer`` was opened."""

        customer: str

    if TYPE_CHECKING:  # each record's own ``@event(Opened) __init__`` (a card's adds its currency)

        def __init__(self, customer: str, actor: str, effective_at: datetime) -> None: ...

    @classmethod
    def create_id(cls, customer: str) -> UUID:
        return natural_id(cls.KIND, customer)


class DatedChange(Record.Event):
    """A dated change of a timeline record (contract, beheerpacks, rate card): it also keeps the
    moment it was recorded, which the record's history shows beside the moment it takes effect."""

    recorded_at: datetime
