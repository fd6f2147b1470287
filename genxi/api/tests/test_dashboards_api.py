"""/api/v1/dashboards/{area}/figures: the dashboard's numbers, from the same snapshot, scoped as
the page is."""

from typing import Any

import pytest
from django.utils import timezone

from genxi.accounts.services import create_api_token
from genxi.conftest import World
from genxi.dashboards import periods, snapshot
from genxi.demands import services as demand_services
from genxi.demands.models import Demand
from genxi.demands.tests.conftest import collect

pytestmark = pytest.mark.django_db


def auth(world: World, username: str) -> dict[str, str]:
    _t, token = create_api_token(actor=None, user=world[username], name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_figures_are_the_dashboards_and_scoped(world: World, client: Any) -> None:
    category = demand_services.create_category(
        actor=None, name="出入口与通道", response_days=1, resolution_days=5
    )
    collect(world, category, today=timezone.localdate())
    collect(world, category, today=timezone.localdate(), title="楼道灯不亮")
    url = f"/api/v1/dashboards/{world.street.pk}/figures?period=year"
    got = client.get(url, **auth(world, "alice"))
    assert got.status_code == 200, got.content
    body = got.json()
    assert body["area"] == world.street.name
    by_key = {f["key"]: f for f in body["figures"]}
    # The same numbers the page reads: the snapshot of the same area and period.
    today = timezone.localdate()
    stored = snapshot.values(world.street, periods.to_date("year", today), today=today)
    assert by_key["demands.collected"]["value"] == float(stored["demands.collected"].value or 0)
    assert {"demands.response_rate", "projects.paid", "activities.held"} <= set(by_key)
    assert by_key["demands.collected"]["value"] == Demand.objects.count() == 2
    # Community staff see their community's, not the street's; the outsider neither.
    assert client.get(url, **auth(world, "bob")).status_code == 404
    assert client.get(url, **auth(world, "oscar")).status_code == 404
    own = f"/api/v1/dashboards/{world.hetai.pk}/figures"
    assert client.get(own, **auth(world, "bob")).status_code == 200
    assert client.get(url, **auth(world, "frank")).status_code == 200


def test_bad_ids_and_periods_are_refused(world: World, client: Any) -> None:
    alice = auth(world, "alice")
    assert client.get("/api/v1/dashboards/99999999999999999999/figures", **alice).status_code == 404
    assert client.get("/api/v1/dashboards/x1/figures", **alice).status_code == 404
    assert client.get("/api/v1/dashboards/0/figures", **alice).status_code == 404
    bad = client.get(f"/api/v1/dashboards/{world.street.pk}/figures?period=decade", **alice)
    assert bad.status_code == 422
