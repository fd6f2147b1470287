"""Pages that need script still work under the Content-Security-Policy (violations fail the test:
see the `context` fixture in genxi/conftest.py)."""

import pytest
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from tests.browser import DESK, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_page_works_from_local_files(world: World, live_server, page: Page) -> None:
    page.set_viewport_size(DESK)
    foreign: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(live_server.url) else foreign.append(r.url),
    )
    log_in(page, live_server.url, "bob", PASSWORD)
    page.goto(live_server.url + "/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    shot(page, "csp-api-docs")
    assert [u for u in foreign if not u.startswith("data:")] == []


def test_choosing_an_area_reloads_the_demand_list(world: World, live_server, page: Page) -> None:
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "alice", PASSWORD)
    page.goto(live_server.url + "/demands/")
    page.select_option("select[name=area]", str(world.hetai.pk))
    page.wait_for_url(f"**/demands/?*area={world.hetai.pk}*")
