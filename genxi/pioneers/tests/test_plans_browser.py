"""At a desk: community staff follow their pioneers' visit plans, open a plan, then the visits
and the demand a visit raised."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.demands import services as demands
from genxi.demands.services import Ask, record_visit
from genxi.pioneers.tests.conftest import Households
from tests.browser import DESK, log_in, menu, shot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_follow_the_plans_and_the_visits(
    world: World, households: Households, live_server, page: Page
) -> None:
    category = demands.create_category(
        actor=None, name="养老服务", response_days=1, resolution_days=5
    )
    today = timezone.localdate()
    record_visit(
        actor=world["carol"],
        area=world.building1,
        room="101",
        visited_on=max(today.replace(day=1), today - timedelta(days=1)),
        met=[households.sun],
        notes="独自在家",
        asks=[Ask("想申请社区助餐", category)],
    )
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "bob", PASSWORD)
    menu(page, "pioneers")
    page.click("nav.subnav a[data-tab=plan_list]")
    row = page.locator(f"tr[data-pioneer='{world.pioneer.pk}']")
    expect(row).to_contain_text("1 / 4")
    expect(page.locator("#total .plan-progress")).to_have_attribute("data-progress", "1/4")
    shot(page, "desk-visit-plans")

    row.locator("a").click()
    expect(page.locator("li.household").first).to_contain_text("孙阿婆")
    expect(page.locator("li.household.done")).to_have_count(1)
    shot(page, "desk-visit-plan")

    page.click("#month-visits")
    expect(page.locator("tr[data-visit]")).to_have_count(1)
    page.locator("tr[data-visit] a").first.click()
    expect(page.locator("#met")).to_contain_text("孙阿婆")
    expect(page.locator("#raised")).to_contain_text("想申请社区助餐")
    shot(page, "desk-visit-detail")
