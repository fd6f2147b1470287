"""Hand-parsed parameters: ids that are not ASCII digits ("²".isdigit() is True) or too large
for the database, and months or periods far in the past or the future, answer a page (or a
form error), never a server error."""

from datetime import date

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from genxi.conftest import World
from genxi.core.services import ServiceError
from genxi.pioneers.models import Assessment
from genxi.pioneers.services import assessment as services

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel("2026-11-20 10:00 +0800", tick=False):
        yield


def client_for(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world[name])
    return client


@pytest.mark.parametrize("value", ["²", HUGE, "-1", "１２"])
def test_ids_in_the_address_that_are_not_ids(world: World, value: str) -> None:
    bob = client_for(world, "bob")
    alice = client_for(world, "alice")
    assert bob.get(reverse("pioneers:ranking"), {"community": value}).status_code == 200
    assert alice.get(reverse("pioneers:scheme"), {"area": value}).status_code == 200
    assert bob.get(reverse("pioneers:grid_list"), {"community": value}).status_code == 200
    visit = reverse("pioneers:visit_create")
    assert bob.get(visit, {"area": value, "room": "302"}).status_code == 404


@pytest.mark.parametrize("value", ["²", HUGE])
def test_awarding_to_residents_that_are_not_ids(world: World, value: str) -> None:
    bob = client_for(world, "bob")
    url = reverse("pioneers:points_award")
    token = bob.get(url).context["form"]["form_token"].value()
    answer = bob.post(url, {"form_token": token, "residents": [value]})
    assert answer.status_code == 400  # the form's errors
    assert answer.context["form"].errors


@pytest.mark.parametrize("value", ["²", HUGE])
def test_visit_and_appointment_choices_that_are_not_ids(world: World, value: str) -> None:
    carol = client_for(world, "carol")
    url = reverse("pioneers:visit_create") + f"?area={world.building1.pk}&room=302"
    token = carol.get(url).context["form"]["form_token"].value()
    data = {"form_token": token, "visited_on": "2026-11-20", "ask-TOTAL_FORMS": "0"}
    data.update({"ask-INITIAL_FORMS": "0", "ask-MIN_NUM_FORMS": "0", "ask-MAX_NUM_FORMS": "10"})
    for field in ("met", "follow_ups"):
        answer = carol.post(url, {**data, field: [value]})
        assert answer.status_code == 400
        assert field in answer.context["form"].errors
    bob = client_for(world, "bob")
    edit = reverse("pioneers:appointment_edit", args=[world.pioneer.pk])
    answer = bob.post(edit, {"grids": [value]})
    assert answer.status_code in (200, 400)
    assert "grids" in answer.context["form"].errors


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1999-12", "2027-01", "²-1", HUGE + "-1"])
def test_months_out_of_range_show_a_month(world: World, month: str) -> None:
    bob = client_for(world, "bob")
    assert bob.get(reverse("pioneers:visit_list"), {"month": month}).status_code == 200
    plans = bob.get(reverse("pioneers:plan_list"), {"month": month})
    assert plans.status_code == 200
    assert plans.context["month"] == date(2026, 11, 1)
    carol = client_for(world, "carol")
    mine = carol.get(reverse("pioneers:my_plan"), {"month": month})
    assert mine.status_code == 200


def test_the_first_month_has_no_previous_link(world: World) -> None:
    page = client_for(world, "bob").get(reverse("pioneers:plan_list"), {"month": "2000-01"})
    assert page.context["month"] == date(2000, 1, 1)
    assert page.context["previous"] is None


@pytest.mark.parametrize("kind", ["month", "quarter", "year"])
@pytest.mark.parametrize("start", ["0001-01-01", "1999-12-01", "9999-12-31"])
def test_periods_out_of_range_show_the_current_one(world: World, kind: str, start: str) -> None:
    query = {"kind": kind, "start": start}
    mine = client_for(world, "carol").get(reverse("pioneers:my_assessment"), query)
    assert mine.status_code == 200
    assert mine.context["period"].start <= date(2026, 11, 20)
    assert mine.context["period"].start >= date(2026, 1, 1)
    detail = reverse("pioneers:assessment_detail", args=[world.pioneer.pk])
    assert client_for(world, "bob").get(detail, query).status_code == 200
    alice = client_for(world, "alice")
    assert alice.get(reverse("pioneers:ranking"), query).status_code == 200
    assert alice.get(reverse("pioneers:ranking_print"), query).status_code == 200


@pytest.mark.parametrize("start", ["0001-01-01", "1999-12-01", "", "²"])
def test_computing_a_period_before_2000_is_refused(world: World, start: str) -> None:
    alice = client_for(world, "alice")
    answer = alice.post(reverse("pioneers:ranking"), {"kind": "month", "start": start})
    assert answer.status_code == 302
    assert [m.level_tag for m in get_messages(answer.wsgi_request)] == ["error"]
    assert alice.get(answer.url).status_code == 200
    assert not Assessment.objects.exists()


def test_check_period_refuses_a_start_before_2000() -> None:
    with pytest.raises(ServiceError) as refused:
        services.check_period("month", date(1999, 12, 1))
    assert refused.value.field == "period"
    with pytest.raises(ServiceError):
        services.check_period("year", date.min)
    assert services.check_period("month", date(2000, 1, 1)).start == date(2000, 1, 1)
