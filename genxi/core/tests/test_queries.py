"""List pages cost the same number of queries whatever they list: no N+1."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from genxi.conftest import World
from genxi.places import services
from genxi.places.models import Tag

pytestmark = pytest.mark.django_db

PAGES = [
    "home:home",
    "places:area_list",
    "places:resident_list",
    "pioneers:appointment_list",
    "places:venue_list",
    "places:partner_list",
    "places:partyorg_list",
]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add_rows(world: World, n: int, start: int) -> None:
    tag, _ = Tag.objects.get_or_create(name="党员")
    for i in range(start, start + n):
        services.create_resident(
            actor=None, name=f"居民{i}", phone=f"1370000{i:04d}", area=world.building1, tags=[tag]
        )
        services.create_venue(actor=None, name=f"阵地{i}", kind="other", area=world.hetai)
        services.create_party_org(actor=None, name=f"支部{i}", kind="branch", area=world.hetai)
        services.create_partner(actor=None, name=f"单位{i}", kind="company", area=world.street)
        services.appoint_pioneer(
            actor=None,
            name=f"先锋{i}",
            community=world.hetai,
            appointed_on=world.pioneer.appointed_on,
            grids=[world.grid1, world.grid2],
        )
        services.create_area(actor=None, kind="compound", name=f"小区{i}", parent=world.hetai)


@pytest.mark.parametrize("page", PAGES)
def test_list_pages_do_not_grow_with_rows(world: World, client, page: str) -> None:
    client.force_login(world["alice"])
    url = reverse(page)
    add_rows(world, 2, 0)
    few = count_queries(client, url)
    add_rows(world, 15, 100)
    many = count_queries(client, url)
    assert many == few, f"{page}: {few} queries with few rows, {many} with many"


def test_area_page_does_not_grow_with_children(world: World, client) -> None:
    client.force_login(world["alice"])
    url = reverse("places:area_detail", args=[world.hetai.pk])
    add_rows(world, 2, 0)
    few = count_queries(client, url)
    add_rows(world, 15, 100)
    assert count_queries(client, url) == few
