"""Invoice exports: which invoiceable lines went to billing in which numbered export.

Why an aggregate: an export must lose nothing and send nothing twice, even when work is logged
late for a period already exported or an exported line is reversed. Recording each export as an
event (its number, its ``until``, the lines it held and the lines it credited) lets the next
export take exactly what is new: lines not exported yet (flagged ``late`` when their period was
already exported) and a credit for every exported line reversed since. One aggregate per ledger
hands out the numbers, so they run without gaps; two racing exports collide on its version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from ledger.aggregates.ids import natural_id
from ledger.aggregates.record import Record
from ledger.aggregates.strippenkaart import LedgerInvariantError

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID


class InvoiceExports(Record):
    """Every invoice export of one ledger, in number order."""

    class Started(Record.Created):
        """The first export was made."""

    class Exported(Record.Event):
        """Export ``number`` held ``lines`` (work entry ids) and credited ``credits`` (ids of lines
        exported before and reversed since), for everything effective before ``until``."""

        number: int
        until: datetime
        lines: list[str]
        credits: list[str]

    @staticmethod
    def create_id() -> UUID:
        return natural_id("invoice-exports")

    @event(Started)
    def __init__(self, actor: str, effective_at: datetime) -> None:
        self.exported: dict[str, int] = {}
        self.credited: dict[str, int] = {}
        self.latest_until: datetime | None = None
        self.count = 0

    def export(
        self, until: datetime, lines: list[str], credits: list[str], actor: str, effective_at: datetime
    ) -> int:
        """Record the next export; the caller chose lines not exported yet and exported lines to credit."""
        if self.latest_until is not None and until < self.latest_until:
            msg = f"invoice exports: {until} is before the latest export's {self.latest_until}"
            raise LedgerInvariantError(msg)
        if any(line in self.exported for line in lines) or any(
            line not in self.exported or line in self.credited for line in credits
        ):
            msg = "invoice exports: a line exported twice, or a credit for a line never exported"
            raise LedgerInvariantError(msg)
        number = self.count + 1
        self._exported(
            number=number, until=until, lines=lines, credits=credits, actor=actor, effective_at=effective_at
        )
        return number

    @event(Exported)
    def _exported(
        self,
        number: int,
        until: datetime,
        lines: list[str],
        credits: list[str],
        actor: str,
        effective_at: datetime,
    ) -> None:
        self.count = number
        self.latest_until = until
        self.exported.update(dict.fromkeys(lines, number))
        self.credited.update(dict.fromkeys(credits, number))
