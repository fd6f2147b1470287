"""The REST API: tokens and sessions, scoping like the pages, JSON errors in two languages."""

import pytest
from django.urls import reverse

from genxi.accounts.services import create_api_token
from genxi.conftest import World
from genxi.demands import services
from genxi.demands.tests.conftest import collect

pytestmark = pytest.mark.django_db


def bearer(world: World, username: str) -> dict[str, str]:
    _t, token = create_api_token(actor=None, user=world[username], name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_openapi_document_and_its_page(client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.") and spec["info"]["title"] == "Genxi API"
    for path in ("/api/v1/areas/", "/api/v1/demands", "/api/v1/demands/{demand_id}"):
        assert path in spec["paths"], path
    assert client.get("/api/v1/docs").status_code == 200


def test_without_credentials_a_json_error_in_chinese_or_english(client) -> None:
    response = client.get("/api/v1/demands")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert "API" in response.json()["message"] and "令牌" in response.json()["message"]
    english = client.get("/api/v1/demands", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["message"].startswith("Log in")
    bad = client.get("/api/v1/demands", HTTP_AUTHORIZATION="Bearer gx_nonsense")
    assert bad.status_code == 401


def test_demands_are_scoped_as_on_the_pages(world: World, category, client) -> None:
    gate = collect(world, category)  # 和泰
    other = collect(
        world,
        category,
        title="娄北的诉求",
        area=world.loubei_building,
        reporters=[world.loubei_resident],
        actor=world["oscar"],
    )
    services.accept(actor=world["bob"], demand=gate)
    seen = {}
    for username in ("alice", "bob", "carol", "dave", "erin", "frank", "oscar", "nobody"):
        body = client.get("/api/v1/demands", **bearer(world, username)).json()
        seen[username] = {d["code"] for d in body["items"]}
        assert body["total"] == len(seen[username])
    assert seen["alice"] == seen["bob"] == seen["frank"] == {gate.code}
    assert seen["carol"] == {gate.code}  # recorded it, in her grid
    assert seen["oscar"] == {other.code}
    assert seen["dave"] == seen["erin"] == seen["nobody"] == set()
    # One demand with its history; outside the scope, the same 404 as a missing one.
    detail = client.get(f"/api/v1/demands/{gate.pk}", **bearer(world, "bob")).json()
    assert [e["kind"] for e in detail["events"]] == ["collected", "accepted"]
    assert detail["reporters"] == 1 and detail["community"] == "和泰社区"
    for path in (f"/api/v1/demands/{other.pk}", "/api/v1/demands/999999", "/api/v1/demands/x"):
        response = client.get(path, **bearer(world, "bob"))
        assert response.status_code == 404 and response.json()["code"] == "not_found", path


def test_the_ledger_filters_and_keyset_pages(world: World, category, client) -> None:
    for i in range(5):
        collect(world, category, title=f"诉求{i}")
    collect(world, category, title="路灯不亮", channel="phone")
    auth = bearer(world, "bob")
    body = client.get("/api/v1/demands", {"channel": "phone"}, **auth).json()
    assert [d["title"] for d in body["items"]] == ["路灯不亮"]
    assert client.get("/api/v1/demands", {"q": "诉求"}, **auth).json()["total"] == 5
    titles, after = [], ""
    while True:
        body = client.get("/api/v1/demands", {"limit": 2, "after": after}, **auth).json()
        titles += [d["title"] for d in body["items"]]
        after = body["next"]
        if not after:
            break
    assert len(titles) == 6 == len(set(titles))
    invalid = client.get("/api/v1/demands", {"limit": 5000}, **auth)
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid"
    assert invalid.json()["errors"][0]["field"] == "limit"


def test_areas_and_categories(world: World, category, client) -> None:
    auth = bearer(world, "bob")
    areas = client.get("/api/v1/areas/", {"kind": "compound"}, **auth).json()
    assert [a["name"] for a in areas["items"]] == ["三花苑"]
    assert client.get(f"/api/v1/areas/{world.loubei.pk}", **auth).status_code == 404
    assert client.get(f"/api/v1/areas/{world.hetai.pk}", **auth).json()["name"] == "和泰社区"
    names = [c["name"] for c in client.get("/api/v1/categories", **auth).json()]
    assert names == ["公共设施", "出入口与通道"]


def test_the_browser_session_works_too(world: World, client) -> None:
    client.force_login(world["bob"])
    assert client.get(reverse("api:list_demands")).status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_page_lists_the_operations_and_tries_one(
    world: World, category, live_server, page
) -> None:
    from playwright.sync_api import expect

    from genxi.conftest import PASSWORD
    from tests.browser import log_in, shot

    collect(world, category)
    requests_out: list[str] = []
    page.on("request", lambda r: requests_out.append(r.url))
    log_in(page, live_server.url, "bob", PASSWORD)
    page.goto(live_server.url + "/api/v1/docs")
    expect(page.locator(".swagger-ui .title")).to_contain_text("Genxi API")
    operation = page.locator(".opblock-summary", has_text="/api/v1/demands").first
    operation.click()
    page.click("text=Try it out")
    page.click(".execute")
    expect(page.locator(".responses-wrapper .live-responses-table")).to_contain_text("南门")
    shot(page, "api-docs")
    assert all(url.startswith(live_server.url) for url in requests_out)  # nothing from a CDN
