"""What monthly statements are made of: every card movement with its position in the log.

Tables (``statements_`` prefix, beside the events):

- ``customers(customer PK, name, account_manager)`` and ``cards(card_id PK, customer, currency,
  opened_at)``: who a statement is for; ``cards`` is also the index of customers with a card that
  :func:`~ledger.commands.statement_book.issue_due_statements` walks (no scan of the log);
- ``lines(notification_id PK, customer, section, kind, effective_at, reference, description, hours,
  rate, amount, invoiceable)``: one row per change of a card's balance — a credit
  (``section='credit'``, its kind ``purchase``, ``top-up``, ``monthly`` …), invoice-free work
  (``work``: hours, rate, and the card's part as a negative ``amount``), a reversal (``work``, kind
  ``reversal``, positive), and any other deduction (``other``, e.g. an expiry write-off);
- ``issued(customer, month, number, closed_at, log_position)``: the statements issued so far.

Why its own lines rather than the balances view's movements: a statement needs the work's
description, hours and rate beside the money, and every row's ``notification_id``, because a
statement is computed from the rows with ``notification_id <= log_position`` of its issue — that is
what makes it reproducible byte for byte, whatever is recorded later.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.utils import get_topic

from ledger.aggregates.customer import Customer
from ledger.aggregates.settings import DatedSettings
from ledger.aggregates.statement_book import StatementBook
from ledger.aggregates.strippenkaart import Strippenkaart, booked_at
from ledger.aggregates.work_entry import WorkEntry
from ledger.domain.time import date_of
from ledger.domain.work import described
from ledger.projections.base import LedgerProjection
from ledger.projections.sql import ProjectionInvariantError, SQLiteView, SqlView

if TYPE_CHECKING:
    from uuid import UUID

ZERO = Decimal("0.00")
CREDIT = "credit"
WORK = "work"
OTHER = "other"
COVERED = "covered"
"""Work an entitlement paid (contract, beheerpack, on-site): no money moves, the value is shown."""
INVOICED = "invoiced"
"""Work the card did not pay at all: it is invoiced separately; the card's balance does not move."""
REVERSAL = "reversal"
LINE_COLUMNS = (
    "notification_id",
    "customer",
    "section",
    "kind",
    "effective_at",
    "reference",
    "description",
    "hours",
    "rate",
    "amount",
    "invoiceable",
)
"""The columns of ``{lines}``, in order."""
LATER_CREDIT = "later-credit"
"""A work line for late work's part paid from credit bought after it, at its booking moment."""
COVERING_PAYERS = ("servicedesk-contract", "beheerpack", "onsite")
STATEMENT_SETTING_PREFIXES = ("sender.", "statements.")


@dataclass(frozen=True)
class CardHolder:
    """A customer with a card: what a statement's heading needs."""

    customer: str
    name: str
    account_manager: str
    currency: str
    opened_at: datetime
    has_card: bool = True


CARDLESS_CURRENCY = "EUR"
"""The currency shown to a customer without a card (work is priced in the rate card's EUR)."""


@dataclass(frozen=True)
class CardLine:
    """One change of a card's balance; ``amount`` is signed (credit positive, use negative)."""

    notification_id: int
    section: str
    kind: str
    at: datetime
    reference: str
    description: str
    hours: Decimal | None
    rate: Decimal | None
    amount: Decimal
    invoiceable: Decimal


@dataclass(frozen=True)
class Reversal:
    """What a reversal line needs: the ticket, when it counts, what it gave back, and the note for
    the customer (never the internal reason)."""

    ticket: str
    at: datetime
    amount: Decimal
    note: str


@dataclass(frozen=True)
class BlockMove:
    """Credit into (+) or out of (−) one block: a credit, a debit's or a reversal's allocation,
    a write-off."""

    reference: str
    amount: Decimal
    at: datetime
    expires_at: datetime | None = None


@dataclass(frozen=True)
class BlockState:
    reference: str
    remaining: Decimal
    expires_at: datetime | None


@dataclass(frozen=True)
class PlanChange:
    """``set`` (amount, day, until), ``changed`` (amount) or ``stopped``, from ``at``."""

    action: str
    at: datetime
    amount: Decimal | None = None
    day: int | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class IssuedRecord:
    """An issued statement as the book recorded it."""

    customer: str
    month: str
    number: str
    closed_at: datetime
    log_position: int


