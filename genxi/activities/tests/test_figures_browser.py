"""Leadership reads the activities' figures at a desk, picks a period, sees the chart and takes
the tables to Excel; community staff go on to one activity and print its sign-in sheet.

Both open the figures from the menu (活动统计), then go on by the page's own controls and links.
"""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from genxi.activities.tests.test_figures import build_season
from genxi.conftest import PASSWORD, World
from genxi.core.models import AuditEntry
from tests.browser import DESK, log_in, menu, shot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_leadership_picks_a_year_sees_the_chart_and_exports(
    world: World, live_server, page: Page
) -> None:
    build_season(world)
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "frank", PASSWORD)
    menu(page, "activity_figures")
    expect(page.locator("h1")).to_have_text("活动统计")

    page.select_option("select[name=period]", "year")
    page.fill("input[name=year]", "2026")
    page.click(".period-picker button[type=submit]")
    expect(page.locator("[data-figure=activities]")).to_have_text("3")
    expect(page.locator("[data-figure=participants]")).to_have_text("6")
    expect(page.locator("[data-figure=reached]")).to_have_text("4")
    expect(page.locator("[data-figure=hours]")).to_have_text("2.5")
    expect(page.locator("table[data-table=communities]")).to_contain_text("宝祥社区")
    expect(page.locator("#activity-chart[data-drawn='1'] canvas")).to_have_count(1)
    shot(page, "desk-activity-figures-year")

    # A bad custom period is refused in Chinese; nothing is shown.
    page.select_option("select[name=period]", "custom")
    page.fill("input[name=from]", "2026-11-05")
    page.fill("input[name=to]", "2026-11-01")
    page.click(".period-picker button[type=submit]")
    expect(page.locator(".errors")).to_contain_text("结束日期早于开始日期")
    expect(page.locator("#activity-chart")).to_have_count(0)

    page.fill("input[name=from]", "2026-10-01")
    page.fill("input[name=to]", "2026-10-31")
    page.click(".period-picker button[type=submit]")
    expect(page.locator("[data-figure=sessions]")).to_have_text("2")
    with page.expect_download() as download:
        page.click("a[data-export]")
    path = download.value.path()
    rows = list(load_workbook(io.BytesIO(path.read_bytes())).active.iter_rows(values_only=True))
    assert rows[1][:4] == ("合计", "2026-10-01～2026-10-31", "2", "2")
    assert AuditEntry.objects.filter(
        action="activity.figures_export", actor=world["frank"]
    ).exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_community_staff_print_a_sign_in_sheet_and_export_a_roster(
    world: World, live_server, page: Page
) -> None:
    build_season(world)
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "bob", PASSWORD)
    menu(page, "activity_figures")
    page.select_option("select[name=period]", "year")
    page.fill("input[name=year]", "2026")
    page.click("button:has-text('查看')")
    expect(page.locator("[data-figure=activities]")).to_have_text("2")  # 和泰's own
    expect(page.locator("table[data-table=held]")).not_to_contain_text("老年大学")

    page.click("table[data-table=held] >> text=便民服务集市")
    expect(page.locator("table[data-table=stalls]")).to_contain_text("42")
    shot(page, "desk-activity-figures-fair")
    page.go_back()
    page.click("table[data-table=held] >> text=冬季健康讲座")
    expect(page.locator("table[data-table=sessions]")).to_contain_text("3")
    with page.expect_download() as download:
        page.click("a[data-export=roster]")
    rows = list(
        load_workbook(io.BytesIO(download.value.path().read_bytes())).active.iter_rows(
            values_only=True
        )
    )
    assert [row[0] for row in rows[1:]] == ["周福珍", "许向前", "路过的王阿姨"]

    page.click("a[data-print-link=sign-in]")
    expect(page.locator("h1")).to_contain_text("签到表")
    expect(page.locator(".sheet tbody tr")).to_have_count(11)  # 3 registered, 8 blank lines
    shot(page, "desk-sign-in-sheet")
    page.emulate_media(media="print")
    expect(page.locator(".noprint")).to_be_hidden()
    shot(page, "print-sign-in-sheet")
