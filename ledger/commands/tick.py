"""The ledger's clock: record every fact that has fallen due, exactly once, however often it runs.

``tick(until)`` visits the aggregates in the clock index (never the whole log) and asks each
**due-fact producer** for that kind of aggregate to record what is due by ``until``. All of one
aggregate's facts are saved together; a save that loses a race with another writer (a second
tick, a work entry) is re-run on fresh state, where the facts are found recorded and nothing new
is written. Each fact is keyed so that it can exist only once: a month's credit by its period
(``monthly:YYYY-MM``), a write-off by the block's remaining credit (zero once written off).

Extension point: a later feature (statement periods closed, evaluations due, grants expiring)
adds a :class:`DueFactProducer` for its aggregate type to the list returned by
:func:`default_producers` (or to ``Ledger.due_fact_producers``), and enters its aggregates in the
clock index with :func:`ledger.commands.clock_index.newly_indexed` when they first get such a fact.
"""

from __future__ import annotations

import functools
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from ledger.aggregates.admin_account import JUST_BEFORE, AdminAccount
from ledger.aggregates.onsite_engagement import OnSiteEngagement
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.commands.clock_index import ClockIndex
from ledger.commands.models import IssueDueStatements, RecordDueFacts, Tick
from ledger.commands.results import TickItem, TickResult
from ledger.commands.settings import expiry_grace, monthly_expiry_reader, value_at
from ledger.domain.settings import CREDIT_EXPIRING_DAYS
from ledger.domain.time import EARLIEST, start_of_day
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from ledger.commands.bus import Context
    from ledger.commands.statement_book import Issued
    from ledger.commands.unit_of_work import Reader, UnitOfWork

CLOCK_ACTOR = "clock"
"""Who records what the clock finds due, unless the caller names someone."""
MONTHLY_CREDIT = "monthly-credit"
EXPIRY_WRITE_OFF = "expiry-write-off"
EVALUATION_DUE = "evaluation-due"
GRANT_EXPIRY = "grant-expiry"
CREDIT_EXPIRING = "credit-expiring"
GRANT_EXPIRING = "grant-expiring"
GRANT_WARNING_AHEAD = timedelta(days=7)
"""How long before an admin grant runs out the account manager is warned."""


class DueFactProducer(Protocol):
    """Records the facts of one kind that have fallen due on one aggregate."""

    kind: str
    """The name the tick's result counts these facts under."""
    aggregate_type: type[Any]
    """The aggregates this producer looks at (found through the clock index)."""

    def record_due(self, aggregate: Any, until: datetime, actor: str) -> list[TickItem]:
        """Apply every fact due by ``until`` to ``aggregate`` (not yet saved); say what was recorded."""
        ...


def _item(kind: str, customer: str, reference: str, amount: Decimal, effective_at: datetime) -> TickItem:
    return TickItem(
        kind=kind, customer=customer, reference=reference, amount=amount, effective_at=effective_at
    )


class MonthlyCredits:
    """A month's credit on a card with a monthly plan, effective at its due moment."""

    kind = MONTHLY_CREDIT
    aggregate_type = Strippenkaart

    def __init__(self, expires_after_months: Callable[[datetime], int | None]) -> None:
        self.expires_after_months = expires_after_months

    def record_due(self, aggregate: Strippenkaart, until: datetime, actor: str) -> list[TickItem]:
        blocks = aggregate.record_monthly_credits(until, actor, self.expires_after_months)
        return [
            _item(self.kind, aggregate.customer, block.reference, block.amount, block.effective_at)
            for block in blocks
        ]


class CreditExpiryWarnings:
    """A block with a remainder expiring within ``alerts.credit-expiring-days`` (the dated setting in
    force at ``until``): ``ExpiryWarned``, once per block; runs before the write-off."""

    kind = CREDIT_EXPIRING
    aggregate_type = Strippenkaart

    def __init__(self, days_at: Callable[[datetime], int]) -> None:
        self.days_at = days_at

    def record_due(self, aggregate: Strippenkaart, until: datetime, actor: str) -> list[TickItem]:
        return [
            _item(self.kind, aggregate.customer, block.reference, block.remaining, block.expires_at)
            for block in aggregate.warn_expiring(until, self.days_at(until), actor)
            if block.expires_at is not None
        ]


class ExpiryWriteOffs:
    """The remainder of a block expired for longer than the grace period, written off."""

    kind = EXPIRY_WRITE_OFF
    aggregate_type = Strippenkaart

    def __init__(self, grace: Callable[[datetime], timedelta]) -> None:
        self.grace = grace

    def record_due(self, aggregate: Strippenkaart, until: datetime, actor: str) -> list[TickItem]:
        return [
            _item(self.kind, aggregate.customer, w.reference, w.amount, w.expired_at)
            for w in aggregate.write_off_expired(until, self.grace(until), actor)
        ]


