"""The ledger's invariants, checked by replaying the stored events themselves (no projections).

- no card balance ever below zero, and every event's stated ``balance_after`` is the running one;
- what reversals give back for a work entry is never more than that entry's debits took;
- credited − debited − expired = balance on every card, as the card aggregate loads it;
- a work entry's ``card_paid`` + ``invoiceable`` = ``amount`` (both zero when another entitlement
  paid), and what it says the card paid is what the card's debits for that entry took.

Card money is summed generically: every card event that states a ``balance_after`` moves one of
the card's three totals by its ``amount``, by kind (:data:`CARD_MOVEMENTS`). A kind of money event
the verifier was not taught is itself a finding, so a new event can never pass unchecked.

Memory stays bounded on any log: a small tally per card, the last :data:`KINDS_CACHED_MAX`
aggregates' kinds (a forgotten one is read again from its first stored event), and the money per
ticket and per work entry in a :class:`~ledger.audit.ticket_book.TicketBook`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.aggregates.strippenkaart import LedgerInvariantError, Strippenkaart
from ledger.aggregates.work_entry import WorkEntry
from ledger.audit.log import UNREADABLE, aggregate_type, event_type, notifications, originator
from ledger.audit.ticket_book import TicketBook
from ledger.domain.payer import Payer
from ledger.persistence.recorded import RecordedTimes

if TYPE_CHECKING:
    from eventsourcing.persistence import AggregateRecorder, Mapper, Notification

    from ledger.audit.findings import Findings
    from ledger.eventstore.application import LedgerApplication

INVARIANT = "invariant"
RECORDED = "recorded"
"""Recorded times (stamped under the write lock) must rise with the log position."""
ZERO = Decimal("0.00")
CARD_PAYERS = frozenset({Payer.STRIPPENKAART.value, Payer.INVOICE.value})

CARD_MOVEMENTS: dict[str, tuple[str, int]] = {
    "Credited": ("credited", 1),
    "Debited": ("debited", 1),
    "DebitReversed": ("debited", -1),
    "Expired": ("expired", 1),
}
"""Which total a card event's ``amount`` moves, and which way (by the event class's name)."""
KINDS_CACHED_MAX = 50_000
"""Aggregates whose kind the replay remembers; an older one's is read again from the store."""
HISTORY_PAGE = 50


@dataclass
class CardTally:
    """One card as its events add up, position by position."""

    customer: str
    number: int
    """This tally's key in the ticket book (a card opened again starts a tally, and tickets, anew)."""
    credited: Decimal = ZERO
    debited: Decimal = ZERO
    expired: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        return self.credited - self.debited - self.expired


@dataclass
class InvariantCheck:
    """What the replay covered."""

    events: int = 0
    cards: int = 0
    work_entries: int = 0


class AggregateKinds:
    """Each aggregate's kind, from its first readable event: a later event of another kind is forged.

    The newest :data:`KINDS_CACHED_MAX` are remembered (least recently seen out first); for another
    one the aggregate's earlier events are read from the store, in version order, up to the first
    that decodes."""

    def __init__(self, recorder: AggregateRecorder, mapper: Mapper[UUID]) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.known: OrderedDict[UUID, str] = OrderedDict()

    def first(self, aggregate_id: UUID, version: int, kind: str) -> str:
        """The kind of the aggregate's first readable event (``kind`` when this is that event)."""
        first = self.known.get(aggregate_id)
        if first is None:
            first = self._stored(aggregate_id, version) if version > 1 else None
            first = kind if first is None else first
            self.known[aggregate_id] = first
            if len(self.known) > KINDS_CACHED_MAX:
                self.known.popitem(last=False)
        else:
            self.known.move_to_end(aggregate_id)
        return first

    def _stored(self, aggregate_id: UUID, before: int) -> str | None:
        version = 0
        while version < before - 1:
            page = self.recorder.select_events(aggregate_id, gt=version, lte=before - 1, limit=HISTORY_PAGE)
            for stored in page:
                try:
                    return aggregate_type(self.mapper.to_domain_event(stored))
                except UNREADABLE:
                    continue
            if len(page) < HISTORY_PAGE:
                return None
            version = page[-1].originator_version
        return None


