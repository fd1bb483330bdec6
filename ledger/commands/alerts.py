"""Setting a customer's alert threshold and acknowledging alerts: the two facts alerts record."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ledger.aggregates.alert_acknowledgement import AlertAcknowledgement
from ledger.commands.application import retrying
from ledger.commands.clock import effective_time
from ledger.commands.results import AcknowledgementResult, ThresholdResult
from ledger.errors import UnknownAlertError

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.commands.application import LedgerApplication
    from ledger.commands.models import AcknowledgeAlert, SetAlertThreshold
    from ledger.projections.alerts import Alert

AlertLookup = Callable[[str], "Alert | None"]
"""Finds a raised alert by id (the alerts view, caught up)."""


def set_alert_threshold(app: LedgerApplication, command: SetAlertThreshold, now: datetime) -> ThresholdResult:
    """Record the customer's threshold; the one already in force again is a no-op."""
    at = effective_time(command.at, now)

    def attempt() -> ThresholdResult:
        customer = app.customer(command.customer)
        changed = customer.set_alert_threshold(command.percent, command.amount, command.actor, at)
        if changed:
            app.save(customer)
        return ThresholdResult(
            customer=command.customer,
            percent=command.percent,
            amount=command.amount,
            effective_at=at,
            duplicate=not changed,
        )

    return retrying(attempt)


def acknowledge_alert(
    app: LedgerApplication, command: AcknowledgeAlert, now: datetime, lookup: AlertLookup
) -> AcknowledgementResult:
    """Acknowledge a raised alert once; a second acknowledgement says who did it first."""
    at = effective_time(command.at, now)
    alert = lookup(command.alert_id)
    if alert is None:
        raise UnknownAlertError(command.alert_id)

    def attempt() -> AcknowledgementResult:
        existing = app.get_or_none(AlertAcknowledgement.create_id(alert.id), AlertAcknowledgement)
        if existing is not None:
            return _result(existing, duplicate=True)
        acknowledgement = AlertAcknowledgement(
            alert_id=alert.id, customer=alert.customer, kind=alert.kind, actor=command.actor, effective_at=at
        )
        app.save(acknowledgement)
        return _result(acknowledgement, duplicate=False)

    return retrying(attempt)


def _result(acknowledgement: AlertAcknowledgement, *, duplicate: bool) -> AcknowledgementResult:
    return AcknowledgementResult(
        alert_id=acknowledgement.alert_id,
        customer=acknowledgement.customer,
        kind=acknowledgement.kind,
        acknowledged_by=acknowledgement.acknowledged_by,
        acknowledged_at=acknowledgement.acknowledged_at,
        duplicate=duplicate,
    )
