"""Call-back rounds: who is left to call, when the demand moves on, when it may be closed out."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from genxi.accounts.services import create_api_token
from genxi.conftest import World
from genxi.core.services import ServiceError
from genxi.demands import actions, services
from genxi.demands.models import Demand, EventKind, Satisfaction, Status
from genxi.demands.tests.conftest import resolved

pytestmark = pytest.mark.django_db


def test_every_reporter_satisfied_moves_the_demand_on_to_close_out(world: World, category) -> None:
    demand = resolved(world, category, reporters=[world.resident1, world.resident2])
    assert "callback" in actions.available(demand, world["bob"])
    assert "close" not in actions.available(demand, world["bob"])
    with pytest.raises(ServiceError) as excinfo:
        services.close_out(actor=world["bob"], demand=demand)
    assert excinfo.value.code == "callbacks_missing"

    services.record_callback(
        actor=world["bob"], demand=demand, resident=world.resident1, result=Satisfaction.SATISFIED
    )
    demand.refresh_from_db()
    assert demand.status == Status.RESOLVED  # one reporter is still to call
    assert "close" not in actions.available(demand, world["bob"])

    services.record_callback(
        actor=world["bob"], demand=demand, resident=world.resident2, result=Satisfaction.BASICALLY
    )
    demand.refresh_from_db()
    assert demand.status == Status.CALLED_BACK
    assert str(Status.CALLED_BACK.label) == "已回访（待销号）"
    # Nobody is left to call: no call-back form; close-out is offered.
    offered = actions.available(demand, world["bob"])
    assert "callback" not in offered and "unreachable" not in offered and "close" in offered
    last = demand.events.order_by("-at", "-id").first()
    assert last is not None and last.kind == EventKind.CALLBACK
    assert (last.from_status, last.to_status) == (Status.RESOLVED, Status.CALLED_BACK)
    with pytest.raises(ServiceError):
        services.record_callback(
            actor=world["bob"], demand=demand, resident=world.resident1, result="satisfied"
        )

    services.close_out(actor=world["bob"], demand=demand)
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED


def test_a_new_round_after_not_satisfied_needs_every_reporter_again(world: World, category) -> None:
    demand = resolved(world, category, reporters=[world.resident1, world.resident2])
    services.record_callback(
        actor=world["bob"], demand=demand, resident=world.resident1, result=Satisfaction.SATISFIED
    )
    services.record_callback(
        actor=world["bob"], demand=demand, resident=world.resident2, result="not_satisfied"
    )
    demand.refresh_from_db()
    assert demand.status == Status.IN_PROGRESS and demand.callback_round == 1
    services.resolve(actor=world["bob"], demand=demand, result="返工")
    demand.refresh_from_db()
    services.record_callback(
        actor=world["bob"], demand=demand, resident=world.resident2, result=Satisfaction.SATISFIED
    )
    demand.refresh_from_db()
    assert demand.status == Status.RESOLVED  # resident1 answered last round, not this one
    services.record_callback(
        actor=world["bob"], demand=demand, resident=world.resident1, result=Satisfaction.SATISFIED
    )
    demand.refresh_from_db()
    assert demand.status == Status.CALLED_BACK


@override_settings(GENXI_CALLBACK_MAX_TRIES=2)
def test_unreachable_after_n_tries_allows_close_out_with_the_reason(world: World, category) -> None:
    demand = resolved(world, category, reporters=[world.resident1, world.resident2])
    services.record_callback(
        actor=world["bob"], demand=demand, resident=world.resident1, result=Satisfaction.SATISFIED
    )
    assert (
        services.record_unreachable(
            actor=world["bob"], demand=demand, resident=world.resident2, note="无人接听"
        )
        == 1
    )
    demand.refresh_from_db()
    assert demand.status == Status.RESOLVED and "close" not in actions.available(
        demand, world["bob"]
    )
    with pytest.raises(ServiceError):
        services.close_out(actor=world["bob"], demand=demand)
    assert (
        services.record_unreachable(
            actor=world["bob"], demand=demand, resident=world.resident2, note="空号"
        )
        == 2
    )
    demand.refresh_from_db()
    assert demand.status == Status.CALLED_BACK
    attempts = demand.events.filter(kind=EventKind.UNREACHABLE)
    assert [e.data["attempt"] for e in attempts] == [1, 2]
    # Given up on: no third attempt, no call-back form.
    with pytest.raises(ServiceError):
        services.record_unreachable(actor=world["bob"], demand=demand, resident=world.resident2)
    services.close_out(actor=world["bob"], demand=demand)
    closed = demand.events.get(kind=EventKind.CLOSED)
    assert closed.data["unreachable"] == [world.resident2.pk]


def test_a_demand_nobody_raised_is_closed_out_with_what_was_checked(world: World, category) -> None:
    demand = resolved(world, category, reporters=[], channel="inspection")
    offered = actions.available(demand, world["bob"])
    assert "callback" not in offered and "close" in offered
    with pytest.raises(ServiceError) as excinfo:
        services.close_out(actor=world["bob"], demand=demand)
    assert excinfo.value.field == "note"
    assert Demand.objects.get(pk=demand.pk).status == Status.RESOLVED
    services.close_out(actor=world["bob"], demand=demand, note="现场复查：亭子已修好")
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED
    assert demand.events.get(kind=EventKind.CLOSED).data == {"no_reporter": True}


def test_the_demand_page_offers_close_out_only_once_everyone_is_called(
    client: Client, world: World, category
) -> None:
    demand = resolved(world, category)
    client.force_login(world["bob"])
    url = reverse("demands:demand_detail", args=[demand.pk])
    page = client.get(url).content.decode()
    assert "已办结（待回访）" in page
    assert reverse("demands:demand_action", args=[demand.pk, "close"]) not in page
    client.post(
        reverse("demands:demand_action", args=[demand.pk, "callback"]),
        {"callback-resident": world.resident1.pk, "callback-result": "satisfied"},
    )
    page = client.get(url).content.decode()
    assert "已回访（待销号）" in page
    assert reverse("demands:demand_action", args=[demand.pk, "close"]) in page
    assert reverse("demands:demand_action", args=[demand.pk, "callback"]) not in page


def test_the_page_asks_what_was_checked_before_closing_a_demand_nobody_raised(
    client: Client, world: World, category
) -> None:
    demand = resolved(world, category, reporters=[], channel="inspection")
    client.force_login(world["bob"])
    page = client.get(reverse("demands:demand_detail", args=[demand.pk])).content.decode()
    assert "对办理结果的核查情况" in page and 'name="callback-resident"' not in page
    close = reverse("demands:demand_action", args=[demand.pk, "close"])
    refused = client.post(close, {"close-note": ""})
    assert refused.status_code == 400 and "这个字段是必填项" in refused.content.decode()
    assert Demand.objects.get(pk=demand.pk).status == Status.RESOLVED
    client.post(close, {"close-note": "现场复查：已修好"})
    assert Demand.objects.get(pk=demand.pk).status == Status.CLOSED


@override_settings(GENXI_CALLBACK_MAX_TRIES=1)
def test_an_unreachable_attempt_over_the_api(client: Client, world: World, category) -> None:
    demand = resolved(world, category)
    _token, token = create_api_token(actor=world["bob"], user=world["bob"], name="台账")
    answer = client.post(
        f"/api/v1/demands/{demand.pk}/callbacks/unreachable",
        {"resident": world.resident1.pk, "note": "空号"},
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == Status.CALLED_BACK


def test_a_demand_nobody_raised_is_closed_over_the_api_with_a_note(
    client: Client, world: World, category
) -> None:
    demand = resolved(world, category, reporters=[], channel="inspection")
    _token, token = create_api_token(actor=world["bob"], user=world["bob"], name="台账")
    url = f"/api/v1/demands/{demand.pk}/close"
    auth = {"authorization": f"Bearer {token}"}
    bare = client.post(url, {}, content_type="application/json", headers=auth)
    assert bare.status_code == 422, bare.content
    assert Demand.objects.get(pk=demand.pk).status == Status.RESOLVED
    noted = {"note": "现场复查：亭子已修好"}
    closed = client.post(url, noted, content_type="application/json", headers=auth)
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == Status.CLOSED
