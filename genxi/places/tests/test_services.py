import threading
import uuid
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from genxi.conftest import World, area
from genxi.core.models import AuditEntry
from genxi.core.phones import mask_phone
from genxi.core.services import ConcurrentEdit, ServiceError
from genxi.places import services
from genxi.places.models import Area, AreaKind, Partner, Resident

pytestmark = pytest.mark.django_db


def test_paths_make_subtrees_one_range(world: World) -> None:
    street_tree = set(Area.objects.subtree(world.street).values_list("name", flat=True))
    assert {"白洋湾街道", "和泰社区", "三花苑", "宝祥社区", "和泰一网格"} <= street_tree
    assert "娄北社区" not in street_tree
    assert world.building1.path.startswith(world.compound.path)
    assert world.building1.depth == 4
    assert [a.name for a in world.building1.ancestors()] == [
        "姑苏区",
        "白洋湾街道",
        "和泰社区",
        "三花苑",
    ]
    assert world.building1.community() == world.hetai
    assert world.building1.street() == world.street


def test_the_tree_grammar_is_enforced(world: World) -> None:
    with pytest.raises(ServiceError) as excinfo:
        area(AreaKind.BUILDING, "9幢", world.street)
    assert excinfo.value.field == "parent"
    with pytest.raises(ServiceError):
        area(AreaKind.COMMUNITY, "错位社区", world.hetai)
    with pytest.raises(ServiceError):
        # A building cannot join a grid of another community.
        area(
            AreaKind.BUILDING,
            "9幢",
            world.compound,
            grid=Area.objects.create(kind="grid", name="x", path="9", parent=world.loubei),
        )
    assert not Area.objects.filter(name="9幢").exists()


def test_duplicate_area_name_under_one_parent_is_refused(world: World) -> None:
    before = Area.objects.count()
    with pytest.raises(ServiceError):
        area(AreaKind.COMPOUND, "三花苑", world.hetai)
    assert Area.objects.count() == before


def test_every_write_is_audited_with_its_changes(world: World) -> None:
    venue = services.create_venue(
        actor=world["bob"], name="金言议事角", kind="deliberation", area=world.hetai
    )
    entry = AuditEntry.objects.for_object(venue).get()
    assert entry.actor == world["bob"] and entry.action == "venue.create"
    services.update_venue(actor=world["bob"], venue=venue, capacity=30)
    update = AuditEntry.objects.for_object(venue).filter(action="venue.update").get()
    assert update.changes == {"capacity": [None, 30]}
    # Nothing changed, nothing logged.
    services.update_venue(actor=world["bob"], venue=venue, capacity=30)
    assert AuditEntry.objects.for_object(venue).count() == 2


def test_resident_phone_is_normalised_unique_and_never_logged_in_clear(world: World) -> None:
    resident = services.create_resident(
        actor=world["bob"], name="王秀兰", phone="+86 136-1234-5678", area=world.building1
    )
    assert resident.phone == "13612345678"
    assert (resident.name_pinyin, resident.name_initials) == ("wangxiulan", "wxl")
    before = Resident.objects.count()
    with pytest.raises(ServiceError) as excinfo:
        services.create_resident(actor=None, name="重复", phone="13612345678", area=world.building1)
    assert "已登记" in excinfo.value.message
    assert Resident.objects.count() == before
    services.update_resident(actor=world["bob"], resident=resident, phone="13712345678")
    entry = AuditEntry.objects.for_object(resident).filter(action="resident.update").get()
    assert "13712345678" not in str(entry.changes) and "13612345678" not in str(entry.changes)


def test_malformed_phone_is_a_chinese_error(world: World) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.create_resident(actor=None, name="张三", phone="12345", area=world.building1)
    assert "不是有效的手机号码" in " ".join(excinfo.value.messages)
    assert not Resident.objects.filter(name="张三").exists()


def test_masking() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("051265001234") == "051*****1234"
    assert mask_phone(None) == ""


def test_a_retried_create_makes_one_object(world: World) -> None:
    token = uuid.uuid4()
    first = services.create_venue(
        actor=None, name="同心空间", kind="other", area=world.hetai, token=token
    )
    again = services.create_venue(
        actor=None, name="同心空间", kind="other", area=world.hetai, token=token
    )
    assert first.pk == again.pk
    assert AuditEntry.objects.for_object(first).count() == 1


def test_a_stale_edit_is_refused_and_loses_nothing(world: World) -> None:
    venue = world.venue
    seen = venue.updated_at
    services.update_venue(actor=world["alice"], venue=venue, capacity=40)
    stale = type(venue).objects.get(pk=venue.pk)
    with pytest.raises(ConcurrentEdit):
        services.update_venue(
            actor=world["bob"], venue=stale, capacity=30, expected_updated_at=seen
        )
    assert type(venue).objects.get(pk=venue.pk).capacity == 40


def test_pioneer_grids_must_be_in_the_community(world: World) -> None:
    with pytest.raises(ServiceError):
        services.appoint_pioneer(
            actor=None,
            name="错网格",
            community=world.loubei,
            appointed_on=date(2026, 1, 1),
            grids=[world.grid1],
        )
    with pytest.raises(ServiceError):
        services.appoint_pioneer(
            actor=None,
            name="倒序任期",
            community=world.hetai,
            appointed_on=date(2026, 1, 1),
            term_ends_on=date(2025, 1, 1),
        )


def test_pioneer_term_decides_whose_grid_residents_are_visible(world: World) -> None:
    carol = world["carol"]
    assert list(Resident.objects.visible_to(carol)) == [world.resident1]
    services.update_pioneer(actor=None, pioneer=world.pioneer, term_ends_on=date(2025, 6, 30))
    carol = type(carol).objects.get(pk=carol.pk)  # fresh caches
    assert list(Resident.objects.visible_to(carol)) == []
    # The pioneer role itself lapses with the term: no areas, venues or pages any more.
    assert carol.active_memberships() == []
    assert not Area.objects.visible_to(carol).exists()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_of_one_form_make_one_object(world: World) -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip("an in-memory SQLite database cannot be shared between threads")
    token = uuid.uuid4()
    results: list[int] = []

    def submit() -> None:
        try:
            results.append(
                services.create_venue(
                    actor=None, name="舍得空间", kind="recycling", area=world.hetai, token=token
                ).pk
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and len(results) == 4


def test_a_unit_registered_with_the_street_serves_its_communities(world: World) -> None:
    office = services.create_partner(
        actor=None, name="苏州市市政设施管理处", kind="department", area=world.street
    )
    bob = type(world["bob"]).objects.get(pk=world["bob"].pk)
    assert office in Partner.objects.visible_to(bob)  # 和泰 staff can assign to it
    assert world.partner not in Partner.objects.visible_to(bob)  # 宝祥's property company
    oscar = type(world["oscar"]).objects.get(pk=world["oscar"].pk)
    assert office not in Partner.objects.visible_to(oscar)  # another street
