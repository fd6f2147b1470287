"""The visit plan's pages and the visit form: who sees what, what a submission records, and
what bad input gets back."""

from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from genxi.conftest import World
from genxi.core.services import ServiceError
from genxi.demands import services as demands
from genxi.demands.models import Category, Channel, Demand, Visit
from genxi.demands.services import Ask, record_visit
from genxi.pioneers.models import VisitPlan
from genxi.pioneers.services.plans import plan_for
from genxi.pioneers.tests.conftest import Households

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel("2026-11-20 10:00 +0800", tick=False):
        yield


@pytest.fixture
def category(world: World) -> Category:
    return demands.create_category(actor=None, name="生活服务", response_days=1, resolution_days=5)


def client_for(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world[name])
    return client


def visit_url(world: World, room: str, building: Any = None) -> str:
    area = building or world.building1
    return reverse("pioneers:visit_create") + f"?area={area.pk}&room={room}"


def form_data(client: Client, url: str, **fields: Any) -> dict[str, Any]:
    """The form as drawn (its token), with the given fields filled in."""
    page = client.get(url)
    assert page.status_code == 200
    token = page.context["form"]["form_token"].value()
    data: dict[str, Any] = {
        "form_token": str(token),
        "visited_on": "2026-11-20",
        "notes": "",
        "ask-TOTAL_FORMS": "3",
        "ask-INITIAL_FORMS": "0",
        "ask-MIN_NUM_FORMS": "0",
        "ask-MAX_NUM_FORMS": "10",
    }
    data.update(fields)
    return data


def test_the_plan_puts_the_elderly_resident_living_alone_first(
    world: World, households: Households
) -> None:
    page = client_for(world, "carol").get(reverse("pioneers:my_plan"))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert rows[0].residents == [households.sun]
    assert "独居老人" in page.content.decode()
    assert page.context["progress"].planned == 4
    assert VisitPlan.objects.filter(pioneer=world.pioneer, month=NOVEMBER).exists()


def test_a_visit_with_an_ask_raises_a_demand_and_says_its_code(
    world: World, households: Households, category: Category
) -> None:
    client = client_for(world, "carol")
    url = visit_url(world, "101")
    data = form_data(
        client,
        url,
        met=[households.sun.pk],
        notes="身体硬朗",
        **{"ask-0-title": "想申请助餐", "ask-0-category": category.pk},
    )
    answer = client.post(url, data, follow=True)
    assert answer.redirect_chain[-1][0].startswith(reverse("pioneers:my_plan"))
    demand = Demand.objects.get()
    assert demand.channel == Channel.VISIT and demand.visit is not None
    assert demand.visit.notes == "身体硬朗"
    assert demand.code in answer.content.decode()
    rows = answer.context["rows"]
    assert rows[0].done and not rows[1].done
    # Sent again (a retry on a bad network): nothing more.
    client.post(url, data)
    assert Visit.objects.count() == 2  # the fixture's visit and this one
    assert Demand.objects.count() == 1


def test_a_follow_up_is_linked_and_a_closed_one_is_refused_with_nothing_written(
    world: World, households: Households, category: Category
) -> None:
    open_one = demands.collect_demand(
        actor=world["carol"],
        title="楼道灯坏了",
        category=category,
        area=world.building1,
        channel="visit",
        reporters=[households.qian],
    )
    client = client_for(world, "carol")
    url = visit_url(world, "201")
    data = form_data(client, url, met=[households.qian.pk], follow_ups=[open_one.pk])
    assert open_one.code in client.get(url).content.decode()
    # Withdrawn between drawing the form and sending it.
    demands.withdraw(actor=world["bob"], demand=open_one, reason="居民撤回")
    refused = client.post(url, {**data, "ask-0-title": "新问题", "ask-0-category": category.pk})
    assert refused.status_code == 400
    assert open_one.code in refused.content.decode()
    assert Visit.objects.filter(room="201").count() == 0
    assert Demand.objects.count() == 1


def test_a_household_demand_located_elsewhere_is_neither_listed_nor_linked(
    world: World, households: Households, category: Category
) -> None:
    """钱师傅 of 201 reported a demand located in 娄北 (another district): carol, the pioneer
    of 201's grid, does not see it, so the visit form does not list it and the service refuses
    it as a follow-up."""
    elsewhere = demands.collect_demand(
        actor=None,
        title="娄北苑的停车位",
        category=category,
        area=world.loubei_building,
        channel="phone",
        reporters=[households.qian],
    )
    client = client_for(world, "carol")
    page = client.get(visit_url(world, "201")).content.decode()
    assert "娄北苑的停车位" not in page and elsewhere.code not in page
    with pytest.raises(ServiceError) as refused:
        record_visit(
            actor=world["carol"],
            area=world.building1,
            room="201",
            visited_on=date(2026, 11, 20),
            met=[households.qian],
            follow_ups=[elsewhere],
        )
    assert refused.value.field == "follow_ups"
    assert Visit.objects.filter(room="201").count() == 0


