"""End to end in headless Chromium: the flows a pioneer and community staff walk through."""

import re

import pytest
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.core.models import AuditEntry
from genxi.places.models import Area, PartnerContact, Resident, Venue
from genxi.places.services import update_venue
from tests.browser import DESK, PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pioneer_finds_a_resident_on_a_phone_and_reveals_the_number(
    world: World, live_server, page: Page
) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "carol", PASSWORD)
    shot(page, "phone-home-pioneer")
    menu(page, "residents")
    expect(page.locator("h1")).to_have_text("居民")
    # Pinyin initials find 周福珍; htmx swaps the results without a page load.
    page.fill("input[name=q]", "zfz")
    expect(page.locator("#results")).to_contain_text("周福珍")
    expect(page.locator("#results")).to_contain_text("138****5678")
    expect(page.locator("#results")).not_to_contain_text("13812345678")
    shot(page, "phone-resident-search")
    page.click("#results >> text=周福珍")
    expect(page.locator("#phone")).to_contain_text("138****5678")
    page.click("text=显示号码")
    expect(page.locator("#phone")).to_contain_text("13812345678")
    shot(page, "phone-resident-revealed")
    assert AuditEntry.objects.filter(
        action="resident.view_phone", actor=world["carol"], object_id=str(world.resident1.pk)
    ).exists()


def test_leadership_sees_masked_numbers_without_a_reveal_button(
    world: World, live_server, page: Page
) -> None:
    log_in(page, live_server.url, "frank", PASSWORD)
    page.goto(f"{live_server.url}/residents/{world.resident1.pk}/")
    expect(page.locator("#phone")).to_contain_text("138****5678")
    expect(page.locator("text=显示号码")).to_have_count(0)


def test_community_staff_builds_the_area_tree(world: World, live_server, page: Page) -> None:
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "bob", PASSWORD)
    shot(page, "desk-home-community")
    page.click("nav.mainnav >> text=区域")
    page.click("text=和泰社区")
    shot(page, "desk-area-community")
    page.click("text=+ 小区")
    page.click("button[type=submit]")  # empty name
    expect(page.locator(".field.invalid")).to_contain_text("这个字段是必填项。")
    shot(page, "desk-area-form-error")
    assert not Area.objects.filter(name="", kind="compound").exists()
    page.fill("input[name=name]", "清风苑")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("清风苑")
    page.click("text=+ 楼栋")
    page.fill("input[name=name]", "8幢")
    page.select_option("select[name=grid]", label="和泰二网格")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("8幢")
    expect(page.locator("body")).to_contain_text("和泰二网格")
    building = Area.objects.get(name="8幢")
    assert building.grid == world.grid2
    assert building.path.startswith(Area.objects.get(name="清风苑").path)


def test_staff_registers_a_resident_with_clear_errors(
    world: World, live_server, page: Page
) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "bob", PASSWORD)
    page.goto(f"{live_server.url}/residents/new/")
    page.fill("input[name=name]", "王秀兰")
    page.fill("input[name=phone]", "12345")
    page.select_option("select[name=area]", label="和泰社区 / 三花苑 / 1幢")
    page.click("button[type=submit]")
    expect(page.locator(".field.invalid")).to_contain_text("不是有效的手机号码")
    shot(page, "phone-resident-bad-phone")
    page.fill("input[name=phone]", "138 1234 5678")  # 周福珍's number
    page.click("button[type=submit]")
    expect(page.locator(".errors, .field.invalid")).to_contain_text("已登记")
    assert not Resident.objects.filter(name="王秀兰").exists()
    page.fill("input[name=phone]", "13612345678")
    page.fill("input[name=room]", "601")
    page.check("text=独居老人") if page.locator("text=独居老人").count() else None
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("王秀兰")
    shot(page, "phone-resident-saved")
    assert Resident.objects.get(name="王秀兰").phone == "13612345678"


def test_venue_edit_refuses_a_concurrent_change(world: World, live_server, page: Page) -> None:
    log_in(page, live_server.url, "bob", PASSWORD)
    page.goto(f"{live_server.url}/venues/{world.venue.pk}/edit/")
    # Someone else saves while this form is open.
    update_venue(actor=world["alice"], venue=Venue.objects.get(pk=world.venue.pk), capacity=40)
    page.fill("input[name=capacity]", "30")
    page.click("button[type=submit]")
    expect(page.locator(".errors")).to_contain_text("他人")
    shot(page, "desk-venue-concurrent-edit")
    assert Venue.objects.get(pk=world.venue.pk).capacity == 40


def test_partner_contacts_add_and_remove_with_confirmation(
    world: World, live_server, page: Page
) -> None:
    log_in(page, live_server.url, "alice", PASSWORD)
    page.goto(f"{live_server.url}/partners/{world.partner.pk}/")
    page.fill("input[name=name]", "李经理")
    page.fill("input[name=title]", "项目经理")
    page.fill("input[name=phone]", "13700001111")
    page.click("text=添加联系人")
    expect(page.locator("#contacts")).to_contain_text("李经理")
    shot(page, "desk-partner-contacts")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#contacts >> text=删除")
    assert PartnerContact.objects.filter(name="李经理").exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#contacts >> text=删除")
    expect(page.locator("#contacts")).not_to_contain_text("李经理")
    assert not PartnerContact.objects.filter(name="李经理").exists()


def test_interface_switches_to_english(world: World, live_server, page: Page) -> None:
    log_in(page, live_server.url, "alice", PASSWORD)
    page.click(".usermenu summary")
    page.click("button[value=en]")
    expect(page.locator("nav.mainnav")).to_contain_text("Residents")
    shot(page, "desk-home-english")
    page.click(".usermenu summary")
    page.click("button[value=zh-hans]")
    expect(page.locator("nav.mainnav")).to_contain_text("居民")
    expect(page).to_have_url(re.compile(r"/$"))
