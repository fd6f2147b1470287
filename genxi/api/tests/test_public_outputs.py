"""What the public reads (Open311 in JSON and XML, the tracking page, the projects' public
results) after a demand's whole life: only notes staff marked public, the compound's point, and
XML that parses whatever a note holds. Open311 free-text addresses: matched to the most specific
place, or kept for staff to place."""

import json
import uuid
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from genxi.accounts.services import create_api_token
from genxi.api.models import UnplacedRequest
from genxi.conftest import World
from genxi.demands import services
from genxi.demands.models import Category, Demand
from genxi.places.models import AreaKind
from genxi.places.services import create_area, update_area

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
PHONE = "13912345678"
PRIVATE = [
    "私密受理备注", "私密核实发现", "社区自办私密", "私密进展", "私密办理结果",
    "回访评论张三", PHONE, "私密销号备注", "31.334567", "120.576543",
]  # fmt: skip
PUBLIC = "公开进展已修复"


def key(world: World, username: str = "bob") -> str:
    return create_api_token(actor=None, user=world[username], name="open311")[1]


def parsed(response: Any) -> ET.Element:
    """Every XML answer must parse, whatever it carries."""
    assert response["Content-Type"] == "text/xml; charset=utf-8", response.content[:200]
    return ET.fromstring(response.content)


def everything_public(client: Client, world: World, code: str, token: str) -> str:
    """Every public answer about the demand, JSON and XML, parsed; as one text."""
    texts = []
    for fmt in ("json", "xml"):
        for url in (
            f"{BASE}/requests.{fmt}",
            f"{BASE}/requests.{fmt}?service_request_id={code}",
            f"{BASE}/requests/{code}.{fmt}",
            f"{BASE}/servicerequestupdates.{fmt}",
            f"{BASE}/servicerequestupdates.{fmt}?service_request_id={code}",
            f"{BASE}/tokens/{token}.{fmt}",
        ):
            response = client.get(url)
            assert response.status_code == 200, (url, response.content)
            if fmt == "xml":
                texts.append(ET.tostring(parsed(response), encoding="unicode"))
            else:
                texts.append(json.dumps(response.json(), ensure_ascii=False))
    for url in (f"/track/?code={code}", f"/public/communities/{world.hetai.pk}/projects/"):
        response = client.get(url)
        assert response.status_code == 200, url
        texts.append(response.content.decode())
    return "\n".join(texts)


def test_only_notes_staff_marked_public_are_ever_public(
    world: World, client: Client, category: Category
) -> None:
    update_area(
        actor=None,
        area=world.compound,
        latitude=Decimal("31.331000"),
        longitude=Decimal("120.571000"),
    )
    posted = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": key(world),
            "service_code": category.pk,
            "address_id": world.building1.pk,
            "lat": "31.334567",  # the resident's own door
            "long": "120.576543",
            "phone": "13812345678",
            "description": "南门非机动车道太窄",
        },
    )
    assert posted.status_code == 201, posted.content
    [answer] = posted.json()
    demand = Demand.objects.get(code=answer["service_request_id"])
    bob = world["bob"]
    services.accept(actor=bob, demand=demand, note="私密受理备注")
    services.verify(actor=bob, demand=demand, findings="私密核实发现")
    services.assign(actor=bob, demand=demand, path="community", note="社区自办私密")
    services.post_update(actor=bob, demand=demand, text="私密进展")
    services.post_update(actor=bob, demand=demand, text=PUBLIC, public=True)
    services.resolve(actor=bob, demand=demand, result="私密办理结果")
    demand.refresh_from_db()
    services.record_callback(
        actor=bob,
        demand=demand,
        resident=world.resident1,
        result="not_satisfied",
        comment=f"回访评论张三 {PHONE} 还是太窄",
    )
    demand.refresh_from_db()
    services.resolve(actor=bob, demand=demand, result="私密办理结果 第二次")
    demand.refresh_from_db()
    services.record_callback(
        actor=bob, demand=demand, resident=world.resident1, result="satisfied", comment=PHONE
    )
    demand.refresh_from_db()
    services.close_out(actor=bob, demand=demand, note="私密销号备注")
    text = everything_public(client, world, demand.code, answer["token"])
    for private in PRIVATE:
        assert private not in text, private
    assert PUBLIC in text
    [row] = client.get(f"{BASE}/requests/{demand.code}.json").json()
    assert row["status_notes"] == PUBLIC and row["status"] == "closed"
    # The compound's point, not the door's.
    assert (row["lat"], row["long"]) == ("31.331000", "120.571000")
    # Staff see which note is public: the one they marked, and no other.
    client.force_login(bob)
    staff_page = client.get(demand.get_absolute_url()).content.decode()
    assert staff_page.count('<span class="chip">公开</span>') == 1
    client.logout()
    # A compound without a point of its own: no coordinates at all.
    update_area(actor=None, area=world.compound, latitude=None, longitude=None)
    [row] = client.get(f"{BASE}/requests/{demand.code}.json").json()
    assert row["lat"] is None and row["long"] is None


