"""End to end in headless Chromium: a resident signs up for a lecture on her phone and cancels;
community staff enter a clinic's 400 registrations at the desk, mostly from a paper list.
Each story starts from the user's home page and goes by the menu, links and buttons.
"""

import re
from datetime import time

import pytest
import time_machine
from playwright.sync_api import Page, expect

from genxi.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Offering,
    Registration,
    RegistrationStatus,
    ServiceTally,
    Session,
    Stall,
)
from genxi.activities.services import registration as reg
from genxi.activities.tests.conftest import Lecture, at
from genxi.conftest import PASSWORD, World
from genxi.places import services as places
from tests.browser import DESK, PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_signs_up_for_a_lecture_and_cancels(
    world: World, lecture: Lecture, live_server, page: Page
) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "erin", PASSWORD)
    shot(page, "phone-signup-home-resident")
    menu(page, "signup")
    expect(page.locator("h1")).to_have_text("活动报名")
    expect(page.locator(".signup-item")).to_contain_text("余 3 位")
    shot(page, "phone-signup-open-list")
    page.click("text=冬季健康讲座")
    expect(page.locator("h1")).to_have_text("冬季健康讲座")
    expect(page.locator(".facts")).to_contain_text("最晚可在活动开始前 2 小时取消")
    shot(page, "phone-signup-lecture")
    page.click("button:has-text('为自己报名')")
    expect(page.locator("h1")).to_have_text("我的报名")
    expect(page.locator(".messages")).to_contain_text("艾琳 报名成功：座位 1 号")
    ticket = page.locator(".ticket")
    expect(ticket.locator("svg")).to_be_visible()
    mine = Registration.objects.get()
    expect(ticket.locator(".ticket-code")).to_contain_text(f"{mine.code[:4]} {mine.code[4:]}")
    shot(page, "phone-signup-ticket")
    page.click("text=取消报名")
    expect(page.locator("h1")).to_have_text("取消报名")
    expect(page.locator(".facts")).to_contain_text("可取消至")
    shot(page, "phone-signup-cancel-confirm")
    page.click("button:has-text('确定取消')")
    expect(page.locator(".messages")).to_contain_text("艾琳 的报名已取消")
    expect(page.locator("body")).to_contain_text("您没有即将参加的报名")
    mine.refresh_from_db()
    assert mine.status == RegistrationStatus.CANCELLED
    assert mine.by_staff is False


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["秀英", "桂英", "建国", "玉兰", "国强", "红梅", "志明", "海燕", "金凤", "德明"]


