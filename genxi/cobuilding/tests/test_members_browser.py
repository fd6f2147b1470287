"""End to end in headless Chromium — "A party member": erin reports as an in-service party
member (在职党员报到) on her phone from her home page; bob confirms it at his desk from the hub's
双报到 tab and publishes a post; erin claims it; bob marks it done with her hours, and a shift
she checked out of at an activity counts too; erin sees her hours. Each person starts from
their home page and goes by the menu, links and buttons.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from genxi.activities.models import VolunteerShift
from genxi.activities.services.activities import create_activity
from genxi.cobuilding.models import (
    ClaimStatus,
    HoursSource,
    MemberRegistration,
    PostClaim,
    RegistrationStatus,
    ServiceHours,
)
from genxi.cobuilding.services import members as service
from genxi.conftest import PASSWORD, World
from tests.browser import DESK, PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def erin_opens_her_report(page: Page) -> None:
    menu(page, "community_services")
    page.click("#my-member-registrations a")
    expect(page.locator("h1")).to_contain_text("艾琳")


def test_a_party_member_reports_claims_a_post_and_sees_her_hours(
    world: World, live_server: Any, page: Page, context: Any, browser: Any
) -> None:
    # 金阳宝地物业 (of 宝祥社区) has reported to 和泰: erin may name it as her unit.
    service.register_unit(actor=world["bob"], partner=world.partner, community=world.hetai)
    # erin, on her phone
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "erin", PASSWORD)
    menu(page, "community_services")
    page.click("#member-signup")
    expect(page.locator("h1")).to_have_text("在职党员报到")
    expect(page.locator("input[name=name]")).to_have_value("艾琳")
    expect(page.locator("input[name=phone]")).to_have_value("18612345678")
    page.select_option("select[name=partner]", label="金阳宝地物业")
    page.fill("input[name=branch]", "金阳宝地物业党支部")
    page.fill("input[name=skills]", "急救、垃圾分类宣传")
    page.fill("input[name=available]", "周末上午")
    shot(page, "phone-members-signup")
    page.click("#member-signup-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("报到已提交")
    expect(page.locator("#member-status")).to_have_text("待确认")
    shot(page, "phone-members-pending")
    member = MemberRegistration.objects.get()
    assert (member.community, member.partner, member.status) == (
        world.hetai,
        world.partner,
        RegistrationStatus.PENDING,
    )

    # bob, at his desk
    desk_context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    desk = desk_context.new_page()
    desk.set_viewport_size(DESK)
    log_in(desk, live_server.url, "bob", PASSWORD)
    menu(desk, "cobuilding")
    desk.click("nav.subnav a[data-tab=member_list]")
    expect(desk.locator("h1")).to_have_text("双报到")
    desk.select_option("select[name=status]", "pending")
    desk.click("form.searchbar button[type=submit]")
    row = desk.locator(f"tr[data-member='{member.pk}']")
    expect(row).to_contain_text("金阳宝地物业")
    shot(desk, "desk-members-pending")
    row.locator("button:has-text('确认')").click()
    expect(desk.locator(".messages")).to_contain_text("艾琳：已确认")
    member.refresh_from_db()
    assert member.status == RegistrationStatus.CONFIRMED
    # ...and publishes a post
    desk.click("#posts")
    desk.click("#add-post")
    desk.select_option("select[name=kind]", "post")
    desk.fill("input[name=title]", "楼道文明引导员")
    desk.fill("input[name=places]", "2")
    desk.fill("input[name=when]", "每周六 9:00–11:00")
    desk.click("form.card button[type=submit]")
    expect(desk.locator(".messages")).to_contain_text("岗位已发布")

    # erin claims it from her page
    erin_opens_her_report(page)
    expect(page.locator("#member-status")).to_have_text("已确认")
    post_row = page.locator("#open-posts li", has_text="楼道文明引导员")
    expect(post_row).to_contain_text("余 2 / 2 个名额")
    shot(page, "phone-members-open-posts")
    post_row.locator("button:has-text('认领')").click()
    expect(page.locator(".messages")).to_contain_text("您已认领“楼道文明引导员”")
    expect(page.locator("#claims")).to_contain_text("已认领")
    claim = PostClaim.objects.get()
    assert claim.member == member

    # she also volunteered at an activity (checked in and out at its desk)
    activity = create_activity(
        actor=world["bob"],
        title="垃圾分类宣传",
        kind="fair",
        owner=world.hetai,
        open_to=[world.hetai],
        venue=world.venue,
    )
    start = timezone.now() - timedelta(hours=4)
    VolunteerShift.objects.create(
        activity=activity,
        user=world["erin"],
        name="艾琳",
        checked_in_at=start,
        checked_out_at=start + timedelta(hours=1, minutes=30),
    )

    # bob marks the claim done with two hours
    menu(desk, "cobuilding")
    desk.click("nav.subnav a[data-tab=member_list]")
    desk.click("#posts")
    desk.click("text=楼道文明引导员")
    done = desk.locator(f"tr[data-claim='{claim.pk}'] form.done-form")
    done.locator("input[name=done-hours]").fill("2")
    done.locator("button").click()
    expect(desk.locator(".messages")).to_contain_text("艾琳 的服务时长已登记")
    shot(desk, "desk-members-post-done")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DONE
    desk_context.close()

    # erin sees her hours: the task's and the activity's
    erin_opens_her_report(page)
    expect(page.locator("#total-hours")).to_have_text("共 3.5 小时")
    expect(page.locator("#hours")).to_contain_text("垃圾分类宣传")
    expect(page.locator("#hours")).to_contain_text("楼道文明引导员")
    shot(page, "phone-members-hours")
    assert sorted((r.source, r.hours) for r in ServiceHours.objects.filter(member=member)) == [
        (HoursSource.ACTIVITY, Decimal("1.5")),
        (HoursSource.TASK, Decimal(2)),
    ]
