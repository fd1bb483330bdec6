"""Issuing monthly statements: numbered once per customer and month, reproducible forever.

An issued statement is a :class:`~ledger.aggregates.statement_book.StatementBook` event naming the
log position it was computed from; the read side composes its document from the statements view's
lines at or before that position (:mod:`ledger.statements.issued`). The write side decides only
which months are issued, in order, and numbers them; it reads the statements view (who holds a
card since when, the latest month issued) through the bus's views, never the document code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from ledger.aggregates.statement_book import IssuedStatement, StatementBook
from ledger.commands.models import IssueStatement
from ledger.commands.settings import value_at
from ledger.domain import settings as keys
from ledger.domain.cut_off import CutOffRule
from ledger.domain.statement_period import month_bounds, next_month, require_card_in
from ledger.domain.time import describe_instant, month_of
from ledger.errors import StatementError

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from ledger.commands.bus import Asked, Context
    from ledger.commands.models import CloseStatements, IssueDueStatements
    from ledger.commands.queries import StatementCutOffOf
    from ledger.commands.unit_of_work import Reader, UnitOfWork
    from ledger.domain.calendar import WorkingCalendar

STATEMENTS_PER_CALL_MAX = 10_000
"""At most this many statements per ``issue_due_statements`` call; the next call goes on."""


@dataclass(frozen=True)
class Issued:
    """An issued statement's record, and whether it was issued before this command (then unchanged)."""

    customer: str
    month: str
    number: str
    closed_at: datetime
    log_position: int
    duplicate: bool


def issue_statement(uow: UnitOfWork, command: IssueStatement, context: Context) -> Issued:
    """Issue the customer's statement for a closed ``month``; a month issued before is answered
    as it was. Months are issued in order (the book refuses an earlier one)."""
    customer, month = command.customer, command.month
    now = command.closed_at if command.closed_at is not None else context.now
    uow.customer(customer)
    _, end = month_bounds(month)
    if end > now:
        reason = f"{month} has not ended yet (it closes at {describe_instant(end)}); show it provisionally"
        raise StatementError("month", reason)
    book = uow.get_or_none(StatementBook.create_id(customer), StatementBook)
    if book is not None and month in book.statements:
        return _issued(customer, book.statements[month], duplicate=True)
    holder = _holder(context.services.projections().fresh("statements"), customer, month)
    if book is None:
        book = StatementBook(customer=holder.customer, actor=context.actor, effective_at=now)
    position = int(uow.app.recorder.max_notification_id() or 0)
    issued = book.issue(month, closed_at=now, log_position=position, actor=context.actor)
    uow.save(book)
    return _issued(customer, issued, duplicate=False)


def statement_cut_off(app: Reader, query: StatementCutOffOf, asked: Asked) -> datetime:
    """The question of :class:`~ledger.commands.queries.StatementCutOffOf`."""
    return cut_off_of(app, asked.services.calendar, query.month)


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


def issue_due_statements(uow: UnitOfWork, command: IssueDueStatements, context: Context) -> list[Issued]:
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


def close_month(uow: UnitOfWork, command: CloseStatements, context: Context) -> list[Issued]:
    """Close ``month`` on purpose, before its cut-off: issue its statement (and any earlier month
    not issued yet, in order) for ``customers``, or for everyone with a card or work. Returns the
    newly issued ones; closing again issues nothing."""
    month, now = command.month, context.now
    _, end = month_bounds(month)
    if end > now:
        reason = f"{month} has not ended yet (it closes at {describe_instant(end)})"
        raise StatementError("month", reason)
    view = context.services.projections().fresh("statements")
    for customer in command.customers:
        uow.customer(customer)
        _holder(view, customer, month)
    chosen = list(command.customers) or None
    return _issue_months(context, now, lambda candidate: candidate <= month, chosen)


def _issue_months(
    context: Context, now: datetime, due: Callable[[str], bool], customers: list[str] | None
) -> list[Issued]:
    """Each due month of each holder, in order, issued by its own command."""
    issued: list[Issued] = []
    view = context.services.projections().fresh("statements")
    for holder, latest in view.due_candidates():
        if customers is not None and holder.customer not in customers:
            continue
        month = month_of(holder.opened_at) if latest is None else next_month(latest)
        while due(month) and month_bounds(month)[1] <= now and len(issued) < STATEMENTS_PER_CALL_MAX:
            done: Issued = context.handle(
                IssueStatement(customer=holder.customer, month=month, closed_at=now)
            )
            if not done.duplicate:
                issued.append(done)
            month = next_month(month)
    return issued


def _holder(view: Any, customer: str, month: str) -> Any:
    """The card holder of the statements view, refused unless the card was open in ``month``."""
    holder = view.holder(customer)
    require_card_in(customer, month, None if holder is None else holder.opened_at)
    return holder


def _issued(customer: str, issued: IssuedStatement, *, duplicate: bool) -> Issued:
    return Issued(
        customer=customer,
        month=issued["month"],
        number=issued["number"],
        closed_at=issued["closed_at"],
        log_position=issued["log_position"],
        duplicate=duplicate,
    )
