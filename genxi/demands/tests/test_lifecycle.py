"""The demand lifecycle through its services: the seeds' stories, the guards and the races."""

import threading
import uuid
from datetime import date

import pytest
from django.db import connection

from genxi.conftest import World
from genxi.core.models import AuditEntry
from genxi.core.services import ServiceError
from genxi.demands import services
from genxi.demands.models import (
    Callback,
    Demand,
    DemandEvent,
    EventKind,
    Extension,
    ExtensionStatus,
    HandlingPath,
    PublicStatus,
    Satisfaction,
    Status,
)
from genxi.demands.tests.conftest import collect
from genxi.places.models import Resident
from genxi.places.services import create_partner, create_resident

pytestmark = pytest.mark.django_db


def test_the_narrow_gate_from_visit_to_close_out(world: World, category) -> None:
    """清嘉苑: reported on a visit, verified (50 cm), assigned to the city's facilities office,
    widened to 120 cm, called back, closed out."""
    office = create_partner(
        actor=None, name="苏州市市政设施管理处", kind="department", area=world.street
    )
    demand = collect(world, category, description="西侧出口最窄处仅50厘米")
    assert demand.status == Status.COLLECTED and len(demand.code) == 8
    # Friday + 1 and + 5 working days.
    assert (demand.response_due, demand.resolution_due) == (date(2026, 11, 23), date(2026, 11, 27))
    assert not demand.due_provisional and demand.community == world.hetai
    services.add_reporter(actor=world["carol"], demand=demand, resident=world.resident2)
    assert not services.add_reporter(actor=world["carol"], demand=demand, resident=world.resident2)

    services.accept(actor=world["bob"], demand=demand)
    services.verify(actor=world["bob"], demand=demand, findings="现场核实：最窄处约50厘米")
    services.assign(actor=world["bob"], demand=demand, path=HandlingPath.PARTNER, partner=office)
    assert demand.status == Status.ASSIGNED and demand.handler_partner == office
    services.start_handling(actor=world["bob"], demand=demand, expected_on=date(2026, 11, 25))
    services.post_update(actor=world["bob"], demand=demand, text="开始施工", public=True)
    services.resolve(actor=world["bob"], demand=demand, result="通道拓宽至120厘米，重装智能电动门")
    with pytest.raises(ServiceError) as excinfo:
        services.close_out(actor=world["bob"], demand=demand)
    assert excinfo.value.code == "callbacks_missing"
    for resident in (world.resident1, world.resident2):
        services.record_callback(
            actor=world["carol"], demand=demand, resident=resident, result=Satisfaction.SATISFIED
        )
    services.close_out(actor=world["bob"], demand=demand)

    demand.refresh_from_db()
    assert demand.status == Status.CLOSED and demand.public_status == PublicStatus.RESOLVED
    kinds = list(demand.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.COLLECTED,
        EventKind.REPORTER_ADDED,
        EventKind.ACCEPTED,
        EventKind.VERIFIED,
        EventKind.ASSIGNED,
        EventKind.HANDLING,
        EventKind.UPDATE,
        EventKind.RESOLVED,
        EventKind.CALLBACK,
        EventKind.CALLBACK,
        EventKind.CLOSED,
    ]
    assert AuditEntry.objects.for_object(demand).filter(action="demand.closed").exists()


def test_not_satisfied_reopens_for_a_new_round(world: World, category) -> None:
    demand = collect(world, category)
    services.accept(actor=world["bob"], demand=demand)
    services.verify(actor=world["bob"], demand=demand, findings="座椅不够")
    services.assign(actor=world["bob"], demand=demand, path=HandlingPath.COMMUNITY)
    assert demand.status == Status.IN_PROGRESS  # the community handles it at once
    services.resolve(actor=world["bob"], demand=demand, result="增设座椅16个")
    services.record_callback(
        actor=world["bob"],
        demand=demand,
        resident=world.resident1,
        result=Satisfaction.NOT_SATISFIED,
        comment="座椅放错了地方",
    )
    demand.refresh_from_db()
    assert demand.status == Status.IN_PROGRESS and demand.callback_round == 1
    assert demand.resolved_at is None
    services.resolve(actor=world["bob"], demand=demand, result="座椅移到长廊内")
    services.record_callback(
        actor=world["bob"], demand=demand, resident=world.resident1, result=Satisfaction.BASICALLY
    )
    services.close_out(actor=world["bob"], demand=demand)
    assert Callback.objects.filter(demand=demand).count() == 2


