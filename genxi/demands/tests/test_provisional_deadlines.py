"""Entering a year's holidays recomputes the open demands whose deadlines were provisional in it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from genxi.conftest import World
from genxi.core.workdays import library_knows
from genxi.demands import services
from genxi.demands.models import Demand, EventKind
from genxi.demands.tests.conftest import collect
from genxi.home.services import set_year_schedule

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def collected_on(world: World, category, day: date, **kwargs: object) -> Demand:
    with time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=SH)):
        return collect(world, category, today=day, **kwargs)


@pytest.mark.parametrize("year", [2027, 2099])
def test_entering_a_years_holidays_recomputes_its_provisional_deadlines(
    world: World, category, year: int
) -> None:
    if library_knows(year):
        pytest.skip("chinese-calendar knows this year now: nothing is provisional in it")
    # Collected on 12-28 of the year before: the 5 working days run into `year`'s 1 January,
    # counted Monday to Friday because nobody has published `year` yet.
    start = date(year - 1, 12, 28)
    if not library_knows(year - 1):  # the year before must be known for the end to be final
        set_year_schedule(actor=None, year=year - 1, holidays=[], makeup_workdays=[])
    demand = collected_on(world, category, start)
    assert demand.due_provisional
    old_due = demand.resolution_due
    assert old_due.year == year
    done = collected_on(world, category, start, title="另一件")
    services.withdraw(actor=world["bob"], demand=done, reason="重复")
    untouched = done.resolution_due

    holidays = [date(year, 1, 1), date(year, 1, 2)]
    recomputed = set_year_schedule(
        actor=world["alice"], year=year, holidays=holidays, makeup_workdays=[]
    )
    assert recomputed == 1
    demand.refresh_from_db()
    assert not demand.due_provisional
    assert demand.resolution_due > old_due
    assert all(demand.resolution_due != h for h in holidays)
    event = demand.events.get(kind=EventKind.DUE_RECOMPUTED)
    assert event.data["old_resolution_due"] == old_due.isoformat()
    assert event.data["resolution_due"] == demand.resolution_due.isoformat()
    assert event.data["year"] == year and event.actor == world["alice"]
    # A closed demand is history: its deadlines stay as they were.
    done.refresh_from_db()
    assert done.resolution_due == untouched and done.due_provisional
    # Saving the same year again changes nothing more.
    assert (
        set_year_schedule(actor=world["alice"], year=year, holidays=holidays, makeup_workdays=[])
        == 0
    )
    assert demand.events.filter(kind=EventKind.DUE_RECOMPUTED).count() == 1


def test_the_calendar_page_says_how_many_deadlines_it_recomputed(
    world: World, category, client
) -> None:
    set_year_schedule(actor=None, year=2098, holidays=[], makeup_workdays=[])
    demand = collected_on(world, category, date(2098, 12, 29))  # a Monday
    assert demand.due_provisional
    client.force_login(world["alice"])
    response = client.post(
        reverse("home:calendar_year", args=[2099]),
        {"holidays": "2099-01-01~2099-01-02"},
        follow=True,
    )
    assert "已按新录入的日历重算 1 件未办结诉求的期限" in response.content.decode()
    demand.refresh_from_db()
    assert not demand.due_provisional
    assert demand.resolution_due == date(2099, 1, 7)  # was 01-05, Monday to Friday
    page = client.get(reverse("demands:demand_detail", args=[demand.pk])).content.decode()
    assert "按公布的节假日重算期限" in page and "2099-01-05 → 2099-01-07" in page
