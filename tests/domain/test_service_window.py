"""Service windows: Basis gives the servicedesk 08:00-18:00 on working days and nothing else;
Comfort gives the servicedesk then and the emergency line at every other moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.calendar import AMSTERDAM, WorkingCalendar
from ledger.domain.service_window import (
    Channel,
    ChannelDecision,
    Tier,
    channel_at,
    is_servicedesk_open,
)

NL = WorkingCalendar()
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
OUT_OF_HOURS = {Tier.BASIS: Channel.NONE, Tier.COMFORT: Channel.EMERGENCY_LINE}


def local(y: int, mo: int, d: int, h: int, mi: int, s: int = 0, *, fold: int = 0) -> datetime:
    """A wall-clock time in Amsterdam (``fold=1``: the second of two equal times in October)."""
    return datetime(y, mo, d, h, mi, s, tzinfo=AMSTERDAM, fold=fold)


def utc(y: int, mo: int, d: int, h: int, mi: int, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


@pytest.mark.parametrize("tier", list(Tier))
@pytest.mark.parametrize(
    ("hms", "is_open"),
    [((7, 59, 59), False), ((8, 0, 0), True), ((17, 59, 59), True), ((18, 0, 0), False)],
)
def test_window_boundaries_on_a_working_day(tier: Tier, hms: tuple[int, int, int], is_open: bool) -> None:
    at = local(2026, 4, 28, *hms)  # a Tuesday
    decision = channel_at(tier, at, NL)
    assert decision.channel is (Channel.SERVICEDESK if is_open else OUT_OF_HOURS[tier])
    assert decision.tier is tier
    assert is_servicedesk_open(at, NL) is is_open


@pytest.mark.parametrize(
    ("tier", "at", "reason"),
    [
        (
            Tier.BASIS,
            local(2026, 4, 28, 9, 30),
            "Tuesday 09:30 Europe/Amsterdam: servicedesk open (Basis)",
        ),
        (
            Tier.BASIS,
            local(2026, 4, 27, 10, 0),
            "King's Day: servicedesk closed; Basis: no channel",
        ),
        (
            Tier.COMFORT,
            local(2026, 4, 27, 10, 0),
            "King's Day: servicedesk closed; Comfort: emergency line",
        ),
        (
            Tier.COMFORT,
            local(2026, 4, 28, 18, 0),
            "Tuesday 18:00 Europe/Amsterdam: servicedesk closed (open 08:00-18:00); Comfort: emergency line",
        ),
        (
            Tier.BASIS,
            local(2026, 4, 28, 7, 59, 59),
            "Tuesday 07:59 Europe/Amsterdam: servicedesk closed (open 08:00-18:00); Basis: no channel",
        ),
        (Tier.BASIS, local(2026, 4, 25, 11, 0), "Saturday: servicedesk closed; Basis: no channel"),
        (None, local(2026, 4, 28, 9, 30), "no servicedesk contract in force"),
    ],
)
def test_reasons_say_why(tier: Tier | None, at: datetime, reason: str) -> None:
    assert channel_at(tier, at, NL).reason == reason


def test_without_a_contract_there_is_no_channel_even_in_office_hours() -> None:
    assert channel_at(None, local(2026, 4, 28, 9, 30), NL) == ChannelDecision(
        Channel.NONE, None, "no servicedesk contract in force"
    )


@pytest.mark.parametrize("tier", list(Tier))
@pytest.mark.parametrize(
    "at",
    [
        local(2026, 4, 28, 7, 59, 59),
        local(2026, 4, 28, 8, 0),
        local(2026, 4, 28, 17, 59, 59),
        local(2026, 4, 28, 18, 0),
        local(2026, 4, 27, 12, 0),
        local(2026, 1, 5, 8, 0),  # winter time
    ],
)
def test_the_zone_an_instant_is_written_in_does_not_matter(tier: Tier, at: datetime) -> None:
    expected = channel_at(tier, at, NL)
    for zone in (UTC, NEW_YORK, TOKYO, timezone(timedelta(hours=-9, minutes=-30))):
        assert channel_at(tier, at.astimezone(zone), NL) == expected


@pytest.mark.parametrize(
    ("at", "is_open", "local_time"),
    [
        # Friday 27 March 2026, still CET (UTC+1)
        (utc(2026, 3, 27, 6, 59), False, "07:59"),
        (utc(2026, 3, 27, 7, 0), True, "08:00"),
        (utc(2026, 3, 27, 16, 59), True, "17:59"),
        (utc(2026, 3, 27, 17, 0), False, "18:00"),
        # Monday 30 March 2026, the first working day of CEST (UTC+2)
        (utc(2026, 3, 30, 5, 59), False, "07:59"),
        (utc(2026, 3, 30, 6, 0), True, "08:00"),
        (utc(2026, 3, 30, 6, 30), True, "08:30"),
        (utc(2026, 3, 30, 7, 30), True, "09:30"),
        (utc(2026, 3, 30, 15, 59, 59), True, "17:59"),
        (utc(2026, 3, 30, 16, 0), False, "18:00"),
        # Friday 23 October 2026, still CEST
        (utc(2026, 10, 23, 5, 59), False, "07:59"),
        (utc(2026, 10, 23, 6, 0), True, "08:00"),
        (utc(2026, 10, 23, 16, 0), False, "18:00"),
        # Monday 26 October 2026, the first working day of CET again
        (utc(2026, 10, 26, 6, 30), False, "07:30"),  # open under a stale +02:00
        (utc(2026, 10, 26, 6, 59), False, "07:59"),
        (utc(2026, 10, 26, 7, 0), True, "08:00"),
        (utc(2026, 10, 26, 16, 59, 59), True, "17:59"),
        (utc(2026, 10, 26, 17, 0), False, "18:00"),
    ],
)
def test_around_the_dst_switches_of_2026(at: datetime, is_open: bool, local_time: str) -> None:
    assert is_servicedesk_open(at, NL) is is_open
    for tier in Tier:
        decision = channel_at(tier, at, NL)
        assert decision.channel is (Channel.SERVICEDESK if is_open else OUT_OF_HOURS[tier])
        assert f" {local_time} Europe/Amsterdam: " in decision.reason


@pytest.mark.parametrize(
    "at",
    [
        utc(2026, 3, 29, 0, 59),  # 01:59 CET, just before the switch
        utc(2026, 3, 29, 1, 0),  # 03:00 CEST, just after
        utc(2026, 3, 29, 7, 0),  # 09:00 CEST
        local(2026, 10, 25, 2, 30, fold=0),  # the first 02:30 (CEST)
        local(2026, 10, 25, 2, 30, fold=1),  # the second 02:30 (CET)
        local(2026, 10, 25, 9, 0),
    ],
)
def test_the_switch_sundays_themselves_are_closed(at: datetime) -> None:
    assert channel_at(Tier.BASIS, at, NL).channel is Channel.NONE
    comfort = channel_at(Tier.COMFORT, at, NL)
    assert comfort.channel is Channel.EMERGENCY_LINE
    assert comfort.reason == "Sunday: servicedesk closed; Comfort: emergency line"


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 4, 27), "King's Day"),
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 5, 14), "Ascension Day"),
        (date(2026, 5, 2), "Saturday"),
        (date(2026, 5, 3), "Sunday"),
    ],
)
def test_closed_days_give_basis_nothing_and_comfort_the_emergency_line(day: date, name: str) -> None:
    at = local(day.year, day.month, day.day, 10, 0)
    basis, comfort = channel_at(Tier.BASIS, at, NL), channel_at(Tier.COMFORT, at, NL)
    assert basis.channel is Channel.NONE
    assert comfort.channel is Channel.EMERGENCY_LINE
    assert basis.reason.startswith(f"{name}: servicedesk closed")
    assert comfort.reason.startswith(f"{name}: servicedesk closed")


def test_a_configured_closing_day_closes_the_servicedesk() -> None:
    calendar = WorkingCalendar.from_settings(extra_closing_days=[(date(2026, 4, 28), "Company day")])
    at = local(2026, 4, 28, 10, 0)
    assert channel_at(Tier.BASIS, at, NL).channel is Channel.SERVICEDESK
    assert channel_at(Tier.COMFORT, at, calendar) == ChannelDecision(
        Channel.EMERGENCY_LINE,
        Tier.COMFORT,
        "Company day: servicedesk closed; Comfort: emergency line",
    )


def test_the_calendar_country_decides_the_holidays() -> None:
    belgian_national_day = local(2026, 7, 21, 10, 0)  # a Tuesday
    assert channel_at(Tier.BASIS, belgian_national_day, NL).channel is Channel.SERVICEDESK
    belgium = WorkingCalendar.from_settings(country="BE")
    decision = channel_at(Tier.BASIS, belgian_national_day, belgium)
    assert decision == ChannelDecision(
        Channel.NONE, Tier.BASIS, "National Day: servicedesk closed; Basis: no channel"
    )


@pytest.mark.parametrize("tier", [*Tier, None])
def test_a_naive_datetime_is_refused(tier: Tier | None) -> None:
    with pytest.raises(ValueError, match="must carry a timezone"):
        channel_at(tier, datetime(2026, 4, 28, 9, 30), NL)
    with pytest.raises(ValueError, match="must carry a timezone"):
        is_servicedesk_open(datetime(2026, 4, 28, 9, 30), NL)


fixed_offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
zones = st.one_of(st.timezones(), fixed_offsets, st.just(UTC), st.just(AMSTERDAM))
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=zones)


@settings(deadline=None)
@given(instants)
def test_tiers_are_nested_and_total(at: datetime) -> None:
    basis = channel_at(Tier.BASIS, at, NL)
    comfort = channel_at(Tier.COMFORT, at, NL)
    assert channel_at(None, at, NL).channel is Channel.NONE
    assert comfort.channel is not Channel.NONE
    assert basis.channel is not Channel.EMERGENCY_LINE
    if basis.channel is Channel.SERVICEDESK:
        assert comfort.channel is Channel.SERVICEDESK
    is_open = is_servicedesk_open(at, NL)
    assert (basis.channel is Channel.SERVICEDESK) is is_open
    assert (comfort.channel is Channel.SERVICEDESK) is is_open


@settings(deadline=None)
@given(instants, zones)
def test_the_decision_depends_only_on_the_instant(at: datetime, zone: tzinfo) -> None:
    elsewhere = at.astimezone(zone)
    # Same instant; compared as timestamps because PEP 495 makes an ambiguous wall time (the
    # repeated hour in October) unequal to everything in another zone, even to itself.
    assert elsewhere.timestamp() == at.timestamp()
    for tier in (*Tier, None):
        assert channel_at(tier, elsewhere, NL) == channel_at(tier, at, NL)
