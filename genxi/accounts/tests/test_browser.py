"""Log-in, lock-out, password change and log-out in Chromium, on a phone."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from genxi.accounts.models import Role
from genxi.accounts.services import create_user, grant_membership
from genxi.conftest import PASSWORD, World
from genxi.places.services import appoint_pioneer
from tests.browser import PHONE, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit_login(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_a_pioneer_logs_in_with_a_phone_number(world: World, live_server, page: Page) -> None:
    zhou = create_user(
        actor=None, username="zhou", password=PASSWORD, phone="13962510003", name="周建昌"
    )
    grant_membership(actor=None, user=zhou, role=Role.PIONEER, area=world.hetai)
    appoint_pioneer(
        actor=None, name="周建昌", community=world.hetai, appointed_on=date(2025, 3, 1), user=zhou
    )
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/residents/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/residents/")
    shot(page, "phone-login")
    page.fill("input[name=username]", "139 6251 0003")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    # Back where they were going.
    expect(page).to_have_url(f"{live_server.url}/residents/")
    expect(page.locator("h1")).to_have_text("居民")


def test_wrong_passwords_then_lock_out(world: World, live_server, page: Page) -> None:
    page.set_viewport_size(PHONE)
    submit_login(page, live_server.url, "bob", "wrong")
    expect(page.locator(".errors")).to_contain_text("用户名或手机号与密码不匹配")
    shot(page, "phone-login-wrong")
    for _ in range(4):
        submit_login(page, live_server.url, "bob", "wrong")
    submit_login(page, live_server.url, "bob", PASSWORD)
    expect(page.locator("h1")).to_have_text("登录失败次数过多")
    shot(page, "phone-locked-out")


def test_change_password_and_log_out(world: World, live_server, page: Page) -> None:
    page.set_viewport_size(PHONE)
    submit_login(page, live_server.url, "erin", PASSWORD)
    page.goto(f"{live_server.url}/accounts/password/")
    page.fill("input[name=old_password]", PASSWORD)
    page.fill("input[name=new_password1]", "short")
    page.fill("input[name=new_password2]", "short")
    page.click("button[type=submit]")
    expect(page.locator(".field.invalid").first).to_be_visible()
    shot(page, "phone-password-too-short")
    page.fill("input[name=old_password]", PASSWORD)
    page.fill("input[name=new_password1]", "a-longer-passphrase-7")
    page.fill("input[name=new_password2]", "a-longer-passphrase-7")
    page.click("button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("密码已修改")
    page.click(".usermenu summary")
    page.click("text=退出登录")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    submit_login(page, live_server.url, "erin", "a-longer-passphrase-7")
    expect(page.locator("h1")).to_contain_text("您好")
