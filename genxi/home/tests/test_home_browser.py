"""As each role of the cast, on a phone (390×844) and a desk: every menu entry is visible (on
the phone's tab bar or in its "More" sheet; in the desk's top bar) and opens a page. A resident
raises a demand with a photo from their home page and answers the call-back online.

Screenshots land in build/screens/menu-*.png and resident-*.png.
"""

import io
from typing import Any
from urllib.parse import urlparse

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.demands import services
from genxi.demands.models import Callback, Demand
from genxi.home.navigation import navigation_for, split_for_phone
from tests.browser import DESK, PHONE, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def console(message: Any) -> None:
        # /favicon.ico is another item of the issue (a 404 until it is added).
        if message.type == "error" and "favicon" not in message.location.get("url", ""):
            errors.append(message.text)

    page.on("console", console)
    return errors


def within(box: Any, viewport: dict[str, int]) -> bool:
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
        and box["y"] + box["height"] <= viewport["height"]
    )


@pytest.mark.parametrize(("width", "viewport"), [("phone", PHONE), ("desk", DESK)])
@pytest.mark.parametrize("username", ["alice", "bob", "carol", "dave", "erin", "frank"])
def test_every_menu_entry_is_visible_and_opens(
    world: World, live_server, page: Page, username: str, width: str, viewport: dict[str, int]
) -> None:
    # Something to do in 和泰 (to accept) and at 金阳宝地物业 (assigned, not yet taken).
    category = services.create_category(
        actor=None, name="公共设施", response_days=1, resolution_days=10
    )
    for area in (world.building1, world.baoxiang_compound):
        services.collect_demand(
            actor=world["alice"], title="路灯不亮", category=category, area=area, channel="phone"
        )
    taken = Demand.objects.get(area=world.baoxiang_compound)
    services.accept(actor=world["alice"], demand=taken)
    services.verify(actor=world["alice"], demand=taken, findings="属实")
    services.assign(actor=world["alice"], demand=taken, path="partner", partner=world.partner)
    page.set_viewport_size(viewport)
    errors = watch_errors(page)
    log_in(page, live_server.url, username, PASSWORD)
    items = navigation_for(world[username])
    badges = {"alice": 1, "bob": 1, "carol": 0, "dave": 1, "erin": 0, "frank": 0}[username]
    assert next(i.badge for i in items if i.key in ("demands", "my_demands")) == badges
    if badges:
        where = "nav.mainnav" if width == "desk" else "nav.tabbar"
        expect(page.locator(f"{where} a[data-nav=demands] .badge")).to_have_text(str(badges))
    _tabs, more, _badge, _active = split_for_phone(items)
    assert len(items) > 1
    if width == "phone" and more:
        page.click("nav.tabbar details.more summary")
    shot(page, f"menu-{width}-{username}")
    for item in items:
        if width == "desk":
            link = page.locator(f"nav.mainnav a[data-nav={item.key}]")
        elif item in more:
            if page.locator("nav.tabbar details.more[open]").count() == 0:
                page.click("nav.tabbar details.more summary")
            link = page.locator(f"nav.tabbar .sheet a[data-nav={item.key}]")
        else:
            link = page.locator(f"nav.tabbar > a[data-nav={item.key}]")
        expect(link).to_be_visible()
        link.scroll_into_view_if_needed()
        assert within(link.bounding_box(), viewport), (item.key, link.bounding_box())
        with page.expect_navigation() as navigation:
            link.click()
        response = navigation.value
        assert response is not None and response.status == 200, (item.key, item.url)
        # The entry's page, or one below it that it sends the user on to (看板 opens the
        # dashboard of the user's widest area).
        path = urlparse(page.url).path
        assert path == item.url or (item.url != "/" and path.startswith(item.url)), path
        # The page does not spill sideways.
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= viewport["width"], (item.key, scroll_width)
    assert errors == []


def test_a_resident_raises_a_demand_with_a_photo_and_answers_the_call_back(
    world: World, live_server, page: Page, tmp_path: Any
) -> None:
    root = services.create_category(
        actor=None, name="公共设施", response_days=1, resolution_days=10
    )
    services.create_category(
        actor=None, name="楼道照明", parent=root, response_days=1, resolution_days=5
    )
    picture = tmp_path / "corridor.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 90, 120)).save(buffer, "JPEG")
    picture.write_bytes(buffer.getvalue())

    page.set_viewport_size(PHONE)
    errors = watch_errors(page)
    log_in(page, live_server.url, "erin", PASSWORD)
    shot(page, "resident-home")
    page.click("#resident >> text=提诉求")
    expect(page.locator("h1")).to_have_text("提诉求")
    # Her home is the default place.
    expect(page.locator("select[name=area] option:checked")).to_contain_text("三花苑 2幢")
    page.fill("input[name=title]", "2幢楼道灯坏了")
    page.select_option("select[name=category]", label="　楼道照明")
    page.fill("textarea[name=description]", "三楼到五楼晚上全黑")
    page.set_input_files("input[name=photos]", str(picture))
    shot(page, "resident-raise")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("2幢楼道灯坏了")
    expect(page.locator(".photos img")).to_have_count(1)
    page.click("nav.tabbar >> text=我的诉求")
    expect(page.locator(".my-demands")).to_contain_text("2幢楼道灯坏了")
    expect(page.locator(".my-demands")).to_contain_text("待受理")
    shot(page, "resident-my-demands")

    demand = Demand.objects.get(title="2幢楼道灯坏了")
    bob = world["bob"]
    services.accept(actor=bob, demand=demand)
    services.verify(actor=bob, demand=demand, findings="灯管老化")
    services.assign(actor=bob, demand=demand, path="community")
    services.post_update(actor=bob, demand=demand, text="物业电工明天上门", public=True)
    services.resolve(actor=bob, demand=demand, result="已更换三盏灯")

    page.click("nav.tabbar >> text=首页")
    expect(page.locator("nav.tabbar a[data-nav=my_demands] .badge")).to_have_text("1")
    page.click("#resident >> text=请告诉社区您是否满意")
    expect(page.locator("#callback")).to_be_visible()
    expect(page.locator("body")).to_contain_text("物业电工明天上门")
    expect(page.locator("body")).not_to_contain_text("灯管老化")
    page.check("input[name=result][value=basically]")
    page.fill("textarea[name=comment]", "四楼还有一盏不太亮")
    shot(page, "resident-callback")
    page.click("#callback button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("您的评价已记录")
    expect(page.locator("#callback")).to_have_count(0)
    shot(page, "resident-answered")
    callback = Callback.objects.get(demand=demand)
    assert (callback.result, callback.by) == ("basically", world["erin"])
    assert errors == []
