"""Grids: the list with households, residents, pioneers and the over-limit chip; a grid's page;
moving a building between grids (with its audit entry); the settings page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from genxi.conftest import World
from genxi.core.models import AuditEntry
from genxi.core.services import ConcurrentEdit, ServiceError
from genxi.pioneers.config import settings_for
from genxi.pioneers.models import Settings
from genxi.pioneers.services.grids import grid_sizes, over_limit, save_settings
from genxi.pioneers.tests.conftest import Households
from genxi.places import services as places
from genxi.places.models import Area, AreaKind

pytestmark = pytest.mark.django_db


def test_grid_sizes_against_the_limit(world: World, households: Households) -> None:
    sizes = {s.grid.name: s for s in grid_sizes([world.grid1, world.grid2])}
    assert sizes["和泰一网格"].households == 5 and sizes["和泰一网格"].limit == 100
    assert over_limit([world.grid1]) == []
    save_settings(actor=world["bob"], area=world.hetai, grid_households_limit=4)
    assert [s.grid for s in over_limit([world.grid1, world.grid2])] == [world.grid1]


def test_the_grid_list(world: World, households: Households, client) -> None:
    save_settings(actor=world["bob"], area=world.hetai, grid_households_limit=4)
    client.force_login(world["bob"])
    html = client.get(reverse("pioneers:grid_list")).content.decode()
    assert "和泰一网格" in html and "和泰二网格" in html and "卡罗尔" in html
    assert html.count("data-over") == 1
    html = client.get(reverse("pioneers:grid_list"), {"over": "1"}).content.decode()
    assert "和泰二网格" not in html
    # oscar sees his street's grids only; carol only the grid she covers.
    client.force_login(world["oscar"])
    assert "和泰" not in client.get(reverse("pioneers:grid_list")).content.decode()
    client.force_login(world["carol"])
    html = client.get(reverse("pioneers:grid_list")).content.decode()
    assert "和泰一网格" in html and "和泰二网格" not in html
    assert client.get(reverse("pioneers:grid_detail", args=[world.grid2.pk])).status_code == 404


def test_the_grid_page(world: World, households: Households, client) -> None:
    client.force_login(world["carol"])
    html = client.get(reverse("pioneers:grid_detail", args=[world.grid1.pk])).content.decode()
    for name in ("孙阿婆", "独居老人", "钱师傅", "吴桂英", "1幢", "卡罗尔"):
        assert name in html, name
    assert "move-building" not in html  # a pioneer does not move buildings
    client.force_login(world["bob"])
    html = client.get(reverse("pioneers:grid_detail", args=[world.grid1.pk])).content.decode()
    assert "move-building" in html


def test_move_a_building_with_an_audit_entry(world: World, households: Households, client) -> None:
    client.force_login(world["bob"])
    url = reverse("pioneers:grid_detail", args=[world.grid1.pk])
    response = client.post(url, {"building": world.building1.pk, "grid": world.grid2.pk})
    assert response.status_code == 302
    world.building1.refresh_from_db()
    assert world.building1.grid_id == world.grid2.pk
    entry = AuditEntry.objects.get(action="area.move_grid")
    assert entry.actor == world["bob"]
    assert entry.changes == {"grid": [world.grid1.pk, world.grid2.pk]}
    # carol's grid is empty now: her households moved with the building.
    assert grid_sizes([world.grid1])[0].households == 0


def test_move_refuses_other_communities_and_non_buildings(world: World, households) -> None:
    far = places.create_area(actor=None, kind=AreaKind.GRID, name="娄北网格", parent=world.loubei)
    with pytest.raises(ServiceError) as exc:
        places.move_building(actor=world["bob"], building=world.building1, grid=far)
    assert exc.value.field == "grid"
    with pytest.raises(ServiceError):
        places.move_building(actor=world["bob"], building=world.compound, grid=world.grid2)
    with pytest.raises(ServiceError):
        places.move_building(actor=world["bob"], building=world.building1, grid=world.grid1)
    assert not AuditEntry.objects.filter(action="area.move_grid").exists()


def test_the_move_form_refuses_a_forged_grid(world: World, households, client) -> None:
    far = places.create_area(actor=None, kind=AreaKind.GRID, name="娄北网格", parent=world.loubei)
    client.force_login(world["bob"])
    url = reverse("pioneers:grid_detail", args=[world.grid1.pk])
    assert client.post(url, {"building": world.building1.pk, "grid": far.pk}).status_code == 400
    assert (
        client.post(url, {"building": world.building2.pk, "grid": world.grid2.pk}).status_code
        == 400
    )
    assert Area.objects.get(pk=world.building1.pk).grid_id == world.grid1.pk
    client.force_login(world["carol"])
    assert (
        client.post(url, {"building": world.building1.pk, "grid": world.grid2.pk}).status_code
        == 404
    )


def test_the_settings_page(world: World, client) -> None:
    client.force_login(world["alice"])
    url = reverse("pioneers:settings")
    assert client.get(url).status_code == 200
    data = {
        "area": world.hetai.pk,
        "grid_households_limit": "80",
        "revisit_days": "60",
        "priority_tags": "独居老人，残疾人,低保户",
        "callback_days": "7",
    }
    assert client.post(url, data).status_code == 302
    mine = settings_for(world.building1)
    assert mine.area_id == world.hetai.pk and mine.grid_households_limit == 80
    assert mine.priority_tag_names() == ["独居老人", "残疾人", "低保户"]
    assert AuditEntry.objects.filter(action="pioneer_settings.update").count() == 1
    # Huge and negative numbers are refused with a message, nothing written.
    for field, value in (
        ("grid_households_limit", "99999999999999999999"),
        ("revisit_days", "-1"),
        ("callback_days", "0"),
        ("grid_households_limit", "5001"),
    ):
        response = client.post(url, {**data, field: value})
        assert response.status_code == 400, (field, value)
        assert field in response.context["form"].errors
    assert Settings.objects.get(area=world.hetai).grid_households_limit == 80
    # The street's own settings, and a community follows them until it has its own.
    assert (
        client.post(url, {**data, "area": world.street.pk, "revisit_days": "30"}).status_code == 302
    )
    assert settings_for(world.building1).revisit_days == 60


def test_settings_saved_from_an_old_page_are_refused_not_overwritten(world: World, client) -> None:
    """alice and bob open 和泰's settings; bob saves first; alice's save from her old page is
    refused with "reload", whether 和泰 had settings of its own yet or not."""
    url = reverse("pioneers:settings") + f"?area={world.hetai.pk}"
    data = {
        "area": world.hetai.pk,
        "grid_households_limit": "80",
        "revisit_days": "60",
        "priority_tags": "独居老人",
        "callback_days": "7",
    }

    def drawn(name: str) -> dict[str, object]:
        client.force_login(world[name])
        form = client.get(url).context["form"]
        stamp = form["updated_at"].value() if "updated_at" in form.fields else None
        return {**data, **({"updated_at": stamp} if stamp else {})}

    for round_, bobs_days in (("first save", "45"), ("later save", "50")):
        alices, bobs = drawn("alice"), drawn("bob")
        client.force_login(world["bob"])
        assert client.post(url, {**bobs, "revisit_days": bobs_days}).status_code == 302, round_
        client.force_login(world["alice"])
        refused = client.post(url, {**alices, "revisit_days": "30"})
        assert refused.status_code == 400, round_
        assert "Reload" in str(refused.context["form"].errors) or "刷新" in str(
            refused.context["form"].errors
        )
        assert Settings.objects.get(area=world.hetai).revisit_days == int(bobs_days)
    # A fresh page saves.
    assert client.post(url, {**drawn("alice"), "revisit_days": "30"}).status_code == 302
    assert Settings.objects.get(area=world.hetai).revisit_days == 30


def test_save_settings_compares_the_stamp(world: World) -> None:
    row = save_settings(actor=world["bob"], area=world.hetai, grid_households_limit=4)
    with pytest.raises(ConcurrentEdit):  # saw no settings, but there are now
        save_settings(actor=world["bob"], area=world.hetai, grid_households_limit=5)
    with pytest.raises(ConcurrentEdit):  # a stamp for a row that is not there
        save_settings(
            actor=world["bob"],
            area=world.street,
            expected_updated_at=row.updated_at,
            grid_households_limit=5,
        )
    saved = save_settings(
        actor=world["bob"],
        area=world.hetai,
        expected_updated_at=row.updated_at,
        grid_households_limit=5,
    )
    assert saved.grid_households_limit == 5 and saved.updated_at > row.updated_at
    with pytest.raises(ConcurrentEdit):
        save_settings(
            actor=world["bob"],
            area=world.hetai,
            expected_updated_at=row.updated_at,
            grid_households_limit=6,
        )
    assert Settings.objects.get(area=world.hetai).grid_households_limit == 5


def test_settings_are_for_staff_of_the_area(world: World, client) -> None:
    client.force_login(world["oscar"])
    url = reverse("pioneers:settings")
    html = client.get(url).content.decode()
    assert "娄北" in html and "和泰" not in html
    # A forged area falls back to his own.
    client.post(
        url,
        {
            "area": world.hetai.pk,
            "grid_households_limit": "3",
            "revisit_days": "9",
            "priority_tags": "",
            "callback_days": "5",
        },
    )
    assert not Settings.objects.filter(area=world.hetai).exists()
    for user in ("carol", "frank", "erin"):
        client.force_login(world[user])
        assert client.get(url).status_code == 404, user
    with pytest.raises(ServiceError):
        save_settings(actor=None, area=world.grid1, grid_households_limit=5)


def test_the_grid_list_costs_the_same_whatever_it_lists(
    world: World, households: Households, client, django_assert_max_num_queries
) -> None:
    client.force_login(world["alice"])
    url = reverse("pioneers:grid_list")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(8):
        grid = places.create_area(
            actor=None, kind=AreaKind.GRID, name=f"和泰{i + 3}网格", parent=world.hetai
        )
        building = places.create_area(
            actor=None, kind=AreaKind.BUILDING, name=f"{i + 3}幢", parent=world.compound, grid=grid
        )
        places.create_resident(actor=None, name=f"住户{i}", area=building, room="101")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