def errors_of(answer: Any) -> dict[str, Any]:
    """The field errors of the visit form and its ask rows (the ask rows as ask-<n>-<field>)."""
    found = dict(answer.context["form"].errors)
    for i, row in enumerate(answer.context["asks"].errors):
        found.update({f"ask-{i}-{name}": e for name, e in row.items()})
    for error in answer.context["asks"].non_form_errors():
        found["asks"] = error
    return found


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"visited_on": "2026-11-21"}, "visited_on"),
        ({"visited_on": "99999-99-99"}, "visited_on"),
        ({"ask-0-title": "想申请助餐"}, "ask-0-category"),
        ({"ask-1-category": "<category>"}, "ask-1-title"),
        ({"ask-0-title": "想申请助餐", "ask-0-category": "999999999999999"}, "ask-0-category"),
        ({"ask-0-title": "很" * 101}, "ask-0-title"),
        ({"notes": "很" * 2001}, "notes"),
        ({"met": ["x"]}, "met"),
        ({"ask-TOTAL_FORMS": "5000"}, "asks"),
    ],
)
def test_bad_input_is_refused_on_its_field(
    world: World, households: Households, category: Category, fields: dict[str, Any], field: str
) -> None:
    client = client_for(world, "carol")
    url = visit_url(world, "101")
    fields = {k: category.pk if v == "<category>" else v for k, v in fields.items()}
    answer = client.post(url, form_data(client, url, **fields))
    assert answer.status_code == 400
    errors = errors_of(answer)
    assert field in errors, errors
    # The message is on the page, next to what it concerns.
    assert str(errors[field][0] if isinstance(errors[field], list) else errors[field])[:8] in (
        answer.content.decode()
    )
    assert Visit.objects.filter(room="101").count() == 0


def test_an_inactive_category_is_refused(
    world: World, households: Households, category: Category
) -> None:
    client = client_for(world, "carol")
    url = visit_url(world, "101")
    data = form_data(client, url, **{"ask-0-title": "想申请助餐", "ask-0-category": category.pk})
    demands.update_category(actor=None, category=category, is_active=False)
    answer = client.post(url, data)
    assert answer.status_code == 400
    assert "ask-0-category" in errors_of(answer)
    assert Demand.objects.count() == 0


def test_a_household_outside_the_grid_is_a_404_for_a_pioneer(
    world: World, households: Households
) -> None:
    client = client_for(world, "carol")
    assert client.get(visit_url(world, "101", world.building2)).status_code == 404
    assert client.get(visit_url(world, "999")).status_code == 404
    assert client.get(visit_url(world, "101", world.loubei_building)).status_code == 404
    assert client.get(reverse("pioneers:visit_create") + "?area=x&room=1").status_code == 404
    big = reverse("pioneers:visit_create") + "?area=99999999999999999999&room=1"
    assert client.get(big).status_code == 404
    # Staff may record a visit to a room nobody is registered in (a new family moved in).
    assert client_for(world, "bob").get(visit_url(world, "999")).status_code == 200
    assert client_for(world, "frank").get(visit_url(world, "101")).status_code == 404


def test_staff_see_the_plans_of_their_pioneers_and_others_get_a_404(
    world: World, households: Households
) -> None:
    bob = client_for(world, "bob")
    page = bob.get(reverse("pioneers:plan_list"))
    assert page.status_code == 200
    (row,) = page.context["rows"]
    assert row["pioneer"] == world.pioneer and row["progress"].planned == 4
    plan = VisitPlan.objects.get()
    detail = bob.get(reverse("pioneers:plan_detail", args=[plan.pk]))
    assert detail.status_code == 200 and "孙阿婆" in detail.content.decode()
    assert client_for(world, "frank").get(detail.request["PATH_INFO"]).status_code == 200
    for name in ["oscar", "carol", "erin", "nobody"]:
        assert client_for(world, name).get(detail.request["PATH_INFO"]).status_code == 404
    assert client_for(world, "oscar").get(reverse("pioneers:plan_list")).context["rows"] == []


def test_leadership_reads_the_plans_without_making_them(
    world: World, households: Households
) -> None:
    page = client_for(world, "frank").get(reverse("pioneers:plan_list"))
    assert page.status_code == 200
    assert page.context["rows"][0]["plan"] is None
    assert VisitPlan.objects.count() == 0


def test_a_past_month_shows_the_plan_made_then_and_none_is_made_now(
    world: World, households: Households
) -> None:
    client = client_for(world, "carol")
    october = client.get(reverse("pioneers:my_plan") + "?month=2026-10")
    assert october.context["plan"] is None
    assert VisitPlan.objects.count() == 0
    plan_for(world.pioneer, date(2026, 10, 1))
    again = client.get(reverse("pioneers:my_plan") + "?month=2026-10")
    assert again.context["plan"] is not None
    assert client.get(reverse("pioneers:my_plan") + "?month=junk").status_code == 200


def test_visits_are_listed_for_their_pioneer_and_the_staff_of_the_area(
    world: World, households: Households, category: Category
) -> None:
    visit = record_visit(
        actor=world["carol"],
        area=world.building1,
        room="101",
        visited_on=date(2026, 11, 3),
        met=[households.sun],
        asks=[Ask("想申请助餐", category)],
    )
    detail = reverse("pioneers:visit_detail", args=[visit.pk])
    for name in ["carol", "bob", "alice", "frank"]:
        page = client_for(world, name).get(detail)
        assert page.status_code == 200, name
        assert visit.demands.get().code in page.content.decode()
    for name in ["oscar", "erin", "dave", "nobody"]:
        assert client_for(world, name).get(detail).status_code == 404, name
    listing = client_for(world, "bob").get(reverse("pioneers:visit_list") + "?month=2026-11")
    assert [v.pk for v in listing.context["object_list"]] == [visit.pk]
    october = client_for(world, "bob").get(reverse("pioneers:visit_list") + "?month=2026-10")
    assert [v.pk for v in october.context["object_list"]] == [households.visit.pk]
    found = client_for(world, "carol").get(reverse("pioneers:visit_list") + "?q=101")
    assert [v.pk for v in found.context["object_list"]] == [visit.pk]
    assert client_for(world, "erin").get(reverse("pioneers:visit_list")).status_code == 404


def test_the_home_page_shows_the_plan_card(world: World, households: Households) -> None:
    page = client_for(world, "carol").get("/")
    body = page.content.decode()
    assert 'id="visit-plan"' in body and "孙阿婆" not in body  # households, not names
    assert "三花苑 1幢 101" in body