class InvariantReplay:
    """Replays the log once, in order, and reports each broken invariant where it first shows."""

    def __init__(self, findings: Findings, book: TicketBook, kinds: AggregateKinds) -> None:
        self.findings = findings
        self.book = book
        self.cards: dict[UUID, CardTally] = {}
        self.kinds = kinds
        self.unreadable: set[UUID] = set()
        """Aggregates with an event that cannot be read: their sums are not checked again."""
        self.summary = InvariantCheck()

    def problem(self, position: int | None, message: str) -> None:
        self.findings.problem(INVARIANT, position, message)

    def apply(self, position: int, aggregate_id: UUID, event: object) -> None:
        if isinstance(event, Strippenkaart.Opened):
            self.cards[aggregate_id] = CardTally(event.customer, self.summary.events)
        elif isinstance(event, Strippenkaart.Event) and hasattr(event, "balance_after"):
            self._card_event(position, aggregate_id, event)
        elif isinstance(event, WorkEntry.Recorded):
            self._work_entry(position, event)

    def _card_event(self, position: int, card_id: UUID, event: Any) -> None:
        kind = type(event).__name__
        tally = self.cards.get(card_id)
        if tally is None:
            self.problem(position, f"card {card_id}: {kind} before the card was opened")
            return
        if card_id in self.unreadable:
            return
        where = f"card of {tally.customer!r}"
        movement = CARD_MOVEMENTS.get(kind)
        amount = getattr(event, "amount", None)
        if movement is None or not isinstance(amount, Decimal):
            self.problem(position, f"{where}: {kind} moves money in a way the verifier does not know")
            self.unreadable.add(card_id)
            return
        total, sign = movement
        setattr(tally, total, getattr(tally, total) + sign * amount)
        # What a debit belongs to: its work entry's key (many entries may share a ticket).
        entry = getattr(event, "entry", None) or getattr(event, "ticket", None)
        if total == "debited" and isinstance(entry, str):
            self._ticket(position, tally, entry, sign * amount)
        if tally.balance < ZERO:
            self.problem(position, f"{where}: balance {tally.balance} is below zero")
        if event.balance_after != tally.balance:
            self.problem(
                position,
                f"{where}: the event states balance {event.balance_after}, "
                f"credited − debited − expired is {tally.balance}",
            )

    def _ticket(self, position: int, tally: CardTally, ticket: str, amount: Decimal) -> None:
        """A debit (``amount`` > 0) or reversal (< 0) of one ticket: never more back than taken."""
        money = self.book.ticket(tally.number, ticket)
        taken, net = money if money is not None else (None, ZERO)
        net = net + amount
        if amount > ZERO:
            taken = (ZERO if taken is None else taken) + amount
        elif taken is None:
            self.problem(
                position, f"card of {tally.customer!r}: reversal of ticket {ticket!r} names no recorded debit"
            )
        elif net < ZERO:
            self.problem(
                position,
                f"card of {tally.customer!r}: reversals of {ticket!r} give back {-amount} more than "
                f"its debits took (net {net})",
            )
        self.book.set_ticket(tally.number, ticket, (taken, net))

    def _work_entry(self, position: int, event: WorkEntry.Recorded) -> None:
        self.summary.work_entries += 1
        split = event.card_paid + event.invoiceable
        covered_elsewhere = split == ZERO and event.payer not in CARD_PAYERS
        if split != event.amount and not covered_elsewhere:
            self.problem(
                position,
                f"work {event.customer!r}/{event.ticket!r}: card {event.card_paid} + invoice "
                f"{event.invoiceable} is not the amount {event.amount}",
            )
        if event.card_paid > ZERO:
            entry = getattr(event, "entry", None) or event.ticket
            self.book.set_paid(event.customer, entry, event.card_paid)

    def finish(self, app: LedgerApplication) -> None:
        """Cross-checks that need the whole log: entries against card debits, cards as loaded."""
        cards = [(tally.number, tally.customer) for tally in self.cards.values()]
        for customer, ticket, paid, taken in self.book.paid_against_taken(cards):
            if taken != paid:
                self.problem(
                    None,
                    f"work {customer!r}/{ticket!r}: says the card paid {paid}, the card's debit is {taken}",
                )
        for card_id, tally in self.cards.items():
            if card_id not in self.unreadable:
                self._compare_loaded(app, card_id, tally)
        self.summary.cards = len(self.cards)

    def _compare_loaded(self, app: LedgerApplication, card_id: UUID, tally: CardTally) -> None:
        try:
            card = app.get_or_none(card_id, Strippenkaart)
        except (LedgerInvariantError, AttributeError, *UNREADABLE) as error:
            self.problem(None, f"card of {tally.customer!r} cannot be loaded: {error}")
            return
        if card is None:
            return
        loaded = (card.credited, card.debited, card.expired, card.balance)
        replayed = (tally.credited, tally.debited, tally.expired, tally.balance)
        if loaded != replayed:
            self.problem(
                None,
                f"card of {tally.customer!r}: loads as credited/debited/expired/balance {loaded}, "
                f"its events add up to {replayed}",
            )


