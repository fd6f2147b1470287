"""Recording a home visit: asks become demands, follow-ups are linked, all or nothing."""

import uuid
from datetime import date, timedelta

import pytest
import time_machine

from genxi.conftest import World
from genxi.core.models import AuditEntry
from genxi.core.services import ServiceError
from genxi.demands import services
from genxi.demands.models import Category, Channel, Demand, Status, Visit
from genxi.demands.services import Ask, record_visit
from genxi.demands.tests.conftest import collect, resolved
from genxi.places import services as places
from genxi.places.models import Resident

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel("2026-11-20 10:00 +0800", tick=False):
        yield


@pytest.fixture
def spouse(world: World) -> Resident:
    """周福珍's husband in 302."""
    return places.create_resident(
        actor=None, name="李德全", phone="13812340000", area=world.building1, room="302"
    )


def visit(world: World, **kwargs: object) -> Visit:
    fields: dict[str, object] = {
        "actor": world["carol"],
        "area": world.building1,
        "room": "302",
        "visited_on": TODAY,
    }
    return record_visit(**{**fields, **kwargs})


def test_a_visit_records_whom_was_met_and_raises_each_ask(
    world: World, category: Category, spouse: Resident
) -> None:
    recorded = visit(
        world,
        met=[world.resident1],
        notes="  腿脚不便  ",
        asks=[Ask("楼道灯坏了", category), Ask("想申请助餐", category, "每天中午")],
    )
    assert recorded.pioneer == world["carol"]
    assert recorded.notes == "腿脚不便"
    assert list(recorded.met.all()) == [world.resident1]
    demands = list(recorded.demands.order_by("id"))
    assert [d.title for d in demands] == ["楼道灯坏了", "想申请助餐"]
    for demand in demands:
        assert demand.channel == Channel.VISIT
        assert demand.area == world.building1
        assert demand.created_by == world["carol"]
        # Reported by whom the pioneer met, not the whole household.
        assert list(demand.reporters.values_list("resident", flat=True)) == [world.resident1.pk]
    assert demands[1].description == "每天中午"
    assert AuditEntry.objects.filter(action="visit.create", object_id=str(recorded.pk)).exists()


def test_nobody_met_the_household_reports_the_ask(
    world: World, category: Category, spouse: Resident
) -> None:
    recorded = visit(world, nobody_home=True, asks=[Ask("门口堆物", category)])
    demand = recorded.demands.get()
    reporters = set(demand.reporters.values_list("resident", flat=True))
    assert reporters == {world.resident1.pk, spouse.pk}
    assert recorded.nobody_home


def test_follow_ups_link_open_demands_of_the_household(world: World, category: Category) -> None:
    open_one = collect(world, category)
    recorded = visit(world, met=[world.resident1], follow_ups=[open_one, open_one])
    assert list(recorded.follow_ups.all()) == [open_one]
    assert recorded.demands.count() == 0


def test_a_closed_follow_up_is_refused_and_nothing_is_written(
    world: World, category: Category
) -> None:
    done = resolved(world, category)
    services.record_callback(
        actor=world["carol"], demand=done, resident=world.resident1, result="satisfied"
    )
    done.refresh_from_db()
    services.close_out(actor=world["bob"], demand=done)
    done.refresh_from_db()
    assert done.status == Status.CLOSED
    demands = Demand.objects.count()
    with pytest.raises(ServiceError) as exc:
        visit(world, met=[world.resident1], asks=[Ask("新问题", category)], follow_ups=[done])
    assert done.code in exc.value.message
    assert exc.value.field == "follow_ups"
    assert Visit.objects.count() == 0
    assert Demand.objects.count() == demands


def test_a_follow_up_from_another_household_is_refused(world: World, category: Category) -> None:
    elsewhere = collect(world, category, area=world.building2, reporters=[world.resident2])
    with pytest.raises(ServiceError, match=elsewhere.code):
        visit(world, follow_ups=[elsewhere])
    assert Visit.objects.count() == 0


def test_a_visit_in_the_future_is_refused(world: World) -> None:
    with pytest.raises(ServiceError) as exc:
        visit(world, visited_on=TODAY + timedelta(days=1))
    assert exc.value.field == "visited_on"


def test_an_empty_room_is_refused_unless_staff(world: World) -> None:
    with pytest.raises(ServiceError) as exc:
        visit(world, room="999")
    assert exc.value.field == "room"
    by_staff = visit(world, actor=world["bob"], room="999", nobody_home=True)
    assert by_staff.pioneer == world["bob"]


def test_only_the_household_can_be_met(world: World) -> None:
    with pytest.raises(ServiceError) as exc:
        visit(world, met=[world.resident2])
    assert exc.value.field == "met"


def test_met_and_nobody_home_together_are_refused(world: World) -> None:
    with pytest.raises(ServiceError):
        visit(world, met=[world.resident1], nobody_home=True)


def test_an_inactive_category_or_an_empty_title_is_refused(
    world: World, category: Category
) -> None:
    with pytest.raises(ServiceError):
        visit(world, asks=[Ask("  ", category)])
    services.update_category(actor=None, category=category, is_active=False)
    category.refresh_from_db()
    with pytest.raises(ServiceError, match=category.name):
        visit(world, asks=[Ask("楼道灯坏了", category)])
    assert Visit.objects.count() == 0


def test_huge_notes_and_too_many_asks_are_refused(world: World, category: Category) -> None:
    with pytest.raises(ServiceError) as exc:
        visit(world, notes="很" * 5000)
    assert exc.value.field == "notes"
    with pytest.raises(ServiceError):
        visit(world, asks=[Ask(f"第{i}件事", category) for i in range(11)])
    assert Visit.objects.count() == 0 and Demand.objects.count() == 0


def test_a_retried_submission_records_nothing_twice(world: World, category: Category) -> None:
    token = uuid.uuid4()
    first = visit(world, met=[world.resident1], asks=[Ask("楼道灯坏了", category)], token=token)
    again = visit(world, met=[world.resident1], asks=[Ask("楼道灯坏了", category)], token=token)
    assert again.pk == first.pk
    assert Visit.objects.count() == 1
    assert Demand.objects.count() == 1


def test_a_visit_needs_a_person(world: World) -> None:
    with pytest.raises(ServiceError):
        visit(world, actor=None)
