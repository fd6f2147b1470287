import random
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from genxi.accounts.models import Membership, Role, User
from genxi.conftest import World
from genxi.core.bulk import GenerateError, Method
from genxi.core.paths import path_segment
from genxi.core.phones import normalize_phone
from genxi.core.pinyin import pinyin_keys
from genxi.places import services
from genxi.places.fake import GIVEN_FEMALE, GIVEN_MALE, SURNAMES, MobileNumbers, Names
from genxi.places.generate import GenerateResult, generate_city
from genxi.places.models import (
    ALLOWED_PARENTS,
    Area,
    AreaKind,
    Partner,
    PartyOrg,
    Pioneer,
    Resident,
    Venue,
)

pytestmark = pytest.mark.django_db

MOBILE = re.compile(r"^1[3-9]\d{9}$")


@pytest.fixture
def city() -> GenerateResult:
    return generate_city(residents=2000, seed=1, progress=False)


def city_areas(result: GenerateResult) -> dict[int, Area]:
    district = Area.objects.get(pk=result.district_id)
    return {a.pk: a for a in Area.objects.subtree(district)}


def city_residents(result: GenerateResult) -> list[Resident]:
    district = Area.objects.get(pk=result.district_id)
    return list(Resident.objects.filter(area__in=Area.objects.subtree(district)))


def community_of(area: Area, areas: dict[int, Area]) -> Area:
    while area.kind != AreaKind.COMMUNITY:
        assert area.parent_id is not None
        area = areas[area.parent_id]
    return area


def assert_consistent_tree(areas: dict[int, Area]) -> None:
    for a in areas.values():
        if a.parent_id is None:
            assert a.kind == AreaKind.DISTRICT
            assert (a.path, a.depth) == (path_segment(a.pk), 0)
            continue
        parent = areas[a.parent_id]
        assert a.path == parent.path + path_segment(a.pk)
        assert a.depth == parent.depth + 1
        assert parent.kind in ALLOWED_PARENTS[a.kind]
        if a.kind == AreaKind.BUILDING:
            assert a.grid_id is not None
            grid = areas[a.grid_id]
            assert grid.kind == AreaKind.GRID
            assert grid.parent_id == community_of(a, areas).pk
        else:
            assert a.grid_id is None


def test_areas_form_a_consistent_tree(city: GenerateResult) -> None:
    areas = city_areas(city)
    assert len(areas) == city.counts["places.Area"]
    assert_consistent_tree(areas)
    kinds = {a.kind for a in areas.values()}
    assert kinds == {"district", "street", "community", "grid", "compound", "building"}
    # The range query and a walk up the parents agree on every community's subtree.
    for community in (a for a in areas.values() if a.kind == AreaKind.COMMUNITY):
        walked = {a.pk for a in areas.values() if community.contains(a)}
        assert set(Area.objects.subtree(community).values_list("pk", flat=True)) == walked
    # Households add up from buildings to the district.
    district = areas[city.district_id]
    buildings = [a for a in areas.values() if a.kind == AreaKind.BUILDING]
    assert district.households == sum(b.households or 0 for b in buildings)
    grids = [a for a in areas.values() if a.kind == AreaKind.GRID]
    assert sum(g.households or 0 for g in grids) == district.households


def test_counts_are_as_requested(city: GenerateResult) -> None:
    residents = city_residents(city)
    assert len(residents) == 2000 == city.counts["places.Resident"]
    areas = city_areas(city)
    assert all(areas[r.area_id].kind == AreaKind.BUILDING for r in residents)
    # Realistic proportions: ~2,500 residents a community, ~50 households a building.
    communities = [a for a in areas.values() if a.kind == AreaKind.COMMUNITY]
    buildings = [a for a in areas.values() if a.kind == AreaKind.BUILDING]
    assert len(communities) == 1
    assert 30 <= sum(b.households or 0 for b in buildings) / len(buildings) <= 70
    assert 2.2 <= 2000 / areas[city.district_id].households <= 3.0  # type: ignore[operator]
    ids = set(areas)
    assert Venue.objects.filter(area__in=ids).count() == city.counts["places.Venue"] > 0
    assert PartyOrg.objects.filter(area__in=ids).count() == city.counts["places.PartyOrg"] > 0
    assert Partner.objects.filter(area__in=ids).count() == city.counts["places.Partner"] > 0
    pioneers = Pioneer.objects.filter(community__in=ids).prefetch_related("grids")
    assert len(pioneers) == city.counts["places.Pioneer"] > 0
    for pioneer in pioneers:
        assert all(g.parent_id == pioneer.community_id for g in pioneer.grids.all())
        if pioneer.resident_id is not None:
            assert pioneer.resident is not None
            assert pioneer.resident.name == pioneer.name


def test_streets_and_communities_scale_with_the_options() -> None:
    result = generate_city(residents=6000, seed=3, streets=2, progress=False)
    areas = city_areas(result)
    streets = [a for a in areas.values() if a.kind == AreaKind.STREET]
    communities = [a for a in areas.values() if a.kind == AreaKind.COMMUNITY]
    assert len(streets) == 2
    assert len(communities) == 2  # 6,000 / 2,500 rounds to 2
    assert {c.parent_id for c in communities} == {s.pk for s in streets}
    assert_consistent_tree(areas)
    assert len(city_residents(result)) == 6000


