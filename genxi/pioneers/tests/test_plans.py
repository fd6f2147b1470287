"""The month's visit plan: what is in it, in what order, made once and fixed."""

from datetime import date
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from genxi.conftest import World, area
from genxi.core.services import ServiceError
from genxi.demands import services as demands
from genxi.demands.models import Category, Visit
from genxi.demands.services import Ask, record_visit
from genxi.pioneers import plans
from genxi.pioneers.models import PlanItem, Settings, VisitPlan
from genxi.pioneers.services.plans import plan_for
from genxi.pioneers.tests.conftest import Households
from genxi.places.models import AreaKind, Resident, Tag

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel("2026-11-20 10:00 +0800", tick=False):
        yield


@pytest.fixture
def category(world: World) -> Category:
    return demands.create_category(actor=None, name="生活服务", response_days=1, resolution_days=5)


def rooms(plan: VisitPlan) -> list[str]:
    return list(plan.items.order_by("rank").values_list("room", flat=True))


def test_priority_households_come_first_then_the_longest_unvisited(
    world: World, households: Households
) -> None:
    plan = plan_for(world.pioneer, NOVEMBER)
    # 302 was visited 40 days ago: not due (90 days) and not raised first, so not in the plan.
    assert rooms(plan) == ["101", "201", "401", "502"]
    first = plan.items.get(rank=1)
    assert first.tags == ["独居老人"] and first.last_visited_on is None
    assert plan.items.get(room="201").tags == ["残疾人"]


def test_open_demands_raise_a_household_and_the_count_is_kept(
    world: World, households: Households, category: Category
) -> None:
    demands.collect_demand(
        actor=world["carol"],
        title="楼道灯坏了",
        category=category,
        area=world.building1,
        channel="visit",
        reporters=[world.resident1],
    )
    plan = plan_for(world.pioneer, NOVEMBER)
    item = plan.items.get(room="302")
    assert item.open_demands == 1
    assert item.last_visited_on == households.visit.visited_on
    # Priority, but visited more recently than the others that are never visited.
    assert rooms(plan) == ["101", "201", "302", "401", "502"]


def test_revisit_days_and_priority_tags_come_from_the_settings(
    world: World, households: Households
) -> None:
    Settings.objects.create(area=world.hetai, revisit_days=30, priority_tags="残疾人")
    plan = plan_for(world.pioneer, NOVEMBER)
    # 302 was visited on 10-11, within 30 days of the month's first day: still not due.
    assert rooms(plan) == ["201", "101", "401", "502"]
    assert plan.items.get(room="101").tags == []


def test_a_long_unvisited_household_is_due_again(world: World, households: Households) -> None:
    Visit.objects.filter(pk=households.visit.pk).update(visited_on=date(2026, 6, 1))
    plan = plan_for(world.pioneer, NOVEMBER)
    assert rooms(plan) == ["101", "201", "401", "502", "302"]


def test_the_plan_is_made_once_and_fixed(world: World, households: Households) -> None:
    plan = plan_for(world.pioneer, NOVEMBER)
    households.zhao.tags.add(Tag.objects.get(name="残疾人"))
    again = plan_for(world.pioneer, date(2026, 11, 28))
    assert again.pk == plan.pk
    assert rooms(again) == ["101", "201", "401", "502"]
    assert VisitPlan.objects.count() == 1


def test_a_month_that_has_not_begun_is_refused(world: World) -> None:
    with pytest.raises(ServiceError):
        plan_for(world.pioneer, date(2026, 12, 1))


def test_what_is_done_is_read_from_the_pioneers_visits_in_the_month(
    world: World, households: Households, category: Category
) -> None:
    plan = plan_for(world.pioneer, NOVEMBER)
    record_visit(
        actor=world["carol"],
        area=world.building1,
        room="101",
        visited_on=date(2026, 11, 3),
        met=[households.sun],
        asks=[Ask("想申请助餐", category)],
    )
    # Someone else's visit, and carol's visit of last month, do not count.
    record_visit(actor=world["bob"], area=world.building1, room="201", visited_on=date(2026, 11, 4))
    record_visit(
        actor=world["carol"], area=world.building1, room="401", visited_on=date(2026, 10, 30)
    )
    rows = plans.rows_of(plan)
    assert [r.done for r in rows] == [True, False, False, False]
    assert rows[0].residents == [households.sun]
    assert plans.progress_of([plan])[plan.pk].done == 1
    assert plans.badge(world["carol"]) == 3


def test_the_home_card_makes_the_plan_and_shows_the_next_three(
    world: World, households: Households
) -> None:
    card = plans.home_card(world["carol"])
    assert card is not None
    (only,) = card["cards"]
    assert [r.item.room for r in only["next"]] == ["101", "201", "401"]
    assert only["progress"].planned == 4
    assert plans.home_card(world["bob"]) is None


def test_a_badge_counts_nothing_before_the_plan_is_made(
    world: World, households: Households
) -> None:
    assert plans.badge(world["carol"]) == 0
    plan_for(world.pioneer, NOVEMBER)
    assert plans.badge(world["carol"]) == 4


def test_an_ended_appointment_has_no_plan_on_the_home_page(
    world: World, households: Households
) -> None:
    plan_for(world.pioneer, NOVEMBER)
    type(world.pioneer).objects.filter(pk=world.pioneer.pk).update(status="ended")
    assert plans.badge(world["carol"]) == 0
    assert plans.appointments_of(world["carol"]) == []


def _many_households(world: World, n: int) -> None:
    """`n` households in a second building of grid 1, every third with 独居老人, every fifth
    visited long ago (bulk: the services would take minutes for a thousand)."""
    building = area(AreaKind.BUILDING, f"{n}号楼", world.compound, world.grid1)
    residents = Resident.objects.bulk_create(
        Resident(name=f"居民{i}", area=building, room=str(1000 + i)) for i in range(n)
    )
    alone = Tag.objects.get_or_create(name="独居老人")[0]
    Resident.tags.through.objects.bulk_create(
        Resident.tags.through(resident_id=r.pk, tag_id=alone.pk) for r in residents[::3]
    )
    Visit.objects.bulk_create(
        Visit(pioneer=world["carol"], area=building, room=r.room, visited_on=date(2026, 1, 1))
        for r in residents[::5]
    )


def _queries(world: World) -> int:
    """The queries making the plan takes, not counting the items' INSERTs (batched by the
    database's limit on parameters: one per 500 on PostgreSQL, more on SQLite)."""
    VisitPlan.objects.all().delete()
    with CaptureQueriesContext(connection) as captured:
        plan_for(world.pioneer, NOVEMBER)
    inserts = [q for q in captured if 'INSERT INTO "pioneers_planitem"' in q["sql"]]
    assert len(inserts) <= PlanItem.objects.count() // 100 + 1
    return len(captured) - len(inserts)


def test_making_a_plan_takes_the_same_queries_for_ten_or_a_thousand_households(
    world: World,
) -> None:
    _many_households(world, 10)
    few = _queries(world)
    assert PlanItem.objects.count() == 11  # and 周福珍's 302
    _many_households(world, 1000)
    many = _queries(world)
    assert PlanItem.objects.count() == 1011
    assert many <= few  # (the first also looks up a content type, cached after)
    assert few <= 12
    plan = VisitPlan.objects.get()
    first = plan.items.order_by("rank").first()
    assert first is not None and first.tags == ["独居老人"]
