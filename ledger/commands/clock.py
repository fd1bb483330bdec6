"""Effective times: the command's own ``at``, or the ledger's clock when it gave none."""

from __future__ import annotations

from datetime import datetime, timedelta

from ledger.errors import InvalidInputError

CLOCK_SKEW_MAX = timedelta(minutes=5)
"""How far ahead of the ledger's clock a fact may be dated, for clocks that run a little fast."""


def effective_time(at: datetime | None, now: datetime, *, future_allowed: bool = False) -> datetime:
    """When the command takes effect; work and money cannot be dated in the future."""
    if at is None:
        return now
    if not future_allowed and at > now + CLOCK_SKEW_MAX:
        msg = f"{at.isoformat()} is in the future; record it when it has happened"
        raise InvalidInputError("at", msg)
    return at
