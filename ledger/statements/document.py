"""A monthly statement as data: opening balance, corrections to earlier periods, credits,
invoice-free work, expired credit, closing balance and forecast, each line with the balance after it.

:func:`compose` is a pure function of the card's lines as known at two cuts of the log: the
previous statement's (what the customer was already told) and this one's. The opening balance is
the previous statement's closing balance, so consecutive statements always join up. A line known
now but not then, effective in an earlier period (late work, a back-dated reversal, a write-off),
is a *correction* naming its period; the month's own lines follow in effective order. So
``opening + credits − work + corrections − expired = closing`` holds to the cent, by construction.

A work entry reversed before the customer ever saw it (both new on this statement, netting to
zero) is left off: the audit export keeps both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from ledger.domain import settings as keys
from ledger.domain.results import JsonResult
from ledger.domain.settings import SPECS
from ledger.domain.statement_period import month_bounds
from ledger.domain.time import AMSTERDAM, date_of, month_of
from ledger.projections.sql import ProjectionInvariantError
from ledger.projections.statement_lines import (
    COVERED,
    CREDIT,
    INVOICED,
    OTHER,
    REVERSAL,
    WORK,
    CardHolder,
    CardLine,
    IssuedRecord,
)
from ledger.statements.forecast import Forecast, Plan, forecast

ZERO = Decimal("0.00")
CARD_SECTIONS = (CREDIT, WORK, OTHER)
"""Lines that move a card's balance: a statement known at a log position has a card if it has one
of them (so a card bought after issue leaves the issued statement as it was)."""
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
    period: str
    """The Amsterdam month (``YYYY-MM``) the line is effective in: for a correction, the earlier
    period it belongs to."""


@dataclass(frozen=True)
class BalancePoint(JsonResult):
    """The balance right after a moment: what the chart draws."""

    at: datetime
    balance: Decimal


@dataclass(frozen=True)
class Sender(JsonResult):
    """Who sends the statement (dated ``sender.*`` settings as known at issue); None where unset."""

    name: str | None
    address: str | None
    kvk: str | None
    btw: str | None
    iban: str | None
    contact: str | None


def sender_of(settings: dict[str, str]) -> Sender:
    def value(key: str) -> str | None:
        parsed = SPECS[key].parse(settings.get(key, SPECS[key].default))
        return None if parsed is None else str(parsed)

    return Sender(
        name=value(keys.SENDER_NAME),
        address=value(keys.SENDER_ADDRESS),
        kvk=value(keys.SENDER_KVK),
        btw=value(keys.SENDER_VAT_NUMBER),
        iban=value(keys.SENDER_IBAN),
        contact=value(keys.SENDER_CONTACT),
    )


def language_of(settings: dict[str, str], customer: str) -> str:
    """The customer's own statement language if set, else the ledger's (Dutch by default)."""
    chosen = SPECS[keys.STATEMENTS_CUSTOMER_LANGUAGES].parse(
        settings.get(keys.STATEMENTS_CUSTOMER_LANGUAGES, "none")
    )
    for pair in cast("tuple[str, ...]", chosen):
        owner, _, language = pair.partition("=")
        if owner == customer:
            return language
    return str(SPECS[keys.STATEMENTS_LANGUAGE].parse(settings.get(keys.STATEMENTS_LANGUAGE, "nl")))


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
    corrections: list[StatementLine]
    credits: list[StatementLine]
    work: list[StatementLine]
    other: list[StatementLine]
    covered: list[StatementLine]
    invoiced: list[StatementLine]
    total_corrections: Decimal
    total_credits: Decimal
    total_work: Decimal
    total_other: Decimal
    closing_balance: Decimal
    balance_points: list[BalancePoint]
    forecast: Forecast
    has_card: bool
    sender: Sender
    language: str
    """The customer's statement language as known at issue (``nl`` or ``en``); ``--lang`` overrides."""

    @property
    def last_day(self) -> date:
        return (self.period_end - timedelta(days=1)).date()

    def to_json(self) -> dict[str, Any]:
        """Every figure; amounts as two-decimal strings, lines as lists of objects."""
        data = JsonResult.to_json(self)  # type: ignore[arg-type]
        for section in ("corrections", "credits", "work", "other", "covered", "invoiced", "balance_points"):
            data[section] = [line.to_json() for line in getattr(self, section)]
        data["forecast"] = self.forecast.to_json()
        data["sender"] = self.sender.to_json()
        return data


