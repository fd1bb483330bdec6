"""The one door: ``MessageBus.handle(message)``, for every command and every question of the records.

Every write of the library, the command line and the bulk import comes through here, so what every
command needs is done once, in one place, in one order:

1. the actor is resolved against the identity mode in force (who may run this row of the role
   table) and the effective time against the ledger's clock (no work or money in the future);
2. a unit of work is opened (:mod:`ledger.commands.unit_of_work`) and ``HANDLERS[type(command)]``
   runs on it: a plain function, load → decide → save, that never commits, retries or reads the
   clock;
3. the unit is committed; a lost race (``IntegrityError``) re-runs the whole command from fresh
   state, with one backoff policy (exponential, full jitter, a bounded number of attempts);
4. the store's own failures become one typed :class:`~ledger.errors.StoreError`;
5. the handler's typed result is returned.

A bulk import hands a batch of commands to :meth:`MessageBus.handle_batch`: the same handlers on
one :class:`~ledger.commands.unit_of_work.BatchUnit`, committed once, re-run whole on a race.

A question (:mod:`ledger.commands.queries`) takes the short path: its moment is fixed (``at``, else
the clock's now), ``QUERY_HANDLERS[type(query)]`` reads the store, store failures are mapped the
same way, and nothing is committed because nothing was saved.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from eventsourcing.persistence import IntegrityError

from ledger.commands.queries import QUERY_HANDLERS, DatedQuery, Query
from ledger.commands.unit_of_work import BatchUnit, CommandUnit, Reader, UnitOfWork
from ledger.domain.time import effective_time
from ledger.errors import ConcurrencyError, LedgerError
from ledger.eventstore.command_cache import CHECK_CHANGED
from ledger.eventstore.failures import STORE_FAILURES, store_error
from ledger.persistence.condition import ReadSetChangedError

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.commands.models import Command
    from ledger.domain.admin_tasks import TaskCatalogue
    from ledger.domain.calendar import WorkingCalendar
    from ledger.domain.identity import Acting
    from ledger.eventstore.application import LedgerApplication

T = TypeVar("T")

RETRY_ATTEMPTS_MAX = 12
"""How often a command (or a batch of them) is re-run after losing a race on an aggregate."""
RETRY_BACKOFF_BASE_S = 0.005
RETRY_BACKOFF_CAP_S = 0.25


@dataclass
class RetryStats:
    """Process-wide counts of lost races, for operators and for the concurrency tests' figures."""

    conflicts: int = 0
    gave_up: int = 0


retry_stats = RetryStats()


def retrying(command: Callable[[], T]) -> T:
    """Run a whole command again, with fresh state, when a concurrent writer got there first.

    Exponential backoff with full jitter, so that racing processes spread out instead of
    colliding again in lockstep; after ``RETRY_ATTEMPTS_MAX`` the caller gets a typed error.
    """
    for attempt in range(RETRY_ATTEMPTS_MAX):
        try:
            return command()
        except IntegrityError:
            retry_stats.conflicts += 1
            ceiling = min(RETRY_BACKOFF_CAP_S, RETRY_BACKOFF_BASE_S * 2**attempt)
            time.sleep(random.uniform(0, ceiling))
    retry_stats.gave_up += 1
    raise ConcurrencyError(RETRY_ATTEMPTS_MAX)


class Views(Protocol):
    """The read side as the write side may see it: a view by name, caught up with the log. Statement
    issuing, the invoice export and acknowledgements decide on what a view holds; they ask it by
    name, so the command side does not import the read side."""

    def fresh(self, name: str) -> Any: ...


class Services:
    """What some handlers need beyond their unit of work, fixed for the bus's lifetime. The
    calendar and the clock's producers are made when a handler first reads them: most messages
    need neither, and the calendar's holiday tables are the costliest import of the ledger."""

    def __init__(
        self,
        *,
        calendar: Callable[[], WorkingCalendar],
        catalogue: Callable[[], TaskCatalogue],
        projections: Callable[[], Views],
        producers: Callable[[], Sequence[Any]],
    ) -> None:
        self._calendar = calendar
        self.catalogue = catalogue
        self.projections = projections
        self._producers = producers

    @functools.cached_property
    def calendar(self) -> WorkingCalendar:
        return self._calendar()

    @functools.cached_property
    def producers(self) -> Sequence[Any]:
        """The clock's due-fact producers (:mod:`ledger.commands.tick`), in the order they run."""
        return self._producers()


