"""Bitemporal questions: what was true at a moment, as the ledger knew it at another.

Two times are on every event: ``effective_at`` (when it counts in the business; a correction may be
backdated) and its recorded time, stamped by the store from its own clock *under the write lock*
(``recorded_at``, see :mod:`ledger.persistence`), never from the caller, rising with the log
position: so an answer for K never changes after K. "The balance as of A, as known at K" replays
the card's own stored events, keeping those recorded at or before K and effective at or before A.
Nothing here reads a projection: it is the answer an auditor can recompute from the log alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.audit.export import recorded_at
from ledger.domain.money import DEFAULT_CURRENCY
from ledger.domain.results import Balance, Moment
from ledger.persistence.recorded import recorded_times_of

if TYPE_CHECKING:
    from uuid import UUID

    from ledger.eventstore.application import LedgerApplication

ZERO = Decimal("0.00")
CARD_EVENTS_PAGE = 500


class HistoricBalance(Balance):
    """The card's figures as of ``as_of``, counting only what was recorded by ``as_known_at``."""

    as_of: Moment | None = None
    as_known_at: Moment | None = None


def _card_events(app: LedgerApplication, card_id: UUID) -> Iterator[tuple[datetime, object]]:
    """The card's events with their recorded time (the store's stamp; the event's own ``timestamp``
    for events stored before the stamp existed)."""
    stamped = recorded_times_of(app.recorder, card_id)
    version = 0
    while True:
        page = app.recorder.select_events(card_id, gt=version, limit=CARD_EVENTS_PAGE)
        for stored in page:
            version = stored.originator_version
            event = app.mapper.to_domain_event(stored)
            yield stamped.get(version) or recorded_at(event), event
        if len(page) < CARD_EVENTS_PAGE:
            return


def balance_as_of(
    app: LedgerApplication, customer: str, as_of: datetime, as_known_at: datetime | None
) -> HistoricBalance:
    """Credited, debited and balance in effect at ``as_of`` (inclusive), known by ``as_known_at``."""
    app.customer(customer)
    currency, credited, debited, expired = DEFAULT_CURRENCY, ZERO, ZERO, ZERO
    for known_at, event in _card_events(app, Strippenkaart.create_id(customer)):
        if as_known_at is not None and known_at > as_known_at:
            continue
        if isinstance(event, Strippenkaart.Opened):
            currency = event.currency
        effective_at = getattr(event, "effective_at", None)
        if effective_at is None or effective_at > as_of:
            continue
        if isinstance(event, Strippenkaart.Credited):
            credited += event.amount
        elif isinstance(event, Strippenkaart.Debited):
            debited += event.amount
        elif isinstance(event, Strippenkaart.DebitReversed):
            debited -= event.amount
        elif isinstance(event, Strippenkaart.Expired):
            expired += event.amount
    return HistoricBalance(
        customer=customer,
        currency=currency,
        credited=credited,
        debited=debited,
        balance=credited - debited - expired,
        expired=expired,
        as_of=as_of,
        as_known_at=as_known_at,
    )
