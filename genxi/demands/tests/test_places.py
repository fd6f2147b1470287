"""Where a demand can be: a compound, a building, a common area (a pavilion, a gate) or a venue,
anywhere in the community for a pioneer, and nowhere outside it."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from genxi.accounts.services import create_api_token
from genxi.conftest import World
from genxi.demands.models import Demand
from genxi.places.models import Area, AreaKind
from genxi.places.services import create_area

pytestmark = pytest.mark.django_db


def common_area(parent: Area, name: str) -> Area:
    return create_area(actor=None, kind=AreaKind.COMMON_AREA, name=name, parent=parent)


def intake(world: World, category, place: Area | None = None, **extra: object) -> dict[str, object]:
    return {
        "title": "休憩亭顶棚破损",
        "category": category.pk,
        "area": place.pk if place else "",
        "channel": "visit",
        "reporters": [world.resident1.pk],
        "form_token": str(uuid.uuid4()),
        **extra,
    }


def test_staff_add_a_common_area_to_a_compound_from_the_area_page(
    client: Client, world: World
) -> None:
    client.force_login(world["bob"])
    page = client.get(reverse("places:area_detail", args=[world.compound.pk])).content.decode()
    url = reverse("places:area_create", args=[world.compound.pk, AreaKind.COMMON_AREA])
    assert url in page and "公共区域" in page
    form = client.get(url).content.decode()
    assert 'name="households"' not in form and 'name="grid"' not in form
    response = client.post(url, {"name": "三花苑休憩亭", "form_token": str(uuid.uuid4())})
    assert response.status_code == 302
    pavilion = Area.objects.get(kind=AreaKind.COMMON_AREA)
    assert pavilion.parent == world.compound and pavilion.community() == world.hetai
    assert pavilion.path.startswith(world.compound.path)
    # Not under a building: the tree's grammar.
    bad = reverse("places:area_create", args=[world.building1.pk, AreaKind.COMMON_AREA])
    assert client.get(bad).status_code == 404


def test_a_pioneer_records_for_a_common_area_outside_his_grid_in_his_community(
    client: Client, world: World, category
) -> None:
    pavilion = common_area(world.compound, "三花苑休憩亭")  # no grid: outside carol's
    assert pavilion.grid_id is None
    client.force_login(world["carol"])
    form = client.get(reverse("demands:demand_create")).content.decode()
    # The picker groups the community's places by compound, common areas marked.
    assert 'label="和泰社区 / 三花苑"' in form and "三花苑休憩亭（公共区域）" in form
    assert "2幢" in form  # another grid's building, in the same community
    response = client.post(reverse("demands:demand_create"), intake(world, category, pavilion))
    assert response.status_code == 302
    demand = Demand.objects.get()
    assert (demand.area, demand.community, demand.created_by) == (
        pavilion,
        world.hetai,
        world["carol"],
    )
    # He sees what he recorded, though it is in no grid of his.
    assert client.get(response["Location"]).status_code == 200
    assert world["carol"].has_perm("demands.add_demand", pavilion)
    # And, having recorded it, he may call its reporters back.
    assert world["carol"].has_perm("demands.call_back_demand", demand)


def test_a_pioneer_cannot_record_outside_his_community(
    client: Client, world: World, category
) -> None:
    elsewhere = common_area(world.baoxiang_compound, "宝祥苑休憩亭")
    client.force_login(world["carol"])
    form = client.get(reverse("demands:demand_create")).content.decode()
    assert "宝祥苑休憩亭" not in form and "宝祥苑" not in form
    response = client.post(reverse("demands:demand_create"), intake(world, category, elsewhere))
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not Demand.objects.exists()
    assert not world["carol"].has_perm("demands.add_demand", elsewhere)
    # Nor over the REST API: the same form refuses the place.
    _token, token = create_api_token(actor=world["carol"], user=world["carol"], name="手机")
    api = client.post(
        "/api/v1/demands",
        {"title": "亭子坏了", "category": category.pk, "area": elsewhere.pk},
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )
    assert api.status_code == 422 and not Demand.objects.exists()


def test_a_demand_about_a_venue_takes_the_venues_place(
    client: Client, world: World, category
) -> None:
    client.force_login(world["bob"])
    form = client.get(reverse("demands:demand_create")).content.decode()
    assert world.venue.name in form and world.other_venue.name not in form
    response = client.post(
        reverse("demands:demand_create"), intake(world, category, None, venue=world.venue.pk)
    )
    assert response.status_code == 302
    demand = Demand.objects.get()
    assert demand.venue == world.venue and demand.area == world.venue.area
    page = client.get(response["Location"]).content.decode()
    assert world.venue.name in page
    # Neither a place nor a venue: asked for one, what was typed kept.
    missing = client.post(reverse("demands:demand_create"), intake(world, category, None))
    assert "请选择地点或微阵地" in missing.content.decode()
    assert "休憩亭顶棚破损" in missing.content.decode()
    # Another community's venue is not offered.
    other = client.post(
        reverse("demands:demand_create"),
        intake(world, category, None, venue=world.other_venue.pk),
    )
    assert "选择一个有效的选项" in other.content.decode() and Demand.objects.count() == 1
