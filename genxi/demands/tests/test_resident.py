"""A resident's own pages: raise a demand from home with a photo, follow it (public notes only),
answer the call-back online; nobody else's demands, and no API tokens."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from genxi.accounts.models import ApiToken, Role
from genxi.accounts.services import create_user, grant_membership
from genxi.conftest import World
from genxi.demands import services
from genxi.demands.models import Callback, Category, Channel, Demand, PhotoKind
from genxi.demands.tests.conftest import collect
from genxi.places.models import Resident


def photo(name: str = "gate.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def erin(client, world: World):
    client.force_login(world["erin"])
    return Resident.objects.get(user=world["erin"])


def test_the_ledger_sends_a_resident_to_their_own_pages(client, world: World, erin) -> None:
    assert client.get("/demands/")["Location"] == "/my/demands/"
    assert client.get("/demands/new/")["Location"] == "/my/demands/new/"
    assert client.get("/my/demands/").status_code == 200


def test_staff_and_others_have_no_resident_pages(client, world: World) -> None:
    for username in ("bob", "carol", "nobody"):
        client.force_login(world[username])
        assert client.get("/my/demands/").status_code == 404
        assert client.get("/my/demands/new/").status_code == 404
    client.force_login(world["bob"])
    assert client.get("/demands/").status_code == 200  # staff keep the ledger


def test_a_resident_raises_a_demand_from_home_with_a_photo(
    client, world: World, category: Category, erin
) -> None:
    page = client.get("/my/demands/new/").content.decode()
    # Their home (2幢 of 三花苑) is chosen; the compound and its parts are offered too.
    assert f'<option value="{world.building2.pk}" selected>' in page
    assert f'<option value="{world.compound.pk}">' in page
    assert str(world.loubei_building.pk) not in page.split('name="area"')[1].split("</select>")[0]
    response = client.post(
        "/my/demands/new/",
        {
            "title": "楼道灯坏了",
            "category": category.pk,
            "area": world.building2.pk,
            "description": "晚上很黑",
            "photos": photo(),
        },
    )
    demand = Demand.objects.get(title="楼道灯坏了")
    assert response["Location"] == f"/my/demands/{demand.pk}/"
    assert demand.channel == Channel.WEB
    assert demand.created_by == world["erin"]
    assert demand.area == world.building2 and demand.community == world.hetai
    assert [r.resident for r in demand.reporters.all()] == [erin]
    assert demand.photos.filter(kind=PhotoKind.INTAKE).count() == 1
    listing = client.get("/my/demands/").content.decode()
    assert "楼道灯坏了" in listing
    detail = client.get(f"/my/demands/{demand.pk}/").content.decode()
    shown = demand.photos.get()
    served = client.get(f"/my/demands/{demand.pk}/photos/{shown.pk}/")
    assert served.status_code == 200
    assert b"".join(served.streaming_content)[:2] == b"\xff\xd8"  # read to its end: a JPEG
    assert f"/my/demands/{demand.pk}/photos/{shown.pk}/" in detail


def test_a_place_outside_their_community_is_refused_and_nothing_typed_is_lost(
    client, world: World, category: Category, erin
) -> None:
    response = client.post(
        "/my/demands/new/",
        {"title": "娄北的事", "category": category.pk, "area": world.loubei_building.pk},
    )
    assert response.status_code == 400
    assert "娄北的事" in response.content.decode()
    assert not Demand.objects.filter(title="娄北的事").exists()


def test_my_demand_shows_public_notes_only_and_others_demands_are_404(
    client, world: World, category: Category, erin
) -> None:
    # Recorded by the pioneer on a visit: its details and photos may describe someone else.
    mine = collect(
        world, category, reporters=[erin], description="周福珍说楼上302漏水", photos=[photo()]
    )
    theirs = collect(world, category, title="别人的事")  # 周福珍's
    bob = world["bob"]
    services.accept(actor=bob, demand=mine)
    services.verify(actor=bob, demand=mine, findings="门宽只有50厘米")
    services.assign(actor=bob, demand=mine, path="community")
    services.post_update(actor=bob, demand=mine, text="内部备注：住户电话13800000000", public=False)
    services.post_update(actor=bob, demand=mine, text="已联系维修班组", public=True)
    page = client.get(f"/my/demands/{mine.pk}/").content.decode()
    assert "已联系维修班组" in page
    assert "内部备注" not in page
    assert "门宽只有50厘米" not in page  # the verification findings are the staff's
    assert "302漏水" not in page and "my_demand_photo" not in page
    assert "/photos/" not in page
    intake = mine.photos.get()
    assert client.get(f"/my/demands/{mine.pk}/photos/{intake.pk}/").status_code == 404
    assert client.get(f"/my/demands/{theirs.pk}/").status_code == 404
    assert client.get(f"/demands/{mine.pk}/").status_code == 404  # the staff's page


def test_a_resident_answers_the_call_back_online(
    client, world: World, category: Category, erin
) -> None:
    demand = collect(world, category, reporters=[erin, world.resident1])
    bob = world["bob"]
    services.accept(actor=bob, demand=demand)
    services.verify(actor=bob, demand=demand, findings="核实")
    services.assign(actor=bob, demand=demand, path="community")
    # Before it is resolved there is nothing to answer.
    assert 'id="callback"' not in client.get(f"/my/demands/{demand.pk}/").content.decode()
    services.resolve(actor=bob, demand=demand, result="已拓宽")
    home = client.get("/").content.decode()
    assert f"/my/demands/{demand.pk}/#callback" in home
    page = client.get(f"/my/demands/{demand.pk}/").content.decode()
    assert 'id="callback"' in page
    response = client.post(
        f"/my/demands/{demand.pk}/", {"result": "basically", "comment": "还可以再宽一点"}
    )
    assert response.status_code == 302
    callback = Callback.objects.get(demand=demand)
    assert (callback.resident, callback.result, callback.by) == (erin, "basically", world["erin"])
    assert callback.comment == "还可以再宽一点"
    after = client.get(f"/my/demands/{demand.pk}/").content.decode()
    assert 'id="callback"' not in after
    assert "还可以再宽一点" in after  # their own answer, shown back to them
    # A second answer is refused, not recorded twice.
    client.post(f"/my/demands/{demand.pk}/", {"result": "satisfied"})
    assert Callback.objects.filter(demand=demand).count() == 1


def test_not_satisfied_reopens_the_demand(client, world: World, category: Category, erin) -> None:
    demand = collect(world, category, reporters=[erin])
    bob = world["bob"]
    services.accept(actor=bob, demand=demand)
    services.verify(actor=bob, demand=demand, findings="核实")
    services.assign(actor=bob, demand=demand, path="community")
    services.resolve(actor=bob, demand=demand, result="已拓宽")
    client.post(f"/my/demands/{demand.pk}/", {"result": "not_satisfied", "comment": "没修好"})
    demand.refresh_from_db()
    assert demand.status == "in_progress"


@pytest.mark.parametrize("username", ["erin", "carol", "frank"])
def test_api_tokens_are_hidden_and_refused_for_those_not_staff_or_partner(
    client, world: World, username: str
) -> None:
    client.force_login(world[username])
    page = client.get("/accounts/me/").content.decode()
    assert 'id="tokens"' not in page
    assert client.post("/accounts/me/", {"name": "我的应用"}).status_code == 404
    assert not ApiToken.objects.filter(user=world[username]).exists()


@pytest.mark.parametrize("username", ["bob", "dave"])
def test_staff_and_partners_keep_their_api_tokens(client, world: World, username: str) -> None:
    client.force_login(world[username])
    assert 'id="tokens"' in client.get("/accounts/me/").content.decode()
    assert client.post("/accounts/me/", {"name": "12345热线"}).status_code == 302
    assert ApiToken.objects.filter(user=world[username]).count() == 1


def test_a_resident_without_a_home_on_record_is_told_whom_to_ask(client, world: World) -> None:
    user = create_user(actor=None, username="newcomer", password="long-enough-42", name="新住户")
    grant_membership(actor=None, user=user, role=Role.RESIDENT, area=world.hetai)
    client.force_login(user)
    page = client.get("/my/demands/").content.decode()
    assert "请联系社区办公室关联" in page
    assert client.get("/my/demands/new/")["Location"] == "/my/demands/"
    assert "请联系社区办公室关联" in client.get("/").content.decode()
