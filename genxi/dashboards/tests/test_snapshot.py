"""The snapshot: reads what is stored, computes and stores what is missing, refreshes the
periods that hold today and leaves closed ones alone once final."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command

from genxi.conftest import World
from genxi.dashboards import periods, registry, snapshot
from genxi.dashboards.models import FigureValue
from genxi.dashboards.registry import Scope
from genxi.dashboards.tests import dashboard_fake
from genxi.dashboards.tests.dashboard_fake import fake_panel  # noqa: F401

pytestmark = pytest.mark.usefixtures("fake_panel")
TODAY = date(2026, 5, 20)


def test_values_compute_store_then_read(world: World, django_assert_num_queries: Any) -> None:
    period = periods.to_date("month", TODAY)
    first = snapshot.values(world.street, period, today=TODAY)
    assert first == registry.compute(Scope(world.street, period, TODAY))
    assert FigureValue.objects.filter(area=world.street).count() == 3
    dashboard_fake.CALLS.clear()
    with django_assert_num_queries(1):
        again = snapshot.values(world.street, period, today=TODAY)
    assert again == first and dashboard_fake.CALLS == []
    assert again["fake.kinds"].items == [["小区", 2], ["楼栋", 1]]
    assert again["fake.rate"].percent == 75.0


def test_missing_figure_is_computed(world: World) -> None:
    period = periods.to_date("month", TODAY)
    snapshot.values(world.hetai, period, today=TODAY)
    FigureValue.objects.filter(key="fake.rate").delete()
    assert snapshot.values(world.hetai, period, today=TODAY)["fake.rate"].value == 1
    assert FigureValue.objects.filter(area=world.hetai, key="fake.rate").count() == 1


def test_refresh_recomputes_current_and_keeps_closed(world: World) -> None:
    areas = [world.street, world.hetai]
    written = snapshot.refresh(areas=areas, today=TODAY)
    # 4 current periods, 3 last-year periods, 11 closed months, 3 figures each, 2 areas.
    assert written == (4 + 3 + 11) * 3 * 2
    closed_month = periods.months_back(TODAY)[0]
    row = FigureValue.objects.get(area=world.hetai, key="fake.places", start=closed_month.start)
    current = periods.to_date("month", TODAY)
    cur = FigureValue.objects.get(
        area=world.hetai, key="fake.places", start=current.start, end=current.end
    )
    FigureValue.objects.filter(pk__in=[row.pk, cur.pk]).update(value=999)
    dashboard_fake.CALLS.clear()
    assert snapshot.refresh(areas=areas, today=TODAY) == 4 * 3 * 2
    assert {s.period.kind for s in dashboard_fake.CALLS} == {"month", "quarter", "year", "all"}
    assert all(not s.period.closed(TODAY) for s in dashboard_fake.CALLS)
    assert FigureValue.objects.get(pk=row.pk).value == 999  # closed: not recomputed
    assert FigureValue.objects.get(pk=cur.pk).value == cur.value  # current: recomputed
    so_far = snapshot.values(world.hetai, periods.so_far(TODAY), today=TODAY)
    assert so_far == registry.compute(Scope(world.hetai, periods.so_far(TODAY), TODAY))


def test_closed_period_computed_while_open_is_recomputed(world: World) -> None:
    month = periods.to_date("month", TODAY)
    snapshot.values(world.hetai, month, today=TODAY)  # while open
    later = month.end + timedelta(days=3)
    dashboard_fake.CALLS.clear()
    snapshot.values(world.hetai, month, today=later)
    assert len(dashboard_fake.CALLS) == 1  # it closed after it was computed: not final
    dashboard_fake.CALLS.clear()
    snapshot.values(world.hetai, month, today=later + timedelta(days=1))
    assert dashboard_fake.CALLS == []


def test_command_and_task(world: World) -> None:
    call_command("dashboards_refresh", "--area", str(world.hetai.pk), "--today", "2026-05-20")
    assert FigureValue.objects.filter(area=world.hetai).exists()
    assert not FigureValue.objects.filter(area=world.street).exists()
    from genxi.dashboards.tasks import refresh_dashboards

    result = refresh_dashboards.enqueue([world.street.pk])
    assert result.return_value == 4 * 3 + (3 + 11) * 3  # nothing of the street stored yet


def test_load_many_pairs_once_each(world: World) -> None:
    month = periods.to_date("month", TODAY)
    pairs = [(world.street, month), (world.hetai, month), (world.street, month)]
    snap = snapshot.load(pairs, today=TODAY)
    assert snap.get(world.hetai, month)["fake.rate"].value == 1
    assert snap.stamp(world.street, month) is not None
    assert FigureValue.objects.count() == 6