def paper_line(n: int) -> str:
    name = SURNAMES[n % 20] + GIVEN[(n // 20) % 10] + ("" if n < 200 else "二")
    return f"{name} 139{n:08d}"


def test_staff_enter_a_clinics_400_registrations_from_a_paper_list(
    world: World, live_server, page: Page
) -> None:
    """盛南社区's 健康集市-like clinic: 400 places, most entered by staff from a paper list."""
    world.venue.opens_at, world.venue.closes_at = time(8), time(21)
    world.venue.save(update_fields=["opens_at", "closes_at"])
    clinic = Activity.objects.create(
        title="健康集市 义诊",
        kind=ActivityKind.CLINIC,
        owner=world.hetai,
        street=world.street,
        venue=world.venue,
        status=ActivityStatus.PUBLISHED,
        audience=["residents", "elderly"],
    )
    clinic.open_to.set([world.hetai])
    session = Session.objects.create(
        activity=clinic, starts_at=at(5, 8, 30), ends_at=at(5, 11, 30), venue=world.venue
    )
    offering = Offering.objects.create(
        activity=clinic, session=session, capacity=400, staff_share=350
    )
    # Doctors' stalls by department, from the hospital's party branch.
    hospital = places.create_partner(
        actor=None, name="漕湖人民医院", kind="hospital", area=world.hetai
    )
    for department in ("内科", "中医科", "眼科"):
        Stall.objects.create(activity=clinic, service=department, provider=hospital)
    # Five signed up on their phones before the paper list came in.
    for n in range(5):
        resident = places.create_resident(
            actor=None,
            name=f"网上{n}",
            phone=f"1370000{n:04d}",
            area=world.building1,
            room=f"{n + 1}01",
        )
        reg.register(actor=None, offering=offering, resident=resident)
    # The paper list: 392 people, one line miswritten, one person twice, one already online.
    lines = [paper_line(n) for n in range(392)]
    lines.insert(100, "钱阿婆 1390000")  # a digit short
    lines.insert(200, paper_line(7))  # twice on the paper
    lines.insert(300, "网上3 13700000003")  # signed up online already
    assert len(lines) == 395

    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "bob", PASSWORD)
    menu(page, "activities")
    page.click(f"text={offering.activity.title}")
    page.click(f"a[href='{offering.get_absolute_url()}']")
    expect(page.locator("h1")).to_have_text("健康集市 义诊")
    page.click("text=按纸质名单登记")
    page.fill("textarea[name=lines]", "\n".join(lines))
    page.click("button:has-text('检查名单')")
    expect(page.locator("#preview")).to_contain_text("392 行可以登记；3 行有问题")
    preview = page.locator("table.paper-preview")
    expect(preview.locator("tr.bad")).to_have_count(3)
    expect(preview.locator("tr.bad").nth(0)).to_contain_text("“1390000”不是有效的电话号码")
    expect(preview.locator("tr.bad").nth(1)).to_contain_text("与第 8 行是同一个人")
    expect(preview.locator("tr.bad").nth(2)).to_contain_text("网上3 已经报过名了")
    shot(page, "desk-signup-paper-preview")
    page.click("button:has-text('登记 392 人')")
    expect(page.locator("h1")).to_have_text("纸质名单已登记", timeout=60_000)
    expect(page.locator(".summary")).to_contain_text("共登记 392 人：392 人已确认，0 人候补")
    shot(page, "desk-signup-paper-done")
    page.click("text=返回名单")

    # Three more by phone: one found on the books, two by name and phone.
    places.create_resident(
        actor=None, name="沈阿姨", phone="13600001111", area=world.building2, room="601"
    )
    page.fill("input[name=find]", "沈阿姨")
    page.click("button:has-text('查找')")
    page.locator("ul.found li", has_text="沈阿姨").get_by_role("button", name="报名").click()
    expect(page.locator(".messages")).to_contain_text("沈阿姨 报名成功：座位 398 号")
    for name, phone in [("蒋大伯", "13600002222"), ("韩奶奶", "0512-65001234")]:
        page.fill("input[name=walk_in-name]", name)
        page.fill("input[name=walk_in-phone]", phone)
        page.click("button:has-text('按姓名和电话报名')")
        expect(page.locator(".messages")).to_contain_text(f"{name} 报名成功")
    counts = page.locator("#counts")
    expect(counts.locator(".stat").nth(0)).to_contain_text("400")  # places
    expect(counts.locator(".stat").nth(1)).to_contain_text("400")  # confirmed
    expect(counts.locator(".stat").nth(5)).to_contain_text("0")  # free
    shot(page, "desk-signup-clinic-full")

    # Lowering the places below those taken is refused, and nothing changes.
    page.fill("input[name=cap-capacity]", "380")
    page.click("button:has-text('修改名额')")
    expect(page.locator("#capacity .error")).to_contain_text(
        re.compile("已有 400 个名额被占用|400 places are already taken")
    )
    shot(page, "desk-signup-capacity-refused")
    offering.refresh_from_db()
    assert offering.capacity == 400
    held = Registration.objects.filter(offering=offering, status=RegistrationStatus.CONFIRMED)
    assert held.count() == 400
    assert held.filter(by_staff=True).count() == 395
    assert len(set(held.values_list("seat", flat=True))) == 400

    # The evening after the clinic: it is marked held, each department's services are counted,
    # and the report is written.
    with time_machine.travel(at(5, 12), tick=True):
        menu(page, "activities")
        page.click(f"text={clinic.title}")
        page.click("button:has-text('标记为已举办')")
        expect(page.locator("h1 .chip")).to_have_text("已举办")
        for department, count in [("内科", "164"), ("中医科", "97"), ("眼科", "58")]:
            page.click("a.button:has-text('登记服务人次')")
            page.select_option("select[name=stall]", label=department)
            page.fill("input[name=count]", count)
            page.click("form button.primary:has-text('保存')")
        expect(page.locator("#stalls tr:has-text('内科')")).to_contain_text("164")
        expect(page.locator("#stalls tr:has-text('眼科')")).to_contain_text("58")
        page.click("a.button:has-text('撰写活动报告')")
        page.fill("textarea[name=report]", "三个科室的医生为400名居民义诊，内科最忙。")
        page.click("button:has-text('保存报告')")
        expect(page.locator("#report")).to_contain_text("内科最忙")
        shot(page, "desk-clinic-report")
    tallies = ServiceTally.objects.filter(stall__activity=clinic)
    assert sorted(tallies.values_list("stall__service", "count")) == [
        ("中医科", 97),
        ("内科", 164),
        ("眼科", 58),
    ]
