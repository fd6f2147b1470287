"""Every answer carries a Content-Security-Policy that allows no inline script, and no page has any.

The browser tests (the `context` fixture in genxi/conftest.py) also fail on any violation Chromium
reports; this test covers every page of the permission matrix without a browser.
"""

import re

import pytest
from django.urls import reverse

from genxi.conftest import World
from genxi.core.tests.test_permission_matrix import CAST, PAGES

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
HANDLER = re.compile(r"""<[^>]*\s(on[a-z]+|hx-on[:\-][^=\s]*)\s*=\s*["']""", re.I)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_strict(response, name: str) -> None:
    assert "Content-Security-Policy" in response, name
    directives = policy(response)
    assert directives["script-src"] == ["'self'"], name
    assert directives["object-src"] == ["'none'"], name
    assert directives["frame-ancestors"] == ["'none'"], name
    assert "'unsafe-eval'" not in response["Content-Security-Policy"], name
    if response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (name, INLINE_SCRIPT.search(html))
        assert not HANDLER.search(html), (name, HANDLER.search(html))


@pytest.mark.parametrize(("name", "url", "allowed"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_carries_the_policy_and_no_inline_script(
    world: World, client, name: str, url, allowed: set[str]
) -> None:
    target = url(world)
    assert_strict(client.get(target), name + " (anonymous)")
    for username in CAST:
        client.force_login(world[username])
        assert_strict(client.get(target), name + " as " + username)


def test_pages_outside_the_matrix_carry_it_too(world: World, client, settings) -> None:
    from genxi.accounts.services import create_user
    from genxi.conftest import PASSWORD

    for target in (reverse("accounts:login"), "/api/v1/docs", "/api/v1/openapi.json", "/nowhere/"):
        assert_strict(client.get(target), target)
    client.force_login(world["bob"])
    for target in (
        reverse("demands:demand_create"),
        reverse("demands:figures"),
        reverse("demands:demand_list"),
        reverse("places:partner_detail", args=[world.partner.pk]),
    ):
        assert_strict(client.get(target), target)
    root = create_user(actor=None, username="root", password=PASSWORD, is_superuser=True)
    client.force_login(root)
    for target in ("/admin/", "/admin/accounts/user/", "/admin/axes/accessattempt/"):
        assert_strict(client.get(target), target)


def test_the_favicon_is_served_and_linked(world: World, client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'rel="icon"' in html and "genxi/favicon.svg" in html


HREF = re.compile(r"""<a\s[^>]*href="(/[^"#]*)""")
SKIP = ("/accounts/logout", "/static/", "/media/", "/admin/", "/api/", "/open311/", "/i18n/")


@pytest.mark.parametrize("username", ["alice", "bob", "carol", "dave", "erin"])
def test_every_page_reached_from_home_has_no_inline_script(
    world: World, client, username: str
) -> None:
    """Follow the links from the home page, as each role: what any page shows must pass."""
    from genxi.projects.tests.test_browser import a_vote

    a_vote(world)
    client.force_login(world[username])
    seen: set[str] = set()
    queue = ["/"]
    while queue and len(seen) < 150:
        url = queue.pop(0)
        if url in seen or url.startswith(SKIP) or "export" in url:
            continue
        seen.add(url)
        response = client.get(url)
        assert_strict(response, url + " as " + username)
        if response.get("Content-Type", "").startswith("text/html"):
            links = HREF.findall(response.content.decode())
            queue += [link.replace("&amp;", "&") for link in links]
    assert len(seen) > 5
