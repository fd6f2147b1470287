"""On a phone: a pioneer records a demand about a pavilion of a compound (a common area outside
his grid); staff call the reporter back, and the demand moves on to close-out."""

import pytest
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.demands import services
from genxi.demands.models import Demand, HandlingPath, Status
from genxi.places.models import AreaKind
from genxi.places.services import create_area
from tests.browser import PHONE, log_in, shot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_pavilion_recorded_on_a_phone_then_called_back(
    world: World, category, live_server, page: Page
) -> None:
    pavilion = create_area(
        actor=None, kind=AreaKind.COMMON_AREA, name="三花苑休憩亭", parent=world.compound
    )
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "carol", PASSWORD)
    page.click("nav.tabbar >> text=诉求")
    page.click("text=+ 登记诉求")
    page.fill("#pick", "zfz")
    page.click("#matches >> text=周福珍")
    page.fill("input[name=title]", "休憩亭顶棚破损漏雨")
    page.select_option("select[name=category]", label="　出入口与通道")
    # The whole community is offered, grouped by compound: typing narrows it to the pavilion.
    page.fill("#place-filter", "亭")
    expect(page.locator("select[name=area]")).to_have_value(str(pavilion.pk))
    shot(page, "phone-demand-intake-common-area")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("休憩亭顶棚破损漏雨")
    expect(page.locator(".pagehead")).to_contain_text("三花苑 › 三花苑休憩亭")
    demand = Demand.objects.get()
    assert demand.area == pavilion and demand.created_by == world["carol"]

    bob = world["bob"]
    services.accept(actor=bob, demand=demand)
    services.verify(actor=bob, demand=demand, findings="顶棚两处破洞")
    services.assign(actor=bob, demand=demand, path=HandlingPath.COMMUNITY)
    services.resolve(actor=bob, demand=demand, result="已更换顶棚")

    page.context.clear_cookies()
    log_in(page, live_server.url, "bob", PASSWORD)
    page.click("nav.tabbar >> text=诉求")
    page.click("text=休憩亭顶棚破损漏雨")
    expect(page.locator(".pagehead .status")).to_have_text("已办结（待回访）")
    expect(page.locator("#act-close")).to_have_count(0)  # nobody called back yet
    page.select_option("#act-callback select", label="周福珍")
    page.check("#act-callback >> text=满意")
    page.click("#act-callback button[type=submit]")
    expect(page.locator(".pagehead .status")).to_have_text("已回访（待销号）")
    expect(page.locator("#act-callback")).to_have_count(0)  # nobody left to call
    expect(page.locator("#act-close")).to_be_visible()
    shot(page, "phone-demand-called-back")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#act-close button[type=submit]")
    expect(page.locator(".pagehead .status")).to_have_text("已销号")
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED
