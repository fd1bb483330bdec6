"""A customer's rate card: hourly rates (general or per role) and the rounding policy, over time.

Every change is a dated event numbered with the card's version, so a work entry can name exactly
which version of the card its rate and rounding came from ("rate card v3 (consultant, from
2026-01-01)"). Without a rate in force the default rate applies; without a rounding rule, none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from eventsourcing.domain import event

from ledger.aggregates.record import CustomerRecord, DatedChange
from ledger.aggregates.strippenkaart import LedgerInvariantError
from ledger.aggregates.timeline import Change, TimelineRecord, in_effect_order, up_to
from ledger.domain.money import DEFAULT_RATE
from ledger.domain.names import normalize_label
from ledger.domain.rounding import NO_ROUNDING, RoundingRule
from ledger.domain.time import describe_instant

if TYPE_CHECKING:
    pass

RATE, ROUNDING = "rate", "rounding"
DEFAULT_RATE_SOURCE = "default rate"


@dataclass(frozen=True)
class RateQuote:
    """A rate and where it came from, in words a customer can check."""

    rate: Decimal
    source: str
    card_version: int | None


@dataclass(frozen=True)
class RoundingQuote:
    """The rounding rule in force and where it came from; ``card_version`` None means the default."""

    rule: RoundingRule
    source: str
    card_version: int | None


class RateCard(TimelineRecord):
    """The rates and rounding policy agreed with one customer."""

    KIND = "rate-card"
    CHANGES_MAX = 2000
    FULL = "the rate card of {customer} already has {limit} changes"

    class Opened(CustomerRecord.Opened):
        """The rate card of a customer was opened; its first rate or rounding rule follows at once."""

    class RateSet(DatedChange):
        """From ``effective_at`` on, work for ``role`` (None: any role) costs ``rate`` per hour."""

        card_version: int
        role: str | None
        rate: Decimal

    class RoundingSet(DatedChange):
        """From ``effective_at`` on, billed hours round up to the increment, at least the minimum."""

        card_version: int
        increment_minutes: int
        minimum_minutes: int

    @event(Opened)
    def __init__(self, customer: str, actor: str, effective_at: datetime) -> None:
        self.customer = customer
        self.changes: list[Change] = []

    @property
    def card_version(self) -> int:
        """The number of changes so far: the latest change is "rate card v{card_version}"."""
        return len(self.changes)

    # --- questions -----------------------------------------------------------------------------

    def rate_at(self, at: datetime, role: str | None = None) -> RateQuote:
        """The role's rate in force at ``at``; else the general rate; else the default."""
        wanted = None if role is None else normalize_label(role, "role")
        rates = [c for c in up_to(self.changes, at) if c["change"] == RATE]
        for candidate in (wanted, None) if wanted is not None else (None,):
            matching = [c for c in rates if c["role"] == candidate]
            if matching:
                latest = matching[-1]
                source = _rate_source(latest, wanted)
                return RateQuote(latest["rate"], source, latest["sequence"] + 1)
        return RateQuote(DEFAULT_RATE, f"{DEFAULT_RATE_SOURCE} (no rate on the card in force then)", None)

    def rounding_at(self, at: datetime) -> RoundingQuote:
        rules = [c for c in up_to(self.changes, at) if c["change"] == ROUNDING]
        if not rules:
            return RoundingQuote(NO_ROUNDING, "no rounding rule on the card", None)
        latest = rules[-1]
        rule = RoundingRule(latest["increment_minutes"], latest["minimum_minutes"])
        version = latest["sequence"] + 1
        source = f"rate card v{version}, from {describe_instant(latest['effective_at'])}"
        return RoundingQuote(rule, source, version)

    def history(self) -> list[Change]:
        """Every change in effective order, with its card version."""
        return [
            {**change, "card_version": change["sequence"] + 1} for change in in_effect_order(self.changes)
        ]

    # --- decisions: validate, then record; False means "exactly this is already recorded" -------

    def set_rate(
        self, role: str | None, rate: Decimal, actor: str, effective_at: datetime, recorded_at: datetime
    ) -> bool:
        role = None if role is None else normalize_label(role, "role")
        if self._is_recorded(RATE, effective_at, role=role, rate=rate):
            return False
        self._check_room()
        self._rate_set(
            card_version=self.card_version + 1,
            role=role,
            rate=rate,
            recorded_at=recorded_at,
            actor=actor,
            effective_at=effective_at,
        )
        return True

    def set_rounding(
        self, rule: RoundingRule, actor: str, effective_at: datetime, recorded_at: datetime
    ) -> bool:
        terms = {"increment_minutes": rule.increment_minutes, "minimum_minutes": rule.minimum_minutes}
        if self._is_recorded(ROUNDING, effective_at, **terms):
            return False
        self._check_room()
        self._rounding_set(
            card_version=self.card_version + 1,
            increment_minutes=rule.increment_minutes,
            minimum_minutes=rule.minimum_minutes,
            recorded_at=recorded_at,
            actor=actor,
            effective_at=effective_at,
        )
        return True

    # --- mutators: replayed on every load, so they only apply and re-check ---------------------

    @event(RateSet)
    def _rate_set(
        self,
        card_version: int,
        role: str | None,
        rate: Decimal,
        recorded_at: datetime,
        actor: str,
        effective_at: datetime,
    ) -> None:
        self._append(card_version, RATE, recorded_at, actor, effective_at, role=role, rate=rate)

    @event(RoundingSet)
    def _rounding_set(
        self,
        card_version: int,
        increment_minutes: int,
        minimum_minutes: int,
        recorded_at: datetime,
        actor: str,
        effective_at: datetime,
    ) -> None:
        self._append(
            card_version,
            ROUNDING,
            recorded_at,
            actor,
            effective_at,
            increment_minutes=increment_minutes,
            minimum_minutes=minimum_minutes,
        )

    def _append(
        self,
        card_version: int,
        kind: str,
        recorded_at: datetime,
        actor: str,
        effective_at: datetime,
        **terms: object,
    ) -> None:
        if card_version != self.card_version + 1:
            msg = (
                f"rate card of {self.customer!r}: event says v{card_version}, "
                f"replay is at v{self.card_version}"
            )
            raise LedgerInvariantError(msg)
        self._append_change(kind, recorded_at, actor, effective_at, **terms)


def _rate_source(change: Change, wanted_role: str | None) -> str:
    version, since = change["sequence"] + 1, describe_instant(change["effective_at"])
    role = change["role"]
    if role is not None:
        return f"rate card v{version} ({role}, from {since})"
    if wanted_role is not None:
        return f"rate card v{version} (general rate, from {since}; no {wanted_role} rate in force)"
    return f"rate card v{version} (general rate, from {since})"


def rate_quote(card: RateCard | None, at: datetime, role: str | None) -> RateQuote:
    """The rate for work at ``at``; the default rate for a customer without a rate card."""
    if card is None:
        return RateQuote(DEFAULT_RATE, DEFAULT_RATE_SOURCE, None)
    return card.rate_at(at, role)


def rounding_quote(card: RateCard | None, at: datetime) -> RoundingQuote:
    if card is None:
        return RoundingQuote(NO_ROUNDING, "no rounding rule on the card", None)
    return card.rounding_at(at)