def test_two_staff_acting_at_once_one_wins_and_the_other_is_told(world: World, category) -> None:
    demand = collect(world, category)
    seen_by_bob = Demand.objects.get(pk=demand.pk)
    seen_by_alice = Demand.objects.get(pk=demand.pk)
    services.accept(actor=world["alice"], demand=seen_by_alice)
    with pytest.raises(services.StaleDemand) as excinfo:
        services.refer(actor=world["bob"], demand=seen_by_bob, reason="属于物业职责")
    assert "已受理" in excinfo.value.message
    assert Demand.objects.get(pk=demand.pk).status == Status.ACCEPTED
    assert DemandEvent.objects.filter(demand=demand, kind=EventKind.REFERRED).count() == 0


def test_invalid_steps_are_refused_and_write_nothing(world: World, category) -> None:
    demand = collect(world, category)
    events = demand.events.count()
    with pytest.raises(ServiceError) as excinfo:
        services.resolve(actor=world["bob"], demand=demand, result="done")
    assert excinfo.value.code == "invalid_transition"
    with pytest.raises(ServiceError) as excinfo:
        services.refer(actor=world["bob"], demand=demand, reason="  ")
    assert excinfo.value.field == "reason"
    with pytest.raises(ServiceError):
        services.assign(actor=world["bob"], demand=demand, path="partner")
    with pytest.raises(ServiceError):
        services.record_callback(
            actor=world["bob"], demand=demand, resident=world.resident1, result="satisfied"
        )
    assert demand.events.count() == events
    assert Demand.objects.get(pk=demand.pk).status == Status.COLLECTED


def test_a_handler_sends_it_back_and_the_community_decides_again(world: World, category) -> None:
    demand = collect(world, category)
    services.accept(actor=world["bob"], demand=demand)
    services.verify(actor=world["bob"], demand=demand, findings="亭子破损")
    services.assign(
        actor=world["bob"], demand=demand, path=HandlingPath.PARTNER, partner=world.partner
    )
    services.send_back(actor=world["dave"], demand=demand, reason="不在我方管理范围")
    assert demand.status == Status.VERIFIED and demand.handler_partner is None
    services.assign(actor=world["bob"], demand=demand, path=HandlingPath.MEETING)
    assert demand.status == Status.IN_PROGRESS and demand.path == HandlingPath.MEETING


def test_many_residents_one_demand_and_merging_a_duplicate(world: World, category) -> None:
    """宝祥社区: many residents report the broken pavilions; a second record is merged in."""
    first = collect(world, category, title="休憩亭破损")
    neighbour = create_resident(
        actor=None, name="陈阿姨", phone="13700000001", area=world.building2
    )
    duplicate = collect(world, category, title="亭子坏了", reporters=[neighbour, world.resident1])
    services.merge(actor=world["bob"], duplicate=duplicate, into=first)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == first
    assert duplicate.public_status == PublicStatus.CLOSED_UNRESOLVED
    assert sorted(first.reporters.values_list("resident__name", flat=True)) == ["周福珍", "陈阿姨"]
    with pytest.raises(ServiceError):
        services.merge(actor=world["bob"], duplicate=first, into=first)
    with pytest.raises(ServiceError):
        services.add_reporter(actor=None, demand=duplicate, resident=world.resident2)


def test_a_retried_submission_makes_one_demand(world: World, category) -> None:
    token = uuid.uuid4()
    first = collect(world, category, token=token)
    again = collect(world, category, token=token)
    assert first.pk == again.pk
    assert Demand.objects.count() == 1
    assert DemandEvent.objects.filter(kind=EventKind.COLLECTED).count() == 1


def test_a_deadline_into_an_unpublished_year_is_provisional(world: World, category) -> None:
    # Tue 2099-12-29 + 5 working days, Monday to Friday: nobody has published 2099/2100 yet.
    demand = collect(world, category, today=date(2099, 12, 29))
    assert demand.resolution_due == date(2100, 1, 5)
    assert demand.due_provisional