@dataclass(frozen=True)
class Context:
    """One command's resolved circumstances: who, when it takes effect, the clock's now."""

    acting: Acting
    at: datetime
    now: datetime
    services: Services
    handle: Callable[[Command], Any]
    """Dispatch a further command through the bus (a process, such as the tick, runs many)."""
    outcome_only: bool = False
    """The caller reads only whether the command was a repeat (the bulk import): a handler whose
    result is costly to build may return a :class:`~ledger.commands.results.Outcome` instead."""

    @property
    def actor(self) -> str:
        return self.acting.actor


@dataclass(frozen=True)
class Asked:
    """One question's circumstances: the moment it is about and the clock's now."""

    at: datetime
    now: datetime
    services: Services


Handler = Callable[[UnitOfWork, Any, Context], Any]
Answer = Callable[[Reader, Any, Asked], Any]
Authorise = Callable[[str, "str | None"], "Acting"]
"""(row of the role table, actor the caller named) → who acts, or an IdentityError."""


class BatchRefusedError(LedgerError):
    """A handler refused command ``index`` of a batch; the commands before it were committed."""

    def __init__(self, index: int, error: LedgerError, committed: int) -> None:
        self.index = index
        self.error = error
        self.committed = committed
        super().__init__(error.field, error.reason)


