"""Dated changes kept as a list: what is in force at a moment is the latest change up to it.

Why a list and not "current state": questions are asked about past moments ("which tier applied
when this work was done?") and changes may be recorded after the fact, so the state at a moment
is derived from every change whose effective time is at or before it. Changes with the same
effective time are applied in the order they were recorded: the later-recorded one wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ledger.domain.time import AMSTERDAM

Change = dict[str, Any]
"""``{"sequence": int, "effective_at": datetime, "recorded_at": datetime, "actor": str, ...}``:
JSON-transcodable so aggregates holding changes can be snapshotted."""


def in_effect_order(changes: Iterable[Change]) -> list[Change]:
    """Changes by effective time, ties by the order they were recorded."""
    return sorted(changes, key=lambda change: (change["effective_at"], change["sequence"]))


def up_to(changes: Iterable[Change], at: datetime) -> list[Change]:
    """The changes in force by ``at`` (effective at or before it), in effect order."""
    return [change for change in in_effect_order(changes) if change["effective_at"] <= at]


def is_backdated(change: Change) -> bool:
    """Recorded on a later Amsterdam day than it took effect: someone corrected the past."""
    effective_day = change["effective_at"].astimezone(AMSTERDAM).date()
    return bool(effective_day < change["recorded_at"].astimezone(AMSTERDAM).date())