class StatementsView(TrackingRecorder, ABC):
    """What the statements projection writes and what statements are computed from."""

    @abstractmethod
    def register_customer(
        self, customer: str, name: str, account_manager: str, tracking: Tracking
    ) -> None: ...

    @abstractmethod
    def open_card(
        self, card_id: UUID, customer: str, currency: str, at: datetime, tracking: Tracking
    ) -> None: ...

    @abstractmethod
    def add_line(
        self,
        card_id: UUID | None,
        customer: str | None,
        line: CardLine,
        tracking: Tracking,
        blocks: tuple[BlockMove, ...] = (),
        entry_id: UUID | None = None,
    ) -> None:
        """Add a line for the card (by id) or the customer's card (by slug), and what it moved in
        the card's blocks; ``entry_id``: the card-paid work entry the line is for."""

    @abstractmethod
    def add_unpaid_work(self, entry_id: UUID, customer: str, line: CardLine, tracking: Tracking) -> None:
        """A covered or invoiced work line, remembered by its work entry for a later reversal."""

    @abstractmethod
    def add_reversal(
        self,
        card_id: UUID | None,
        entry_id: UUID | None,
        reversal: Reversal,
        tracking: Tracking,
        blocks: tuple[BlockMove, ...] = (),
    ) -> None:
        """A work line undone: money back for card-paid work (by card id), or a covered or invoiced
        line cancelled (by work entry id; nothing if the entry was card-paid); hours and rate
        mirror the work line."""

    def prefetch_tickets(self, tickets: Sequence[tuple[UUID, str]]) -> None:
        """Read these (card, ticket) pairs' lines ahead of their reversals (default: nothing)."""

    @abstractmethod
    def record_issued(self, record: IssuedRecord, tracking: Tracking) -> None: ...

    @abstractmethod
    def move_blocks(self, card_id: UUID, moves: tuple[BlockMove, ...], tracking: Tracking) -> None:
        """Credit given to or taken from the card's blocks (by reference), for the forecast."""

    @abstractmethod
    def record_plan(self, card_id: UUID, change: PlanChange, tracking: Tracking) -> None:
        """A change of the card's monthly plan, for the forecast."""

    @abstractmethod
    def blocks_at(self, customer: str, at: datetime, known_at: int) -> list[BlockState]:
        """Each credit block's remainder just before ``at``, as known at ``known_at``."""

    @abstractmethod
    def plan_changes(self, customer: str, known_at: int) -> list[PlanChange]:
        """The card's monthly plan changes recorded at or before ``known_at``, in recording order."""

    @abstractmethod
    def record_setting(self, key: str, value: str, effective_at: datetime, tracking: Tracking) -> None:
        """A version of a setting a statement shows (the sender, the language)."""

    @abstractmethod
    def settings_known(self, at: datetime, known_at: int) -> dict[str, str]:
        """Each recorded setting's value in force at ``at``, as recorded at or before ``known_at``."""

    @abstractmethod
    def holder(self, customer: str) -> CardHolder | None:
        """The customer with a card, or a customer without one who has work lines (currency of
        that work, "opened" at the first line)."""

    @abstractmethod
    def previous_issued(self, customer: str, month: str) -> IssuedRecord | None:
        """The latest statement issued for a month before ``month``."""

    @abstractmethod
    def lines(self, customer: str, before: datetime, known_at: int) -> list[CardLine]:
        """The card's lines effective before ``before`` and recorded at or before ``known_at``,
        by effective time, then recording order."""

    @abstractmethod
    def issued(self, customer: str, month: str) -> IssuedRecord | None: ...

    @abstractmethod
    def due_candidates(self) -> list[tuple[CardHolder, str | None]]:
        """Every customer with a card or with work lines, and the latest month issued for them."""


