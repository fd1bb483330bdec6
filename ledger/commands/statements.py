"""Issuing monthly statements: numbered once per customer and month, reproducible forever.

An issued statement is a :class:`~ledger.aggregates.statement_book.StatementBook` event naming the
log position it was computed from; its document is composed from the statements view's lines at
or before that position. A month that has not been issued can be shown *provisionally* (no number,
clearly marked, computed from everything known now) but only the issued one is ever sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from ledger.aggregates.statement_book import IssuedStatement, StatementBook
from ledger.commands.models import IssueStatement
from ledger.commands.settings import value_at
from ledger.domain import monthly
from ledger.domain import settings as keys
from ledger.domain.calendar import WorkingCalendar
from ledger.domain.time import describe_instant, month_of
from ledger.errors import NoCardError, StatementError
from ledger.projections.statements import IssuedRecord, StatementsView
from ledger.statements.cut_off import CutOffRule
from ledger.statements.document import Statement, compose, forecast_moment, month_bounds, next_month
from ledger.statements.forecast import FORECAST_HORIZON_DAYS, Plan

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from ledger.commands.bus import Context
    from ledger.commands.models import CloseStatements, IssueDueStatements
    from ledger.commands.unit_of_work import Reader, UnitOfWork
    from ledger.eventstore.application import LedgerApplication
    from ledger.projections.runtime import Projections
    from ledger.projections.statements import CardHolder

STATEMENTS_PER_CALL_MAX = 10_000
"""At most this many statements per ``issue_due_statements`` call; the next call goes on."""


@dataclass(frozen=True)
class Issued:
    """An issued statement, and whether it was issued before this command (then it is unchanged)."""

    statement: Statement
    duplicate: bool


def issue_statement(uow: UnitOfWork, command: IssueStatement, context: Context) -> Issued:
    """Issue the customer's statement for a closed ``month``; a month issued before is answered
    as it was. Months are issued in order (the book refuses an earlier one)."""
    customer, month, now = command.customer, command.month, context.now
    uow.customer(customer)
    _, end = month_bounds(month)
    if end > now:
        reason = f"{month} has not ended yet (it closes at {describe_instant(end)}); show it provisionally"
        raise StatementError("month", reason)
    projections = context.services.projections()
    book = uow.get_or_none(StatementBook.create_id(customer), StatementBook)
    if book is not None and month in book.statements:
        record = _record(customer, book.statements[month])
        return Issued(_compose(projections.fresh("statements"), customer, month, record), duplicate=True)
    holder = _holder(projections, customer, month)
    if book is None:
        book = StatementBook(customer=holder.customer, actor=context.actor, effective_at=now)
    position = int(uow.app.recorder.max_notification_id() or 0)
    issued = book.issue(month, closed_at=now, log_position=position, actor=context.actor)
    uow.save(book)
    record = _record(customer, issued)
    return Issued(_compose(projections.fresh("statements"), customer, month, record), duplicate=False)


def cut_off_of(app: Reader, calendar: WorkingCalendar, month: str) -> datetime:
    """When ``month``'s statements fall due: the dated ``statements.cut-off`` in force at the
    month's end, counted in working days of the calendar with the dated closing days."""
    _, end = month_bounds(month)
    rule = CutOffRule(
        working_day=int(cast("int", value_at(app, keys.STATEMENTS_CUT_OFF, end))),
        calendar=calendar,
        closing_days=cast("tuple[date, ...]", value_at(app, keys.CALENDAR_CLOSING_DAYS, end)),
        working_holidays=cast("tuple[date, ...]", value_at(app, keys.CALENDAR_WORKING_HOLIDAYS, end)),
    )
    return rule.cut_off(end)


def issue_due_statements(uow: UnitOfWork, command: IssueDueStatements, context: Context) -> list[Statement]:
    """Issue every statement due by ``until``: for each customer with a card or with work, each
    month from the first (or after the latest issued one) whose cut-off is at or before ``until``,
    in order. Returns the newly issued ones; running it again issues nothing."""
    until = command.until if command.until is not None else context.now
    calendar = context.services.calendar
    cut_offs: dict[str, datetime] = {}

    def due(month: str) -> bool:
        if month not in cut_offs:
            cut_offs[month] = cut_off_of(uow, calendar, month)
        return cut_offs[month] <= until

    return _issue_months(context, until, due, customers=None)


def close_month(uow: UnitOfWork, command: CloseStatements, context: Context) -> list[Statement]:
    """Close ``month`` on purpose, before its cut-off: issue its statement (and any earlier month
    not issued yet, in order) for ``customers``, or for everyone with a card or work. Returns the
    newly issued ones; closing again issues nothing."""
    month, now = command.month, context.now
    _, end = month_bounds(month)
    if end > now:
        reason = f"{month} has not ended yet (it closes at {describe_instant(end)})"
        raise StatementError("month", reason)
    projections = context.services.projections()
    for customer in command.customers:
        uow.customer(customer)
        _holder(projections, customer, month)
    chosen = list(command.customers) or None
    return _issue_months(context, now, lambda candidate: candidate <= month, chosen)


def _issue_months(
    context: Context, now: datetime, due: Callable[[str], bool], customers: list[str] | None
) -> list[Statement]:
    """Each due month of each holder, in order, issued by its own command."""
    issued: list[Statement] = []
    view: StatementsView = context.services.projections().fresh("statements")
    for holder, latest in view.due_candidates():
        if customers is not None and holder.customer not in customers:
            continue
        month = month_of(holder.opened_at) if latest is None else next_month(latest)
        while due(month) and month_bounds(month)[1] <= now and len(issued) < STATEMENTS_PER_CALL_MAX:
            done: Issued = context.handle(IssueStatement(customer=holder.customer, month=month))
            if not done.duplicate:
                issued.append(done.statement)
            month = next_month(month)
    return issued


def statement(
    app: LedgerApplication, projections: Projections, customer: str, month: str, now: datetime
) -> Statement:
    """The issued statement for ``month``, or a provisional one from everything known now."""
    app.customer(customer)
    view: StatementsView = projections.fresh("statements")
    record = view.issued(customer, month)
    if record is not None:
        return _compose(view, customer, month, record)
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
    if holder is None:
        raise NoCardError(customer)
    _, end = month_bounds(month)
    if holder.opened_at >= end:
        reason = (
            f"{customer!r} had no strippenkaart yet in {month} (opened {describe_instant(holder.opened_at)})"
        )
        raise StatementError("month", reason)
    return holder


def _compose(view: StatementsView, customer: str, month: str, record: IssuedRecord) -> Statement:
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


def _record(customer: str, issued: IssuedStatement) -> IssuedRecord:
    return IssuedRecord(
        customer=customer,
        month=issued["month"],
        number=issued["number"],
        closed_at=issued["closed_at"],
        log_position=issued["log_position"],
    )
