"""The alerts' delivery outbox: one row per (alert, channel), written with the alert, kept by rebuilds.

Why in the alerts view's transaction: an alert and the deliveries it needs commit together with
the view's tracking position, so no alert is ever raised without its deliveries, and none is asked
for twice (the rows' ids derive from the alert id and the channel, and are inserted with ``ON
CONFLICT DO NOTHING``). A rebuild empties the view's tables but keeps this one: it re-inserts the
same ids, which are already there, delivered or not, so a rebuild never sends again.

Delivery state (attempts, claim, last error, delivered at) is operational, not a fact of the
ledger: it lives only here, changed by ``ledger notify`` (see :mod:`ledger.notify.deliver`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.domain.results import JsonResult
from ledger.domain.time import EARLIEST

if TYPE_CHECKING:
    from collections.abc import Sequence

PENDING = "pending"
DELIVERED = "delivered"
DEAD = "dead"
EMAIL = "email"
WEBHOOK = "webhook"
DELIVERY_ID_PREFIX = "dl-"
ERROR_LENGTH_MAX = 500

OUTBOX_STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS {outbox} (delivery_id TEXT PRIMARY KEY, alert_id TEXT NOT NULL, "
    "channel TEXT NOT NULL, target TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, "
    "next_attempt_at {instant} NOT NULL, claimed_until {instant}, last_error TEXT, "
    "delivered_at {instant}, raised_at {instant} NOT NULL, notification_id {bigint} NOT NULL)",
    "CREATE INDEX IF NOT EXISTS {prefix}_outbox_by_status ON {outbox} (status, next_attempt_at)",
)


def delivery_id(alert_id: str, channel: str, target: str) -> str:
    """The delivery's id, also its idempotency id: the same for the same alert and channel, always."""
    key = f"{alert_id}\x1f{channel}\x1f{target}".encode()
    return DELIVERY_ID_PREFIX + hashlib.sha256(key).hexdigest()[:16]


@dataclass(frozen=True)
class Delivery(JsonResult):
    """One alert to one channel (``email``: the account manager; ``webhook``: a URL)."""

    id: str
    alert_id: str
    channel: str
    target: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    delivered_at: datetime | None
    raised_at: datetime


