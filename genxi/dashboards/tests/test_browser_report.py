"""Street staff make the month's report from the reports page, watch its progress reach the
end, download the PDF, and the PDF says what it should."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.dashboards.tests.test_report import build_month, panels, text_of  # noqa: F401
from tests.browser import DESK, log_in, menu, shot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_street_staff_make_and_download_the_monthly_report(
    world: World,
    panels: None,  # noqa: F811
    live_server: object,
    page: Page,
) -> None:
    build_month(world)
    base = live_server.url
    page.set_viewport_size(DESK)
    log_in(page, base, "alice", PASSWORD)
    menu(page, "dashboard")
    reports_url = reverse("dashboards:reports", args=[world.street.pk])
    page.click(f"a[data-reports][href='{reports_url}']")  # the dashboard's 月报
    expect(page.locator("h1")).to_contain_text("白洋湾街道")
    expect(page.locator("h1")).to_contain_text("月报")

    page.select_option("select[name=month]", "2026-11")
    page.click("#make-report-button")
    progress = page.locator(".report-progress").first
    expect(progress).to_have_attribute("data-status", "done", timeout=60_000)
    expect(page.locator("table[data-table=reports]")).to_contain_text("2026-11")
    shot(page, "desk-monthly-reports")

    with page.expect_download() as download:
        page.click("a[data-download]")
    assert download.value.suggested_filename == "白洋湾街道-2026-11-月报.pdf"
    text = text_of(download.value.path().read_bytes())
    for words in ["白洋湾街道", "2026年11月", "月报", "主要数据", "收集诉求", "南门非机动车道太窄"]:
        assert words in text, words
