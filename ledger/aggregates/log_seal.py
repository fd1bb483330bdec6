"""The log seal: a hash chain over the stored event log, kept in the log itself.

One per deployment. Each seal hashes the stored bytes of every record since the previous seal into
the chain, so a later seal also covers the earlier seal events: rewriting history means rewriting
every seal after it, and a signed head cannot be rewritten without the key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from ledger.aggregates.ids import natural_id
from ledger.aggregates.record import Record

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

GENESIS_HEAD = "0" * 64
"""The link before the first record: the chain starts from nothing."""


class LogSeal(Record):
    """The deployment's chain of seals over its stored event log."""

    class Started(Record.Created):
        """Sealing began for this deployment's log; the chain starts at the genesis head."""

    class Sealed(Record.Event):
        """Stored records ``from_position``..``to_position`` were hashed into the chain.

        ``head`` is the chain's last link, continuing from ``previous_head`` (the previous seal's
        head). ``positions`` (runs of ``[first, last]``) and ``digests`` (a short digest of each
        record, in order) let verification name the first record that no longer matches.
        ``hmac`` signs the seal when a key was configured (``signed``).
        """

        from_position: int
        to_position: int
        record_count: int
        previous_head: str
        head: str
        positions: list[list[int]]
        digests: str
        signed: bool
        hmac: str | None

    @staticmethod
    def create_id() -> UUID:
        return natural_id("log-seal")

    @event(Started)
    def __init__(self, actor: str, effective_at: datetime) -> None:
        self.head = GENESIS_HEAD
        self.to_position = 0
        self.seal_count = 0

    def seal(
        self,
        *,
        from_position: int,
        to_position: int,
        record_count: int,
        head: str,
        positions: list[list[int]],
        digests: str,
        hmac: str | None,
        actor: str,
        effective_at: datetime,
    ) -> None:
        """Add a link range to the chain; it must continue exactly where the last seal ended."""
        if from_position != self.to_position + 1 or to_position < from_position:
            msg = f"seal {from_position}..{to_position} does not continue after {self.to_position}"
            raise ValueError(msg)
        self._sealed(
            from_position=from_position,
            to_position=to_position,
            record_count=record_count,
            previous_head=self.head,
            head=head,
            positions=positions,
            digests=digests,
            signed=hmac is not None,
            hmac=hmac,
            actor=actor,
            effective_at=effective_at,
        )

    @event(Sealed)
    def _sealed(
        self,
        from_position: int,
        to_position: int,
        record_count: int,
        previous_head: str,
        head: str,
        positions: list[list[int]],
        digests: str,
        signed: bool,
        hmac: str | None,
        actor: str,
        effective_at: datetime,
    ) -> None:
        self.head = head
        self.to_position = to_position
        self.seal_count += 1
