"""The comparison and the public dashboard in headless Chromium. frank (leadership) compares
the communities of 白洋湾街道 at his desk, picks an indicator and exports; alice (street staff)
switches the public dashboard on in the settings; an anonymous visitor opens it on a phone and
sees figures and no name. The figures come from small fake panels (the real ones are written
apart), registered in this process, which serves the live server too."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.dashboards import snapshot
from genxi.dashboards.registry import Value
from genxi.dashboards.tests import test_compare_fakes as fakes
from genxi.places.models import Resident
from tests.browser import DESK, PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fake_panels() -> Iterator[dict[Any, Any]]:
    yield from fakes.installed()


def month_of_figures(fake: dict[Any, Any]) -> None:
    first = timezone.localdate().replace(day=1)
    fake[("白洋湾街道", first)] = {
        "demands.response_rate": Value(40, 50),
        "demands.resolution_rate": Value(30, 50),
        "demands.satisfaction_rate": Value(3, 4),
        "fake.collected": Value(50),
    }
    fake[("和泰社区", first)] = {
        "demands.response_rate": Value(18, 20),
        "demands.resolution_rate": Value(16, 20),
        "demands.satisfaction_rate": Value(3, 4),
        "fake.collected": Value(20),
    }
    fake[("宝祥社区", first)] = {
        "demands.response_rate": Value(22, 30),
        "demands.resolution_rate": Value(14, 30),
        "fake.collected": Value(30),
    }


def test_frank_compares_the_communities_at_his_desk(
    world: World, fake_panels: dict[Any, Any], live_server: Any, page: Page
) -> None:
    month_of_figures(fake_panels)
    url = live_server.url
    page.set_viewport_size(DESK)
    log_in(page, url, "frank", PASSWORD)
    menu(page, "dashboard")
    page.click("a[data-compare]")  # the street's dashboard: 社区对比
    expect(page.locator("h1")).to_contain_text("社区对比")
    rows = page.locator("[data-table=compare] tbody tr")
    expect(rows).to_have_count(2)
    # 和泰: 30 × 90 + 35 × 80 + 35 × 75 = 81.25 → 81.3; 宝祥: (30 × 73.3 + 35 × 46.7) / 65, spread
    expect(rows.nth(0)).to_contain_text("和泰社区")
    expect(rows.nth(0).locator("[data-score]")).to_contain_text("81.3")
    expect(rows.nth(1).locator("[data-score]")).to_contain_text("59.0")
    expect(rows.nth(1).locator("[data-score] sup")).to_have_text("*")
    expect(page.locator("[data-tie-rule]")).to_contain_text("权重最大的指标")
    expect(page.locator("#compare-chart canvas")).to_have_count(1)
    page.click("[data-choose] summary")
    page.check("input[name=figures][value='fake.collected']")
    page.click("[data-action=show]")
    expect(rows.nth(1).locator("[data-cell='fake.collected']")).to_have_text("30")
    shot(page, "desk-compare-communities")
    with page.expect_download() as download:
        page.click("[data-export]")
    assert download.value.suggested_filename.endswith(".xlsx")
    # A picked month, then the same page on a phone: the table scrolls in its box.
    page.select_option("select[name=period]", timezone.localdate().strftime("%Y-%m"))
    page.click("[data-action=show]")
    expect(rows).to_have_count(2)
    page.set_viewport_size(PHONE)
    box = page.locator("#ranking .scroll")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "phone-compare-communities")


def test_alice_opens_the_public_dashboard_and_a_visitor_reads_it_on_a_phone(
    world: World, fake_panels: dict[Any, Any], live_server: Any, page: Page, new_context: Any
) -> None:
    month_of_figures(fake_panels)
    # The public page reads the snapshot only: the scheduler's run works it out.
    snapshot.refresh(areas=[world.street, world.hetai, world.baoxiang])
    url = live_server.url
    page.set_viewport_size(DESK)
    log_in(page, url, "alice", PASSWORD)
    # Like frank's walk: 看板, its comparison, then the settings button.
    menu(page, "dashboard")
    page.click("a[data-compare]")
    page.click("[data-action=settings]")
    expect(page.locator("h1")).to_contain_text("看板设置")
    page.check("input[name=public]")
    page.check("input[name=public_figures][value='fake.collected']")
    page.check("input[name=public_figures][value='demands.satisfaction_rate']")
    page.click("[data-action=save]")
    expect(page.locator(".msg")).to_contain_text("看板设置已保存")
    shot(page, "desk-dashboard-settings")
    page.click("[data-action=public]")
    public_url = page.url
    assert public_url.endswith(f"/public/dashboards/{world.street.pk}/")

    visitor = new_context(viewport=PHONE, is_mobile=True)
    phone = visitor.new_page()
    phone.goto(public_url)
    expect(phone.locator("h1")).to_contain_text("白洋湾街道公开看板")
    expect(phone.locator("[data-figure='fake.collected']")).to_contain_text("50")
    expect(phone.locator("[data-figure='demands.satisfaction_rate']")).to_contain_text("样本不足")
    expect(phone.locator("[data-figure='fake.overdue']")).to_have_count(0)
    expect(phone.locator("a")).to_have_count(0)
    text = phone.locator("body").inner_text()
    names = [u.name for u in world.users.values()] + [u.username for u in world.users.values()]
    names += [*Resident.objects.values_list("name", flat=True), "三花苑", "宝祥苑"]
    for name in names:
        assert name not in text, name
    shot(phone, "phone-public-dashboard")
    visitor.close()
