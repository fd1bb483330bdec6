"""The ledger's dated settings: one aggregate holding every setting's versions, each with a ``from``.

Why in the log: a setting that decides money (the late-work policy, the calendar, thresholds,
expiry) must decide alike in every process and in every rebuild, so it is an event with an
effective time, and a rule asks for the value in force at the moment it judges.
"""

from __future__ import annotations

import bisect
from datetime import datetime
from typing import TYPE_CHECKING

from eventsourcing.domain import event

from ledger.aggregates.ids import natural_id
from ledger.aggregates.record import Record
from ledger.domain.settings import SPECS, canonical_value

if TYPE_CHECKING:
    from uuid import UUID

Version = tuple[datetime, str, str]
"""``(from, value, actor)``: one version of a setting."""


class DatedSettings(Record):
    """Every dated setting of one ledger (there is one such aggregate per ledger)."""

    class Started(Record.Created):
        """The settings history began (the first ``set``, or the seed from ``LEDGER_CONFIG``)."""

    class Changed(Record.Event):
        """``key`` takes ``value`` (canonical text) from ``effective_at`` on, until a later version."""

        key: str
        value: str

    @staticmethod
    def create_id() -> UUID:
        return natural_id("settings")

    @event(Started)
    def __init__(self, actor: str, effective_at: datetime) -> None:
        self.versions: dict[str, list[Version]] = {}

    def value_at(self, key: str, at: datetime) -> str:
        """The canonical value of ``key`` in force at ``at`` (the default before any version)."""
        versions = self.versions.get(key, [])
        index = bisect.bisect_right([version[0] for version in versions], at)
        return versions[index - 1][1] if index else SPECS[key].default

    def set(self, key: str, value: str, actor: str, effective_at: datetime) -> bool:
        """Record ``value`` from ``effective_at``; False (no event) when exactly that version exists."""
        canonical = canonical_value(key, value)
        for version in self.versions.get(key, []):
            if version[0] == effective_at and version[1] == canonical:
                return False
        self._changed(key=key, value=canonical, actor=actor, effective_at=effective_at)
        return True

    @event(Changed)
    def _changed(self, key: str, value: str, actor: str, effective_at: datetime) -> None:
        versions = [v for v in self.versions.get(key, []) if v[0] != effective_at]
        versions.append((effective_at, value, actor))
        versions.sort(key=lambda version: version[0])
        self.versions[key] = versions
