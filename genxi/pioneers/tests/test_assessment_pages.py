"""The assessment's pages: who opens what (404 outside), compute, export, print, the scheme's
form errors, the community's rating form (bad numbers, stale), residents' stars."""

import io
from datetime import date
from typing import Any

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from genxi.conftest import World
from genxi.pioneers import assessment as engine
from genxi.pioneers.models import Assessment, Rating, ResidentRating
from genxi.pioneers.services import assessment as services
from genxi.pioneers.tests.test_assessment import NOW, carols_month
from genxi.places import services as places

pytestmark = pytest.mark.django_db

RANKING = reverse("pioneers:ranking")
MONTH = "?kind=month&start=2026-11-01"


def release(response: Any) -> None:
    """Close a file response's file without `response.close()`, whose request_finished signal
    would close the test's database connection (on PostgreSQL)."""
    for closer in response._resource_closers:
        closer()
    response._resource_closers.clear()


def client_for(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world[name])
    return client


@pytest.fixture
def frozen() -> object:
    with time_machine.travel(NOW, tick=False):
        yield


def test_who_opens_the_pages(world: World, frozen: None) -> None:
    detail = reverse("pioneers:assessment_detail", args=[world.pioneer.pk])
    mine = reverse("pioneers:my_assessment")
    for name, url, status in [
        ("alice", RANKING, 200),
        ("bob", RANKING, 200),
        ("frank", RANKING, 200),
        ("oscar", RANKING, 200),
        ("carol", RANKING, 404),
        ("erin", RANKING, 404),
        ("nobody", RANKING, 404),
        ("carol", mine, 200),
        ("alice", mine, 404),
        ("alice", detail, 200),
        ("bob", detail, 200),
        ("frank", detail, 200),
        ("carol", detail, 200),
        ("oscar", detail, 404),
        ("erin", detail, 404),
        ("alice", reverse("pioneers:scheme"), 200),
        ("frank", reverse("pioneers:scheme"), 404),
        ("carol", reverse("pioneers:rate_my_pioneer"), 404),
    ]:
        got = client_for(world, name).get(url).status_code
        assert got == status, (name, url, got)


def test_compute_then_rank_export_and_print(world: World, frozen: None) -> None:
    carols_month(world)
    alice = client_for(world, "alice")
    page = alice.get(RANKING + MONTH)
    assert "尚未计算" in page.content.decode() or "Not computed" in page.content.decode()
    answer = alice.post(RANKING, {"kind": "month", "start": "2026-11-01"})
    assert answer.status_code == 302
    assert str(Assessment.objects.get().total) == "64.17"
    html = alice.get(RANKING + MONTH).content.decode()
    assert "卡罗尔" in html and "64.17" in html and "grade-chart-data" in html
    export = alice.get(reverse("pioneers:ranking_export") + MONTH)
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    release(export)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][:2] == ("1", "卡罗尔") and rows[1][6] == "64.17"
    printed = alice.get(reverse("pioneers:ranking_print") + MONTH).content.decode()
    assert "64.17" in printed and "data-print" in printed
    # frank (leadership) sees but does not compute; a future period is refused.
    assert client_for(world, "frank").post(RANKING, {"kind": "month"}).status_code == 404
    alice.post(RANKING, {"kind": "month", "start": "2026-12-01"})
    assert Assessment.objects.count() == 1
    # oscar's street has nobody of 白洋湾; the community filter outside scope is 404.
    oscar = client_for(world, "oscar")
    assert "卡罗尔" not in oscar.get(RANKING + MONTH).content.decode()
    assert oscar.get(RANKING + MONTH + f"&community={world.hetai.pk}").status_code == 404


def test_the_pioneer_sees_each_indicator_and_its_records(world: World, frozen: None) -> None:
    month = carols_month(world)
    page = client_for(world, "carol").get(reverse("pioneers:my_assessment")).content.decode()
    for key in ("visits", "demands", "on_time", "satisfaction", "callbacks", "hours"):
        assert f'data-how="{key}"' in page
    assert month.late.code in page and "敬老志愿服务" in page
    assert "64.17" in page


