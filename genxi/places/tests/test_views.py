"""Forms through the views: clear Chinese errors, nothing written on bad input, retries are safe."""

import io
import uuid

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from genxi.conftest import World
from genxi.core.models import AuditEntry
from genxi.places.models import Area, PartyOrg, Resident, Venue
from genxi.places.services import create_party_org, update_party_org

pytestmark = pytest.mark.django_db


def test_missing_fields_are_named_in_chinese_and_nothing_is_written(world: World, client) -> None:
    client.force_login(world["bob"])
    before = (Venue.objects.count(), AuditEntry.objects.count())
    response = client.post(reverse("places:venue_create"), {"name": "", "kind": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("这个字段是必填项。") >= 3  # name, kind, area
    assert (Venue.objects.count(), AuditEntry.objects.count()) == before


def test_malformed_numbers_and_choices_are_refused(world: World, client) -> None:
    client.force_login(world["bob"])
    response = client.post(
        reverse("places:venue_create"),
        {"name": "金言议事角", "kind": "castle", "area": world.hetai.pk, "capacity": "-3"},
    )
    html = response.content.decode()
    assert "选择一个有效的选项" in html
    assert "确保该值大于或等于0" in html
    assert not Venue.objects.filter(name="金言议事角").exists()


def test_an_area_outside_the_users_scope_is_not_a_choice(world: World, client) -> None:
    client.force_login(world["bob"])
    response = client.post(
        reverse("places:venue_create"),
        {"name": "越界阵地", "kind": "other", "area": world.loubei.pk},
    )
    assert "选择一个有效的选项" in response.content.decode()
    assert not Venue.objects.filter(name="越界阵地").exists()


def test_a_duplicate_phone_is_a_chinese_error_on_the_form(world: World, client) -> None:
    client.force_login(world["bob"])
    response = client.post(
        reverse("places:resident_create"),
        {
            "name": "重名",
            "phone": "13812345678",
            "area": world.building1.pk,
            "consent_to_contact": "on",
        },
    )
    assert "该号码已登记" in response.content.decode()
    assert not Resident.objects.filter(name="重名").exists()


def test_a_duplicate_area_name_is_a_chinese_error(world: World, client) -> None:
    client.force_login(world["bob"])
    url = reverse("places:area_create", args=[world.hetai.pk, "compound"])
    response = client.post(url, {"name": "三花苑"})
    assert response.status_code == 200
    assert "三花苑" in response.content.decode()
    assert Area.objects.filter(name="三花苑").count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "/residents/999999/",
        "/areas/999999/",
        "/areas/999999/new/compound/",
        "/venues/999999/edit/",
        "/partners/999999/",
        "/pioneers/999999/",
    ],
)
def test_unknown_ids_are_404(world: World, client, url: str) -> None:
    client.force_login(world["alice"])
    assert client.get(url).status_code == 404


def test_an_unknown_area_kind_is_404(world: World, client) -> None:
    client.force_login(world["alice"])
    assert client.get(f"/areas/{world.hetai.pk}/new/castle/").status_code == 404
    assert client.get(f"/areas/{world.hetai.pk}/new/street/").status_code == 404