def test_a_place_outside_any_community_or_a_retired_category_is_refused(
    world: World, category
) -> None:
    with pytest.raises(ServiceError) as excinfo:
        collect(world, category, area=world.street)
    assert excinfo.value.field == "area"
    services.update_category(actor=None, category=category, is_active=False)
    with pytest.raises(ServiceError) as excinfo:
        collect(world, category)
    assert excinfo.value.field == "category"
    assert not Demand.objects.exists()


def test_who_sees_which_demand(world: World, category) -> None:
    in_grid = collect(world, category)  # building1: grid 1, recorded by carol
    other_grid = collect(
        world, category, actor=world["bob"], area=world.building2, reporters=[world.resident2]
    )
    elsewhere = collect(
        world,
        category,
        actor=world["oscar"],
        area=world.loubei_building,
        reporters=[world.loubei_resident],
    )
    services.accept(actor=world["bob"], demand=other_grid)
    services.verify(actor=world["bob"], demand=other_grid, findings="x")
    services.assign(
        actor=world["bob"], demand=other_grid, path=HandlingPath.PARTNER, partner=world.partner
    )
    # erin, a resident, raised the first one too ("me too").
    services.add_reporter(
        actor=None, demand=in_grid, resident=Resident.objects.get(user=world["erin"])
    )

    def seen(name: str) -> set[int]:
        return set(Demand.objects.visible_to(world[name]).values_list("pk", flat=True))

    assert seen("alice") == seen("bob") == seen("frank") == {in_grid.pk, other_grid.pk}
    assert seen("carol") == {in_grid.pk}
    assert seen("dave") == {other_grid.pk}
    assert seen("erin") == {in_grid.pk}
    assert seen("oscar") == {elsewhere.pk}
    assert seen("nobody") == set()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_transitions_in_threads_leave_one_winner(world: World, category) -> None:
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("an in-memory SQLite database cannot be shared between threads")
    demand = collect(world, category)
    outcomes: list[str] = []

    def act() -> None:
        try:
            mine = Demand.objects.get(pk=demand.pk)
            services.accept(actor=world["alice"], demand=mine)
            outcomes.append("won")
        except services.StaleDemand:
            outcomes.append("told")
        except ServiceError:
            outcomes.append("refused")  # read the demand after the other had moved it
        finally:
            connection.close()

    threads = [threading.Thread(target=act) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1 and len(outcomes) == 8
    moves = DemandEvent.objects.filter(demand=demand).exclude(kind=EventKind.COLLECTED)
    assert moves.count() == 1


def test_a_handler_asks_for_more_time_and_staff_decide_once(world: World, category) -> None:
    demand = collect(world, category)  # resolve by 2026-11-27
    services.accept(actor=world["bob"], demand=demand)
    services.verify(actor=world["bob"], demand=demand, findings="x")
    services.assign(
        actor=world["bob"], demand=demand, path=HandlingPath.PARTNER, partner=world.partner
    )
    with pytest.raises(ServiceError) as excinfo:
        services.request_extension(
            actor=world["dave"], demand=demand, new_due=date(2026, 11, 27), reason="材料未到"
        )
    assert excinfo.value.field == "new_due"
    first = services.request_extension(
        actor=world["dave"], demand=demand, new_due=date(2026, 12, 4), reason="材料未到"
    )
    with pytest.raises(ServiceError) as excinfo:
        services.request_extension(
            actor=world["dave"], demand=demand, new_due=date(2026, 12, 11), reason="再等等"
        )
    assert excinfo.value.code == "pending"
    services.decide_extension(actor=world["bob"], extension=first, approve=True)
    demand.refresh_from_db()
    assert demand.resolution_due == date(2026, 12, 4)
    with pytest.raises(ServiceError):
        services.decide_extension(actor=world["alice"], extension=first, approve=False)
    second = services.request_extension(
        actor=world["dave"], demand=demand, new_due=date(2026, 12, 11), reason="再等等"
    )
    services.decide_extension(
        actor=world["bob"], extension=second, approve=False, note="请按期完成"
    )
    demand.refresh_from_db()
    assert demand.resolution_due == date(2026, 12, 4)
    assert list(Extension.objects.values_list("status", flat=True)) == [
        ExtensionStatus.REFUSED,
        ExtensionStatus.APPROVED,
    ]
    assert demand.events.filter(kind=EventKind.DEADLINE).count() == 4
