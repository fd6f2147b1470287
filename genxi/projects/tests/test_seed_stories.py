"""The seeds' stories as the demo tells them, walked in a browser: 金筑社区's handrail meeting at
金言议事角 with its revised plan, and 果园社区's pocket park from the representatives' vote to
acceptance, paid from its service fund."""

import pytest
from playwright.sync_api import Page, expect

from genxi.home.demo import load_demo
from genxi.places.demo import DEMO_PASSWORD
from tests.browser import log_in, shot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_seeds_meeting_and_pocket_park_in_the_demo(live_server, page: Page) -> None:
    load_demo()
    log_in(page, live_server.url, "admin", DEMO_PASSWORD)
    page.click("section.stats a.stat:has-text('议事会')")
    page.click("text=高层楼道加装扶手")
    expect(page.locator(".pagehead")).to_contain_text("金言议事角")
    expect(page.locator("#agenda")).to_contain_text("扶手高度降到85厘米")
    change = page.locator("details.plan-change").first
    expect(change.locator(".diff-added").last).to_contain_text("85厘米")
    expect(change.locator(".diff-added").first).to_contain_text("两侧")
    expect(change).to_contain_text("10幢居民")
    shot(page, "seed-jinzhu-meeting")

    page.goto(live_server.url + "/")
    page.click("section.stats a.stat:has-text('为民服务专项经费')")
    page.locator("tr", has_text="果园社区").get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("果园社区 2023 年为民服务专项经费")
    page.click("text=果园社区2023年为民服务项目票决")
    result = page.locator("#result")
    expect(result.locator("tr", has_text="口袋公园")).to_contain_text("入选")
    page.go_back()
    page.click("table >> text=口袋公园")
    expect(page.locator("#phase")).to_have_text("已验收")
    expect(page.locator("#acceptance")).to_contain_text("满意率 98%")
    page.click("text=果园社区 2023")
    page.click("text=公示页面")
    row = page.locator("tr", has_text="口袋公园")
    expect(row).to_contain_text("266,000.00")
    shot(page, "seed-guoyuan-public")
