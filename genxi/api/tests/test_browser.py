"""In headless Chromium: a resident tracks a closed-out demand on a phone and goes back; staff
place an Open311 request whose address named no place, from the demand list."""

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from genxi.accounts.services import create_api_token
from genxi.api.models import UnplacedRequest
from genxi.conftest import PASSWORD, World
from genxi.demands import services
from genxi.demands.models import Category, Demand
from genxi.demands.tests.conftest import collect
from tests.browser import DESK, PHONE, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_tracks_a_closed_out_demand_on_a_phone(
    world: World, live_server, page: Page, category: Category
) -> None:
    demand = collect(world, category)
    bob = world["bob"]
    services.accept(actor=bob, demand=demand, note="私密受理备注")
    services.verify(actor=bob, demand=demand, findings="属实")
    services.assign(actor=bob, demand=demand, path="community", note="社区自办私密")
    services.post_update(actor=bob, demand=demand, text="南门已拓宽到120厘米", public=True)
    services.resolve(actor=bob, demand=demand, result="私密办理结果")
    demand.refresh_from_db()
    services.record_callback(
        actor=bob, demand=demand, resident=world.resident1, result="satisfied", comment="张三"
    )
    services.close_out(actor=bob, demand=demand)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("text=凭查询码查看诉求进度")
    page.fill("input[name=code]", demand.code.lower())
    page.click("button:has-text('查询')")
    expect(page.locator(".status")).to_have_text("已销号")
    body = page.locator("main")
    expect(body).to_contain_text("南门已拓宽到120厘米")
    for private in ("私密受理备注", "社区自办私密", "私密办理结果", "张三"):
        expect(body).not_to_contain_text(private)
    shot(page, "phone-track-closed-out")
    page.click("a.back")
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def test_staff_place_an_open311_request_from_the_demand_list(
    world: World, live_server, page: Page, category: Category
) -> None:
    token = create_api_token(actor=None, user=world["bob"], name="city")[1]
    posted = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": token,
            "service_code": category.pk,
            "address_string": "金鸡湖东岸",
            "description": "路口积水\n下雨后走不了",
        },
    )
    assert posted.status_code == 201, posted.content
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "bob", PASSWORD)
    page.click("nav.mainnav >> text=诉求")
    page.click("text=待定位的 Open311 请求")
    card = page.locator("section.unplaced")
    expect(card).to_contain_text("金鸡湖东岸")
    expect(card).to_contain_text("路口积水")
    card.locator("select[name=area]").select_option(label="　三花苑")
    shot(page, "desk-open311-place")
    card.locator("button:has-text('确定位置')").click()
    expect(page.locator("h1")).to_contain_text("路口积水")
    demand = Demand.objects.get()
    assert demand.area == world.compound
    assert UnplacedRequest.objects.get().demand == demand
    shot(page, "desk-open311-placed")