def test_characters_xml_cannot_carry_never_break_an_answer(
    world: World, client: Client, category: Category
) -> None:
    from genxi.demands.tests.conftest import collect

    demand = collect(world, category)
    services.post_update(
        actor=world["bob"], demand=demand, text="门已修\x0b好\x1b[31m了\x08\ufffe", public=True
    )
    for url in (
        f"{BASE}/requests.xml",
        f"{BASE}/requests/{demand.code}.xml",
        f"{BASE}/servicerequestupdates.xml",
    ):
        root = parsed(client.get(url))
        assert "门已修好[31m了" in ET.tostring(root, encoding="unicode"), url
    # An error that quotes what was sent quotes it without the control characters.
    for fmt in ("xml", "json"):
        error = client.get(f"{BASE}/requests.{fmt}", {"jurisdiction_id": "x\x1by\x0b"})
        assert error.status_code == 404
        assert b"\x1b" not in error.content and b"\\u001b" not in error.content
        if fmt == "xml":
            assert parsed(error).findtext("error/description").endswith("xy。")


# ---------------------------------------------------------------- free-text addresses


def post(client: Client, token: str, category: Category, **fields: str) -> Any:
    return client.post(
        f"{BASE}/requests.json",
        {"api_key": token, "service_code": category.pk, "description": "门口积水", **fields},
    )


def test_free_text_names_the_most_specific_place(
    world: World, client: Client, category: Category
) -> None:
    gate = create_area(actor=None, kind=AreaKind.BUILDING, name="南门岗亭", parent=world.compound)
    token = key(world)
    cases = {
        "三花苑南门": world.compound,  # the compound's name is in it
        "三花苑1幢楼下": world.building1,  # the building's name, with its compound's
        "和泰社区三花苑南门岗亭旁": gate,  # the longest name wins
        "和泰社区居委会门口": world.hetai,
    }
    for text, place in cases.items():
        response = post(client, token, category, address_string=text)
        assert response.status_code == 201, (text, response.content)
        demand = Demand.objects.get(code=response.json()[0]["service_request_id"])
        assert demand.area == place, text
    # 宝祥苑 is 和泰's too? No: a place outside the key's areas is never chosen.
    outside = post(client, token, category, address_string="娄北苑1幢")
    assert "service_request_id" not in outside.json()[0]


