"""When a month's statements are issued: the cut-off, on a working day of the next month.

Why not at the month's end: engineers log their last hours of a month in the first days of the
next one. The tick issues a month's statements only once its cut-off has passed (the dated setting
``statements.cut-off``: the Nth working day of the next month, 00:00 Europe/Amsterdam; 0 is the
month's end itself). Anything recorded later still shows, as a correction on the next statement.
Pure: the caller looks up the setting and the calendar in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from ledger.domain.time import AMSTERDAM, start_of_day

if TYPE_CHECKING:
    from ledger.domain.calendar import WorkingCalendar

DAYS_SEARCHED_MAX = 60
"""A month's cut-off is at most this many days into the next one, whatever the calendar says."""


@dataclass(frozen=True)
class CutOffRule:
    """The Nth working day of the next month, by ``calendar`` with the dated closing days and
    working holidays in force."""

    working_day: int
    calendar: WorkingCalendar
    closing_days: tuple[date, ...] = ()
    working_holidays: tuple[date, ...] = ()

    def is_working_day(self, day: date) -> bool:
        if day in self.closing_days:
            return False
        if day in self.working_holidays and day.weekday() < 5:
            return True
        return self.calendar.is_working_day(day)

    def cut_off(self, month_end: datetime) -> datetime:
        """00:00 Amsterdam on the Nth working day from ``month_end`` (the next month's first moment)."""
        if self.working_day == 0:
            return month_end
        day = month_end.astimezone(AMSTERDAM).date()
        seen = 0
        for _ in range(DAYS_SEARCHED_MAX):
            if self.is_working_day(day):
                seen += 1
                if seen == self.working_day:
                    return start_of_day(day)
            day += timedelta(days=1)
        return start_of_day(day)
