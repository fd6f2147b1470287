"""Working days in mainland China: public holidays and make-up working days (调休).

Deadlines for demands count working days. The chinese-calendar library knows each year once the
State Council publishes its schedule (around November for the next year). Where it does not know
a year yet, a deadline is still computed, Monday to Friday, and flagged *provisional*. Staff can
enter a year's holidays and make-up days themselves (`CalendarDay`, `CalendarYear`): entered days
override the library, and a year marked as entered in full is no longer provisional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

from genxi.core.models import CalendarDay, CalendarYear

# A deadline further out than this is a mistake, not a plan: refuse rather than loop for ever.
MAX_WORKDAYS = 3660


@dataclass(frozen=True)
class Deadline:
    day: date
    # True when any day counted lies in a year whose holidays nobody has published or entered.
    provisional: bool


@dataclass(frozen=True)
class DayStatus:
    is_workday: bool
    provisional: bool
    source: str  # "entered", "library" or "weekday rule"


def library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class WorkCalendar:
    """The working-day rules in force: entered days first, then the library, then Mon–Fri.

    Build one per request or task with `WorkCalendar.load()` (two small queries) and ask it as
    often as needed; it holds no database connection.
    """

    def __init__(self, entered: dict[date, bool], complete_years: set[int]) -> None:
        self.entered = entered
        self.complete_years = complete_years
        self._known: dict[int, bool] = {}

    @classmethod
    def load(cls) -> WorkCalendar:
        return cls(
            dict(CalendarDay.objects.values_list("day", "is_workday")),
            set(CalendarYear.objects.values_list("year", flat=True)),
        )

    def _library_knows(self, year: int) -> bool:
        if year not in self._known:
            self._known[year] = library_knows(year)
        return self._known[year]

    def status(self, day: date) -> DayStatus:
        if day in self.entered:
            return DayStatus(self.entered[day], False, "entered")
        weekday = day.weekday() < 5
        if day.year in self.complete_years:
            return DayStatus(weekday, False, "entered")
        if self._library_knows(day.year):
            return DayStatus(chinese_calendar.is_workday(day), False, "library")
        return DayStatus(weekday, True, "weekday rule")

    def is_workday(self, day: date) -> bool:
        return self.status(day).is_workday

    def add_workdays(self, start: date, count: int) -> Deadline:
        """The `count`-th working day after `start` (start itself is not counted).

        Accepted on a Friday with a 2-working-day limit, the deadline is the Tuesday after.
        With count 0 the deadline is the first working day on or after `start`.
        """
        if not 0 <= count <= MAX_WORKDAYS:
            raise ValueError(f"count must be between 0 and {MAX_WORKDAYS}")
        provisional = False
        day = start
        if count == 0:
            while True:
                status = self.status(day)
                provisional |= status.provisional
                if status.is_workday:
                    return Deadline(day, provisional)
                day += timedelta(days=1)
        remaining = count
        while remaining:
            day += timedelta(days=1)
            status = self.status(day)
            provisional |= status.provisional
            if status.is_workday:
                remaining -= 1
        return Deadline(day, provisional)

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count

    def year_summary(self, year: int) -> dict[str, object]:
        """For the calendar page: where the year's rules come from and its special days."""
        start, end = date(year, 1, 1), date(year, 12, 31)
        holidays: list[date] = []
        makeup: list[date] = []
        day = start
        while day <= end:
            status = self.status(day)
            weekday = day.weekday() < 5
            if weekday and not status.is_workday:
                holidays.append(day)
            elif not weekday and status.is_workday:
                makeup.append(day)
            day += timedelta(days=1)
        if year in self.complete_years:
            source = "entered"
        elif self._library_knows(year):
            source = "library"
        else:
            source = "weekday rule"
        return {"year": year, "source": source, "holidays": holidays, "makeup": makeup}
