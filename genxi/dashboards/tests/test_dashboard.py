"""The dashboard pages: who opens which, the numbers beside last year, the rows behind a
figure, the export, the headlines."""

import io
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from genxi.conftest import World
from genxi.core.models import AuditEntry
from genxi.dashboards import headlines, periods, registry, snapshot
from genxi.dashboards.models import FigureValue
from genxi.dashboards.registry import Scope, Value
from genxi.dashboards.tests import dashboard_fake
from genxi.dashboards.tests.dashboard_fake import fake_panel  # noqa: F401
from genxi.places.models import Area


def _client(client: Any, world: World, name: str) -> Any:
    client.force_login(world[name])
    return client


def _url(name: str, area: Area, **kw: str) -> str:
    return reverse(f"dashboards:{name}", kwargs={"pk": area.pk, **kw})


@pytest.mark.usefixtures("fake_panel")
def test_scope(client: Any, world: World) -> None:
    street, hetai = world.street, world.hetai
    rows = {"key": "fake.places"}
    c = _client(client, world, "oscar")
    assert c.get(_url("area", street)).status_code == 404
    assert c.get(_url("rows", street, **rows)).status_code == 404
    assert c.get(_url("export", street)).status_code == 404
    c.logout()
    c = _client(client, world, "bob")
    assert c.get(_url("area", street)).status_code == 404
    assert c.get(_url("area", hetai)).status_code == 200
    assert c.get(reverse("dashboards:home")).url == _url("area", hetai)
    c.logout()
    c = _client(client, world, "frank")
    page = c.get(_url("area", street))
    assert page.status_code == 200
    assert b"Update now" not in page.content and "立即更新".encode() not in page.content
    assert c.post(_url("refresh", street)).status_code == 404  # leadership only reads
    c.logout()
    c = _client(client, world, "nobody")
    assert c.get(reverse("dashboards:home")).status_code == 404


@pytest.mark.usefixtures("fake_panel")
def test_street_dashboard(client: Any, world: World) -> None:
    c = _client(client, world, "alice")
    assert c.get(reverse("dashboards:home")).url == _url("area", world.street)
    page = c.get(_url("area", world.street) + "?period=quarter")
    html = page.content.decode()
    today = timezone.localdate()
    quarter = periods.to_date("quarter", today)
    assert page.context["period"] == quarter
    now = registry.compute(Scope(world.street, quarter, today))
    assert 'data-figure="fake.places"' in html
    # the figure links to its rows; the children and where they lag
    assert _url("rows", world.street, key="fake.places") + "?period=quarter" in html
    # ...and last year's number to last year's rows; a figure without rows links to nothing
    assert _url("rows", world.street, key="fake.places") + "?period=quarter&amp;last_year=1" in html
    assert html.count("data-last-year") == 1
    assert _url("area", world.hetai) in html and _url("area", world.baoxiang) in html
    lagging = [lag.area for lag in page.context["lag_children"]]
    assert world.hetai in lagging  # its rate 25 % < the street's 75 %
    assert str(now["fake.places"].value) in html
    assert "dashboard-charts" in html and "echarts.min.js" in html and "<script>" not in html
    assert page.context["computed_at"] is not None
    assert "每15分钟更新" in html


@pytest.mark.usefixtures("fake_panel")
def test_community_lags_behind_last_year_and_its_street(client: Any, world: World) -> None:
    c = _client(client, world, "bob")
    page = c.get(_url("area", world.hetai))
    lines = page.context["lag_own"]
    assert len(lines) == 2  # worse than last year, below the street
    assert lines == ["Rate 25.0%，去年同期 50.0%", "Rate 25.0%，低于街道的 75.0%"]


