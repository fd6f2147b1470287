"""Open311 GeoReport v2: every endpoint in XML and JSON, errors included, with the element names
of the specification, and no resident's details in any answer."""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from genxi.accounts.services import create_api_token, revoke_api_token
from genxi.conftest import World
from genxi.demands import services
from genxi.demands.models import Category, Demand
from genxi.demands.tests.conftest import collect
from genxi.places.services import update_area

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
]  # fmt: skip


def xml(response: Any) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)


def key(world: World, username: str = "bob") -> str:
    return create_api_token(actor=None, user=world[username], name="open311")[1]


@pytest.fixture
def tree(category: Category) -> Category:
    """公共设施 (with 出入口与通道 and 路灯 under it)."""
    services.create_category(
        actor=None, name="路灯", parent=category.parent, response_days=1, resolution_days=3
    )
    return category.parent  # type: ignore[return-value]


def test_discovery(client) -> None:
    body = client.get(f"{BASE}/discovery.json").json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["url"] == "http://testserver/open311/v2"
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]


def test_services_from_the_category_tree(client, tree: Category) -> None:
    services_json = client.get(f"{BASE}/services.json").json()
    by_name = {s["service_name"]: s for s in services_json}
    assert set(by_name) == {"公共设施", "出入口与通道", "路灯"}
    top, gate = by_name["公共设施"], by_name["出入口与通道"]
    assert top["metadata"] is True and gate["metadata"] is False
    assert gate["group"] == "公共设施" and gate["keywords"] == "公共设施, 出入口与通道"
    assert gate["type"] == "realtime" and gate["description"] == "5个工作日内办结。"
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert [c.tag for c in root.find("service")] == [
        "service_code", "service_name", "description", "metadata", "type", "keywords", "group"
    ]  # fmt: skip
    # The definition: a top category offers its sub-categories as a list.
    definition = client.get(f"{BASE}/services/{tree.pk}.json").json()
    attribute = definition["attributes"][0]
    assert attribute["code"] == "subcategory" and attribute["datatype"] == "singlevaluelist"
    assert [v["name"] for v in attribute["values"]] == ["出入口与通道", "路灯"]
    root = xml(client.get(f"{BASE}/services/{tree.pk}.xml"))
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key") is not None
    assert client.get(f"{BASE}/services/{gate['service_code']}.json").json()["attributes"] == []
    missing = client.get(f"{BASE}/services/99999.xml")
    assert missing.status_code == 404
    assert xml(missing).find("error/code").text == "404"


def test_post_a_request_and_find_it(world: World, client, tree: Category) -> None:
    token = key(world)
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": token,
            "service_code": tree.pk,
            "attribute[subcategory]": tree.children.get(name="路灯").pk,
            "address_id": world.building1.pk,
            "description": "三花苑1幢门口路灯不亮\n晚上看不见",
            "phone": "13812345678",
            "first_name": "福珍",
            "last_name": "周",
            "media_url": "https://example.org/lamp.jpg",
            "jurisdiction_id": "genxi",
        },
    )
    assert response.status_code == 201, response.content
    [answer] = response.json()
    demand = Demand.objects.get(code=answer["service_request_id"])
    assert demand.category.name == "路灯" and demand.title == "三花苑1幢门口路灯不亮"
    assert list(demand.reporters.values_list("resident", flat=True)) == [world.resident1.pk]
    assert demand.media_url == "https://example.org/lamp.jpg"
    # The token leads to the id.
    by_token = client.get(f"{BASE}/tokens/{answer['token']}.json").json()
    assert by_token == [{"service_request_id": demand.code, "token": answer["token"]}]
    # GET requests/{id} in both formats, with every field the spec names — and nobody's details.
    [row] = client.get(f"{BASE}/requests/{demand.code}.json").json()
    assert list(row) == REQUEST_FIELDS
    assert row["status"] == "open" and row["service_name"] == "路灯"
    assert row["address"] == "和泰社区 三花苑" and row["address_id"] == world.compound.pk
    assert row["expected_datetime"].startswith(demand.resolution_due.isoformat())
    assert row["media_url"] == "https://example.org/lamp.jpg"
    text = json.dumps(row, ensure_ascii=False)
    for private in ("周福珍", "13812345678", "302", "路灯不亮", "1幢"):
        assert private not in text
    root = xml(client.get(f"{BASE}/requests/{demand.code}.xml"))
    assert root.tag == "service_requests"
    assert [c.tag for c in root.find("request")] == REQUEST_FIELDS
    assert root.findtext("request/service_name") == "路灯"


