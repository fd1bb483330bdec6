"""The working-day calendar: weekends, holidays and configured closing days are not working days."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.calendar import WorkingCalendar

NL = WorkingCalendar()


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 4, 27), "King's Day"),  # a Monday
        (date(2026, 5, 14), "Ascension Day"),  # a Thursday
        (date(2026, 12, 25), "Christmas Day"),  # a Friday
        (date(2026, 4, 6), "Easter Monday"),
        (date(2026, 5, 25), "Pentecost Monday"),
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 4, 25), "Saturday"),
        (date(2026, 4, 26), "Sunday"),
        (date(2026, 12, 26), "Second Day of Christmas"),  # a Saturday: the holiday is named
    ],
)
def test_closed_days_are_not_working_days_and_say_why(day: date, reason: str) -> None:
    assert not NL.is_working_day(day)
    assert NL.closure_reason(day) == reason


@pytest.mark.parametrize("day", [date(2026, 4, 28), date(2026, 5, 13), date(2026, 12, 24), date(2026, 3, 30)])
def test_an_ordinary_weekday_is_a_working_day(day: date) -> None:
    assert NL.is_working_day(day)
    assert NL.closure_reason(day) is None


def test_a_configured_closing_day_is_closed_under_its_name() -> None:
    calendar = WorkingCalendar.from_settings(
        extra_closing_days=[(date(2026, 12, 24), "Christmas Eve company day"), date(2026, 12, 31)]
    )
    assert calendar.closure_reason(date(2026, 12, 24)) == "Christmas Eve company day"
    assert calendar.closure_reason(date(2026, 12, 31)) == "closing day"
    assert NL.is_working_day(date(2026, 12, 31))
    assert not calendar.is_working_day(date(2026, 12, 31))


def test_a_holiday_name_wins_over_a_closing_day_on_the_same_date() -> None:
    calendar = WorkingCalendar.from_settings(extra_closing_days=[(date(2026, 4, 27), "Company day")])
    assert calendar.closure_reason(date(2026, 4, 27)) == "King's Day"


@pytest.mark.parametrize(
    ("country", "day", "reason"),
    [
        ("BE", date(2026, 7, 21), "National Day"),  # a Tuesday, a working day in NL
        ("DE", date(2026, 5, 1), "Labor Day"),  # a Friday, a working day in NL
    ],
)
def test_another_country_has_other_holidays(country: str, day: date, reason: str) -> None:
    assert NL.is_working_day(day)
    assert WorkingCalendar.from_settings(country=country).closure_reason(day) == reason


def test_kings_day_is_a_working_day_in_germany() -> None:
    assert WorkingCalendar(country="DE").is_working_day(date(2026, 4, 27))


def test_a_subdivision_adds_its_own_holidays() -> None:
    epiphany = date(2026, 1, 6)
    assert WorkingCalendar(country="DE").is_working_day(epiphany)
    assert WorkingCalendar(country="DE", subdivision="BY").closure_reason(epiphany) == "Epiphany"


def test_holiday_names_follow_the_language() -> None:
    assert WorkingCalendar(language="nl").closure_reason(date(2026, 4, 27)) == "Koningsdag"


def test_country_codes_from_settings_are_case_insensitive() -> None:
    assert WorkingCalendar.from_settings(country=" nl ") == NL


def test_an_unknown_country_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"^calendar country: 'XX' is not supported") as caught:
        WorkingCalendar.from_settings(country="XX")
    assert "\n" not in str(caught.value)


def test_an_unknown_subdivision_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"^calendar subdivision: 'ZZ'"):
        WorkingCalendar.from_settings(country="DE", subdivision="ZZ")


@pytest.mark.parametrize(
    "days",
    [
        [date(2026, 1, 2), (date(2026, 1, 2), "again")],
        [(date(2026, 1, 2), "  ")],
        [datetime(2026, 1, 2, 12, 0)],
    ],
)
def test_malformed_closing_days_are_refused(days: list[date | tuple[date, str]]) -> None:
    with pytest.raises(ValueError, match=r"^calendar extra_closing_days: "):
        WorkingCalendar.from_settings(extra_closing_days=days)


def test_a_datetime_is_not_a_day() -> None:
    with pytest.raises(TypeError, match="Europe/Amsterdam"):
        NL.closure_reason(datetime(2026, 4, 27, 12, 0))


def test_calendars_are_frozen_values() -> None:
    one = WorkingCalendar.from_settings(extra_closing_days=[date(2026, 1, 2), date(2026, 1, 5)])
    two = WorkingCalendar.from_settings(extra_closing_days=[date(2026, 1, 5), date(2026, 1, 2)])
    assert one == two
    assert hash(one) == hash(two)
    with pytest.raises(AttributeError):
        one.country = "BE"  # type: ignore[misc]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_working_day_means_no_closure_reason_and_never_a_weekend(day: date) -> None:
    reason = NL.closure_reason(day)
    assert NL.is_working_day(day) is (reason is None)
    if day.weekday() >= 5:
        assert reason is not None


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_every_week_has_a_working_day(day: date) -> None:
    """No run of public holidays swallows a whole working week."""
    monday = day - timedelta(days=day.weekday())
    assert any(NL.is_working_day(monday + timedelta(days=n)) for n in range(5))
