"""A monthly statement as data: opening balance, credits, invoice-free work, other changes,
closing balance and forecast, each line with the balance after it.

:func:`compose` is a pure function of the card's lines as known at one log position, so an issued
statement, composed again from the same position, is the same document. Lines are in effective
order (then recording order) and the balance after each is the running balance in that order: a
back-dated entry known at issue sits on its own date, and one recorded after issue is not there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ledger.commands.results import JsonResult
from ledger.domain.time import AMSTERDAM, date_of, parse_month, start_of_day
from ledger.projections.sql import ProjectionInvariantError
from ledger.projections.statements import CREDIT, OTHER, WORK, CardHolder, CardLine, IssuedRecord
from ledger.statements.forecast import Forecast, forecast

ZERO = Decimal("0.00")
ISSUED = "issued"
PROVISIONAL = "provisional"


@dataclass(frozen=True)
class StatementLine(JsonResult):
    """One line: ``amount`` is what it did to the card (credit positive, work negative)."""

    date: str
    section: str
    kind: str
    reference: str
    description: str
    hours: Decimal | None
    rate: Decimal | None
    amount: Decimal
    invoiced_separately: Decimal
    balance_after: Decimal


@dataclass(frozen=True)
class BalancePoint(JsonResult):
    """The balance right after a moment: what the chart draws."""

    at: datetime
    balance: Decimal


@dataclass(frozen=True)
class Statement:
    """A customer's statement for one Amsterdam month; ``number`` is None while provisional."""

    customer: str
    name: str
    account_manager: str
    currency: str
    month: str
    period_start: datetime
    period_end: datetime
    status: str
    number: str | None
    closed_at: datetime | None
    log_position: int
    opening_balance: Decimal
    credits: list[StatementLine]
    work: list[StatementLine]
    other: list[StatementLine]
    total_credits: Decimal
    total_work: Decimal
    total_other: Decimal
    closing_balance: Decimal
    balance_points: list[BalancePoint]
    forecast: Forecast

    @property
    def last_day(self) -> date:
        return (self.period_end - timedelta(days=1)).date()

    def to_json(self) -> dict[str, Any]:
        """Every figure; amounts as two-decimal strings, lines as lists of objects."""
        data = JsonResult.to_json(self)  # type: ignore[arg-type]
        for section in ("credits", "work", "other", "balance_points"):
            data[section] = [line.to_json() for line in getattr(self, section)]
        data["forecast"] = self.forecast.to_json()
        return data


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """00:00 Amsterdam on the month's first day, and on the next month's."""
    first = parse_month(month)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return start_of_day(first), start_of_day(following)


def next_month(month: str) -> str:
    _, end = month_bounds(month)
    return end.astimezone(AMSTERDAM).strftime("%Y-%m")


def compose(
    holder: CardHolder,
    month: str,
    lines: list[CardLine],
    log_position: int,
    issued: IssuedRecord | None,
    forecast_at: datetime | None = None,
) -> Statement:
    """The statement for ``month`` from the card's ``lines`` (effective before the month's end,
    known at ``log_position``); issued when ``issued`` is given, else provisional."""
    start, end = month_bounds(month)
    opening = sum((line.amount for line in lines if line.at < start), ZERO)
    balance = opening
    sections: dict[str, list[StatementLine]] = {CREDIT: [], WORK: [], OTHER: []}
    points = [BalancePoint(start, opening)]
    for line in (line for line in lines if start <= line.at < end):
        balance += line.amount
        sections.get(line.section, sections[OTHER]).append(_statement_line(line, balance))
        points.append(BalancePoint(line.at, balance))
    if balance < ZERO:
        msg = f"statement {holder.customer} {month}: balance {balance} below zero"
        raise ProjectionInvariantError(msg)
    points.append(BalancePoint(end, balance))
    use = [(line.at, -line.amount) for line in lines if line.section == WORK]
    first = lines[0].at if lines else None
    moment = end if forecast_at is None else min(end, forecast_at)
    totals = {name: sum((line.amount for line in items), ZERO) for name, items in sections.items()}
    return Statement(
        customer=holder.customer,
        name=holder.name,
        account_manager=holder.account_manager,
        currency=holder.currency,
        month=month,
        period_start=start,
        period_end=end,
        status=ISSUED if issued is not None else PROVISIONAL,
        number=issued.number if issued is not None else None,
        closed_at=issued.closed_at.astimezone(AMSTERDAM) if issued is not None else None,
        log_position=log_position,
        opening_balance=opening,
        credits=sections[CREDIT],
        work=sections[WORK],
        other=sections[OTHER],
        total_credits=totals[CREDIT],
        total_work=-totals[WORK],
        total_other=-totals[OTHER],
        closing_balance=balance,
        balance_points=points,
        forecast=forecast(balance, use, moment, first, holder.currency),
    )


def _statement_line(line: CardLine, balance_after: Decimal) -> StatementLine:
    return StatementLine(
        date=date_of(line.at),
        section=line.section,
        kind=line.kind,
        reference=line.reference,
        description=line.description,
        hours=line.hours,
        rate=line.rate,
        amount=line.amount,
        invoiced_separately=line.invoiceable,
        balance_after=balance_after,
    )