def test_post_errors(world: World, client, category: Category) -> None:
    def post(fmt: str = "json", **data: Any) -> Any:
        return client.post(f"{BASE}/requests.{fmt}", data)

    good = {"service_code": category.pk, "address_id": world.building1.pk, "description": "x"}
    bad_key = post(**good, api_key="gx_wrong")
    assert bad_key.status_code == 403 and bad_key.json()[0]["code"] == 403
    assert "api_key" in bad_key.json()[0]["description"]
    as_xml = post("xml", **good)
    assert as_xml.status_code == 403 and xml(as_xml).tag == "errors"
    token = key(world)
    cases = [
        ({**good, "service_code": "999"}, 404),
        ({**good, "address_id": world.loubei_building.pk}, 400),
        ({**good, "address_id": ""}, 400),  # no location at all
        ({**good, "address_id": "", "lat": "abc", "long": "120.5"}, 400),
        ({**good, "description": ""}, 400),
        ({**good, "media_url": "javascript:alert(1)"}, 400),
        ({**good, "attribute[subcategory]": "12"}, 400),
        ({**good, "jurisdiction_id": "elsewhere"}, 404),
    ]
    for data, status in cases:
        response = post(**data, api_key=token)
        assert response.status_code == status, (data, response.content)
        assert set(response.json()[0]) == {"code", "description"}
    # A partner unit's key may not record; a revoked key is a bad key.
    assert post(**good, api_key=key(world, "dave")).status_code == 403
    revoked, raw = create_api_token(actor=None, user=world["bob"], name="old")
    revoke_api_token(actor=None, api_token=revoked)
    assert post(**good, api_key=raw).status_code == 403
    assert Demand.objects.count() == 0
    # English when asked.
    english = client.post(
        f"{BASE}/requests.json", {**good, "api_key": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()[0]["description"].startswith("The api_key")
    assert client.delete(f"{BASE}/requests.json").status_code == 405
    assert client.get(f"{BASE}/requests.csv").status_code == 404


def test_location_by_address_string_or_coordinates(
    world: World, client, category: Category
) -> None:
    update_area(
        actor=None,
        area=world.compound,
        latitude=Decimal("31.331000"),
        longitude=Decimal("120.571000"),
        address="金筑街 88 号",
    )
    token = key(world)
    base = {"api_key": token, "service_code": category.pk, "description": "门口积水"}
    by_name = client.post(f"{BASE}/requests.json", {**base, "address_string": "三花苑"})
    by_address = client.post(f"{BASE}/requests.json", {**base, "address_string": "金筑街 88"})
    near = client.post(f"{BASE}/requests.json", {**base, "lat": "31.3321", "long": "120.5702"})
    far = client.post(f"{BASE}/requests.json", {**base, "lat": "39.9", "long": "116.4"})
    assert [r.status_code for r in (by_name, by_address, near, far)] == [201, 201, 201, 400]
    codes = [r.json()[0]["service_request_id"] for r in (by_name, by_address, near)]
    assert {d.area_id for d in Demand.objects.filter(code__in=codes)} == {world.compound.pk}
    demand = Demand.objects.get(code=codes[2])
    assert str(demand.latitude) == "31.332100"


def test_get_requests_filters_and_limits(world: World, client, category: Category) -> None:
    first = collect(world, category)
    second = collect(world, category, title="路灯")
    services.withdraw(actor=world["bob"], demand=second, reason="居民撤回")
    everything = client.get(f"{BASE}/requests.json").json()
    assert [r["service_request_id"] for r in everything] == [second.code, first.code]
    assert [r["status"] for r in everything] == ["closed", "open"]
    assert (
        client.get(f"{BASE}/requests.json", {"status": "open"}).json()[0]["service_request_id"]
        == first.code
    )
    listed = client.get(
        f"{BASE}/requests.json", {"service_request_id": f"{first.code},{second.code}"}
    )
    assert len(listed.json()) == 2
    assert client.get(f"{BASE}/requests.json", {"service_code": category.pk}).json()
    now = timezone.now()
    old = {
        "start_date": (now - timedelta(days=200)).isoformat(),
        "end_date": (now - timedelta(days=150)).isoformat(),
    }
    assert client.get(f"{BASE}/requests.json", old).json() == []
    too_long = {"start_date": (now - timedelta(days=91)).isoformat(), "end_date": now.isoformat()}
    errors = [
        client.get(f"{BASE}/requests.json", too_long),
        client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}),
        client.get(f"{BASE}/requests.json", {"status": "pending"}),
    ]
    assert [e.status_code for e in errors] == [400, 400, 400]
    assert xml(client.get(f"{BASE}/requests.xml", too_long)).tag == "errors"
    assert client.get(f"{BASE}/requests/NOPE.json").status_code == 404
    assert client.get(f"{BASE}/tokens/not-a-token.xml").status_code == 404


def test_updates_follow_the_public_steps(world: World, client, category: Category) -> None:
    demand = collect(world, category)
    services.accept(actor=world["bob"], demand=demand, note="已受理")
    services.verify(actor=world["bob"], demand=demand, findings="周福珍家门口，属实")  # not public
    services.assign(actor=world["bob"], demand=demand, path="community", note="社区自办")
    services.post_update(actor=world["bob"], demand=demand, text="周五前修好", public=True)
    updates = client.get(f"{BASE}/servicerequestupdates.json").json()
    # The steps are public; of their notes, only the one staff marked public.
    assert [(u["status"], u["description"]) for u in updates] == [
        ("open", ""), ("open", ""), ("in_progress", ""), ("in_progress", "周五前修好")
    ]  # fmt: skip
    assert "周福珍" not in json.dumps(updates, ensure_ascii=False)
    root = xml(client.get(f"{BASE}/servicerequestupdates.xml"))
    assert root.tag == "service_request_updates"
    assert [c.tag for c in root.find("request_update")] == [
        "update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"
    ]  # fmt: skip
    [row] = client.get(f"{BASE}/requests/{demand.code}.json").json()
    assert row["status_notes"] == "周五前修好" and row["agency_responsible"] == "和泰社区"