def test_a_retried_create_form_makes_one_object(world: World, client) -> None:
    client.force_login(world["bob"])
    data = {
        "name": "同心空间",
        "kind": "other",
        "area": world.hetai.pk,
        "form_token": str(uuid.uuid4()),
    }
    first = client.post(reverse("places:venue_create"), data)
    second = client.post(reverse("places:venue_create"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Venue.objects.filter(name="同心空间").count() == 1


def test_a_stale_edit_form_is_refused(world: World, client) -> None:
    client.force_login(world["bob"])
    url = reverse("places:venue_edit", args=[world.venue.pk])
    stale = world.venue.updated_at.isoformat()
    data = {
        "name": "三花半月谈长廊",
        "kind": "corridor",
        "area": world.hetai.pk,
        "updated_at": stale,
        "is_active": "on",
    }
    assert client.post(url, {**data, "capacity": "30"}).status_code == 302
    response = client.post(url, {**data, "capacity": "50"})
    assert "他人已修改" in response.content.decode()
    assert Venue.objects.get(pk=world.venue.pk).capacity == 30


def test_resident_search_by_name_initials_pinyin_and_phone(world: World, client) -> None:
    client.force_login(world["alice"])
    url = reverse("places:resident_list")
    for query in ("周福", "zfz", "zhoufu", "13812345678", "138 1234 5678"):
        html = client.get(url, {"q": query}).content.decode()
        assert "周福珍" in html, query
        assert "许向前" not in html, query


def test_last_four_digits_narrow_the_list(world: World, client) -> None:
    client.force_login(world["alice"])
    html = client.get(reverse("places:resident_list"), {"q": "5678"}).content.decode()
    assert "周福珍" in html and "许向前" in html
    assert (
        "共 0 条结果" in client.get(reverse("places:resident_list"), {"q": "0000"}).content.decode()
    )


def test_htmx_search_returns_only_the_results(world: World, client) -> None:
    client.force_login(world["alice"])
    response = client.get(
        reverse("places:resident_list"), {"q": "许"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "许向前" in html and "<html" not in html


def test_area_filter_on_resident_list_is_scoped(world: World, client) -> None:
    client.force_login(world["alice"])
    html = client.get(
        reverse("places:resident_list"), {"area": world.building2.pk}
    ).content.decode()
    assert "许向前" in html and "周福珍" not in html
    client.force_login(world["oscar"])
    html = client.get(
        reverse("places:resident_list"), {"area": world.building2.pk}
    ).content.decode()
    assert "许向前" not in html


def test_staff_see_who_changed_a_record_and_leadership_does_not(world: World, client) -> None:
    client.force_login(world["bob"])
    url = reverse("places:venue_edit", args=[world.venue.pk])
    data = {
        "name": "三花半月谈长廊",
        "kind": "corridor",
        "area": world.hetai.pk,
        "capacity": "16",
        "updated_at": world.venue.updated_at.isoformat(),
        "is_active": "on",
    }
    client.post(url, data)
    html = client.get(reverse("places:venue_detail", args=[world.venue.pk])).content.decode()
    assert "变更记录" in html
    assert "鲍勃" in html and "容纳人数" in html
    client.force_login(world["frank"])
    html = client.get(reverse("places:venue_detail", args=[world.venue.pk])).content.decode()
    assert "变更记录" not in html


def read_xlsx(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]


def test_resident_export_is_the_filtered_list_with_numbers_only_where_allowed(
    world: World, client
) -> None:
    client.force_login(world["alice"])
    response = client.get(reverse("places:resident_list"), {"q": "周", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(response)
    assert rows[0][:3] == ["姓名", "电话", "小区"]
    assert rows[1:] == [["周福珍", "13812345678", "三花苑", "1幢", "302", "", "是"]]
    entry = AuditEntry.objects.get(action="resident.export")
    assert entry.actor == world["alice"] and entry.changes["rows"] == 1
    client.force_login(world["frank"])  # leadership: read only, masked
    rows = read_xlsx(client.get(reverse("places:resident_list"), {"format": "xlsx"}))
    assert {r[1] for r in rows[1:]} == {"138****5678", "139****5678", "186****5678"}


def test_venue_export_holds_only_what_the_user_sees(world: World, client) -> None:
    client.force_login(world["oscar"])
    rows = read_xlsx(client.get(reverse("places:venue_list"), {"format": "xlsx"}))
    assert [r[0] for r in rows[1:]] == ["上高路会议室"]


def test_the_edit_form_never_shows_the_number_and_blank_keeps_it(world: World, client) -> None:
    client.force_login(world["bob"])
    url = reverse("places:resident_edit", args=[world.resident1.pk])
    html = client.get(url).content.decode()
    assert "13812345678" not in html and "138****5678" in html
    base = {"name": "周福珍", "area": world.building1.pk, "room": "303", "consent_to_contact": "on"}
    base["updated_at"] = Resident.objects.get(pk=world.resident1.pk).updated_at.isoformat()
    assert client.post(url, base).status_code == 302
    resident = Resident.objects.get(pk=world.resident1.pk)
    assert (resident.phone, resident.room) == ("13812345678", "303")
    base["updated_at"] = resident.updated_at.isoformat()
    assert client.post(url, {**base, "clear_phone": "on"}).status_code == 302
    assert Resident.objects.get(pk=world.resident1.pk).phone is None


def test_phone_search_only_for_those_who_may_see_numbers(world: World, client) -> None:
    url = reverse("places:resident_list")
    client.force_login(world["frank"])  # leadership
    for query in ("13812345678", "5678", "345678"):
        assert "周福珍" not in client.get(url, {"q": query}).content.decode(), query
    client.force_login(world["bob"])
    assert "周福珍" not in client.get(url, {"q": "345678"}).content.decode()  # 6 digits: no
    assert "周福珍" in client.get(url, {"q": "+86 138 1234 5678"}).content.decode()


def test_cancel_links_only_lead_back_into_the_site(world: World, client) -> None:
    client.force_login(world["bob"])
    html = client.get(
        reverse("places:venue_create"), {"next": "javascript:alert(1)"}
    ).content.decode()
    assert "javascript:" not in html
    html = client.get(reverse("places:venue_create"), {"next": "/venues/"}).content.decode()
    assert 'href="/venues/"' in html


def test_editing_keeps_a_related_value_outside_the_editors_scope(world: World, client) -> None:
    street_org = create_party_org(
        actor=None, name="白洋湾街道党工委", kind="committee", area=world.street
    )
    update_party_org(actor=None, org=world.org, parent=street_org)
    client.force_login(world["bob"])  # 和泰 staff cannot see the street's organisation
    org = PartyOrg.objects.get(pk=world.org.pk)
    response = client.post(
        reverse("places:partyorg_edit", args=[org.pk]),
        {
            "name": org.name,
            "kind": org.kind,
            "area": world.hetai.pk,
            "parent": street_org.pk,
            "secretary": "王海",
            "updated_at": org.updated_at.isoformat(),
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.parent_id, org.secretary) == (street_org.pk, "王海")


def test_oversized_ids_in_filters_are_just_no_match(world: World, client) -> None:
    client.force_login(world["alice"])
    big = "9" * 30
    assert client.get(reverse("places:resident_list"), {"tag": big}).status_code == 200
    assert client.get(reverse("pioneers:appointment_list"), {"community": big}).status_code == 200


def test_a_mangled_edit_stamp_is_refused_not_applied(world: World, client) -> None:
    client.force_login(world["bob"])
    url = reverse("places:venue_edit", args=[world.venue.pk])
    data = {
        "name": "三花半月谈长廊",
        "kind": "corridor",
        "area": world.hetai.pk,
        "capacity": "9",
        "updated_at": "garbage",
    }
    assert "他人已修改" in client.post(url, data).content.decode()
    assert Venue.objects.get(pk=world.venue.pk).capacity is None
