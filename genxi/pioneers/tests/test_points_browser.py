"""Points (积分) end to end in headless Chromium: erin (a resident of 和泰) opens 我的积分 on
her phone, redeems a bottle of washing liquid and sees her pick-up code; bob at 和泰's desk
hands it over by the code and the stock shows one less; bob awards points to two residents
who volunteered. Each walk starts from the user's home page and goes by the menu, tabs, links
and buttons."""

import pytest
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.pioneers.models import PointAccount, Redemption, RedemptionStatus, Reward
from genxi.pioneers.services import points as services
from genxi.places.models import Resident
from tests.browser import DESK, PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stocked(world: World) -> Reward:
    alice, bob = world["alice"], world["bob"]
    volunteer = services.create_item(actor=alice, area=world.street, name="参加志愿服务", points=5)
    services.create_item(actor=bob, area=world.hetai, name="垃圾分类督导", points=3)
    soap = services.create_reward(
        actor=alice,
        area=world.street,
        name="洗衣液",
        cost=50,
        stock=20,
        description="蓝月亮 1 公斤装",
    )
    services.create_reward(actor=alice, area=world.street, name="大米", cost=100, stock=10)
    services.create_reward(actor=bob, area=world.hetai, name="理发券", cost=30, stock=0)
    erin = Resident.objects.get(user=world["erin"])
    services.award(actor=bob, resident=erin, item=volunteer, reason="学雷锋志愿服务")
    services.adjust(
        actor=bob,
        account=PointAccount.objects.get(resident=erin),
        points=55,
        reason="补录上半年志愿服务",
    )
    return soap


def open_points(page: Page, section: str) -> None:
    menu(page, "pioneers")
    page.click("nav.subnav a[data-tab=points_home]")
    page.click(f"#points-nav a[data-section={section}]")


def test_a_resident_redeems_on_her_phone_and_bob_hands_it_over(
    world: World, stocked: Reward, live_server, page: Page
) -> None:
    # erin on her phone: the home card shows her points; 我的积分 from the menu.
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "erin", PASSWORD)
    expect(page.locator("#card-balance")).to_have_text("60")
    shot(page, "phone-points-home-card")
    menu(page, "my_points")
    expect(page.locator("#my-balance")).to_have_text("60")
    soap = page.locator(f"#rewards [data-reward='{stocked.pk}']")
    expect(soap).to_contain_text("20")
    expect(page.locator("#rewards")).to_contain_text("积分还不够")  # the rice costs 100
    expect(page.locator("#rewards")).to_contain_text("已兑完")  # no haircut vouchers left
    shot(page, "phone-points-rewards")
    page.once("dialog", lambda dialog: dialog.accept())
    soap.locator("button:has-text('兑换')").click()
    expect(page.locator(".messages, [role=status]").first).to_contain_text("兑换成功")
    expect(page.locator("#my-balance")).to_have_text("10")
    redemption = Redemption.objects.get()
    code = page.locator(f"#my-codes [data-code='{redemption.code}'] .code")
    expect(code).to_have_text(redemption.code)
    shot(page, "phone-points-redeemed")

    # bob at the desk: erin shows the code; he hands the washing liquid over.
    page.context.clear_cookies()
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "bob", PASSWORD)
    open_points(page, "points_redemptions")
    row = page.locator(f"[data-table=redemptions] tr[data-redemption='{redemption.code}']")
    expect(row).to_contain_text("待领取")
    page.fill("#hand-over-form input[name=code]", redemption.code.lower())
    shot(page, "desk-points-hand-over")
    page.click("#hand-over-form button[type=submit]")
    expect(page.locator(".messages, [role=status]").first).to_contain_text("艾琳")
    expect(row).to_contain_text("已领取")
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.HANDED
    # Handing it over twice is refused in words.
    page.fill("#hand-over-form input[name=code]", redemption.code)
    page.click("#hand-over-form button[type=submit]")
    expect(page.locator("#hand-over-form")).to_contain_text("请勿重复交付")
    shot(page, "desk-points-handed-twice")
    page.click("#points-nav a[data-section=points_rewards]")
    expect(page.locator(f"[data-stock='{stocked.pk}']")).to_have_text("19")
    shot(page, "desk-points-rewards")


def test_staff_award_points_to_the_residents_who_volunteered(
    world: World, stocked: Reward, live_server, page: Page
) -> None:
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "bob", PASSWORD)
    open_points(page, "points_award")
    page.fill("#find-residents input[name=q]", "周福")
    page.click("#find-residents button")
    page.check(f"#award-form [data-resident='{world.resident1.pk}'] input")
    page.select_option("#award-form select[name=item]", label="参加志愿服务（5）· 白洋湾街道")
    page.fill("#award-form input[name=reason]", "3月5日学雷锋志愿服务")
    shot(page, "desk-points-award")
    page.click("#award-form button[type=submit]")
    expect(page.locator(".messages, [role=status]").first).to_contain_text("1 位居民")
    # Nobody ticked: refused in words.
    page.click("#award-form button[type=submit]")
    expect(page.locator("#award-form")).to_contain_text("请至少勾选一位居民")
    page.click("#points-nav a[data-section=points_home]")
    account = PointAccount.objects.get(resident=world.resident1)
    expect(page.locator(f"[data-balance='{account.pk}']")).to_have_text("5")
    page.click("#results a:has-text('周福珍')")
    expect(page.locator("#account-balance")).to_have_text("5")
    expect(page.locator("[data-table=ledger]")).to_contain_text("3月5日学雷锋志愿服务")
    shot(page, "desk-points-account")