def test_the_community_rating_form(world: World, frozen: None) -> None:
    url = reverse("pioneers:assessment_detail", args=[world.pioneer.pk]) + MONTH
    bob = client_for(world, "bob")
    for bad in ("101", str(10**12), "abc"):
        answer = bob.post(url, {"score": bad, "updated_at": ""})
        assert answer.status_code == 200 and not Rating.objects.exists()
    assert bob.post(url, {"score": "85", "updated_at": ""}).status_code == 302
    # alice's form was built before bob's rating: stale, refused with a message.
    answer = client_for(world, "alice").post(url, {"score": "70", "updated_at": ""})
    assert answer.status_code == 200 and "刷新" in answer.content.decode()
    assert Rating.objects.get().score == 85
    # frank (leadership) reads without a form, and may not post.
    assert 'data-form="rating"' not in client_for(world, "frank").get(url).content.decode()
    assert client_for(world, "frank").post(url, {"score": "1"}).status_code == 404


def test_the_scheme_form_says_what_is_wrong(world: World) -> None:
    alice = client_for(world, "alice")
    url = reverse("pioneers:scheme")
    data: dict[str, object] = {"street_share": 60, "community_share": 30, "resident_share": 20}
    for key, weight in [("visits", 50), ("demands", 40)]:
        data[f"use_{key}"] = "on"
        data[f"weight_{key}"] = weight
    data["target_demands"] = 4
    data.update(grade_name_0="优秀", grade_min_0=90, grade_name_1="合格", grade_min_1=0)
    page = alice.post(url, data).content.decode()
    assert "110" in page  # the shares' sum
    data["resident_share"] = 10
    page = alice.post(url, data).content.decode()
    assert "90" in page and "100" in page  # the weights' sum
    data["weight_visits"] = 60
    assert alice.post(url, data).status_code == 302
    scheme = services.engine.scheme_for(world.hetai)
    assert [(r.key, r.weight) for r in scheme.indicators] == [("visits", 60), ("demands", 40)]


def test_a_resident_rates_their_grid_pioneer(world: World, frozen: None) -> None:
    other = places.appoint_pioneer(
        actor=None,
        name="二网格先锋",
        community=world.hetai,
        appointed_on=date(2026, 1, 1),
        grids=[world.grid2],
    )
    erin = client_for(world, "erin")
    url = reverse("pioneers:rate_my_pioneer")
    assert "二网格先锋" in erin.get(reverse("home:home")).content.decode()
    assert erin.get(url + f"?pioneer={world.pioneer.pk}").status_code == 404
    token = erin.get(url).context["form"]["form_token"].value()
    assert erin.post(url, {"stars": "9", "form_token": token}).status_code == 200
    assert erin.post(url, {"stars": "4", "form_token": token}).status_code == 302
    assert erin.post(url, {"stars": "4", "form_token": token}).status_code == 200
    assert ResidentRating.objects.get().pioneer == other
    assert ResidentRating.objects.get().stars == 4


def test_a_pioneer_without_an_account_lists_no_one_elses_records(
    world: World, frozen: None
) -> None:
    """A pioneer without an account has no visits, demands or call-backs: the page must not
    list every anonymous demand (created_by IS NULL) in the city."""
    from genxi.demands import services as demands
    from genxi.pioneers.tests.test_assessment import category

    demands.collect_demand(
        actor=None,
        title="娄北苑的井盖松了",
        category=category(),
        area=world.loubei_building,
        channel="phone",
    )
    accountless = places.appoint_pioneer(
        actor=None, name="无账号先锋", community=world.hetai, appointed_on=date(2026, 1, 1)
    )
    url = reverse("pioneers:assessment_detail", args=[accountless.pk])
    page = client_for(world, "bob").get(url)
    assert page.status_code == 200
    assert "娄北苑的井盖松了" not in page.content.decode()


def test_the_records_behind_are_only_what_the_viewer_sees(world: World, frozen: None) -> None:
    month = carols_month(world)
    period = engine.period_of("month", date(2026, 11, 1))
    assert month.late in engine.records_behind(world.pioneer, "demands", period, world["bob"])
    assert engine.records_behind(world.pioneer, "demands", period, world["oscar"]) == []
    assert engine.records_behind(world.pioneer, "satisfaction", period, world["oscar"]) == []
