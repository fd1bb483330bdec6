"""An account manager's acknowledgement of one alert.

Alerts themselves are a projection (computed from the log, rebuilt at will); acknowledging one is
a fact someone did, so it is an event. One aggregate per alert id (a natural key) makes a second
acknowledgement collide on the store's unique key: acknowledging twice records it once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from ledger.aggregates.ids import natural_id
from ledger.aggregates.record import Record

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID


class AlertAcknowledgement(Record):
    """Who acknowledged an alert, and when."""

    class Acknowledged(Record.Created):
        """An alert was acknowledged; it no longer shows among the open alerts."""

        alert_id: str
        customer: str
        kind: str

    @staticmethod
    def create_id(alert_id: str) -> UUID:
        return natural_id("alert-acknowledgement", alert_id)

    @event(Acknowledged)
    def __init__(self, alert_id: str, customer: str, kind: str, actor: str, effective_at: datetime) -> None:
        self.alert_id = alert_id
        self.customer = customer
        self.kind = kind
        self.acknowledged_by = actor
        self.acknowledged_at = effective_at
