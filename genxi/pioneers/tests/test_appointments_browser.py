"""富元雅苑's appointment, as the community's staff live it at the desk: from the home page, the
menu 先锋 → 设置 to write the duties template (and set the grid limit low), then 聘用 → appoint
a 海棠先锋 for a term with the template's duties and a grid, see the grid warning, and open the
certificate (聘书) and print it (print media emulated: the print button is hidden)."""

import re

import pytest
from playwright.sync_api import Page, expect

from genxi.accounts.models import Role
from genxi.accounts.services import create_user, grant_membership
from genxi.conftest import PASSWORD, World
from genxi.pioneers.models import AppointmentEvent
from genxi.places import services as places
from genxi.places.models import AreaKind, Pioneer
from tests.browser import DESK, PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def zhuxiang(world: World) -> dict[str, object]:
    """朱巷社区 with 富元雅苑 (its 1幢 and 2幢 in 朱巷第一网格, five households), the branch
    富元雅苑党支部, staff 朱敏 and the resident 陈海棠 who has an account."""
    community = places.create_area(
        actor=None, kind=AreaKind.COMMUNITY, name="朱巷社区", parent=world.street
    )
    grid = places.create_area(actor=None, kind=AreaKind.GRID, name="朱巷第一网格", parent=community)
    compound = places.create_area(
        actor=None, kind=AreaKind.COMPOUND, name="富元雅苑", parent=community
    )
    buildings = [
        places.create_area(
            actor=None, kind=AreaKind.BUILDING, name=name, parent=compound, grid=grid
        )
        for name in ("1幢", "2幢")
    ]
    for i, (building, room) in enumerate(
        [(0, "101"), (0, "201"), (0, "302"), (1, "101"), (1, "402")]
    ):
        places.create_resident(
            actor=None,
            name=f"住户{i}",
            phone=f"1390000010{i}",
            area=buildings[building],
            room=room,
        )
    party = places.create_party_org(
        actor=None, name="朱巷社区党委", kind="committee", area=community
    )
    places.create_party_org(
        actor=None, name="富元雅苑党支部", kind="branch", area=compound, parent=party
    )
    staff = create_user(actor=None, username="zhumin", password=PASSWORD, name="朱敏")
    grant_membership(actor=None, user=staff, role=Role.COMMUNITY_STAFF, area=community)
    haitang = create_user(actor=None, username="chenhaitang", password=PASSWORD, name="陈海棠")
    grant_membership(actor=None, user=haitang, role=Role.RESIDENT, area=community)
    return {"community": community, "grid": grid}


def test_fuyuan_appointment_with_a_printed_certificate(
    world: World, zhuxiang: dict[str, object], live_server: object, page: Page, settings
) -> None:
    settings.GENXI_PIONEER_LABEL = "海棠先锋"
    base = live_server.url
    page.set_viewport_size(DESK)
    log_in(page, base, "zhumin", PASSWORD)

    # 先锋 → 设置: the grid limit set low (4), then a duties template.
    menu(page, "pioneers")
    page.click("nav.subnav a[data-tab=settings]")
    page.fill("input[name=grid_households_limit]", "4")
    page.click("#settings button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("朱巷社区")
    page.click("#duty-templates a.button")
    page.select_option("select[name=area]", label="朱巷社区")
    page.fill("input[name=name]", "海棠先锋职责")
    page.fill(
        "textarea[name=duties]",
        "一、每月走访网格内住户，了解困难和诉求；\n二、参与小区议事，协调邻里矛盾。",
    )
    page.fill("textarea[name=assessment_rules]", "走访完成率、诉求办结率、居民满意度，按季度考核。")
    page.click("button[type=submit].primary")
    expect(page.locator("#duty-templates")).to_contain_text("海棠先锋职责")
    shot(page, "pioneers-settings")

    # 聘用 → 聘用: the term, the branch, the account, the template and the grid.
    page.click("nav.subnav a[data-tab=appointment_list]")
    page.click(".pagehead a.button.primary")
    page.fill("input[name=name]", "陈海棠")
    page.select_option("select[name=community]", label="朱巷社区")
    page.select_option("select[name=party_org]", label="富元雅苑党支部")
    page.select_option("select[name=user]", label="陈海棠（chenhaitang）")
    page.get_by_label(re.compile("朱巷第一网格")).check()
    page.fill("input[name=appointed_on]", "2026-03-01")
    page.fill("input[name=term_ends_on]", "2029-02-28")
    page.select_option("select[name=template]", label="海棠先锋职责")
    shot(page, "pioneers-appoint")
    page.click("button[type=submit].primary")

    # The saved page: the term, the duties, the grid over the limit as a warning.
    expect(page.locator("#appointment-term")).to_contain_text("2026-03-01 ~ 2029-02-28")
    expect(page.locator("#appointment-duties")).to_contain_text("每月走访网格内住户")
    expect(page.locator("#appointment-duties")).to_contain_text("按季度考核")
    expect(page.locator(".messages .msg.warning")).to_contain_text("朱巷第一网格")
    expect(page.locator("#appointment-grids .chip.warn")).to_contain_text("5")
    expect(page.locator("#appointment-events")).to_contain_text("2029-02-28")
    shot(page, "pioneers-appointment")
    pioneer = Pioneer.objects.get(name="陈海棠")
    assert pioneer.party_org is not None and pioneer.party_org.name == "富元雅苑党支部"
    assert AppointmentEvent.objects.filter(pioneer=pioneer, kind="appointed").count() == 1

    # The certificate, as printed for the ceremony.
    page.click(".pagehead a[href$='/certificate/']")
    sheet = page.locator("[data-certificate]")
    expect(sheet.locator("[data-name]")).to_have_text("陈海棠")
    expect(sheet).to_contain_text("海棠先锋")
    expect(sheet.locator("[data-issuer]")).to_have_text("富元雅苑党支部")
    expect(sheet.locator("[data-grids]")).to_have_text("朱巷第一网格")
    expect(sheet.locator("[data-term]")).to_contain_text("2029年2月28日")
    expect(sheet).to_contain_text("每月走访网格内住户")
    expect(page.locator("[data-print]")).to_be_visible()
    shot(page, "pioneers-certificate")
    page.emulate_media(media="print")
    expect(page.locator("[data-print]")).to_be_hidden()
    shot(page, "pioneers-certificate-print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1


def test_a_pioneer_reads_her_appointment_and_grid_on_a_phone(
    world: World, live_server: object, page: Page
) -> None:
    """carol, on a phone: 先锋 → her appointment → the grid she covers, its households."""
    places.create_resident(
        actor=None, name="孙阿婆", phone="13800000101", area=world.building1, room="101"
    )
    base = live_server.url
    page.set_viewport_size(PHONE)
    log_in(page, base, "carol", PASSWORD)
    menu(page, "pioneers")
    page.click(f"tr[data-pioneer='{world.pioneer.pk}'] a")
    expect(page.locator("#appointment-grids")).to_contain_text("和泰一网格")
    expect(page.locator(".pagehead a[href$='/edit/']")).to_have_count(0)
    shot(page, "pioneers-appointment-phone")
    page.click("#appointment-grids a")
    expect(page.locator("#grid-households-list")).to_contain_text("孙阿婆")
    expect(page.locator("#grid-households-list")).to_contain_text("周福珍")
    expect(page.locator("#move-building")).to_have_count(0)
    shot(page, "pioneers-grid-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
