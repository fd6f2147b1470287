"""Personal API tokens: made by their owner (or the command line), shown once, stored hashed,
revoked at once."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, expect

from genxi.accounts.models import ApiToken
from genxi.accounts.services import create_api_token, token_digest, user_for_token
from genxi.conftest import PASSWORD, World
from tests.browser import log_in, shot


@pytest.mark.django_db
def test_a_token_is_shown_once_stored_hashed_and_revoked(world: World, client) -> None:
    client.force_login(world["bob"])
    response = client.post(reverse("accounts:profile"), {"name": "街道平台对接"})
    assert response.status_code == 302
    page = client.get(reverse("accounts:profile")).content.decode()
    token = re.search(r'<code id="new-token"[^>]*>(gx_[\w-]+)</code>', page).group(1)
    assert "new-token" not in client.get(reverse("accounts:profile")).content.decode()  # once
    stored = ApiToken.objects.get()
    assert stored.digest == token_digest(token) and token not in stored.digest
    assert user_for_token(token) == world["bob"]
    assert user_for_token(token + "x") is None and user_for_token("nonsense") is None
    # Nobody revokes another's token: it is not found.
    client.force_login(world["alice"])
    revoke = reverse("accounts:revoke_token", args=[stored.pk])
    assert client.post(revoke).status_code == 404
    client.force_login(world["bob"])
    assert client.post(revoke).status_code == 302
    assert user_for_token(token) is None
    # A blank name is refused with a message.
    html = client.post(reverse("accounts:profile"), {"name": "  "}).content.decode()
    assert 'class="error" role="alert"' in html
    assert ApiToken.objects.count() == 1


@pytest.mark.django_db
def test_the_command_line_prints_a_token_for_a_user(world: World) -> None:
    out = io.StringIO()
    call_command("apikey", "create", "--user", "dave", "--name", "物业系统", stdout=out)
    token = out.getvalue().strip()
    assert user_for_token(token) == world["dave"]
    out = io.StringIO()
    call_command("apikey", "list", "--user", "dave", stdout=out)
    assert "物业系统" in out.getvalue() and token not in out.getvalue()
    call_command("apikey", "revoke", "--user", "dave", "--prefix", token[:10], stdout=io.StringIO())
    assert user_for_token(token) is None
    _api_token, second = create_api_token(actor=None, user=world["dave"], name="第二个")
    world["dave"].is_active = False  # an inactive owner's tokens stop too
    world["dave"].save()
    assert user_for_token(second) is None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_making_and_revoking_a_token_in_the_browser(world: World, live_server, page: Page) -> None:
    log_in(page, live_server.url, "bob", PASSWORD)
    page.goto(live_server.url + reverse("accounts:profile"))
    page.fill("#tokens input[name=name]", "街道平台对接")
    page.click("#tokens button[type=submit]")
    expect(page.locator("#new-token")).to_contain_text("gx_")
    shot(page, "desk-api-token")
    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#tokens button.danger")
    expect(page.locator("#tokens")).to_contain_text("已吊销")
