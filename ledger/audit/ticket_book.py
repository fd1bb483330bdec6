"""What the invariant replay keeps per ticket, in a scratch SQLite database beside a bounded cache.

Why not a dict: a card's debits per ticket and each work entry's ``card_paid`` must be kept for the
whole log (a reversal may come years after its debit, and entries are checked against the debits
at the end), so in memory they grew with the log: most of ``audit verify``'s peak. Here at most
:data:`CACHED_MAX` of each are held; the rest wait in a private temporary database (on disk, read
through SQLite's small page cache), removed when the replay ends. A store whose events are
encrypted keeps it in memory instead: nothing decrypted may reach the disk.

Amounts are kept as the text of their ``Decimal`` (exact, exponent included), so what the replay
reads back is the value it wrote.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from decimal import Decimal

CACHED_MAX = 20_000
"""Tickets (and, apart, work entries) held in memory at once; beyond, the oldest go to the database."""

PAGE_CACHE_KIB = 16_384
"""SQLite's page cache for it: bounded, and big enough that spilling does not wait on the disk.
No journal and no flushes: the database is this run's own and is thrown away (nothing to recover)."""

TicketMoney = tuple[Decimal | None, Decimal]
"""A ticket on one card: what its debits took (``None``: no debit yet), and that net of reversals."""


def _key(value: object) -> bytes:
    """Text as UTF-8 (lone surrogates kept, so any decoded string fits), which sorts bytewise in the
    order Python sorts the text; anything else by its ``repr``, marked apart."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return b"\xff" + repr(value).encode("utf-8", "surrogatepass")


def _unkey(key: bytes) -> str:
    return (
        key.decode("utf-8", "surrogatepass")
        if key[:1] != b"\xff"
        else key[1:].decode("utf-8", "surrogatepass")
    )


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def _amount(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


class TicketBook:
    """Per (card, ticket) its money, per (customer, entry) what the entry says the card paid."""

    def __init__(self, *, private: bool) -> None:
        self.database = sqlite3.connect(":memory:" if private else "")
        self.database.executescript(
            f"""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -{PAGE_CACHE_KIB};
            CREATE TABLE tickets (card INTEGER, ticket BLOB, taken TEXT, net TEXT,
                                  PRIMARY KEY (card, ticket));
            CREATE TABLE paid (customer BLOB, entry BLOB, amount TEXT, PRIMARY KEY (customer, entry));
            CREATE TABLE cards (card INTEGER PRIMARY KEY, customer BLOB, rank INTEGER);
            CREATE INDEX cards_by_customer ON cards (customer, rank);
            """
        )
        self.tickets: dict[tuple[int, object], TicketMoney] = {}
        self.paid: dict[tuple[object, object], Decimal] = {}
        self.spilled = False

    def ticket(self, card: int, ticket: str) -> TicketMoney | None:
        found = self.tickets.get((card, ticket))
        if found is not None or not self.spilled:
            return found
        row = self.database.execute(
            "SELECT taken, net FROM tickets WHERE card = ? AND ticket = ?", (card, _key(ticket))
        ).fetchone()
        return None if row is None else (_amount(row[0]), Decimal(row[1]))

    def set_ticket(self, card: int, ticket: str, money: TicketMoney) -> None:
        self.tickets[(card, ticket)] = money
        if len(self.tickets) >= CACHED_MAX:
            self._spill()

    def set_paid(self, customer: object, entry: object, amount: Decimal) -> None:
        self.paid[(customer, entry)] = amount
        if len(self.paid) >= CACHED_MAX:
            self._spill()

    def _spill(self) -> None:
        with self.database:
            self.database.executemany(
                "INSERT OR REPLACE INTO tickets VALUES (?, ?, ?, ?)",
                (
                    (card, _key(ticket), _text(taken), str(net))
                    for (card, ticket), (taken, net) in self.tickets.items()
                ),
            )
            self.database.executemany(
                "INSERT OR REPLACE INTO paid VALUES (?, ?, ?)",
                (
                    (_key(customer), _key(entry), str(amount))
                    for (customer, entry), amount in self.paid.items()
                ),
            )
        self.tickets.clear()
        self.paid.clear()
        self.spilled = True

    def paid_against_taken(
        self, cards: Sequence[tuple[int, object]]
    ) -> Iterator[tuple[str, str, Decimal, Decimal | None]]:
        """Each entry's (customer, entry, paid, taken), ordered by customer then entry.

        ``cards`` are the cards still open in the replay, as (card, customer), in the order they
        were first opened; when two cards of one customer took for the same entry, the later one's
        debit is the one compared (as a dict of customer and entry built card by card would have it).
        """
        self._spill()
        with self.database:
            self.database.execute("DELETE FROM cards")
            self.database.executemany(
                "INSERT INTO cards VALUES (?, ?, ?)",
                ((card, _key(customer), rank) for rank, (card, customer) in enumerate(cards)),
            )
        rows = self.database.execute(
            """
            SELECT p.customer, p.entry, p.amount,
                   (SELECT t.taken FROM cards c CROSS JOIN tickets t ON t.card = c.card
                    WHERE c.customer = p.customer AND t.ticket = p.entry AND t.taken IS NOT NULL
                    ORDER BY c.rank DESC LIMIT 1)
            FROM paid p ORDER BY p.customer, p.entry
            """
        )
        for customer, entry, amount, taken in rows:
            yield _unkey(customer), _unkey(entry), Decimal(amount), _amount(taken)

    def close(self) -> None:
        self.database.close()