class MessageBus:
    """Runs every command through its handler on a unit of work, as the module says."""

    def __init__(
        self,
        app: LedgerApplication,
        *,
        handlers: Callable[[], Mapping[type[Command], Handler]],
        clock: Callable[[], datetime],
        authorise: Authorise,
        services: Services,
        queries: Mapping[type[Query], Answer] = QUERY_HANDLERS,
    ) -> None:
        self.app = app
        self._load_handlers = handlers
        self.queries = queries
        self.clock = clock
        self.authorise = authorise
        self.services = services

    @functools.cached_property
    def handlers(self) -> Mapping[type[Command], Handler]:
        """The command table, loaded on the first command: a handle that only asks questions
        never imports the command handlers."""
        return self._load_handlers()

    def handle(self, message: Command | Query) -> Any:
        """A question is answered; a command is resolved, run, committed, retried and mapped: the
        one path of a write (see the module)."""
        if isinstance(message, Query):
            return self.answer(message)
        return self._run(message, None)

    def answer(self, query: Query) -> Any:
        """Run the question's handler on the store as at its moment (default now); nothing is written."""
        answer = self.queries.get(type(query))
        if answer is None:
            msg = f"no handler for {type(query).__name__}"
            raise TypeError(msg)
        now = self.clock()
        try:
            at = query.at if isinstance(query, DatedQuery) and query.at is not None else now
            return answer(self.app, query, Asked(at=at, now=now, services=self.services))
        except STORE_FAILURES as error:
            raise store_error(error) from error

    def dispatch(self, message: Command, acting: Acting) -> Any:
        """Run ``message`` as ``acting`` (already authorised): a process's own further commands."""
        return self._run(message, acting)

    def _run(self, message: Command, acting: Acting | None) -> Any:
        """``acting`` None: the caller is authorised first; for a command that allows it
        (``Command.AUTHORISED_ON_HELD``), inside the retry loop on what this thread holds."""
        try:
            if acting is None:
                if message.AUTHORISED_ON_HELD and self.app.command_cache.conditional:
                    now = self.clock()
                    return retrying(lambda: self._authorised_once(message, now))
                acting = self.authorise(message.role_command(), message.actor)
            context = self.context(message, acting, self.clock())
            handler = self._handler(message)
            return retrying(lambda: self._once(handler, message, context))
        except STORE_FAILURES as error:
            raise store_error(error) from error

    def context(
        self,
        message: Command,
        acting: Acting,
        now: datetime,
        handle: Callable[[Command], Any] | None = None,
        *,
        outcome_only: bool = False,
    ) -> Context:
        """Who and when, resolved once before the handler runs (and kept on a re-run)."""
        at = effective_time(message.effective_input(), now, future_allowed=message.FUTURE_ALLOWED)
        if handle is None:
            handle = functools.partial(self.dispatch, acting=acting)
        return Context(
            acting=acting, at=at, now=now, services=self.services, handle=handle, outcome_only=outcome_only
        )

    def _handler(self, message: Command) -> Handler:
        handler = self.handlers.get(type(message))
        if handler is None:
            msg = f"no handler for {type(message).__name__}"
            raise TypeError(msg)
        return handler

    def _once(self, handler: Handler, message: Command, context: Context) -> Any:
        unit = CommandUnit(self.app)
        result = handler(unit, message, context)
        unit.commit()
        return result

    def _authorised_once(self, message: Command, now: datetime) -> Any:
        """Authorise, then run: inside the retry loop, so that a re-run checks again who may act.

        The check takes the settings from this thread's copy without a query where it holds one
        (``CommandCache.assuming``). That copy is then checked like the rest of what the command
        read: its version rides in the read condition of the command's append, under the write
        lock; a prefetched block that reads it compares the versions; and a command that neither
        appends nor reads it (a refusal) reads it once. A changed copy re-runs the whole command,
        checked anew, and a refusal of who acts is only ever made on what the store holds now.
        A further command the handler dispatches runs only after the copy is confirmed: its own
        retries must not commit on a check that stood on a changed copy."""
        cache = self.app.command_cache
        try:
            acting: Acting | None = None
            with cache.assuming():
                try:
                    acting = self.authorise(message.role_command(), message.actor)
                except LedgerError:
                    if not cache.relied():
                        raise
            if acting is None:  # refused on a held copy: judged again on what the store holds
                cache.forget()
                acting = self.authorise(message.role_command(), message.actor)
            authorised = acting  # narrowed, for the closure below

            def further(command: Command) -> Any:
                if not cache.confirm():
                    raise ReadSetChangedError(CHECK_CHANGED)
                return self.dispatch(command, authorised)

            try:
                context = self.context(message, acting, now, further)
                result = self._once(self._handler(message), message, context)
            except LedgerError:
                if not cache.confirm():
                    raise ReadSetChangedError(CHECK_CHANGED) from None
                raise
            if not cache.confirm():
                raise ReadSetChangedError(CHECK_CHANGED)
            return result
        finally:
            cache.forget()

    def handle_batch(
        self,
        messages: Sequence[Command],
        acting: Acting,
        carried: BatchUnit | None = None,
        *,
        outcome_only: bool = False,
    ) -> tuple[list[Any], BatchUnit]:
        """Run ``messages`` in order on one batch unit and commit it once; a lost race re-runs the
        batch from fresh state. Returns the results (fewer than the messages when a handler saved
        something that must be committed before the next one runs) and the committed unit, whose
        aggregates the next batch may start from. A refusal commits the commands before it and
        raises :class:`BatchRefusedError`. ``outcome_only``: see :attr:`Context.outcome_only`."""
        try:
            now = self.clock()
            handle = functools.partial(self.dispatch, acting=acting)
            contexts = [
                self.context(message, acting, now, handle, outcome_only=outcome_only) for message in messages
            ]
            attempts = iter(range(RETRY_ATTEMPTS_MAX))
            return retrying(
                lambda: self._batch_once(messages, contexts, carried if next(attempts) == 0 else None)
            )
        except STORE_FAILURES as error:
            raise store_error(error) from error

    def _batch_once(
        self, messages: Sequence[Command], contexts: list[Context], carried: BatchUnit | None
    ) -> tuple[list[Any], BatchUnit]:
        unit = BatchUnit(self.app, carried)
        unit.prefetch([created for message in messages for created in message.creates()])
        results: list[Any] = []
        for message, context in zip(messages, contexts, strict=True):
            try:
                results.append(self._handler(message)(unit, message, context))
            except LedgerError as error:
                index = len(results)
                committed = len(self.handle_batch(messages[:index], context.acting)[0]) if index else 0
                raise BatchRefusedError(index, error, committed) from error
            if unit.must_commit:
                break
        unit.commit()
        return results, unit