class StatementsSql(StatementsView, SqlView):
    """The statements view in SQL, for any dialect."""

    table_names = ("customers", "cards", "lines", "issued", "unpaid", "settings", "blocks", "plans")
    table_statements = (
        "CREATE TABLE IF NOT EXISTS {customers} (customer TEXT PRIMARY KEY, name TEXT NOT NULL, "
        "account_manager TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {cards} (card_id TEXT PRIMARY KEY, customer TEXT NOT NULL UNIQUE, "
        "currency TEXT NOT NULL, opened_at {instant} NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {lines} (notification_id {bigint} PRIMARY KEY, customer TEXT NOT NULL, "
        "section TEXT NOT NULL, kind TEXT NOT NULL, effective_at {instant} NOT NULL, "
        "reference TEXT NOT NULL, description TEXT NOT NULL, hours {money}, rate {money}, "
        "amount {money} NOT NULL, invoiceable {money} NOT NULL)",
        "CREATE INDEX IF NOT EXISTS {prefix}_lines_by_customer ON {lines} (customer, effective_at)",
        # A reversal finds its work line (and its earlier parts) by reference: without this index
        # each one scanned all of the customer's lines, quadratic over a long history.
        "CREATE INDEX IF NOT EXISTS {prefix}_lines_by_reference ON {lines} (customer, reference)",
        "CREATE TABLE IF NOT EXISTS {issued} (customer TEXT NOT NULL, month TEXT NOT NULL, "
        "number TEXT NOT NULL, closed_at {instant} NOT NULL, log_position {bigint} NOT NULL, "
        "PRIMARY KEY (customer, month))",
        "CREATE TABLE IF NOT EXISTS {unpaid} (entry_id TEXT PRIMARY KEY, line_id {bigint} NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {settings} (notification_id {bigint} PRIMARY KEY, key TEXT NOT NULL, "
        "value TEXT NOT NULL, effective_at {instant} NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {blocks} (notification_id {bigint} NOT NULL, reference TEXT NOT NULL, "
        "customer TEXT NOT NULL, amount {money} NOT NULL, effective_at {instant} NOT NULL, "
        "expires_at {instant}, PRIMARY KEY (notification_id, reference))",
        "CREATE TABLE IF NOT EXISTS {plans} (notification_id {bigint} PRIMARY KEY, customer TEXT NOT NULL, "
        "action TEXT NOT NULL, amount {money}, day INTEGER, until {instant}, "
        "effective_at {instant} NOT NULL)",
    )

    def register_customer(self, customer: str, name: str, account_manager: str, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.defer(
                cursor, "INSERT INTO {customers} VALUES (%s, %s, %s)", (customer, name, account_manager)
            )

    def open_card(
        self, card_id: UUID, customer: str, currency: str, at: datetime, tracking: Tracking
    ) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.defer(
                cursor,
                "INSERT INTO {cards} VALUES (%s, %s, %s, %s)",
                (str(card_id), customer, currency, self.to_db_instant(at)),
            )

    def add_line(
        self,
        card_id: UUID | None,
        customer: str | None,
        line: CardLine,
        tracking: Tracking,
        blocks: tuple[BlockMove, ...] = (),
        entry_id: UUID | None = None,
    ) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            owner = customer if customer is not None else self._owner(cursor, card_id)
            self._insert(cursor, owner, line, tracking.notification_id)
            memo = self.batch_memo()
            if memo is not None and entry_id is not None:
                memo[("entry", str(entry_id))] = None  # seen in this batch, and no unpaid line
            self._move(cursor, owner, blocks, tracking.notification_id)
            if line.section == CREDIT and card_id is not None:
                # A purchase recorded later but effective earlier: the card holds credit since then.
                at = self.to_db_instant(line.at)
                self.execute(
                    cursor,
                    "UPDATE {cards} SET opened_at = %s WHERE card_id = %s AND opened_at > %s",
                    (at, str(card_id), at),
                )

    def add_unpaid_work(self, entry_id: UUID, customer: str, line: CardLine, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.defer(
                cursor, "INSERT INTO {unpaid} VALUES (%s, %s)", (str(entry_id), tracking.notification_id)
            )
            self._insert(cursor, customer, line, tracking.notification_id)
            memo = self.batch_memo()
            if memo is not None:
                memo[("entry", str(entry_id))] = memo[("line", tracking.notification_id)]

    def add_reversal(
        self,
        card_id: UUID | None,
        entry_id: UUID | None,
        reversal: Reversal,
        tracking: Tracking,
        blocks: tuple[BlockMove, ...] = (),
    ) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            # A work line written in this batch is newer than any stored one, and so is every
            # part of its reversal: the batch's memo then answers without reading.
            memo = self.batch_memo() or {}
            stored: list[Any] | None = None  # the ticket's lines read ahead (prefetch_tickets)
            if card_id is not None:
                owner = self._owner(cursor, card_id)
                work = memo.get(("work", owner, reversal.ticket))
                stored = memo.get(("stored", owner, reversal.ticket))
                if work is None and stored is not None:  # read before the batch wrote
                    work = max(
                        (r for r in stored if r["section"] == WORK and r["kind"] == WORK),
                        key=lambda r: int(r["notification_id"]),
                        default=None,
                    )
                    written = False
                elif work is None:
                    self.execute(
                        cursor,
                        "SELECT * FROM {lines} WHERE customer = %s AND reference = %s AND section = %s "
                        "AND kind = %s ORDER BY notification_id DESC",
                        (owner, reversal.ticket, WORK, WORK),
                    )
                    work = cursor.fetchone()
                    written = False
                else:
                    written = True
            elif ("entry", str(entry_id)) in memo:
                work, written = memo[("entry", str(entry_id))], True
            else:
                self.execute(
                    cursor,
                    "SELECT l.* FROM {unpaid} u JOIN {lines} l ON l.notification_id = u.line_id "
                    "WHERE u.entry_id = %s",
                    (str(entry_id),),
                )
                work, written = cursor.fetchone(), False
            if work is None:
                if card_id is None:  # card-paid work: the card's DebitReversed is its line
                    return
                msg = f"statements: reversal of ticket {reversal.ticket!r}, which the card never paid"
                raise ProjectionInvariantError(msg)
            owner = str(work["customer"])
            if written or stored is not None:
                parts = list(memo.get(("parts", owner, work["reference"], work["section"]), ()))
                if not written:  # the parts stored before the batch, and those it wrote
                    parts += [
                        int(r["notification_id"])
                        for r in stored or ()
                        if r["section"] == work["section"] and r["kind"] == REVERSAL
                    ]
                first_part = not any(part > work["notification_id"] for part in parts)
            else:
                self.execute(
                    cursor,
                    "SELECT COUNT(*) AS parts FROM {lines} WHERE customer = %s AND reference = %s "
                    "AND section = %s AND kind = %s AND notification_id > %s",
                    (owner, work["reference"], work["section"], REVERSAL, work["notification_id"]),
                )
                first_part = int(cursor.fetchone()["parts"]) == 0  # later parts: money only, no hours again
            hours = self.from_db_decimal(work["hours"])
            line = CardLine(
                tracking.notification_id,
                work["section"],
                REVERSAL,
                reversal.at,
                work["reference"],
                reversal.note,
                -hours if first_part else None,
                self.from_db_decimal(work["rate"]) if first_part else None,
                reversal.amount,
                ZERO,
            )
            self._insert(cursor, owner, line, tracking.notification_id)
            self._move(cursor, owner, blocks, tracking.notification_id)

    def record_issued(self, record: IssuedRecord, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.defer(
                cursor,
                "INSERT INTO {issued} VALUES (%s, %s, %s, %s, %s)",
                (
                    record.customer,
                    record.month,
                    record.number,
                    self.to_db_instant(record.closed_at),
                    record.log_position,
                ),
            )

    def move_blocks(self, card_id: UUID, moves: tuple[BlockMove, ...], tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self._move(cursor, self._owner(cursor, card_id), moves, tracking.notification_id)

    def _move(self, cursor: Any, owner: str, moves: tuple[BlockMove, ...], notification_id: int) -> None:
        merged: dict[str, BlockMove] = {}
        for move in moves:  # one row per block and event
            seen = merged.get(move.reference)
            amount = move.amount if seen is None else seen.amount + move.amount
            merged[move.reference] = BlockMove(move.reference, amount, move.at, move.expires_at)
        for move in merged.values():
            expires = None if move.expires_at is None else self.to_db_instant(move.expires_at)
            self.defer(
                cursor,
                "INSERT INTO {blocks} VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    notification_id,
                    move.reference,
                    owner,
                    self.to_db_decimal(move.amount),
                    self.to_db_instant(move.at),
                    expires,
                ),
            )

    def record_plan(self, card_id: UUID, change: PlanChange, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            owner = self._owner(cursor, card_id)
            self.defer(
                cursor,
                "INSERT INTO {plans} VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    tracking.notification_id,
                    owner,
                    change.action,
                    None if change.amount is None else self.to_db_decimal(change.amount),
                    change.day,
                    None if change.until is None else self.to_db_instant(change.until),
                    self.to_db_instant(change.at),
                ),
            )

    def blocks_at(self, customer: str, at: datetime, known_at: int) -> list[BlockState]:
        rows = self.query(
            "SELECT reference, SUM(amount) AS remaining, MAX(expires_at) AS expires_at FROM {blocks} "
            "WHERE customer = %s AND effective_at < %s AND notification_id <= %s "
            "GROUP BY reference ORDER BY reference",
            (customer, self.to_db_instant(at), known_at),
        )
        return [
            BlockState(
                row["reference"],
                self.from_db_decimal(row["remaining"]),
                None if row["expires_at"] is None else self.from_db_instant(row["expires_at"]),
            )
            for row in rows
        ]

    def plan_changes(self, customer: str, known_at: int) -> list[PlanChange]:
        rows = self.query(
            "SELECT * FROM {plans} WHERE customer = %s AND notification_id <= %s ORDER BY notification_id",
            (customer, known_at),
        )
        return [
            PlanChange(
                row["action"],
                self.from_db_instant(row["effective_at"]),
                None if row["amount"] is None else self.from_db_decimal(row["amount"]),
                None if row["day"] is None else int(row["day"]),
                None if row["until"] is None else self.from_db_instant(row["until"]),
            )
            for row in rows
        ]

    def record_setting(self, key: str, value: str, effective_at: datetime, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.defer(
                cursor,
                "INSERT INTO {settings} VALUES (%s, %s, %s, %s)",
                (tracking.notification_id, key, value, self.to_db_instant(effective_at)),
            )

    def settings_known(self, at: datetime, known_at: int) -> dict[str, str]:
        rows = self.query(
            "SELECT key, value FROM {settings} WHERE effective_at <= %s AND notification_id <= %s "
            "ORDER BY effective_at, notification_id",
            (self.to_db_instant(at), known_at),
        )
        return {row["key"]: row["value"] for row in rows}  # the latest version of each key wins

    def prefetch_tickets(self, tickets: Sequence[tuple[UUID, str]]) -> None:
        """The cards' owners and the stored lines of their tickets, read at once into the batch's
        memo for :meth:`add_reversal` (a card opened in this batch is read as before)."""
        memo = self.batch_memo()
        if memo is None or not tickets:
            return
        with self.transaction(commit=False) as cursor:
            cards = [(str(card_id),) for card_id, _ in tickets if ("owner", str(card_id)) not in memo]
            for row in self.select_matching(
                cursor, "SELECT card_id, customer FROM {cards} WHERE", ("card_id",), cards
            ):
                memo[("owner", str(row["card_id"]))] = str(row["customer"])
            keys = [
                (memo[("owner", str(card_id))], ticket)
                for card_id, ticket in tickets
                if ("owner", str(card_id)) in memo
            ]
            self.read_ahead(cursor, "stored", "SELECT * FROM {lines} WHERE", ("customer", "reference"), keys)

    def _owner(self, cursor: Any, card_id: UUID | None) -> str:
        """The card's customer (never changes once opened; kept in the batch's memo)."""
        memo = self.batch_memo()
        key = ("owner", str(card_id))
        if memo is not None and key in memo:
            return str(memo[key])
        self.execute(cursor, "SELECT customer FROM {cards} WHERE card_id = %s", (str(card_id),))
        row = cursor.fetchone()
        if row is None:
            msg = f"statements: a movement on card {card_id} that was never opened"
            raise ProjectionInvariantError(msg)
        if memo is not None:
            memo[key] = str(row["customer"])
        return str(row["customer"])

    def _insert(self, cursor: Any, customer: str, line: CardLine, notification_id: int) -> None:
        money = self.to_db_decimal
        values = (
            notification_id,
            customer,
            line.section,
            line.kind,
            self.to_db_instant(line.at),
            line.reference,
            line.description,
            None if line.hours is None else money(line.hours),
            None if line.rate is None else money(line.rate),
            money(line.amount),
            money(line.invoiceable),
        )
        self.defer(cursor, "INSERT INTO {lines} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", values)
        memo = self.batch_memo()
        if memo is None:
            return
        # What a reversal later in the batch reads of this line, kept so it need not read it back.
        row = dict(zip(LINE_COLUMNS, values, strict=True))
        memo[("line", notification_id)] = row
        if line.section == WORK and line.kind == WORK:
            memo[("work", customer, line.reference)] = row  # the newest, as it is the latest written
        elif line.kind == REVERSAL:
            memo.setdefault(("parts", customer, line.reference, line.section), []).append(notification_id)

    # --- reads ------------------------------------------------------------------------------------

    FIRST_LINE = "(SELECT MIN(l.effective_at) FROM {lines} l WHERE l.customer = c.customer) AS first_line "
    HOLDER = (
        "SELECT c.customer, u.name, u.account_manager, c.currency, c.opened_at, "
        + FIRST_LINE
        + "FROM {cards} c "
        "JOIN {customers} u ON u.customer = c.customer "
    )

    CARDLESS = (
        "SELECT u.customer, u.name, u.account_manager, "
        "(SELECT MIN(l.effective_at) FROM {lines} l WHERE l.customer = u.customer) AS opened_at "
        "FROM {customers} u WHERE NOT EXISTS (SELECT 1 FROM {cards} c WHERE c.customer = u.customer) "
    )

    def holder(self, customer: str) -> CardHolder | None:
        rows = self.query(self.HOLDER + "WHERE c.customer = %s", (customer,))
        if rows:
            return self._holder(rows[0])
        rows = self.query(self.CARDLESS + "AND u.customer = %s", (customer,))
        if not rows or rows[0]["opened_at"] is None:
            return None
        return self._holder(rows[0], cardless=True)

    def previous_issued(self, customer: str, month: str) -> IssuedRecord | None:
        rows = self.query(
            "SELECT * FROM {issued} WHERE customer = %s AND month < %s ORDER BY month DESC LIMIT 1",
            (customer, month),
        )
        return self._issued_record(rows[0]) if rows else None

    def _holder(self, row: Any, *, cardless: bool = False) -> CardHolder:
        """A customer's statements start at the card's opening or the first line, whichever is
        first (covered work before a card was bought is on statements too)."""
        opened_at = self.from_db_instant(row["opened_at"])
        first_line = (
            None if cardless or row["first_line"] is None else self.from_db_instant(row["first_line"])
        )
        return CardHolder(
            customer=row["customer"],
            name=row["name"],
            account_manager=row["account_manager"],
            currency=CARDLESS_CURRENCY if cardless else row["currency"],
            opened_at=opened_at if first_line is None else min(opened_at, first_line),
            has_card=not cardless,
        )

    def lines(self, customer: str, before: datetime, known_at: int) -> list[CardLine]:
        rows = self.query(
            "SELECT * FROM {lines} WHERE customer = %s AND effective_at < %s AND notification_id <= %s "
            "ORDER BY effective_at, notification_id",
            (customer, self.to_db_instant(before), known_at),
        )
        money = self.from_db_decimal
        return [
            CardLine(
                notification_id=int(row["notification_id"]),
                section=row["section"],
                kind=row["kind"],
                at=self.from_db_instant(row["effective_at"]),
                reference=row["reference"],
                description=row["description"],
                hours=None if row["hours"] is None else money(row["hours"]),
                rate=None if row["rate"] is None else money(row["rate"]),
                amount=money(row["amount"]),
                invoiceable=money(row["invoiceable"]),
            )
            for row in rows
        ]

    def issued(self, customer: str, month: str) -> IssuedRecord | None:
        rows = self.query("SELECT * FROM {issued} WHERE customer = %s AND month = %s", (customer, month))
        return self._issued_record(rows[0]) if rows else None

    def _issued_record(self, row: Any) -> IssuedRecord:
        return IssuedRecord(
            customer=row["customer"],
            month=row["month"],
            number=row["number"],
            closed_at=self.from_db_instant(row["closed_at"]),
            log_position=int(row["log_position"]),
        )

    def due_candidates(self) -> list[tuple[CardHolder, str | None]]:
        latest = "(SELECT MAX(i.month) FROM {issued} i WHERE i.customer = u.customer) AS latest "
        with_card = self.query(
            "SELECT c.customer, u.name, u.account_manager, c.currency, c.opened_at, "
            + self.FIRST_LINE
            + ", "
            + latest
            + "FROM {cards} c JOIN {customers} u ON u.customer = c.customer"
        )
        cardless = self.query(
            "SELECT * FROM (SELECT u.customer, u.name, u.account_manager, "
            "(SELECT MIN(l.effective_at) FROM {lines} l WHERE l.customer = u.customer) AS opened_at, "
            + latest
            + "FROM {customers} u WHERE NOT EXISTS (SELECT 1 FROM {cards} c WHERE c.customer = u.customer)"
            ") AS held WHERE opened_at IS NOT NULL"
        )
        found = [(self._holder(row), row["latest"]) for row in with_card]
        found += [(self._holder(row, cardless=True), row["latest"]) for row in cardless]
        return sorted(found, key=lambda pair: pair[0].customer)


class SQLiteStatementsView(StatementsSql, SQLiteView):
    """Statement lines in the SQLite file of the events."""


class StatementsProjection(LedgerProjection[StatementsView]):
    """Credits, invoice-free work, reversals and issued statements → statement lines.

    Expiry write-offs are lines of ``section='other'``: statements show them under "other changes".
    """

    name = "statements"
    topics = tuple(
        get_topic(cls)
        for cls in (
            Customer.Registered,
            Strippenkaart.Opened,
            Strippenkaart.Credited,
            Strippenkaart.Debited,
            Strippenkaart.DebitReversed,
            Strippenkaart.MonthlyPlanSet,
            Strippenkaart.MonthlyPlanChanged,
            Strippenkaart.MonthlyPlanStopped,
            Strippenkaart.Expired,
            WorkEntry.Recorded,
            WorkEntry.Reversed,
            StatementBook.Issued,
            DatedSettings.Changed,
        )
    )

    @singledispatchmethod
    def apply(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @apply.register(Customer.Registered)
    def _registered(self, event: Customer.Registered, tracking: Tracking) -> None:
        self.view.register_customer(event.slug, event.name, event.account_manager, tracking)

    @apply.register(Strippenkaart.Opened)
    def _opened(self, event: Strippenkaart.Opened, tracking: Tracking) -> None:
        self.view.open_card(event.originator_id, event.customer, event.currency, event.effective_at, tracking)

    @apply.register(Strippenkaart.Credited)
    def _credited(self, event: Strippenkaart.Credited, tracking: Tracking) -> None:
        line = CardLine(
            tracking.notification_id,
            CREDIT,
            event.kind,
            event.effective_at,
            event.reference,
            event.kind,
            None,
            None,
            event.amount,
            ZERO,
        )
        block = BlockMove(event.reference, event.amount, event.effective_at, event.expires_at)
        self.view.add_line(event.originator_id, None, line, tracking, (block,))

    @apply.register(Strippenkaart.Debited)
    def _debited(self, event: Strippenkaart.Debited, tracking: Tracking) -> None:
        """Which blocks paid (for the forecast's expiring credit); a line only for late work's part
        paid from later credit, at the moment it was booked (``description``: the work's date).
        The part paid at the work's own time is on the work entry's line."""
        blocks = _allocations(event.allocations, -1, event.effective_at)
        if event.effective_at == event.work_at:
            self.view.move_blocks(event.originator_id, blocks, tracking)
            return
        line = CardLine(
            tracking.notification_id,
            WORK,
            LATER_CREDIT,
            event.effective_at,
            event.ticket,
            date_of(event.work_at),
            None,
            None,
            -event.amount,
            ZERO,
        )
        self.view.add_line(event.originator_id, None, line, tracking, blocks)

    @apply.register(Strippenkaart.MonthlyPlanSet)
    def _plan_set(self, event: Strippenkaart.MonthlyPlanSet, tracking: Tracking) -> None:
        change = PlanChange("set", event.effective_at, event.amount, event.day, event.until)
        self.view.record_plan(event.originator_id, change, tracking)

    @apply.register(Strippenkaart.MonthlyPlanChanged)
    def _plan_changed(self, event: Strippenkaart.MonthlyPlanChanged, tracking: Tracking) -> None:
        self.view.record_plan(
            event.originator_id, PlanChange("changed", event.effective_at, event.amount), tracking
        )

    @apply.register(Strippenkaart.MonthlyPlanStopped)
    def _plan_stopped(self, event: Strippenkaart.MonthlyPlanStopped, tracking: Tracking) -> None:
        self.view.record_plan(event.originator_id, PlanChange("stopped", event.effective_at), tracking)

    @apply.register(WorkEntry.Recorded)
    def _work(self, event: WorkEntry.Recorded, tracking: Tracking) -> None:
        if event.card_paid <= ZERO:
            self.view.add_unpaid_work(
                event.originator_id, event.customer, _unpaid_line(event, tracking), tracking
            )
            return
        # What the card paid at the work's own time; late work's part paid from later credit is
        # a line of its own at the moment it was booked (see ``_debited``).
        own = sum(
            (
                a["amount"]
                for a in event.allocations
                if booked_at(a, event.effective_at) == event.effective_at
            ),
            ZERO,
        )
        line = CardLine(
            tracking.notification_id,
            WORK,
            WORK,
            event.effective_at,
            event.ticket,
            described(event.description, event.engineer),
            event.billed_hours,
            event.rate,
            -own,
            event.invoiceable,
        )
        self.view.add_line(None, event.customer, line, tracking, entry_id=event.originator_id)

    def prefetch(self, events: Sequence[Any]) -> None:
        reversals = [event for event in events if type(event) is Strippenkaart.DebitReversed]
        self.view.prefetch_tickets([(event.originator_id, event.ticket) for event in reversals])

    @apply.register(Strippenkaart.DebitReversed)
    def _reversed(self, event: Strippenkaart.DebitReversed, tracking: Tracking) -> None:
        reversal = Reversal(event.ticket, event.effective_at, event.amount, _note(event))
        blocks = _allocations(event.allocations, 1, event.effective_at)
        self.view.add_reversal(event.originator_id, None, reversal, tracking, blocks)

    @apply.register(WorkEntry.Reversed)
    def _work_reversed(self, event: WorkEntry.Reversed, tracking: Tracking) -> None:
        """Only covered or invoiced work: a card-paid entry's reversal is the card's DebitReversed."""
        reversal = Reversal("", event.effective_at, ZERO, _note(event))
        self.view.add_reversal(None, event.originator_id, reversal, tracking)

    @apply.register(Strippenkaart.Expired)
    def _expired(self, event: Strippenkaart.Expired, tracking: Tracking) -> None:
        line = CardLine(
            tracking.notification_id,
            OTHER,
            "expiry",
            event.effective_at,
            event.reference,
            "expired credit written off",
            None,
            None,
            -event.amount,
            ZERO,
        )
        block = BlockMove(event.reference, -event.amount, event.effective_at)
        self.view.add_line(event.originator_id, None, line, tracking, (block,))

    @apply.register(DatedSettings.Changed)
    def _setting(self, event: DatedSettings.Changed, tracking: Tracking) -> None:
        """Settings a statement shows, read from the log itself (a projection never asks the write
        side), with their log position: an issued statement shows them as known when it was issued."""
        if event.key.startswith(STATEMENT_SETTING_PREFIXES):
            self.view.record_setting(event.key, event.value, event.effective_at, tracking)
        else:
            self.view.insert_tracking(tracking)

    @apply.register(StatementBook.Issued)
    def _issued(self, event: StatementBook.Issued, tracking: Tracking) -> None:
        record = IssuedRecord(event.customer, event.month, event.number, event.closed_at, event.log_position)
        self.view.record_issued(record, tracking)


def _allocations(allocations: list[dict[str, Any]], sign: int, at: datetime) -> tuple[BlockMove, ...]:
    return tuple(BlockMove(str(a["reference"]), sign * Decimal(a["amount"]), at) for a in allocations)


def _note(event: Any) -> str:
    """The customer-facing note of a reversal ('' for none): the internal ``reason`` never shows."""
    note = getattr(event, "note", None)
    return note.strip() if isinstance(note, str) else ""


def _unpaid_line(event: WorkEntry.Recorded, tracking: Tracking) -> CardLine:
    """Work the card did not pay: covered (with the entitlement's name in ``kind``) or invoiced."""
    if event.payer in COVERING_PAYERS:
        section, kind = COVERED, f"{event.payer}:{_covering_name(event)}"
    else:
        section, kind = INVOICED, event.payer
    return CardLine(
        tracking.notification_id,
        section,
        kind,
        event.effective_at,
        event.ticket,
        described(event.description, event.engineer),
        event.billed_hours,
        event.rate,
        ZERO,
        event.invoiceable,
    )


def _covering_name(event: WorkEntry.Recorded) -> str:
    """The contract tier, beheerpack or focus area that covered the work, as recorded on the entry."""
    found = event.entitlements
    if event.payer == "servicedesk-contract":
        return str(found.get("contract_tier") or "")
    if event.payer == "beheerpack":
        return str(found.get("beheerpack") or "")
    return str(found.get("focus") or "")