@pytest.mark.usefixtures("fake_panel")
def test_rows_count_equals_value_search_and_export(client: Any, world: World) -> None:
    c = _client(client, world, "alice")
    today = timezone.localdate()
    value = snapshot.values(world.street, periods.to_date("month", today))["fake.places"].value
    page = c.get(_url("rows", world.street, key="fake.places") + "?period=month")
    assert page.status_code == 200
    assert page.context["count"] == value
    assert "和泰社区" in page.content.decode()
    found = c.get(_url("rows", world.street, key="fake.places") + "?period=month&q=三花")
    assert found.context["count"] == 3  # 三花苑 and its two buildings (by their parent)
    last = c.get(_url("rows", world.street, key="fake.places") + "?period=year&last_year=1")
    assert last.context["period"] == periods.to_date("year", today).last_year()
    xlsx = c.get(_url("rows", world.street, key="fake.places") + "?period=all&format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert book.active.max_row == value + 1
    # records of people: the export is logged, with the figure and how many rows
    logged = AuditEntry.objects.get(action="dashboards.rows_export")
    assert logged.actor == world["alice"] and logged.object_id == str(world.street.pk)
    assert logged.changes["figure"] == "fake.places" and logged.changes["rows"] == value
    assert c.get(_url("rows", world.street, key="fake.kinds")).status_code == 404  # a list
    assert c.get(_url("rows", world.street, key="fake.rate")).status_code == 404  # no rows
    assert c.get(_url("rows", world.street, key="nope.none")).status_code == 404
    assert c.get(_url("rows", world.street, key="fake.none")).status_code == 404


@pytest.mark.usefixtures("fake_panel")
def test_export_one_sheet_per_panel(client: Any, world: World) -> None:
    c = _client(client, world, "alice")
    answer = c.get(_url("export", world.street) + "?period=year")
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    assert book.sheetnames == ["Fake", "统计口径"]
    sheet = book["Fake"]
    assert sheet.cell(3, 1).value == "Places" and sheet.cell(4, 2).value == "75.0%"
    assert sheet.cell(4, 3).value == "100.0%" and sheet.cell(4, 4).value.startswith("−25.0")
    assert book["统计口径"].cell(2, 1).value == "fake.places"
    logged = AuditEntry.objects.get(action="dashboards.export")
    assert logged.actor == world["alice"] and logged.object_id == str(world.street.pk)


@pytest.mark.usefixtures("fake_panel")
def test_refresh_button(client: Any, world: World) -> None:
    c = _client(client, world, "alice")
    FigureValue.objects.all().delete()
    answer = c.post(_url("refresh", world.street) + "?period=year")
    assert answer.status_code == 302 and answer.url.endswith("?period=year")
    assert FigureValue.objects.filter(area=world.street).exists()
    assert not FigureValue.objects.filter(area=world.hetai).exists()


def test_headlines(settings: Any) -> None:
    settings.GENXI_PIONEER_LABEL = "海棠先锋"
    values = {
        "demands.resolved": Value(125),
        "venues.venues": Value(107),
        "projects.micro_renovations": Value(48),
        "projects.micro_compounds": Value(19),
    }
    assert headlines.sentences(values) == [
        "截至目前，海棠先锋收集并推动解决诉求125个",
        "打造“小巷红韵”微阵地107个",
        "在19个住宅小区打造“微改造”项目48个",
    ]
    settings.GENXI_VENUE_BRAND = "红色驿站"
    values["demands.resolved"] = Value(0)
    del values["projects.micro_compounds"]
    assert headlines.sentences(values) == ["打造“红色驿站”微阵地107个"]


def test_with_the_real_panels(client: Any, world: World) -> None:
    """Whatever panels are registered render and export."""
    c = _client(client, world, "alice")
    assert c.get(_url("area", world.street)).status_code == 200
    assert c.get(_url("area", world.hetai) + "?period=year").status_code == 200
    answer = c.get(_url("export", world.street))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    assert len(book.sheetnames) == len(registry.panels()) + 1


@pytest.mark.usefixtures("fake_panel")
def test_a_refreshed_dashboard_reads_the_snapshot_only(client: Any, world: World) -> None:
    snapshot.refresh(areas=[world.street, world.hetai, world.baoxiang])
    c = _client(client, world, "alice")
    dashboard_fake.CALLS.clear()
    with CaptureQueriesContext(connection) as queries:
        assert c.get(_url("area", world.street) + "?period=year").status_code == 200
    reads = [q["sql"] for q in queries if "dashboards_figurevalue" in q["sql"]]
    assert len(reads) == 1 and reads[0].startswith("SELECT")  # the trend's panel is not here
    assert dashboard_fake.CALLS == []  # nothing computed