def test_an_unmatched_address_waits_for_staff_and_then_gets_its_id(
    world: World, client: Client, category: Category
) -> None:
    response = post(client, key(world), category, address_string="金鸡湖东岸", phone="13812345678")
    assert response.status_code == 201, response.content
    [answer] = response.json()
    assert set(answer) == {"token", "service_notice", "account_id"}
    token = answer["token"]
    assert Demand.objects.count() == 0
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [{"token": token}]
    assert parsed(client.get(f"{BASE}/tokens/{token}.xml")).findtext("request/token") == token
    assert client.get(f"{BASE}/tokens/{uuid.uuid4()}.json").status_code == 404
    waiting = UnplacedRequest.objects.get()
    assert waiting.fields["address_string"] == "金鸡湖东岸" and "api_key" not in waiting.fields
    # Staff of another street see nothing and can place nothing; the page is staff's only.
    client.force_login(world["oscar"])
    assert "金鸡湖东岸".encode() not in client.get("/demands/unplaced/").content
    assert client.post(f"/demands/unplaced/{waiting.pk}/place/", {"area": 1}).status_code == 404
    for name in ("carol", "erin"):
        client.force_login(world[name])
        assert client.get("/demands/unplaced/").status_code == 404
    # 和泰's staff find it from the demand list and place it.
    client.force_login(world["bob"])
    listing = client.get("/demands/")
    assert b"/demands/unplaced/" in listing.content
    page = client.get("/demands/unplaced/")
    assert "金鸡湖东岸".encode() in page.content
    wrong = client.post(
        f"/demands/unplaced/{waiting.pk}/place/", {"area": world.loubei_building.pk}
    )
    assert wrong.status_code == 302 and Demand.objects.count() == 0
    placed = client.post(f"/demands/unplaced/{waiting.pk}/place/", {"area": world.compound.pk})
    demand = Demand.objects.get()
    assert placed.status_code == 302 and placed["Location"] == demand.get_absolute_url()
    assert demand.area == world.compound and demand.created_by == world["bob"]
    assert list(demand.reporters.values_list("resident", flat=True)) == [world.resident1.pk]
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [
        {"service_request_id": demand.code, "token": token}
    ]
    # Placed once: a second press changes nothing.
    again = client.post(f"/demands/unplaced/{waiting.pk}/place/", {"area": world.compound.pk})
    assert again.status_code == 302 and Demand.objects.count() == 1
    assert "金鸡湖东岸".encode() not in client.get("/demands/unplaced/").content


def test_a_request_kept_at_the_street_is_the_streets_to_place(
    world: World, client: Client, category: Category
) -> None:
    """A street's key (a 12345 platform) files what matches nothing at the street: its
    communities' staff neither see it nor place it, as with a demand the street holds."""
    response = post(client, key(world, "alice"), category, address_string="金鸡湖东岸")
    assert response.status_code == 201, response.content
    waiting = UnplacedRequest.objects.get()
    assert waiting.area == world.street
    client.force_login(world["bob"])
    assert "金鸡湖东岸".encode() not in client.get("/demands/unplaced/").content
    refused = client.post(f"/demands/unplaced/{waiting.pk}/place/", {"area": world.compound.pk})
    assert refused.status_code == 404 and Demand.objects.count() == 0
    client.force_login(world["alice"])
    assert "金鸡湖东岸".encode() in client.get("/demands/unplaced/").content


# ---------------------------------------------------------------- the tracking page


def test_the_tracking_page_says_closed_out_and_leads_back(
    world: World, client: Client, category: Category
) -> None:
    from genxi.demands.tests.conftest import collect

    demand = collect(world, category)
    bob = world["bob"]
    services.accept(actor=bob, demand=demand)
    services.verify(actor=bob, demand=demand, findings="属实")
    services.assign(actor=bob, demand=demand, path="community")
    services.resolve(actor=bob, demand=demand, result="已拓宽")
    demand.refresh_from_db()
    services.record_callback(actor=bob, demand=demand, resident=world.resident1, result="satisfied")
    services.close_out(actor=bob, demand=demand)
    page = client.get("/track/", {"code": demand.code}).content.decode()
    assert "已销号" in page and "已解决" not in page
    assert 'href="/"' in page and "返回" in page
    came_from = client.get(
        "/track/", {"code": demand.code}, HTTP_REFERER="http://testserver/accounts/me/"
    )
    assert 'href="/accounts/me/"' in came_from.content.decode()
    elsewhere = client.get(
        "/track/", {"code": demand.code}, HTTP_REFERER="https://evil.example/phish"
    )
    assert "evil.example" not in elsewhere.content.decode()
    # A look-up from the page keeps where the first visit came from.
    kept = client.get("/track/", {"code": demand.code, "back": "/accounts/login/"})
    assert 'href="/accounts/login/"' in kept.content.decode()
    for bad in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        page = client.get("/track/", {"code": demand.code, "back": bad}).content.decode()
        assert "evil.example" not in page and "javascript:" not in page
        assert 'class="back" href="/"' in page
