"""The whole demand loop as each person works it, from their own home page (issue 12's "done"):
a pioneer records a pavilion's demand on his phone; staff find it under "to accept", verify it
and assign it to the street's property company; the company takes it from its work list and
resolves it; the resident answers the call-back on her phone; staff find it under "to close
out" and close it; the ledger they hand in has every column, read back with openpyxl."""

from datetime import datetime

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.demands.models import Demand, Status
from genxi.places.models import AreaKind
from genxi.places.services import create_area, update_partner, update_pioneer
from tests.browser import DESK, PHONE, log_in, shot

TITLE = "休憩亭顶棚破损漏雨"


def switch(page: Page, base_url: str, username: str, viewport: dict[str, int]) -> None:
    page.context.clear_cookies()
    page.set_viewport_size(viewport)
    log_in(page, base_url, username, PASSWORD)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_demand_loop_from_each_home_page(
    world: World, category, live_server, page: Page, tmp_path
) -> None:
    pavilion = create_area(
        actor=None, kind=AreaKind.COMMON_AREA, name="三花苑休憩亭", parent=world.compound
    )
    # In this story 金阳宝地物业 serves the whole street, and carol covers both grids of 和泰.
    update_partner(actor=None, partner=world.partner, area=world.street)
    update_pioneer(actor=None, pioneer=world.pioneer, grids=[world.grid1, world.grid2])
    page.on("dialog", lambda dialog: dialog.accept())
    url = live_server.url

    # The pioneer, on his phone, records it for the resident 艾琳 about the pavilion.
    switch(page, url, "carol", PHONE)
    page.click("nav.tabbar >> text=诉求")
    page.click("text=+ 登记诉求")
    page.fill("#pick", "艾琳")
    page.click("#matches >> text=艾琳")
    page.fill("input[name=title]", TITLE)
    page.select_option("select[name=category]", label="　出入口与通道")
    page.fill("#place-filter", "亭")
    expect(page.locator("select[name=area]")).to_have_value(str(pavilion.pk))
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text(TITLE)
    demand = Demand.objects.get(title=TITLE)
    assert demand.area == pavilion

    # Community staff, at a desk: "to accept" on the home page opens the list that holds it.
    switch(page, url, "bob", DESK)
    accept_list = page.locator("#work a[data-work=accept]")
    expect(accept_list.locator(".value")).to_have_text("1")
    accept_list.click()
    page.click(f"text={TITLE}")
    page.click("#act-accept button[type=submit]")
    page.fill("#act-verify textarea", "顶棚两处破洞，雨天漏水")
    page.click("#act-verify button[type=submit]")
    page.select_option("#act-assign select[name=assign-path]", "partner")
    page.fill("#partner-q", "jybd")
    expect(page.locator("#act-assign select[name=assign-partner]")).to_have_value(
        str(world.partner.pk)
    )
    page.click("#act-assign button[type=submit]")
    expect(page.locator(".pagehead .status")).to_have_text("已交办（待接单）")
    shot(page, "story-desk-assigned")

    # The property company takes it from its own work list and resolves it.
    switch(page, url, "dave", DESK)
    not_taken = page.locator("#work a[data-work=not_taken]")
    expect(not_taken.locator(".value")).to_have_text("1")
    not_taken.click()
    page.click(f"text={TITLE}")
    page.click("#act-start button[type=submit]")
    page.fill("#act-resolve textarea", "已更换休憩亭顶棚")
    page.click("#act-resolve button[type=submit]")
    expect(page.locator(".pagehead .status")).to_have_text("已办结（待回访）")

    # The resident answers the call-back on her phone, from her home page.
    switch(page, url, "erin", PHONE)
    page.click("#resident >> text=请告诉社区您是否满意")
    expect(page.locator("#callback")).to_be_visible()
    page.check("input[name=result][value=satisfied]")
    page.fill("textarea[name=comment]", "修得很及时")
    page.click("#callback button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("您的评价已记录")
    shot(page, "story-phone-callback-answered")
    demand.refresh_from_db()
    assert demand.status == Status.CALLED_BACK

    # Staff find it under "to close out" and strike it off the ledger.
    switch(page, url, "bob", DESK)
    close_list = page.locator("#work a[data-work=close]")
    expect(close_list.locator(".value")).to_have_text("1")
    close_list.click()
    page.click(f"text={TITLE}")
    page.click("#act-close button[type=submit]")
    expect(page.locator(".pagehead .status")).to_have_text("已销号")

    # The ledger staff hand in: every column, dates as dates, the reporter masked.
    page.click("nav.mainnav >> text=诉求")
    with page.expect_download() as download:
        page.click("text=导出 Excel")
    path = tmp_path / "ledger.xlsx"
    download.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert row["标题"] == TITLE
    assert row["地点"] == "和泰社区 › 三花苑 › 三花苑休憩亭"
    assert row["反映人"] == "艾琳 186****5678"
    assert row["承办方"] == "金阳宝地物业"
    assert row["核实情况"] == "顶棚两处破洞，雨天漏水"
    assert row["办理结果"] == "已更换休憩亭顶棚"
    assert row["回访满意度"] == "满意"
    assert row["是否超时"] == "否"
    for column in (
        "收集时间",
        "受理时间",
        "核实时间",
        "交办时间",
        "办结时间",
        "回访时间",
        "销号时间",
    ):
        assert isinstance(row[column], datetime), column
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
