"""A street's dashboard settings: the weights (whole numbers adding up to 100, at most 10,
scorable figures only), the public switch and its figures; compare-and-set; the audit log;
who may open and who may change them."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from genxi.accounts.models import User
from genxi.conftest import World
from genxi.core.audit import AuditEntry
from genxi.core.services import ConcurrentEdit, ServiceError
from genxi.dashboards.models import DashboardSettings
from genxi.dashboards.services import save_settings
from genxi.dashboards.tests import test_compare_fakes as fakes


@pytest.fixture
def fake_panels() -> Iterator[dict[Any, Any]]:
    yield from fakes.installed()


def client_of(name: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=name))
    return client


def post_data(weights: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for n, (key, weight) in enumerate(weights):
        data[f"figure_{n}"] = key
        data[f"weight_{n}"] = str(weight)
    return {**data, **extra}


def test_alice_saves_weights_and_the_public_switch(world: World, fake_panels: Any) -> None:
    url = reverse("dashboards:settings", args=[world.street.pk])
    alice = client_of("alice")
    page = alice.get(url)
    assert page.status_code == 200 and "尚未保存设置" in page.content.decode()
    answer = alice.post(
        url,
        post_data(
            [("demands.response_rate", 40), ("fake.collected", 60)],
            public="on",
            public_figures=["fake.collected", "demands.satisfaction_rate"],
        ),
    )
    assert answer.status_code == 302
    saved = DashboardSettings.objects.get(area=world.street)
    assert saved.weights == [["demands.response_rate", 40], ["fake.collected", 60]]
    assert saved.public and saved.public_figures == ["fake.collected", "demands.satisfaction_rate"]
    assert saved.updated_by == world["alice"]
    entry = AuditEntry.objects.get(action="dashboardsettings.create")
    assert entry.actor == world["alice"] and entry.changes["public"] is True
    # A change: the form carries the stamp it was built from.
    page = alice.get(url)
    stamp = page.context["form"]["updated_at"].value()
    answer = alice.post(
        url, post_data([("fake.collected", 100)], updated_at=stamp, public_figures=[])
    )
    assert answer.status_code == 302
    saved.refresh_from_db()
    assert saved.weights == [["fake.collected", 100]] and not saved.public
    assert AuditEntry.objects.filter(action="dashboardsettings.update").count() == 1


def test_weights_not_adding_up_to_100_are_refused(world: World, fake_panels: Any) -> None:
    url = reverse("dashboards:settings", args=[world.street.pk])
    answer = client_of("alice").post(
        url, post_data([("demands.response_rate", 40), ("fake.collected", 50)])
    )
    assert answer.status_code == 200
    assert "各项权重之和须为100，现为90。" in answer.content.decode()
    assert not DashboardSettings.objects.exists()


@pytest.mark.parametrize(
    ("weights", "error"),
    [
        ([], "请至少选择一项计分指标。"),
        ([("fake.needs", 100)], "请从列表中选择指标。"),
        ([("nope.nothing", 100)], "请从列表中选择指标。"),
        ([("fake.collected", 50), ("fake.collected", 50)], "选了两次"),
        ([("fake.collected", 0), ("fake.paid", 100)], "1到100之间的整数"),
        ([(f"k{n}", 1) for n in range(11)], "最多 10 项"),
    ],
)
def test_the_service_checks_the_weights(
    world: World, fake_panels: Any, weights: list[tuple[str, int]], error: str
) -> None:
    with pytest.raises(ServiceError) as refused:
        save_settings(
            actor=world["alice"],
            area=world.street,
            weights=weights,
            public=False,
            public_figures=[],
        )
    assert error in refused.value.message


@pytest.mark.parametrize("key", ["fake.needs", "fake.private", "fake.unknown_money", "x.y"])
def test_only_aggregates_that_count_their_records_go_public(
    world: World, fake_panels: Any, key: str
) -> None:
    with pytest.raises(ServiceError) as refused:
        save_settings(
            actor=world["alice"],
            area=world.street,
            weights=[("fake.collected", 100)],
            public=True,
            public_figures=[key],
        )
    assert refused.value.field == "public_figures"


def test_the_form_offers_only_what_may_be_chosen(world: World, fake_panels: Any) -> None:
    form = (
        client_of("alice")
        .get(reverse("dashboards:settings", args=[world.street.pk]))
        .context["form"]
    )
    weighable = {k for k, _l in form.fields["figure_0"].choices if k}
    assert "fake.needs" not in weighable and {"fake.collected", "fake.paid"} <= weighable
    public = {k for k, _l in form.fields["public_figures"].choices}
    assert public == {
        "demands.response_rate",
        "demands.resolution_rate",
        "demands.satisfaction_rate",
        "fake.collected",
        "fake.overdue",
        "fake.paid",  # money whose records can be counted
    }


def test_a_stale_form_is_refused_and_loses_nothing(world: World, fake_panels: Any) -> None:
    url = reverse("dashboards:settings", args=[world.street.pk])
    alice = client_of("alice")
    save_settings(
        actor=world["alice"],
        area=world.street,
        weights=[("fake.collected", 100)],
        public=False,
        public_figures=[],
    )
    stamp = alice.get(url).context["form"]["updated_at"].value()
    # Someone else saves meanwhile.
    saved = DashboardSettings.objects.get()
    save_settings(
        actor=world["alice"],
        area=world.street,
        weights=[("fake.paid", 100)],
        public=True,
        public_figures=["fake.paid"],
        expected_updated_at=saved.updated_at,
    )
    answer = alice.post(url, post_data([("demands.response_rate", 100)], updated_at=stamp))
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "他人已修改了这条记录" in html
    form = answer.context["form"]
    assert form["figure_0"].value() == "demands.response_rate" and form["weight_0"].value() == "100"
    saved.refresh_from_db()
    assert saved.weights == [["fake.paid", 100]]


def test_a_first_save_beaten_by_another_is_stale(world: World, fake_panels: Any) -> None:
    url = reverse("dashboards:settings", args=[world.street.pk])
    alice = client_of("alice")
    assert "updated_at" not in alice.get(url).context["form"].fields
    save_settings(
        actor=world["alice"],
        area=world.street,
        weights=[("fake.paid", 100)],
        public=False,
        public_figures=[],
    )
    answer = alice.post(url, post_data([("fake.collected", 100)]))
    assert answer.status_code == 200 and answer.context["form"].non_field_errors()
    with pytest.raises(ConcurrentEdit):
        save_settings(
            actor=world["alice"],
            area=world.street,
            weights=[("fake.paid", 100)],
            public=False,
            public_figures=[],
            expected_updated_at=DashboardSettings.objects.get().updated_at - timedelta(seconds=1),
        )


def test_frank_reads_but_cannot_change(world: World, fake_panels: Any) -> None:
    url = reverse("dashboards:settings", args=[world.street.pk])
    frank = client_of("frank")
    page = frank.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "只读" in html and 'data-action="save"' not in html
    assert frank.post(url, post_data([("fake.collected", 100)])).status_code == 404
    assert not DashboardSettings.objects.exists()


@pytest.mark.parametrize("name", ["bob", "oscar", "carol", "nobody"])
def test_others_get_404(world: World, fake_panels: Any, name: str) -> None:
    url = reverse("dashboards:settings", args=[world.street.pk])
    client = client_of(name)
    assert client.get(url).status_code == 404
    assert client.post(url, post_data([("fake.collected", 100)])).status_code == 404


def test_a_community_or_another_street_is_404(world: World, fake_panels: Any) -> None:
    alice = client_of("alice")
    assert alice.get(reverse("dashboards:settings", args=[world.hetai.pk])).status_code == 404
    assert (
        alice.get(reverse("dashboards:settings", args=[world.other_street.pk])).status_code == 404
    )
