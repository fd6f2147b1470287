"""alice (street staff) reads her street's dashboard on a desk and on a phone: from her home
page by the menu entry 看板, switches to 本季度, follows a figure to the records behind it, and
exports the dashboard to Excel. The panels here are the tests' fake ones (the fake panel and a
fake demands panel for the 12-month trend), registered in the live server's process."""

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.dashboards import periods, registry, snapshot
from genxi.dashboards.registry import COUNT, Figure, Panel, Scope, Value
from genxi.dashboards.tests.dashboard_fake import FAKE
from tests.browser import DESK, PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _demands(scope: Scope) -> dict[str, Value]:
    months = (scope.end.year - scope.start.year) * 12 + scope.end.month - scope.start.month + 1
    base = 7 * months + scope.start.month % 5
    return {"demands.collected": Value(base + 3), "demands.resolved": Value(base)}


FAKE_DEMANDS = Panel(
    key="demands",
    label="诉求",
    order=10,
    figures=(
        Figure("demands.collected", "收集诉求", COUNT, "demands recorded", "recorded on"),
        Figure("demands.resolved", "解决诉求", COUNT, "demands resolved", "resolved on"),
    ),
    compute=_demands,
)


@pytest.fixture
def panels() -> Iterator[None]:
    saved = dict(registry._PANELS)
    registry._PANELS.clear()
    registry.register(FAKE)
    registry.register(FAKE_DEMANDS)
    yield
    registry._PANELS.clear()
    registry._PANELS.update(saved)


def walk(page: Page, base: str, street_name: str, value: int, device: str) -> None:
    menu(page, "dashboard")
    expect(page.locator("h1")).to_contain_text(street_name)
    expect(page.locator(".dash-stale")).to_contain_text("每15分钟更新")
    page.click("nav.subnav a[data-period=quarter]")
    expect(page.locator("nav.subnav a[data-period=quarter]")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.locator(".dash-headlines")).to_be_visible()
    page.wait_for_selector("#chart-trend svg")
    shot(page, f"{device}-dashboard-quarter")
    # No sideways scrolling of the page itself.
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None and width <= viewport["width"] + 1
    page.click("[data-figure='fake.places'] a.dash-now")
    expect(page.locator("h1")).to_have_text("Places")
    expect(page.locator(".rows-count")).to_have_text(str(value))
    shot(page, f"{device}-dashboard-rows")
    page.go_back()
    # Last year's number opens last year's rows.
    page.click("[data-figure='fake.places'] a[data-last-year]")
    expect(page.locator("h1")).to_have_text("Places")
    expect(page.locator("main")).to_contain_text("去年同期")
    shot(page, f"{device}-dashboard-rows-last-year")
    page.go_back()
    with page.expect_download() as download:
        page.click("a[data-export]")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames == ["Fake", "诉求", "统计口径"]


@pytest.mark.usefixtures("panels")
def test_alice_reads_exports_on_desk_and_phone(world: World, live_server: Any, page: Page) -> None:
    base = str(live_server.url)
    today = timezone.localdate()
    snapshot.refresh(areas=[world.street, world.hetai, world.baoxiang])
    quarter = periods.to_date("quarter", today)
    value = registry.compute(Scope(world.street, quarter, today))["fake.places"].value
    assert isinstance(value, int)

    page.set_viewport_size(DESK)
    log_in(page, base, "alice", PASSWORD)
    walk(page, base, world.street.name, value, "desk")

    page.set_viewport_size(PHONE)
    page.goto(base + "/")
    walk(page, base, world.street.name, value, "phone")
    # The menu is whole on a phone: its tab bar fits the screen.
    box = page.locator("nav.tabbar").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1
    page.emulate_media(media="print")
    expect(page.locator("nav.tabbar")).to_be_hidden()
    expect(page.locator("a[data-export]")).to_be_hidden()
    shot(page, "phone-dashboard-print")
