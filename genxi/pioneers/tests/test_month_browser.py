"""A pioneer's month on a phone: the visit plan puts the elderly resident living alone first;
two visits, one raising a demand; staff resolve it; the pioneer calls back from her work list;
the plan shows two households done. (The month's assessment is walked in test_assessment_*.)"""

import re

import pytest
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.demands import services as demands
from genxi.demands.models import Channel, Demand, HandlingPath, Status
from genxi.pioneers.tests.conftest import Households
from tests.browser import PHONE, log_in, menu, shot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_pioneers_month_on_a_phone(
    world: World, households: Households, live_server, page: Page
) -> None:
    demands.create_category(actor=None, name="养老服务", response_days=1, resolution_days=5)
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "carol", PASSWORD)
    # The home page's card: this month's plan and the next households.
    card = page.locator("#visit-plan")
    expect(card).to_contain_text("三花苑 1幢 101")
    expect(card).to_contain_text("独居老人")
    shot(page, "phone-pioneer-home-plan")

    menu(page, "visit_plan")
    households_ = page.locator("ol.plan-list > li.household")
    expect(households_).to_have_count(4)
    first = households_.first
    expect(first).to_contain_text("孙阿婆")
    expect(first.locator(".chip.danger")).to_have_text("独居老人")
    expect(page.locator(".plan-progress")).to_have_attribute("data-progress", "0/4")
    shot(page, "phone-visit-plan")

    # The first visit: 孙阿婆 met, one ask that becomes a demand.
    first.locator("a.household-link").click()
    expect(page.locator("h1")).to_contain_text("三花苑 1幢 101")
    page.locator("#met label.choice", has_text="孙阿婆").click()
    page.fill("textarea[name=notes]", "独自在家，精神不错")
    page.fill("input[name=ask-0-title]", "想申请社区助餐")
    page.select_option("select[name=ask-0-category]", label="养老服务")
    shot(page, "phone-visit-form")
    page.click("#visit-form button[type=submit]")
    expect(page.locator(".messages")).to_be_visible()
    demand = Demand.objects.get()
    assert demand.channel == Channel.VISIT and demand.visit is not None
    assert list(demand.reporters.values_list("resident", flat=True)) == [households.sun.pk]
    expect(page.locator(".messages")).to_contain_text(demand.code)
    expect(page.locator(".plan-progress")).to_have_attribute("data-progress", "1/4")
    expect(households_.first).to_have_class(re.compile(r"\bdone\b"))
    shot(page, "phone-visit-recorded")

    # The second: 钱师傅, nothing asked.
    second = page.locator("li.household", has_text="钱师傅")
    second.locator("a.household-link").click()
    page.locator("#met label.choice", has_text="钱师傅").click()
    page.click("#visit-form button[type=submit]")
    expect(page.locator(".plan-progress")).to_have_attribute("data-progress", "2/4")
    assert Demand.objects.count() == 1

    # The community handles the ask.
    bob = world["bob"]
    demands.accept(actor=bob, demand=demand)
    demands.verify(actor=bob, demand=demand, findings="符合助餐条件")
    demands.assign(actor=bob, demand=demand, path=HandlingPath.COMMUNITY)
    demands.resolve(actor=bob, demand=demand, result="已办理助餐卡")

    # The call-back, from the home page's work list.
    page.click("a.brand")
    page.click("#work a[data-work=my_callbacks]")
    page.click("text=想申请社区助餐")
    page.select_option("#act-callback select", label="孙阿婆")
    page.check("#act-callback >> text=满意")
    shot(page, "phone-callback")
    page.click("#act-callback button[type=submit]")
    expect(page.locator(".pagehead .status")).to_have_text("已回访（待销号）")
    demand.refresh_from_db()
    assert demand.status == Status.CALLED_BACK

    menu(page, "visit_plan")
    expect(page.locator(".plan-progress")).to_have_attribute("data-progress", "2/4")
    expect(page.locator("li.household.done")).to_have_count(2)
    shot(page, "phone-visit-plan-two-done")
