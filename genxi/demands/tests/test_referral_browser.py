"""和泰社区's staff assign a demand to the street's property company, add a unit on the spot and
refer another demand to 宝祥社区 — at a desk, from the home page."""

import pytest
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.demands import services
from genxi.demands.models import Demand, EventKind, Status
from genxi.demands.tests.conftest import collect
from genxi.places.models import Partner
from genxi.places.services import update_partner
from tests.browser import DESK, log_in, shot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_assign_to_a_street_unit_add_one_and_refer_another(
    world: World, category, live_server, page: Page
) -> None:
    # In this story 金阳宝地物业 is registered with the street, serving all its communities.
    update_partner(actor=None, partner=world.partner, area=world.street)
    lamp = collect(world, category, title="三花苑1幢楼道灯不亮", actor=world["bob"])
    services.accept(actor=world["bob"], demand=lamp)
    services.verify(actor=world["bob"], demand=lamp, findings="1至3层感应灯损坏")
    pavilion = collect(world, category, title="宝祥苑凉亭顶棚漏雨", actor=world["bob"])

    page.set_viewport_size(DESK)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server.url, "bob", PASSWORD)
    page.click("nav.mainnav >> text=诉求")
    page.click("text=三花苑1幢楼道灯不亮")
    expect(page.locator("h1")).to_have_text("三花苑1幢楼道灯不亮")

    # A unit of the community's own, added on the spot, is then offered and chosen.
    page.click("#add-partner summary")
    page.fill("input[name=new_partner-name]", "三花苑业委会维修组")
    page.select_option("select[name=new_partner-kind]", "other")
    page.click("#add-partner button[type=submit]")
    expect(page.locator("#act-assign select[name=assign-partner]")).to_have_value(
        str(Partner.objects.get(name="三花苑业委会维修组").pk)
    )

    # The street's property company, found by its pinyin initials.
    page.select_option("#act-assign select[name=assign-path]", "partner")
    page.fill("#partner-q", "jybd")
    expect(page.locator("#partner-count")).to_contain_text("1个单位")
    expect(page.locator("#act-assign select[name=assign-partner]")).to_have_value(
        str(world.partner.pk)
    )
    shot(page, "desk-assign-picker")
    page.click("#act-assign button[type=submit]")
    expect(page.locator(".pagehead .status")).to_have_text("已交办（待接单）")
    expect(page.locator(".facts")).to_contain_text("金阳宝地物业")
    lamp.refresh_from_db()
    assert lamp.handler_partner == world.partner and lamp.status == Status.ASSIGNED

    # Another demand is referred to 宝祥社区: it moves there; 和泰 still reads it.
    page.click("nav.mainnav >> text=诉求")
    page.click("text=宝祥苑凉亭顶棚漏雨")
    page.click("#act-refer summary")
    page.select_option("select[name=refer-to]", label="宝祥社区")
    page.fill("textarea[name=refer-reason]", "凉亭位于宝祥苑，属宝祥社区")
    page.click("#act-refer button[type=submit]")
    expect(page.locator(".pagehead .status")).to_have_text("待受理")
    expect(page.locator(".notice")).to_contain_text("已转办至宝祥社区")
    expect(page.locator(".timeline")).to_contain_text("由和泰社区转至宝祥社区")
    expect(page.locator("section.action, details.action")).to_have_count(0)
    shot(page, "desk-referred")
    pavilion = Demand.objects.get(pk=pavilion.pk)
    assert pavilion.community == world.baoxiang
    assert pavilion.events.filter(kind=EventKind.TRANSFERRED).count() == 1
