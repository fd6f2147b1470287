"""The public dashboard: 404 unless the street switched it on; only the figures it marked; no
figure over fewer than 5 records; no name of a person anywhere; no log-in, no cookie, a modest
cache."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from genxi.conftest import World
from genxi.dashboards import registry
from genxi.dashboards.periods import Period
from genxi.dashboards.public import MIN_RECORDS, public_value, publishable
from genxi.dashboards.registry import Scope, Value
from genxi.dashboards.services import save_settings
from genxi.dashboards.tests import test_compare_fakes as fakes
from genxi.places.models import Resident


@pytest.fixture
def fake_panels() -> Iterator[dict[Any, Any]]:
    yield from fakes.installed()


NOV = date(2026, 11, 1)
TODAY = date(2026, 11, 20)


@pytest.fixture
def november() -> Any:
    with time_machine.travel("2026-11-20 10:00 +0800", tick=False):
        yield


def switch_on(world: World, keys: list[str], public: bool = True) -> None:
    save_settings(
        actor=world["alice"],
        area=world.street,
        weights=[("demands.response_rate", 100)],
        public=public,
        public_figures=keys,
    )


def test_the_rule_under_five(world: World, fake_panels: Any) -> None:
    scope = Scope(world.street, Period("month", NOV, TODAY), TODAY)
    count = registry.figure("fake.collected")
    rate = registry.figure("demands.response_rate")
    money = registry.figure("fake.paid")
    assert MIN_RECORDS == 5
    assert public_value(count, Value(4), scope) == "少于5"
    assert public_value(count, Value(5), scope) == "5"
    assert public_value(count, Value(0), scope) == "少于5"
    assert public_value(rate, Value(4, 4), scope) == "样本不足"
    assert public_value(rate, Value(4, 5), scope) == "80.0%"
    assert public_value(rate, Value(0, 0), scope) == "样本不足"
    # money counts the records behind it (the fake's rows: that many residents)
    fake_panels[(world.street.name, NOV)] = {"fake.paid_rows": Value(2)}
    assert Resident.objects.count() >= 4
    assert public_value(money, Value(Decimal("1200.50")), scope) == "少于5"
    for n in range(3):
        Resident.objects.create(name=f"测试{n}", area=world.building1)
    fake_panels[(world.street.name, NOV)] = {"fake.paid_rows": Value(5)}
    assert public_value(money, Value(Decimal("1200.50")), scope) == "¥1,200.50"


def test_what_cannot_be_public(fake_panels: Any) -> None:
    assert not publishable(registry.figure("fake.needs"))  # a list names things
    assert not publishable(registry.figure("fake.private"))  # the figure says so
    assert not publishable(registry.figure("fake.unknown_money"))  # its records uncountable
    with pytest.raises(ValueError, match="cannot be shown"):
        public_value(registry.figure("fake.needs"), Value(None), None)


def test_404_unless_switched_on(world: World, fake_panels: Any) -> None:
    url = reverse("dashboards:public", args=[world.street.pk])
    assert Client().get(url).status_code == 404
    switch_on(world, ["fake.collected"], public=False)
    assert Client().get(url).status_code == 404
    assert Client().get(reverse("dashboards:public", args=[world.hetai.pk])).status_code == 404
    assert Client().get(reverse("dashboards:public", args=[999999])).status_code == 404


def test_shows_only_the_marked_figures_without_names(
    world: World, fake_panels: Any, november: None
) -> None:
    switch_on(world, ["fake.collected", "demands.satisfaction_rate"])
    fake_panels[("白洋湾街道", NOV)] = {
        "fake.collected": Value(12),
        "fake.overdue": Value(9),
        "demands.satisfaction_rate": Value(3, 4),
    }
    fake_panels[("和泰社区", NOV)] = {
        "fake.collected": Value(3),
        "demands.satisfaction_rate": Value(9, 10),
    }
    fake_panels[("宝祥社区", NOV)] = {"fake.collected": Value(9)}
    answer = Client().get(reverse("dashboards:public", args=[world.street.pk]))
    assert answer.status_code == 200
    assert answer["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
    assert "Set-Cookie" not in answer and not answer.cookies
    html = answer.content.decode()
    assert 'data-figure="fake.collected"' in html
    assert 'data-figure="demands.satisfaction_rate"' in html
    assert 'data-figure="fake.overdue"' not in html and "Overdue" not in html
    assert "12" in html and "少于5" in html and "样本不足" in html and "90.0%" in html
    assert "和泰社区" in html and "宝祥社区" in html
    assert "<a " not in html  # never a link to the records
    people = [u.name for u in world.users.values()] + [u.username for u in world.users.values()]
    people += list(Resident.objects.values_list("name", flat=True))
    people += ["三花苑", "宝祥苑", "1幢", "2幢", "和泰一网格", "三花半月谈长廊", "金阳宝地物业"]
    for name in people:
        assert name not in html, name
    assert "周福珍" not in html  # a list's items are never shown


def test_a_street_that_marks_nothing(world: World, fake_panels: Any, november: None) -> None:
    switch_on(world, [])
    html = Client().get(reverse("dashboards:public", args=[world.street.pk])).content.decode()
    assert "暂无公开的指标" in html