class OutboxSql:
    """Outbox reads and writes, mixed into the alerts view (which provides the SQL helpers)."""

    if TYPE_CHECKING:

        def execute(self, cursor: Any, text: str, params: Sequence[Any] = ()) -> None: ...
        def query(self, text: str, params: Sequence[Any] = ()) -> list[Any]: ...
        def transaction(self, *, commit: bool) -> Any: ...
        def to_db_instant(self, value: datetime) -> Any: ...
        def from_db_instant(self, value: Any) -> datetime: ...

    def enqueue(
        self, cursor: Any, alert_id: str, channel: str, target: str, at: datetime, position: int
    ) -> None:
        """Ask for one delivery (inside the alert's transaction); asking again is a no-op."""
        self.execute(
            cursor,
            "INSERT INTO {outbox} (delivery_id, alert_id, channel, target, status, attempts, "
            "next_attempt_at, raised_at, notification_id) VALUES (%s, %s, %s, %s, %s, 0, %s, %s, %s) "
            "ON CONFLICT (delivery_id) DO NOTHING",
            (
                delivery_id(alert_id, channel, target),
                alert_id,
                channel,
                target,
                PENDING,
                self.to_db_instant(EARLIEST),  # due at once, whatever the deliverer's clock says
                self.to_db_instant(at),
                position,
            ),
        )

    def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries whose next attempt is due and that no live deliverer has claimed."""
        instant = self.to_db_instant(now)
        rows = self.query(
            "SELECT * FROM {outbox} WHERE status = %s AND next_attempt_at <= %s "
            "AND (claimed_until IS NULL OR claimed_until < %s) "
            "ORDER BY notification_id, delivery_id LIMIT %s",
            (PENDING, instant, instant, limit),
        )
        return [self._delivery(row) for row in rows]

    def claim(self, ids: Sequence[str], now: datetime, until: datetime) -> list[Delivery]:
        """Claim pending deliveries that are due and unclaimed, until ``until``; those this caller
        got, as they stand now (a racing deliverer gets the others, and one that failed meanwhile
        waits for its next attempt). A deliverer killed mid-send loses its claim when ``until``
        passes."""
        claimed: list[Delivery] = []
        instant = self.to_db_instant(now)
        with self.transaction(commit=True) as cursor:
            for each in ids:
                self.execute(
                    cursor,
                    "UPDATE {outbox} SET claimed_until = %s WHERE delivery_id = %s AND status = %s "
                    "AND next_attempt_at <= %s AND (claimed_until IS NULL OR claimed_until < %s) "
                    "RETURNING *",
                    (self.to_db_instant(until), each, PENDING, instant, instant),
                )
                claimed.extend(self._delivery(row) for row in cursor.fetchall())
        return claimed

    def mark_delivered(self, ids: Sequence[str], at: datetime) -> None:
        with self.transaction(commit=True) as cursor:
            for each in ids:
                self.execute(
                    cursor,
                    "UPDATE {outbox} SET status = %s, delivered_at = %s, attempts = attempts + 1, "
                    "claimed_until = NULL WHERE delivery_id = %s AND status = %s",
                    (DELIVERED, self.to_db_instant(at), each, PENDING),
                )

    def mark_failed(self, ids: Sequence[str], error: str, next_attempt_at: datetime, *, dead: bool) -> None:
        with self.transaction(commit=True) as cursor:
            for each in ids:
                self.execute(
                    cursor,
                    "UPDATE {outbox} SET status = %s, last_error = %s, attempts = attempts + 1, "
                    "next_attempt_at = %s, claimed_until = NULL WHERE delivery_id = %s AND status = %s",
                    (
                        DEAD if dead else PENDING,
                        error[:ERROR_LENGTH_MAX],
                        self.to_db_instant(next_attempt_at),
                        each,
                        PENDING,
                    ),
                )

    def requeue(self, ids: Sequence[str], now: datetime) -> list[str]:
        """Dead or pending deliveries back to pending, due now, attempts from zero; those found.

        A claim stays: a delivery being sent right now is not handed to a second deliverer (it is
        recorded as delivered, or fails and waits again, by the deliverer that holds it)."""
        found = []
        with self.transaction(commit=True) as cursor:
            for each in ids:
                self.execute(
                    cursor,
                    "UPDATE {outbox} SET status = %s, attempts = 0, next_attempt_at = %s "
                    "WHERE delivery_id = %s AND status <> %s RETURNING delivery_id",
                    (PENDING, self.to_db_instant(now), each, DELIVERED),
                )
                if cursor.fetchall():
                    found.append(each)
        return found

    def deliveries(self, status: str | None = None, limit: int = 1000) -> list[Delivery]:
        where, params = ("WHERE status = %s ", [status]) if status is not None else ("", [])
        rows = self.query(
            "SELECT * FROM {outbox} " + where + "ORDER BY notification_id, delivery_id LIMIT %s",
            [*params, limit],
        )
        return [self._delivery(row) for row in rows]

    def delivery(self, delivery_id_: str) -> Delivery | None:
        rows = self.query("SELECT * FROM {outbox} WHERE delivery_id = %s", (delivery_id_,))
        return self._delivery(rows[0]) if rows else None

    def delivery_counts(self) -> dict[str, int]:
        rows = self.query("SELECT status, channel, COUNT(*) AS n FROM {outbox} GROUP BY status, channel")
        return {f"{row['channel']}:{row['status']}": int(row["n"]) for row in rows}

    def _delivery(self, row: Any) -> Delivery:
        delivered_at = row["delivered_at"]
        return Delivery(
            id=row["delivery_id"],
            alert_id=row["alert_id"],
            channel=row["channel"],
            target=row["target"],
            status=row["status"],
            attempts=int(row["attempts"]),
            next_attempt_at=self.from_db_instant(row["next_attempt_at"]),
            last_error=row["last_error"],
            delivered_at=None if delivered_at is None else self.from_db_instant(delivered_at),
            raised_at=self.from_db_instant(row["raised_at"]),
        )
