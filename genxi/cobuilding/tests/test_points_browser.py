"""舍得空间, end to end in headless Chromium: a resident phones and bob (staff of 和泰, at the
desk) books a home pick-up for 周福珍 from the co-building hub; the provider's worker (dave, on
his phone) finds it the next morning and completes it with kg and amounts; the point's figures
update. And a resident books a pick-up on her own phone. Each walk starts from the user's home
page and goes by the menu, tabs, links and buttons."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from genxi.cobuilding.models import (
    BookingChannel,
    CollectedItem,
    PointBooking,
    PointBookingStatus,
    ServicePoint,
)
from genxi.cobuilding.tests.conftest import at
from genxi.conftest import PASSWORD, World
from tests.browser import DESK, PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_point(page: Page) -> None:
    menu(page, "cobuilding")
    page.click("nav.subnav a[data-tab=point_list]")
    expect(page.locator("#results")).to_contain_text("舍得空间")
    page.click("#results a:has-text('舍得空间')")
    expect(page.locator("#point-name")).to_have_text("舍得空间")


def test_a_phoned_in_pick_up_is_booked_by_staff_and_completed_by_the_worker(
    world: World, point: ServicePoint, live_server, page: Page
) -> None:
    # bob at the desk: 周福珍 phones to have old cardboard and clothes picked up tomorrow.
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "bob", PASSWORD)
    open_point(page)
    expect(page.locator("[data-figure=bookings]")).to_have_text("0")
    expect(page.locator("[data-table=prices]")).to_contain_text("纸板")
    shot(page, "desk-point-before")
    page.click("#edit-point")
    expect(page.locator("#point-form [data-table=hours] input[name=opens_0]")).to_have_value(
        "08:00"
    )
    shot(page, "desk-point-edit")
    page.click("#point-form a.button")  # cancel: back to the point
    page.click("#book-for-resident")
    page.fill("#find-resident input[name=q]", "周福")
    page.click("#find-resident button")
    page.check("#book-form label:has-text('周福珍') input[type=radio]")
    page.select_option("#book-form select[name=slot]", index=1)
    page.fill("#book-form input[name=what]", "纸板三捆、旧衣物一袋")
    shot(page, "desk-point-book-form")
    page.click("#book-form button[type=submit]")
    expect(page.locator("#booking-status")).to_have_text("已确认")
    expect(page.locator(".facts")).to_contain_text("电话预约（社区工作人员登记）")
    booking = PointBooking.objects.get()
    assert booking.resident == world.resident1 and booking.channel == BookingChannel.STAFF_CALL
    page.select_option("#assign-form select[name=worker]", label="戴夫")
    page.click("#assign-form button[type=submit]")
    expect(page.locator("#booking-status")).to_have_text("已派单")
    expect(page.locator("#booking-worker")).to_have_text("戴夫")
    shot(page, "desk-point-booking-assigned")
    page.click("h2 a:has-text('舍得空间')")
    slot = page.locator(f"[data-slot='{booking.slot_id}']")
    expect(slot.locator(f"[data-free='{booking.slot_id}']")).to_have_text("1")
    expect(slot).to_contain_text("周福珍")

    # The next morning, dave (the provider's worker) on his phone finds the visit and records it.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    with time_machine.travel(at(1, 10), tick=True):
        log_in(page, live_server.url, "dave", PASSWORD)
        open_point(page)
        shot(page, "phone-point-worker")
        page.click(f"[data-booking='{booking.pk}']")
        expect(page.locator(".facts")).to_contain_text("13812345678")
        prices = {p.material: p.pk for p in point.prices.all()}
        page.fill(f"input[name=kg_{prices['纸板']}]", "-2")
        page.click("#done-form button[type=submit]")
        expect(page.locator("#done-form .error").first).to_be_visible()
        assert not CollectedItem.objects.exists()
        page.fill(f"input[name=kg_{prices['纸板']}]", "12.5")
        page.fill(f"input[name=kg_{prices['旧衣物']}]", "3")
        page.fill(f"input[name=amount_{prices['旧衣物']}]", "2")
        shot(page, "phone-point-done-form")
        # The worker taps the button straight after typing in the last number, as people do:
        # the page must not move the button from under the finger.
        page.click("#done-form button[type=submit]", timeout=5000)
        expect(page.locator("#booking-status")).to_have_text("已完成")
        expect(page.locator("#amount-paid")).to_contain_text("17.00")
        shot(page, "phone-point-done")
        page.click("h2 a:has-text('舍得空间')")
        expect(page.locator("[data-figure=paid]")).to_have_text("17.00")
        expect(page.locator("[data-figure=households]")).to_have_text("1")
        expect(page.locator("[data-figure=kg]")).to_have_text("15.50")
        expect(page.locator("[data-table=kg-by-month]")).to_contain_text("12.5")
        expect(page.locator("#activity-chart")).to_have_attribute("data-drawn", "1")
        shot(page, "phone-point-figures")
    booking.refresh_from_db()
    assert booking.status == PointBookingStatus.DONE and booking.worker == world["dave"]


def test_a_resident_books_a_pick_up_on_her_phone(
    world: World, point: ServicePoint, live_server, page: Page
) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "erin", PASSWORD)
    menu(page, "community_services")
    page.click("#book-home-visit")
    item = page.locator(f"[data-point='{point.pk}']")
    expect(item).to_contain_text("舍得空间")
    shot(page, "phone-resident-points")
    item.locator("input[name=what]").first.fill("旧电视机一台")
    item.locator("button[type=submit]").first.click()
    expect(page.locator("#booking-status")).to_have_text("已确认")
    shot(page, "phone-resident-booked")
    booking = PointBooking.objects.get()
    assert booking.channel == BookingChannel.APP and booking.what == "旧电视机一台"
    assert booking.slot.starts_at > timezone.now() + timedelta(hours=1)
    # She changes her mind: cancelling asks first, and frees the place.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#cancel-form button")
    expect(page.locator("#booking-status")).to_have_text("已取消")
    booking.refresh_from_db()
    assert booking.status == PointBookingStatus.CANCELLED
