"""Service windows: which support channel a servicedesk contract gives at a given instant.

Why: support work is paid by the servicedesk contract only within the channel the contract gives at
the moment the work was done; everything else falls through to a beheerpack, the strippenkaart or an
invoice. Basis (10x5) gives the servicedesk on working days 08:00-18:00 Europe/Amsterdam and nothing
otherwise; Comfort (24x7) gives the servicedesk then and the emergency line (calamiteitennummer) at
every other moment. The decision depends only on the instant, never on the zone it was written in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from ledger.domain.calendar import AMSTERDAM, WEEKDAY_NAMES, WorkingCalendar
from ledger.errors import InvalidInputError

__all__ = [
    "SERVICEDESK_CLOSES",
    "SERVICEDESK_OPENS",
    "Channel",
    "ChannelDecision",
    "Tier",
    "channel_at",
    "is_servicedesk_open",
]

SERVICEDESK_OPENS = time(8, 0)
SERVICEDESK_CLOSES = time(18, 0)
"""Exclusive: at 18:00:00 the servicedesk is closed, the window is [08:00, 18:00)."""
_AT = "at"
_HOURS = f"{SERVICEDESK_OPENS:%H:%M}-{SERVICEDESK_CLOSES:%H:%M}"


class Tier(StrEnum):
    """The two servicedesk contract tiers."""

    BASIS = "basis"
    COMFORT = "comfort"


class Channel(StrEnum):
    """How a customer can reach support at an instant."""

    SERVICEDESK = "servicedesk"
    EMERGENCY_LINE = "emergency-line"
    NONE = "none"


@dataclass(frozen=True)
class ChannelDecision:
    """The channel at an instant, for which tier, and a sentence saying why (shown to customers)."""

    channel: Channel
    tier: Tier | None
    reason: str


def is_servicedesk_open(at: datetime, calendar: WorkingCalendar) -> bool:
    """True on a working day from 08:00 up to (not including) 18:00 Europe/Amsterdam."""
    local = _amsterdam(at)
    return _closed_day(local, calendar) is None and _within_hours(local)


def channel_at(tier: Tier | None, at: datetime, calendar: WorkingCalendar) -> ChannelDecision:
    """The channel ``tier`` gives at instant ``at``; ``tier=None`` means no contract in force."""
    local = _amsterdam(at)
    if tier is None:
        return ChannelDecision(Channel.NONE, None, "no servicedesk contract in force")
    tier = Tier(tier)  # a plain "basis" from storage is accepted, anything else refused
    label = tier.value.capitalize()
    when = f"{WEEKDAY_NAMES[local.weekday()]} {local:%H:%M} Europe/Amsterdam"
    closed_day = _closed_day(local, calendar)
    if closed_day is None and _within_hours(local):
        return ChannelDecision(Channel.SERVICEDESK, tier, f"{when}: servicedesk open ({label})")
    if closed_day is not None:
        why = f"{closed_day}: servicedesk closed"
    else:
        why = f"{when}: servicedesk closed (open {_HOURS})"
    if tier is Tier.COMFORT:
        return ChannelDecision(Channel.EMERGENCY_LINE, tier, f"{why}; {label}: emergency line")
    return ChannelDecision(Channel.NONE, tier, f"{why}; {label}: no channel")


def _amsterdam(at: datetime) -> datetime:
    """``at`` in Europe/Amsterdam; zoneinfo applies the DST rule valid on that date."""
    if not isinstance(at, datetime):
        msg = f"{at!r} is not a datetime"
        raise InvalidInputError(_AT, msg)
    if at.tzinfo is None or at.utcoffset() is None:
        msg = f"{at.isoformat()} must carry a timezone; a naive time is ambiguous"
        raise InvalidInputError(_AT, msg)
    return at.astimezone(AMSTERDAM)


def _closed_day(local: datetime, calendar: WorkingCalendar) -> str | None:
    return calendar.closure_reason(local.date())


def _within_hours(local: datetime) -> bool:
    return SERVICEDESK_OPENS <= local.time() < SERVICEDESK_CLOSES
