"""Every page at phone and desk widths in Chromium: it renders, in Chinese, and fits the screen.

Screenshots land in build/screens/pages-*.png for a person to look at.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from tests.browser import DESK, PHONE, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pages(w: World) -> list[tuple[str, str]]:
    return [
        ("home", reverse("home:home")),
        ("demands", reverse("demands:demand_list")),
        ("demand-new", reverse("demands:demand_create")),
        ("figures", reverse("demands:figures")),
        ("areas", reverse("places:area_list")),
        ("street", reverse("places:area_detail", args=[w.street.pk])),
        ("community", reverse("places:area_detail", args=[w.hetai.pk])),
        ("grid", reverse("places:area_detail", args=[w.grid1.pk])),
        ("area-new", reverse("places:area_create", args=[w.compound.pk, "building"])),
        ("residents", reverse("places:resident_list")),
        ("resident", reverse("places:resident_detail", args=[w.resident1.pk])),
        ("resident-new", reverse("places:resident_create")),
        ("pioneers", reverse("pioneers:appointment_list")),
        ("pioneer", reverse("pioneers:appointment_detail", args=[w.pioneer.pk])),
        ("pioneer-new", reverse("pioneers:appointment_create")),
        ("venues", reverse("places:venue_list")),
        ("venue", reverse("places:venue_detail", args=[w.venue.pk])),
        ("venue-edit", reverse("places:venue_edit", args=[w.venue.pk])),
        ("orgs", reverse("places:partyorg_list")),
        ("org", reverse("places:partyorg_detail", args=[w.org.pk])),
        ("org-new", reverse("places:partyorg_create")),
        ("partners", reverse("places:partner_list")),
        ("partner", reverse("places:partner_detail", args=[w.partner.pk])),
        ("partner-new", reverse("places:partner_create")),
        ("settings", reverse("home:settings")),
        ("calendar", reverse("home:calendar")),
        ("categories", reverse("demands:category_list")),
        ("category-new", reverse("demands:category_create")),
        ("calendar-year", reverse("home:calendar_year", args=[2099])),
        ("funds", reverse("projects:fund_list")),
        ("fund-new", reverse("projects:fund_create")),
        ("votes", reverse("projects:vote_list")),
        ("meetings", reverse("meetings:meeting_list")),
        ("meeting-new", reverse("meetings:meeting_create")),
        ("profile", reverse("accounts:profile")),
        ("password", reverse("accounts:password_change")),
        ("not-found", "/residents/999999/"),
    ]


@pytest.mark.parametrize(("width", "viewport"), [("phone", PHONE), ("desk", DESK)])
def test_every_page_fits_the_screen(
    world: World, live_server, page: Page, width: str, viewport
) -> None:
    page.set_viewport_size(viewport)
    log_in(page, live_server.url, "alice", PASSWORD)
    for name, url in pages(world):
        response = page.goto(live_server.url + url)
        assert response is not None
        assert response.status == (404 if name == "not-found" else 200), name
        assert page.locator("html").get_attribute("lang") == "zh-hans", name
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width} width"
        shot(page, f"pages-{width}-{name}")


def test_street_staff_enter_next_years_holidays(world: World, live_server, page: Page) -> None:
    from genxi.core.models import CalendarDay

    log_in(page, live_server.url, "alice", PASSWORD)
    page.click("nav.mainnav >> text=设置")
    page.click("text=工作日历")
    expect(page.locator("h1")).to_have_text("工作日历")
    page.goto(f"{live_server.url}/calendar/2099/")
    expect(page.locator(".errors")).to_contain_text("暂定")
    page.fill("textarea[name=holidays]", "2099-01-01\n2099-02-10~2099-02-31")
    page.click("button[type=submit]")
    expect(page.locator(".field.invalid")).to_contain_text("不是日期")
    page.fill("textarea[name=holidays]", "2099-01-01\n2099-02-10~2099-02-16")
    page.fill("textarea[name=makeup_workdays]", "2099-02-07")
    page.click("button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("已保存")
    expect(page.locator(".card").first).to_contain_text("2月7日")
    shot(page, "desk-calendar-entered")
    assert CalendarDay.objects.filter(is_workday=True).count() == 1
