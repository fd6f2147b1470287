from datetime import date

import pytest
from django.urls import reverse

from genxi.conftest import World
from genxi.core.models import AuditEntry, CalendarDay
from genxi.core.services import ServiceError, clear_year_schedule, set_year_schedule
from genxi.core.workdays import WorkCalendar, library_knows

pytestmark = pytest.mark.django_db

# A year no release of chinese-calendar will know for a long time (1.11 knows up to 2026), so
# these tests do not change meaning when the library learns next year's schedule.
UNKNOWN = 2099


def test_the_library_year_skips_national_day_and_counts_make_up_days() -> None:
    assert library_knows(2026)
    assert not library_knows(UNKNOWN)
    cal = WorkCalendar({}, set())
    # 2026-09-30 (Wed) + 1 working day: 10-01..10-07 is the National Day holiday.
    deadline = cal.add_workdays(date(2026, 9, 30), 1)
    assert deadline.day == date(2026, 10, 8) and not deadline.provisional
    assert cal.status(date(2026, 10, 1)).source == "library"


def test_friday_plus_two_working_days_is_tuesday() -> None:
    cal = WorkCalendar({}, set())
    assert cal.add_workdays(date(2026, 11, 20), 2).day == date(2026, 11, 24)
    assert cal.add_workdays(date(2026, 11, 21), 0).day == date(2026, 11, 23)  # Saturday → Monday
    assert cal.workdays_between(date(2026, 11, 20), date(2026, 11, 24)) == 2


def test_a_deadline_into_an_unknown_year_is_computed_and_provisional() -> None:
    cal = WorkCalendar({}, set())
    # Three working days after Tue 2098-12-30, Monday to Friday: Wed, Thu 2099-01-01, Fri.
    deadline = cal.add_workdays(date(2098, 12, 30), 3)
    assert deadline.day == date(2099, 1, 2)
    assert deadline.provisional
    assert cal.status(date(2099, 1, 1)).source == "weekday rule"
    assert not cal.add_workdays(date(2026, 12, 1), 3).provisional


def test_entered_days_override_and_an_entered_year_is_not_provisional(world: World) -> None:
    set_year_schedule(
        actor=world["alice"],
        year=UNKNOWN,
        holidays=[date(2099, 1, 1)],
        makeup_workdays=[date(2099, 1, 3)],  # a Saturday
    )
    cal = WorkCalendar.load()
    # From Thu 01-01 (a holiday): Fri 01-02, then the make-up Saturday 01-03.
    deadline = cal.add_workdays(date(2099, 1, 1), 2)
    assert deadline.day == date(2099, 1, 3)
    assert not deadline.provisional
    entry = AuditEntry.objects.get(action="calendar.set_year")
    assert entry.changes["holidays"] == ["2099-01-01"]
    clear_year_schedule(actor=world["alice"], year=UNKNOWN)
    after = WorkCalendar.load().add_workdays(date(2099, 1, 1), 2)
    assert after.day == date(2099, 1, 5)
    assert after.provisional
    assert not CalendarDay.objects.exists()


def test_an_entered_day_corrects_a_library_year(world: World) -> None:
    cal = WorkCalendar({date(2026, 11, 23): False}, set())
    assert cal.add_workdays(date(2026, 11, 20), 1).day == date(2026, 11, 24)


@pytest.mark.parametrize(
    ("holidays", "makeup", "field"),
    [
        ([date(2099, 2, 7)], [date(2099, 2, 7)], "makeup_workdays"),  # both at once
        ([date(2026, 10, 1)], [], "holidays"),  # another year
        ([], [date(2099, 2, 9)], "makeup_workdays"),  # a Monday is no make-up day
    ],
)
def test_a_bad_schedule_is_refused_whole(world: World, holidays, makeup, field) -> None:
    with pytest.raises(ServiceError) as excinfo:
        set_year_schedule(actor=None, year=UNKNOWN, holidays=holidays, makeup_workdays=makeup)
    assert excinfo.value.field == field
    assert not CalendarDay.objects.exists()


def test_absurd_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="count must be between"):
        WorkCalendar({}, set()).add_workdays(date(2026, 1, 1), -1)


def test_street_staff_enter_a_year_and_others_only_read(world: World, client) -> None:
    url = reverse("home:calendar_year", args=[UNKNOWN])
    client.force_login(world["bob"])  # community staff: reads
    page = client.get(url).content.decode()
    assert "暂定" in page and "<textarea" not in page
    assert client.post(url, {"holidays": "2099-01-01"}).status_code == 404
    client.force_login(world["carol"])  # pioneers do not open the calendar
    assert client.get(url).status_code == 404
    client.force_login(world["alice"])
    response = client.post(
        url,
        {
            "holidays": "2099-01-01\n2099-02-10~2099-02-16",
            "makeup_workdays": "2099-02-07, 2099-02-21",
        },
    )
    assert response.status_code == 302
    assert CalendarDay.objects.filter(is_workday=False).count() == 8
    response = client.post(url, {"holidays": "2099-13-01"})
    assert "不是日期" in response.content.decode()
    assert CalendarDay.objects.count() == 10  # the bad form changed nothing
    assert "已录入" in client.get(reverse("home:calendar")).content.decode()
