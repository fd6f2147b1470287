"""End to end in headless Chromium: a refused venue booking (the slot overlaps another), then a
free one; a resident asks for a slot for her group on a phone and staff answer the requests."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.places import services
from genxi.places.models import BookingPurpose, BookingStatus, VenueBooking
from tests.browser import DESK, PHONE, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_menu_entry(page: Page, key: str) -> None:
    """The menu's entry `key`: in the desk's side menu, or the phone's tab bar (under "More")."""
    desk = page.locator(f"nav.mainnav a[data-nav={key}]")
    if desk.is_visible():
        desk.click()
        return
    more = page.locator("nav.tabbar details.more > summary")
    if more.count() and not page.locator(f"nav.tabbar a[data-nav={key}]").is_visible():
        more.click()
    page.locator(f"nav.tabbar a[data-nav={key}]").click()


def slot(page: Page, day: str, start: str, end: str, title: str) -> None:
    page.fill("input[name=day]", day)
    page.fill("input[name=start]", start)
    page.fill("input[name=end]", end)
    page.fill("input[name=title]", title)


def test_a_refused_venue_booking_the_slot_overlaps_another(
    world: World, live_server, page: Page
) -> None:
    venue = world.venue
    services.update_venue(actor=None, venue=venue, opens_at=time(8), closes_at=time(21))
    day = timezone.localdate() + timedelta(days=2)
    zone = timezone.get_current_timezone()
    services.book_venue(
        actor=world["bob"],
        venue=venue,
        starts_at=datetime.combine(day, time(9), tzinfo=zone),
        ends_at=datetime.combine(day, time(11), tzinfo=zone),
        purpose=BookingPurpose.ACTIVITY,
        title="党员学习",
    )
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "bob", PASSWORD)
    open_menu_entry(page, "venues")
    page.click(f"#results >> text={venue.name}")
    expect(page.locator("h1")).to_have_text(venue.name)
    page.click("text=预订日程")
    expect(page.locator(".kind")).to_have_text("预订日程")
    page.click("text=预订时段")
    slot(page, day.isoformat(), "10:00", "12:00", "广场舞排练")
    page.select_option("select[name=purpose]", "group")
    page.click("button[type=submit]")
    refusal = page.locator("[role=alert]").first
    expect(refusal).to_contain_text("已被预订")
    expect(refusal).to_contain_text("党员学习")
    expect(refusal).to_contain_text("09:00")
    shot(page, "desk-booking-refused-overlap")
    assert VenueBooking.objects.filter(venue=venue).count() == 1
    # A free slot the same day is booked and shows on the week.
    page.fill("input[name=start]", "14:00")
    page.fill("input[name=end]", "16:00")
    page.click("button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("已预订")
    expect(page.locator("#week")).to_contain_text("广场舞排练")
    expect(page.locator("#week")).to_contain_text("党员学习")
    shot(page, "desk-booking-calendar")
    assert VenueBooking.objects.holding().filter(venue=venue).count() == 2


def test_a_resident_asks_for_a_slot_and_staff_answer(
    world: World, live_server, page: Page, browser
) -> None:
    venue = world.venue
    services.update_venue(actor=None, venue=venue, opens_at=time(8), closes_at=time(21))
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "erin", PASSWORD)
    open_menu_entry(page, "venues")
    page.click(f"#results >> text={venue.name}")
    page.click("text=申请时段")
    slot(page, day, "18:00", "20:00", "编织活动")
    page.fill("input[name=group_name]", "巧手编织队")
    page.click("button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("申请已提交")
    expect(page.locator("#week")).to_contain_text("巧手编织队")
    shot(page, "phone-booking-requested")
    page.goto(f"{live_server.url}/")
    open_menu_entry(page, "venues")
    page.click(f"#results >> text={venue.name}")
    page.click("text=申请时段")
    slot(page, day, "20:00", "22:00", "合唱排练")  # past closing time
    page.fill("input[name=group_name]", "夕阳红合唱团")
    page.click("button[type=submit]")
    expect(page.locator("[role=alert]").first).to_contain_text("21:00")
    shot(page, "phone-booking-request-refused-hours")
    slot(page, day, "08:00", "09:00", "合唱排练")
    page.click("button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("申请已提交")
    asked, other = VenueBooking.objects.order_by("starts_at").reverse()
    assert asked.status == other.status == BookingStatus.REQUESTED

    staff = browser.new_page(viewport=DESK)
    log_in(staff, live_server.url, "bob", PASSWORD)
    open_menu_entry(staff, "venues")
    staff.click(f"#results >> text={venue.name}")
    staff.click("text=待处理的申请")
    expect(staff.locator("h1")).to_have_text("微阵地预约申请")
    expect(staff.locator(f"#request-{asked.pk}")).to_contain_text("巧手编织队")
    expect(staff.locator(f"#request-{asked.pk}")).to_contain_text("艾琳")
    shot(staff, "desk-booking-requests")
    staff.locator(f"#request-{asked.pk} >> text=批准").click()
    expect(staff.locator(".messages")).to_contain_text("已批准")
    # Refusing asks first, and says why.
    row = staff.locator(f"#request-{other.pk}")
    row.locator("summary").click()
    row.locator("input[name=reason]").fill("当天早上场地保洁")
    staff.once("dialog", lambda dialog: dialog.accept())
    row.locator("details button[type=submit]").click()
    expect(staff.locator(".messages")).to_contain_text("已拒绝")
    expect(staff.locator("body")).to_contain_text("没有待处理的申请")
    shot(staff, "desk-booking-requests-answered")
    asked.refresh_from_db()
    other.refresh_from_db()
    assert asked.status == BookingStatus.CONFIRMED
    assert other.status == BookingStatus.REFUSED
    assert "当天早上场地保洁" in other.note
    staff.close()