def test_residents_have_unique_valid_phones_rooms_and_pinyin(city: GenerateResult) -> None:
    residents = city_residents(city)
    phones = [r.phone for r in residents if r.phone]
    assert 0.8 <= len(phones) / len(residents) <= 0.97  # children have no number on file
    assert len(set(phones)) == len(phones)
    for phone in phones:
        assert MOBILE.match(phone)
        assert normalize_phone(phone) == phone  # phonenumbers accepts it
    for r in residents:
        assert re.fullmatch(r"\d{3,4}", r.room)
        assert 2 <= len(r.name) <= 4
        assert (r.name_pinyin, r.name_initials) == pinyin_keys(r.name)


def test_cached_pinyin_equals_pinyin_keys_for_every_surname() -> None:
    names = Names(random.Random(0))
    givens = set(GIVEN_MALE + GIVEN_FEMALE) | {"思远", "建国", "子涵", "欣怡"}
    for surname, _ in SURNAMES:
        for given in givens:
            assert names.keys(surname, given) == pinyin_keys(surname + given), surname + given


def test_phones_skip_numbers_already_stored(world: World) -> None:
    first = MobileNumbers(random.Random(42), "default").next()
    services.create_resident(actor=None, name="撞号", phone=first, area=world.building1)
    assert MobileNumbers(random.Random(42), "default").next() != first


def test_a_second_seed_adds_a_second_city(city: GenerateResult) -> None:
    second = generate_city(residents=2000, seed=2, progress=False)
    assert second.district_id != city.district_id
    assert second.district_name != city.district_name
    first_areas, second_areas = city_areas(city), city_areas(second)
    assert not set(first_areas) & set(second_areas)
    assert_consistent_tree(second_areas)
    phones = list(Resident.objects.exclude(phone=None).values_list("phone", flat=True))
    assert len(phones) == len(set(phones))
    assert Resident.objects.count() == 4000
    # Ids continue after the generated ones (the sequences were moved on PostgreSQL).
    district = Area.objects.get(pk=second.district_id)
    added = services.create_area(actor=None, kind=AreaKind.STREET, name="新建街道", parent=district)
    assert added.pk > max(second_areas)


def test_the_same_seed_is_refused_and_writes_nothing(city: GenerateResult) -> None:
    before = Area.objects.count()
    with pytest.raises(GenerateError, match="seed 1"):
        generate_city(residents=500, seed=1, progress=False)
    assert Area.objects.count() == before


def test_same_seed_same_city_with_every_writer() -> None:
    def snapshot(method: Method) -> list[tuple[object, ...]]:
        with transaction.atomic():
            result = generate_city(residents=800, seed=9, method=method, progress=False)
            rows: list[tuple[object, ...]] = [
                (r.pk, r.name, r.phone, r.room, r.area.path, r.consent_to_contact)
                for r in Resident.objects.select_related("area").order_by("pk")
            ]
            assert result.method == method
            transaction.set_rollback(True)
        return rows

    first = snapshot("insert")
    assert len(first) == 800
    assert snapshot("orm") == first
    if connection.vendor == "postgresql":
        assert snapshot("copy") == first


def test_generated_city_lives_next_to_existing_data(world: World) -> None:
    before = set(Area.objects.values_list("pk", "path"))
    result = generate_city(residents=2500, seed=4, progress=False)
    assert before <= set(Area.objects.values_list("pk", "path"))
    areas = city_areas(result)
    assert_consistent_tree(areas)
    # Scoping keeps the cities apart: 和泰社区's staff see none of the new residents...
    generated = {r.pk for r in city_residents(result)}
    assert not generated & set(
        Resident.objects.visible_to(world["bob"]).values_list("pk", flat=True)
    )
    # ...and a generated community's staff see exactly its residents.
    community = next(a for a in areas.values() if a.kind == AreaKind.COMMUNITY)
    staff = User.objects.create(username="gen-staff")
    Membership.objects.create(user=staff, role=Role.COMMUNITY_STAFF, area=community)
    visible = Resident.objects.visible_to(staff)
    assert visible.count() == Resident.objects.filter(area__path__startswith=community.path).count()
    assert set(visible.values_list("pk", flat=True)) <= generated


def test_command_generates_and_reports() -> None:
    out = StringIO()
    call_command("generate", residents=1200, seed=7, no_progress=True, stdout=out)
    assert "（样本7）" in out.getvalue()
    assert "1,200" in out.getvalue()
    assert Resident.objects.count() == 1200
    # Without --seed the command picks the next unused one.
    call_command("generate", residents=300, no_progress=True, stdout=StringIO())
    call_command("generate", residents=300, no_progress=True, stdout=StringIO())
    districts = Area.objects.filter(kind=AreaKind.DISTRICT)
    assert sorted(d.name[-5:] for d in districts) == ["（样本0）", "（样本1）", "（样本7）"]
    assert Resident.objects.count() == 1800
    with pytest.raises(CommandError, match="seed 7"):
        call_command("generate", residents=300, seed=7, no_progress=True, stdout=StringIO())
