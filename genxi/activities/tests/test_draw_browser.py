"""The draw in a browser: staff announce, freeze and run a draw of 300 applicants for 40
places at a desk; a resident who applied opens the public page on her phone from the text in
her inbox and finds everything needed to check it.

Staff reach the draw from the menu: 活动 → the activity → the term's 抽签 link.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from genxi.activities.models import Draw, Offering, Registration, RegistrationStatus
from genxi.activities.tests.test_draw import apply, close_window
from genxi.conftest import PASSWORD, World
from genxi.places.models import Resident
from tests.browser import DESK, PHONE, log_in, menu, shot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_run_a_draw_and_a_resident_checks_it_on_her_phone(
    world: World, term_offering: Offering, live_server, page: Page
) -> None:
    base = live_server.url
    offering = term_offering
    erin = Resident.objects.get(user=world["erin"])
    Registration.objects.create(
        offering=offering,
        activity_id=offering.activity_id,
        resident=erin,
        name=erin.name,
        person_key=f"r{erin.pk}",
        status=RegistrationStatus.APPLIED,
        created_at=timezone.now() - timedelta(days=1),
    )
    apply(offering, 284)
    apply(offering, 15, tier=0, start=284)  # first-timers and elderly people living alone

    page.set_viewport_size(DESK)
    log_in(page, base, "bob", PASSWORD)
    menu(page, "activities")
    page.click(f"text={offering.activity.title}")
    page.click(
        f"a[href='{reverse('activities:draw_manage', args=[offering.activity_id, offering.pk])}']"
    )
    expect(page.locator("h1")).to_contain_text("抽签")
    page.fill("textarea[name=sources]", "福彩3D 开奖号码\n居民在抽签现场掷的五颗骰子")
    draw_at = timezone.localtime(offering.closes_at + timedelta(days=1))  # type: ignore[operator]
    page.fill("input[name=draw_at]", draw_at.strftime("%Y-%m-%dT%H:%M"))
    shot(page, "draw-1-announce-desk")
    page.click("#announce button[type=submit]")
    expect(page.locator(".msg")).to_contain_text("抽签已公布")

    # The application window closes; the staff freeze the roster.
    close_window(offering)
    page.reload()
    expect(page.locator("#applied")).to_have_text("300")
    page.click("#freeze button[type=submit]")  # without the confirmation: refused
    expect(page.locator("#freeze .error")).to_be_visible()
    page.check("input[name=confirm]")
    page.click("#freeze button[type=submit]")
    expect(page.locator(".msg")).to_contain_text("名单已冻结")
    draw = Draw.objects.get(offering=offering)
    expect(page.locator("#roster-hash")).to_have_text(draw.roster_sha256)

    # At the draw: a wrong entry is refused in Chinese, then the real values.
    page.fill("textarea[name=values]", "0 8 9\n4 4 一 6 3")
    page.click("#run button[type=submit]")
    expect(page.locator("#run .error")).to_contain_text("不是数字")
    page.fill("textarea[name=values]", "0 8 9\n4 4 1 6 3")
    page.click("#run button[type=submit]")
    expect(page.locator(".msg")).to_contain_text("抽签已完成")
    expect(page.locator("#result")).to_contain_text("已录取 40 人，候补 260 人")
    expect(page.locator("#key")).to_have_text("0.8.9./1.3.4.4.6./")
    shot(page, "draw-2-drawn-desk")

    # Erin, on her phone, opens the text in her inbox: it leads to the public page.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    log_in(page, base, "erin", PASSWORD)
    page.click("details.usermenu summary")
    page.click("details.usermenu a:has-text('通知')")
    page.click(f"a[href='{draw.get_absolute_url()}']")
    expect(page.locator("h1")).to_contain_text("老年大学")
    expect(page.locator("#roster-hash")).to_have_text(draw.roster_sha256)
    expect(page.locator("#key")).to_have_text("0.8.9./1.3.4.4.6./")
    expect(page.locator("#admitted")).to_contain_text("40")
    expect(page.locator("#ranking .chip, #ranking .status")).to_have_count(300)
    expect(page.locator("#command")).to_contain_text("recompute_draw.py roster.json")
    expect(page.get_by_text("自己核对")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "draw-3-public-phone")
    with page.expect_download() as download:
        page.click("#check a[href$='recompute_draw.py']")
    assert download.value.suggested_filename == "recompute_draw.py"

    # And anyone without an account sees the same page.
    page.context.clear_cookies()
    page.goto(base + draw.get_absolute_url())
    expect(page.locator("#roster-hash")).to_have_text(draw.roster_sha256)