def check_invariants(app: LedgerApplication, findings: Findings) -> InvariantCheck:
    """Replay every stored event once; an unreadable one is itself a problem."""
    with InvariantPass(app, findings) as replay:
        return replay.rest()


class InvariantPass:
    """The replay fed record by record, in log order: by :meth:`rest` from the store, or by a
    reader that decodes the log for something else too (``audit verify``'s view rebuild) and
    hands each record and its event here first, so the log is read and decoded once."""

    def __init__(self, app: LedgerApplication, findings: Findings) -> None:
        self.app = app
        self.book = TicketBook(private=getattr(app.mapper, "cipher", None) is not None)
        self.replay = InvariantReplay(findings, self.book, AggregateKinds(app.recorder, app.mapper))
        self.stamped = RecordedTimes(app.recorder)
        self.latest: datetime | None = None
        self.position = 0
        """The last position fed."""

    def __enter__(self) -> InvariantPass:
        return self

    def __exit__(self, *_: object) -> None:
        self.book.close()

    def decode(self, record: Notification) -> object:
        """The record's event, or the error that says why it cannot be read."""
        try:
            return self.app.mapper.to_domain_event(record)
        except Exception as error:
            return error

    def rest(self) -> InvariantCheck:
        """Feed every record after the last one fed, then the checks that need the whole log."""
        for record in notifications(self.app.recorder, after=self.position):
            self.feed(record, self.decode(record))
        self.replay.finish(self.app)
        return self.replay.summary

    def feed(self, record: Notification, event: object) -> None:
        """One record in log order and its decoded event (an exception: it could not be decoded)."""
        replay, findings = self.replay, self.replay.findings
        self.position = record.id
        replay.summary.events += 1
        recorded = self.stamped.at(record.id)
        if recorded is not None:
            if self.latest is not None and recorded < self.latest:
                message = (
                    f"position {record.id}: recorded at {recorded.isoformat()}, before an earlier position"
                )
                findings.problem(RECORDED, record.id, message)
            self.latest = recorded if self.latest is None else max(self.latest, recorded)
        if isinstance(event, UNREADABLE):
            replay.problem(record.id, f"position {record.id}: the stored event cannot be read: {event}")
            replay.unreadable.add(originator(record))
            return
        if isinstance(event, Exception):  # not a damaged record: the replay cannot go on
            raise event
        aggregate_id = originator(record)
        kind = aggregate_type(event)
        first_kind = replay.kinds.first(aggregate_id, record.originator_version, kind)
        if kind != first_kind:
            message = f"position {record.id}: a {event_type(event)} in the history of a {first_kind}"
            replay.problem(record.id, message)
            replay.unreadable.add(aggregate_id)
            return
        try:
            replay.apply(record.id, aggregate_id, event)
        except (AttributeError, ArithmeticError, *UNREADABLE) as error:
            # A record whose topic was rewritten decodes as another kind, without its fields.
            message = f"position {record.id}: {type(event).__qualname__} lacks what its kind has: {error}"
            replay.problem(record.id, message)
            replay.unreadable.add(originator(record))