@dataclass(frozen=True)
class Cut:
    """A cut of the lines: those effective before ``before`` and recorded at or before ``known_at``."""

    before: datetime
    known_at: int

    def holds(self, line: CardLine) -> bool:
        return line.at < self.before and line.notification_id <= self.known_at


def compose(
    holder: CardHolder,
    month: str,
    lines: list[CardLine],
    log_position: int,
    issued: IssuedRecord | None,
    previous: IssuedRecord | None = None,
    forecast_at: datetime | None = None,
    settings: dict[str, str] | None = None,
    plan: Plan | None = None,
) -> Statement:
    """The statement for ``month`` from the card's ``lines`` (known at ``log_position``, by effective
    time then recording order); issued when ``issued`` is given, else provisional. ``previous`` is
    the statement issued before it: its lines are the opening balance, whatever is new since and
    effective before this month is a correction."""
    start, end = month_bounds(month)
    stated = (
        Cut(start, log_position)
        if previous is None
        else Cut(month_bounds(previous.month)[1], previous.log_position)
    )
    known = [line for line in lines if line.notification_id <= log_position]
    opening = sum((line.amount for line in known if stated.holds(line)), ZERO)
    fresh = _without_unseen_reversals([line for line in known if line.at < end and not stated.holds(line)])
    balance = opening
    corrections: list[StatementLine] = []
    for line in (line for line in fresh if line.at < start):
        balance += line.amount
        corrections.append(_statement_line(line, balance))
    sections: dict[str, list[StatementLine]] = {CREDIT: [], WORK: [], OTHER: [], COVERED: [], INVOICED: []}
    points = [BalancePoint(start, balance)]
    for line in (line for line in fresh if line.at >= start):
        balance += line.amount
        sections.get(line.section, sections[OTHER]).append(_statement_line(line, balance))
        if line.amount:
            points.append(BalancePoint(line.at, balance))
    if balance < ZERO:
        msg = f"statement {holder.customer} {month}: balance {balance} below zero"
        raise ProjectionInvariantError(msg)
    points.append(BalancePoint(end, balance))
    moment = forecast_moment(end, issued, forecast_at)
    now_balance = sum((line.amount for line in known if line.at < moment), ZERO)
    use = [(line.at, -line.amount) for line in known if line.section == WORK and line.at < moment]
    first = known[0].at if known else None
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
        corrections=corrections,
        credits=sections[CREDIT],
        work=sections[WORK],
        other=sections[OTHER],
        covered=sections[COVERED],
        invoiced=sections[INVOICED],
        total_corrections=sum((line.amount for line in corrections), ZERO),
        total_credits=totals[CREDIT],
        total_work=-totals[WORK],
        total_other=-totals[OTHER],
        closing_balance=balance,
        balance_points=points,
        forecast=forecast(now_balance, use, moment, first, holder.currency, plan),
        has_card=any(line.section in CARD_SECTIONS for line in known),
        sender=sender_of(settings or {}),
        language=language_of(settings or {}, holder.customer),
    )


def forecast_moment(end: datetime, issued: IssuedRecord | None, now: datetime | None) -> datetime:
    """As of when the forecast is made: the issue moment, else now (the period's end without one).
    The caller passes the lines effective before it."""
    if issued is not None:
        return issued.closed_at
    return end if now is None else now


def _without_unseen_reversals(lines: list[CardLine]) -> list[CardLine]:
    """Leave off each reversal together with the work it undoes when the customer saw neither
    (both among ``lines``) and together they change nothing."""
    dropped: set[int] = set()
    for reversal in (line for line in lines if line.kind == REVERSAL):
        for work in reversed(lines):
            if (
                work.notification_id < reversal.notification_id
                and work.notification_id not in dropped
                and work.kind != REVERSAL
                and (work.section, work.reference) == (reversal.section, reversal.reference)
                and work.amount + reversal.amount == ZERO
            ):
                dropped.update((work.notification_id, reversal.notification_id))
                break
    return [line for line in lines if line.notification_id not in dropped]


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
        period=month_of(line.at),
    )


def effective_balances(lines: list[CardLine]) -> dict[tuple[datetime, str, str], list[Decimal]]:
    """The balance after each card-paid work line and reversal, in effective order (then recording
    order) as on a statement, keyed by (effective time, ticket, work or reversal): what the work
    report shows, so the two agree."""
    balance = ZERO
    found: dict[tuple[datetime, str, str], list[Decimal]] = {}
    for line in lines:
        balance += line.amount
        if line.section == WORK:
            found.setdefault((line.at, line.reference, line.kind), []).append(balance)
    return found
