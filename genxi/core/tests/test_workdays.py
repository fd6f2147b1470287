from datetime import date

import pytest
from django.urls import reverse

from genxi.conftest import World
from genxi.core.models import AuditEntry, CalendarDay
from genxi.core.services import ServiceError, clear_year_schedule, set_year_schedule
from genxi.core.workdays import WorkCalendar, library_knows

pytestmark = pytest.mark.django_db

# 2027 is the first year chinese-calendar 1.11 does not know; the schedule below is invented for
# the tests (the real one is published around November 2026).
UNKNOWN = 2027


def test_the_library_year_skips_national_day_and_counts_make_up_days() -> None:
    assert library_knows(2026) and not library_knows(UNKNOWN)
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


def test_a_deadline_crossing_into_an_unknown_year_is_computed_and_provisional() -> None:
    cal = WorkCalendar({}, set())
    deadline = cal.add_workdays(date(2026, 12, 30), 3)
    # Three working days after Wed 12-30: Thu 12-31, then Fri 01-01 and Mon 01-04 by the
    # Monday-to-Friday rule, since nobody knows 2027's holidays yet.
    assert deadline.day == date(2027, 1, 4)
    assert deadline.provisional
    assert not cal.add_workdays(date(2026, 12, 1), 3).provisional


def test_entered_days_override_and_an_entered_year_is_not_provisional(world: World) -> None:
    set_year_schedule(
        actor=world["alice"],
        year=UNKNOWN,
        holidays=[date(2027, 1, 1)],
        makeup_workdays=[date(2027, 1, 2)],
    )
    cal = WorkCalendar.load()
    deadline = cal.add_workdays(date(2026, 12, 30), 3)
    # Thu 12-31, (Fri 01-01 holiday), Sat 01-02 make-up day, Mon 01-04.
    assert deadline.day == date(2027, 1, 4)
    assert not deadline.provisional
    assert cal.add_workdays(date(2026, 12, 31), 1).day == date(2027, 1, 2)
    entry = AuditEntry.objects.get(action="calendar.set_year")
    assert entry.changes["holidays"] == ["2027-01-01"]
    clear_year_schedule(actor=world["alice"], year=UNKNOWN)
    assert WorkCalendar.load().add_workdays(date(2026, 12, 30), 3).provisional
    assert not CalendarDay.objects.exists()


def test_an_entered_day_corrects_a_library_year(world: World) -> None:
    cal = WorkCalendar({date(2026, 11, 23): False}, set())
    assert cal.add_workdays(date(2026, 11, 20), 1).day == date(2026, 11, 24)


@pytest.mark.parametrize(
    ("holidays", "makeup", "field"),
    [
        ([date(2027, 2, 6)], [date(2027, 2, 6)], "makeup_workdays"),  # both at once
        ([date(2026, 10, 1)], [], "holidays"),  # another year
        ([], [date(2027, 2, 8)], "makeup_workdays"),  # a Monday is no make-up day
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
    url = reverse("core:calendar_year", args=[UNKNOWN])
    client.force_login(world["bob"])  # community staff: reads
    page = client.get(url).content.decode()
    assert "暂定" in page and "<textarea" not in page
    assert client.post(url, {"holidays": "2027-01-01"}).status_code == 404
    client.force_login(world["carol"])  # pioneers do not open the calendar
    assert client.get(url).status_code == 404
    client.force_login(world["alice"])
    response = client.post(
        url,
        {
            "holidays": "2027-01-01\n2027-02-10~2027-02-16",
            "makeup_workdays": "2027-02-07, 2027-02-20",
        },
    )
    assert response.status_code == 302
    assert CalendarDay.objects.filter(is_workday=False).count() == 8
    response = client.post(url, {"holidays": "2027-13-01"})
    assert "不是日期" in response.content.decode()
    assert CalendarDay.objects.count() == 10  # the bad form changed nothing
    assert "已录入" in client.get(reverse("core:calendar")).content.decode()
