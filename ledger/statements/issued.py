"""The documents of monthly statements: an issued one, reproduced from its log position, and a
provisional one (no number, clearly marked) from everything known now.

Issuing (numbering, in month order) is a command (:mod:`ledger.commands.statement_book`); this reads.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ledger.domain import monthly
from ledger.domain.statement_period import month_bounds, require_card_in
from ledger.errors import NoCardError
from ledger.projections.statement_lines import IssuedRecord, StatementsView
from ledger.statements.document import Statement, compose, forecast_moment
from ledger.statements.forecast import FORECAST_HORIZON_DAYS, Plan

if TYPE_CHECKING:
    from ledger.eventstore.application import LedgerApplication
    from ledger.projections.runtime import Projections
    from ledger.projections.statement_lines import CardHolder


def statement(
    app: LedgerApplication, projections: Projections, customer: str, month: str, now: datetime
) -> Statement:
    """The issued statement for ``month``, or a provisional one from everything known now."""
    app.customer(customer)
    view: StatementsView = projections.fresh("statements")
    record = view.issued(customer, month)
    if record is not None:
        return compose_issued(view, customer, month, record)
    holder = _holder(projections, customer, month)
    position = int(app.recorder.max_notification_id() or 0)
    _, end = month_bounds(month)
    previous = view.previous_issued(customer, month)
    moment = forecast_moment(end, None, now)
    lines = view.lines(customer, max(end, moment), position)
    settings = view.settings_known(now, position)
    plan = forecast_plan(view, customer, moment, position)
    return compose(
        holder, month, lines, position, None, previous, forecast_at=now, settings=settings, plan=plan
    )


def _holder(projections: Projections, customer: str, month: str) -> CardHolder:
    view: StatementsView = projections.fresh("statements")
    holder = view.holder(customer)
    require_card_in(customer, month, None if holder is None else holder.opened_at)
    assert holder is not None
    return holder


def compose_issued(view: StatementsView, customer: str, month: str, record: IssuedRecord) -> Statement:
    """The document of an issued statement, exactly as it was when issued (its log position)."""
    holder = view.holder(customer)
    if holder is None:
        raise NoCardError(customer)
    _, end = month_bounds(month)
    previous = view.previous_issued(customer, month)
    horizon = max(end, forecast_moment(end, record, None))
    lines = view.lines(customer, horizon, record.log_position)
    settings = view.settings_known(record.closed_at, record.log_position)
    plan = forecast_plan(view, customer, record.closed_at, record.log_position)
    return compose(holder, month, lines, record.log_position, record, previous, settings=settings, plan=plan)


def forecast_plan(view: StatementsView, customer: str, moment: datetime, known_at: int) -> Plan:
    """The card's blocks (remainder and expiry) at ``moment`` and the monthly credits due after
    it within the forecast's horizon, as known at ``known_at``."""
    blocks = [(block.expires_at, block.remaining) for block in view.blocks_at(customer, moment, known_at)]
    terms: list[monthly.MonthlyTerm] = []
    for change in view.plan_changes(customer, known_at):
        if change.action == "set" and change.amount is not None and change.day is not None:
            terms = monthly.with_plan(terms, change.at, change.amount, change.day, change.until)
        elif change.action == "changed" and change.amount is not None:
            terms = monthly.with_change(terms, change.at, change.amount)
        elif change.action == "stopped":
            terms = monthly.with_stop(terms, change.at)
    horizon = moment + timedelta(days=FORECAST_HORIZON_DAYS)
    dues = [(due.due_at, due.amount) for due in monthly.dues(terms, horizon) if due.due_at >= moment]
    return Plan(blocks=blocks, monthly=dues)
