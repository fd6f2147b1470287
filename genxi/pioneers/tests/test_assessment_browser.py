"""The assessment in headless Chromium. carol (pioneer, on her phone) ends her month: from
the menu she opens 我的考核, sees each indicator with its numbers, and opens how one was
computed, down to the records. At the desk, bob (staff of 和泰) rates carol for the month, and
alice (street staff) computes the ranking, sees the grade, exports it to Excel and opens the
print view. Each walk starts from the home page and goes by the menu, tabs, links and buttons.
The records are carol's November 2026 of test_assessment.py, made through the services."""

from collections.abc import Iterator

import pytest
import time_machine
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.pioneers.tests.test_assessment import NOW, carols_month
from tests.browser import DESK, PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def november() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def test_carol_reads_her_months_assessment_on_her_phone(
    world: World, november: None, live_server: object, page: Page
) -> None:
    month = carols_month(world)
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "carol", PASSWORD)
    menu(page, "my_assessment")
    expect(page.locator("h1")).to_contain_text("考核")
    expect(page.locator("[data-total]")).to_have_text("64.17")
    visits = page.locator("[data-indicator=visits]")
    expect(visits.locator("[data-numbers]")).to_contain_text("2")
    expect(visits.locator("[data-numbers]")).to_contain_text("3")
    expect(visits.locator("[data-score]")).to_contain_text("66.67")
    for key in ("demands", "on_time", "satisfaction", "callbacks", "hours", "activities"):
        expect(page.locator(f"[data-indicator={key}] [data-score]")).to_be_visible()
    shot(page, "phone-my-assessment")
    on_time = page.locator("[data-how=on_time]")
    on_time.locator("summary").click()
    expect(on_time.locator(".records")).to_contain_text(month.late.code)
    expect(on_time.locator(".records")).to_contain_text(month.on_time.code)
    shot(page, "phone-my-assessment-how")


def test_bob_rates_and_alice_ranks_exports_and_prints(
    world: World, november: None, live_server: object, page: Page
) -> None:
    carols_month(world)
    url = live_server.url
    page.set_viewport_size(DESK)
    log_in(page, url, "bob", PASSWORD)
    menu(page, "pioneers")
    page.click("nav.subnav a[data-tab=ranking]")
    page.click("#serving summary")
    page.click(f"[data-serving='{world.pioneer.pk}']")
    expect(page.locator("[data-indicator=visits]")).to_be_visible()
    page.fill("form[data-form=rating] input[name=score]", "101")
    page.click("[data-action=rate]")
    expect(page.locator("form[data-form=rating]")).to_contain_text("100")
    page.fill("form[data-form=rating] input[name=score]", "90")
    page.click("[data-action=rate]")
    expect(page.locator("[data-part=community]")).to_contain_text("90")
    shot(page, "desk-assessment-rated")
    page.context.clear_cookies()

    log_in(page, url, "alice", PASSWORD)
    menu(page, "pioneers")
    page.click("nav.subnav a[data-tab=ranking]")
    page.select_option("select[name=start]", "2026-11-01")
    page.click("[data-action=show]")
    page.click("[data-action=compute]")
    row = page.locator(f"[data-table=ranking] tr[data-pioneer='{world.pioneer.pk}']")
    # 60% × 64.17 + 30% × 90, over 90 (no stars yet: their share re-spread)
    expect(row.locator("[data-total]")).to_have_text("72.78")
    expect(row.locator("[data-grade]")).to_have_text("基本合格")
    expect(page.locator("[data-computed]")).to_be_visible()
    expect(page.locator("#grade-chart")).to_have_attribute("data-drawn", "1")
    shot(page, "desk-assessment-ranking")
    with page.expect_download() as download:
        page.click("[data-export]")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.click("[data-action=print-view]")
    expect(page.locator("[data-table=print]")).to_contain_text("卡罗尔")
    expect(page.locator("[data-table=print]")).to_contain_text("72.78")
    shot(page, "desk-assessment-print")
