"""Setting a customer's alert threshold and acknowledging alerts: the two facts alerts record."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.aggregates.alert_acknowledgement import AlertAcknowledgement
from ledger.commands.results import AcknowledgementResult, ThresholdResult
from ledger.errors import UnknownAlertError

if TYPE_CHECKING:
    from ledger.commands.bus import Context
    from ledger.commands.models import AcknowledgeAlert, SetAlertThreshold
    from ledger.commands.unit_of_work import UnitOfWork


def set_alert_threshold(uow: UnitOfWork, command: SetAlertThreshold, context: Context) -> ThresholdResult:
    """Record the customer's threshold; the one already in force again is a no-op."""
    customer = uow.customer(command.customer)
    changed = customer.set_alert_threshold(command.percent, command.amount, context.actor, context.at)
    if changed:
        uow.save(customer)
    return ThresholdResult(
        customer=command.customer,
        percent=command.percent,
        amount=command.amount,
        effective_at=context.at,
        duplicate=not changed,
    )


def acknowledge_alert(uow: UnitOfWork, command: AcknowledgeAlert, context: Context) -> AcknowledgementResult:
    """Acknowledge a raised alert once; a second acknowledgement says who did it first."""
    alert = context.services.projections().fresh("alerts").alert(command.alert_id)
    if alert is None:
        raise UnknownAlertError(command.alert_id)
    existing = uow.get_or_none(AlertAcknowledgement.create_id(alert.id), AlertAcknowledgement)
    if existing is not None:
        return _result(existing, duplicate=True)
    acknowledgement = AlertAcknowledgement(
        alert_id=alert.id,
        customer=alert.customer,
        kind=alert.kind,
        actor=context.actor,
        effective_at=context.at,
    )
    uow.save(acknowledgement)
    return _result(acknowledgement, duplicate=False)


def _result(acknowledgement: AlertAcknowledgement, *, duplicate: bool) -> AcknowledgementResult:
    return AcknowledgementResult(
        alert_id=acknowledgement.alert_id,
        customer=acknowledgement.customer,
        kind=acknowledgement.kind,
        acknowledged_by=acknowledgement.acknowledged_by,
        acknowledged_at=acknowledgement.acknowledged_at,
        duplicate=duplicate,
    )