class EvaluationsDue:
    """An on-site engagement whose evaluation date has come: ``EvaluationDue``, once per date."""

    kind = EVALUATION_DUE
    aggregate_type = OnSiteEngagement

    def record_due(self, aggregate: OnSiteEngagement, until: datetime, actor: str) -> list[TickItem]:
        due = aggregate.next_evaluation_due()
        # Due dates are Amsterdam calendar days: due from 00:00 that day.
        if due is None or start_of_day(due) > until or not aggregate.raise_evaluation_due(due, actor):
            return []
        return [_item(self.kind, aggregate.customer, due.isoformat(), Decimal("0.00"), start_of_day(due))]


class GrantExpiryWarnings:
    """An admin grant running out within a week: ``ExpiryWarned``, once per grant, before its expiry."""

    kind = GRANT_EXPIRING
    aggregate_type = AdminAccount

    def record_due(self, aggregate: AdminAccount, until: datetime, actor: str) -> list[TickItem]:
        return [
            _item(self.kind, due.customer, f"{due.account}#{due.grant}", Decimal("0.00"), due.valid_until)
            for due in aggregate.warn_expiring(until, GRANT_WARNING_AHEAD, actor)
        ]


class GrantExpiries:
    """An admin grant whose ``valid_until`` has passed: ``Expired`` for the history, once per grant.

    Access already ends at ``valid_until`` without it (a check then simply finds no grant).
    """

    kind = GRANT_EXPIRY
    aggregate_type = AdminAccount

    def record_due(self, aggregate: AdminAccount, until: datetime, actor: str) -> list[TickItem]:
        items = []
        for due in aggregate.expiring_between(EARLIEST, until + JUST_BEFORE):
            if not due.recorded and aggregate.expire(due.grant, actor, until):
                reference = f"{due.account}#{due.grant}"
                items.append(_item(self.kind, due.customer, reference, Decimal("0.00"), due.valid_until))
        return items


def default_producers(app: Reader) -> list[DueFactProducer]:
    """The clock's producers, in the order they run on an aggregate: credit first, then warn, then
    expire. Monthly expiry, the write-off grace and the warning's lead time are the dated settings
    in force (never process config)."""
    return [
        MonthlyCredits(monthly_expiry_reader(app)),
        CreditExpiryWarnings(functools.partial(credit_expiring_days, app)),
        ExpiryWriteOffs(functools.partial(expiry_grace, app)),
        EvaluationsDue(),
        GrantExpiryWarnings(),
        GrantExpiries(),
    ]


def credit_expiring_days(app: Reader, at: datetime) -> int:
    """How many days ahead expiring credit is announced, as in force at ``at``."""
    return int(str(value_at(app, CREDIT_EXPIRING_DAYS, at)))


def tick(uow: UnitOfWork, command: Tick, context: Context) -> TickResult:
    """Record everything due up to ``command.until`` (default now; never in the future), each
    aggregate's facts by a command of their own; then the statements of months that have ended."""
    now = context.now
    until = now if command.until is None else command.until
    if until > now:
        msg = f"{until.isoformat()} is in the future; the clock records only what has fallen due"
        raise InvalidInputError("until", msg)
    aggregate_ids = ClockIndex(uow).aggregate_ids()
    items: list[TickItem] = []
    for aggregate_id in aggregate_ids:
        items.extend(context.handle(RecordDueFacts(aggregate_id=aggregate_id, until=until)))
    counts = Counter(item.kind for item in items)
    # Statements last: a month closes with the credits and write-offs due in it recorded.
    issued: list[Issued] = context.handle(IssueDueStatements(until=until))
    return TickResult(
        until=until,
        actor=context.actor,
        visited=len(aggregate_ids),
        recorded={producer.kind: counts[producer.kind] for producer in context.services.producers},
        items=tuple(items),
        statements=tuple(s.number for s in issued),
    )


def record_due_facts(uow: UnitOfWork, command: RecordDueFacts, context: Context) -> list[TickItem]:
    """One aggregate's visit: every producer for its kind records what is due; saved together."""
    aggregate: Any = uow.app.repository.get(command.aggregate_id)
    items: list[TickItem] = []
    for producer in context.services.producers:
        if isinstance(aggregate, producer.aggregate_type):
            items.extend(producer.record_due(aggregate, command.until, context.actor))
    if items:
        uow.save(aggregate)
    return items
