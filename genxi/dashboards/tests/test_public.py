"""The public dashboard: 404 unless the street switched it on; only the figures it marked; no
figure over fewer than 5 records; no name of a person anywhere; no log-in, no cookie, a modest
cache."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from genxi.conftest import World
from genxi.dashboards import registry, snapshot
from genxi.dashboards.models import DashboardSettings, FigureValue
from genxi.dashboards.periods import Period
from genxi.dashboards.public import (
    MIN_RECORDS,
    Cell,
    guard_subtraction,
    public_periods,
    public_value,
    publishable,
)
from genxi.dashboards.registry import Scope, Value
from genxi.dashboards.services import save_settings
from genxi.dashboards.tests import test_compare_fakes as fakes
from genxi.places.models import Area, AreaKind, Resident


@pytest.fixture
def fake_panels() -> Iterator[dict[Any, Any]]:
    yield from fakes.installed()


NOV = date(2026, 11, 1)
TODAY = date(2026, 11, 20)


@pytest.fixture
def november() -> Any:
    with time_machine.travel("2026-11-20 10:00 +0800", tick=False):
        yield


@pytest.fixture(autouse=True)
def no_kept_pages() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def warm(world: World) -> None:
    """Work out the snapshot the public page reads (the scheduler's job)."""
    areas = [world.street, *Area.objects.filter(parent=world.street, kind=AreaKind.COMMUNITY)]
    snapshot.load([(a, p) for a in areas for _l, p in public_periods(TODAY)], today=TODAY)


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
    warm(world)
    answer = Client().get(reverse("dashboards:public", args=[world.street.pk]))
    assert answer.status_code == 200
    assert answer["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
    assert "Set-Cookie" not in answer and not answer.cookies
    html = answer.content.decode()
    assert 'data-figure="fake.collected"' in html
    assert 'data-figure="demands.satisfaction_rate"' in html
    assert 'data-figure="fake.overdue"' not in html and "Overdue" not in html
    # 和泰's 3 is hidden, so 宝祥's 9 is too: 12 − 9 would give it away
    assert ">9<" not in html
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


def test_a_huge_id_is_404_on_every_dashboards_url(world: World, client: Client) -> None:
    client.force_login(world["alice"])
    huge = "99999999999999999999"
    for url in [
        f"/public/dashboards/{huge}/",
        f"/dashboards/{huge}/",
        f"/dashboards/{huge}/figures/demands.collected/",
        f"/dashboards/{huge}/figures/demands.collected/?format=xlsx",
        f"/dashboards/{huge}/export/",
        f"/dashboards/{huge}/compare/",
        f"/dashboards/{huge}/settings/",
        f"/dashboards/{huge}/reports/",
        f"/dashboards/reports/{huge}/progress/",
        f"/dashboards/reports/{huge}/pdf/",
    ]:
        assert client.get(url).status_code == 404, url
        assert Client().get(url).status_code == 404, url
    assert client.post(f"/dashboards/{huge}/refresh/").status_code == 404


def test_an_anonymous_get_never_computes(
    world: World, fake_panels: Any, november: None, django_assert_max_num_queries: Any
) -> None:
    switch_on(world, ["fake.collected"])
    fake_panels[("白洋湾街道", NOV)] = {"fake.collected": Value(12)}
    before = FigureValue.objects.count()
    url = reverse("dashboards:public", args=[world.street.pk])
    with django_assert_max_num_queries(8):
        html = Client().get(url).content.decode()
    assert FigureValue.objects.count() == before  # nothing computed, nothing written
    assert "—" in html and ">12<" not in html
    # kept 5 minutes per street and language: a query string does not make it read again
    warm(world)
    with django_assert_max_num_queries(0):
        assert Client().get(url + "?x=1").content.decode() == html
    cache.clear()
    assert ">12<" in Client().get(url + "?x=2").content.decode()
    # the street's new choice shows at once
    found = DashboardSettings.objects.get(area=world.street)
    save_settings(
        actor=world["alice"],
        area=world.street,
        weights=[("demands.response_rate", 100)],
        public=True,
        public_figures=[],
        expected_updated_at=found.updated_at,
    )
    assert "暂无公开的指标" in Client().get(url).content.decode()


def _column(*numbers: int | None) -> list[Cell]:
    cells = []
    for n in numbers:
        value = None if n is None else Value(Decimal(n))
        hidden = n is not None and n < MIN_RECORDS
        cells.append(Cell("少于5" if hidden else str(n), value, hidden))
    return cells


def _recoverable(column: list[Cell]) -> bool:
    """Could a hidden community cell be worked out from the shown ones by subtraction?"""
    street, communities = column[0], column[1:]
    hidden = [c for c in communities if c.hidden]
    return not street.hidden and len(hidden) == 1


@pytest.mark.parametrize(
    "numbers",
    [(12, 3, 9), (30, 2, 8, 20), (3, 3), (20, 4, None), (40, 2, 3, 35), (10, 10, 0), (50, 20, 30)],
)
def test_no_hidden_cell_can_be_recovered_by_subtraction(numbers: tuple[int | None, ...]) -> None:
    column = _column(*numbers)
    was_hidden = [c.hidden for c in column]
    guard_subtraction(column)
    assert not _recoverable(column)
    assert all(c.hidden for c, h in zip(column, was_hidden, strict=True) if h)  # none shown again
    shown = [c.text for c in column if not c.hidden]
    assert all(t != "少于5" for t in shown)
    if numbers == (12, 3, 9):
        assert [c.hidden for c in column] == [False, True, True]
    if numbers == (30, 2, 8, 20):  # the next-smallest, 8, goes; 20 stays
        assert [c.hidden for c in column] == [False, True, True, False]
    if numbers == (20, 4, None):  # no other community shows one: the street goes
        assert column[0].hidden
    if numbers == (50, 20, 30):  # nothing hidden: nothing changes
        assert not any(c.hidden for c in column)


def test_the_median_days_to_resolve_is_not_public() -> None:
    from genxi.dashboards.panels import demands

    (days,) = [f for f in demands.FIGURES if f.key == "demands.days_to_resolve"]
    # Its rows are resolved events, not the first resolutions its median is over.
    assert not publishable(days)
