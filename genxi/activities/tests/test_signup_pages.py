"""The sign-up pages: residents on their phones, staff at the desk; who opens which page, the
refusals shown on the forms with nothing written, and the paper list."""

import html
import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from genxi.activities.models import (
    Activity,
    Audience,
    Offering,
    Registration,
    RegistrationStatus,
    WaitlistMode,
)
from genxi.activities.services import registration as reg
from genxi.activities.signup_forms import PAPER_MAX_LINES, parse_paper_list
from genxi.activities.tests.conftest import Lecture, at
from genxi.activities.views import signup
from genxi.conftest import World
from genxi.core.models import AuditEntry
from genxi.places.models import Resident


def client_for(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world[name])
    return client


def desk_url(offering: Offering, name: str = "offering_detail") -> str:
    return reverse(f"activities:{name}", args=[offering.activity_id, offering.pk])


def walk_in(offering: Offering, n: int) -> Registration:
    return reg.register(
        actor=None, offering=offering, name=f"居民{n}", phone=f"1380000{n:04d}", by_staff=True
    )


def text_of(response: HttpResponseBase) -> str:
    return response.content.decode()  # type: ignore[no-any-return]


# --- who opens which page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [("erin", 200), ("bob", 404), ("alice", 404), ("frank", 404), ("oscar", 404), ("dave", 404)],
)
def test_residents_pages_are_for_residents(
    world: World, lecture: Lecture, user: str, status: int
) -> None:
    client = client_for(world, user)
    for url in [
        reverse("activities:open_list"),
        reverse("activities:open_detail", args=[lecture.activity.pk]),
        reverse("activities:my_registrations"),
    ]:
        assert client.get(url).status_code == status, (user, url)


@pytest.mark.parametrize(
    ("user", "status", "manage"),
    [
        ("bob", 200, True),
        ("alice", 200, True),
        ("frank", 200, False),
        ("carol", 200, False),
        ("oscar", 404, False),
        ("dave", 404, False),
        ("erin", 404, False),
    ],
)
def test_the_offering_page_by_role(
    world: World, lecture: Lecture, user: str, status: int, manage: bool
) -> None:
    walk_in(lecture.offering, 1)
    client = client_for(world, user)
    response = client.get(desk_url(lecture.offering))
    assert response.status_code == status
    if status == 200:
        page = text_of(response)
        # Names are for those who run it and leadership; the pioneer at the door gets counts.
        assert ("居民1" in page) is (user != "carol")
        assert ("代人报名" in page) is manage
        assert ("按纸质名单登记" in page) is manage
        assert ("/cancel/" in page) is manage
    for name in ["desk_paper_list"]:
        expected = 200 if manage else 404
        assert client.get(desk_url(lecture.offering, name)).status_code == expected


@pytest.mark.parametrize("user", ["frank", "oscar", "dave", "erin"])
def test_who_may_not_manage_cannot_post(world: World, lecture: Lecture, user: str) -> None:
    registration = walk_in(lecture.offering, 1)
    client = client_for(world, user)
    posts = [
        (desk_url(lecture.offering, "desk_register"), {"walk_in-name": "王阿姨"}),
        (desk_url(lecture.offering, "desk_capacity"), {"cap-capacity": 1, "cap-staff_share": 0}),
        (
            desk_url(lecture.offering, "desk_paper_list"),
            {"step": "register", "lines": "张三 13800001111"},
        ),
        (
            reverse(
                "activities:desk_cancel",
                args=[lecture.activity.pk, lecture.offering.pk, registration.pk],
            ),
            {},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert Registration.objects.filter(status=RegistrationStatus.CONFIRMED).count() == 1
    lecture.offering.refresh_from_db()
    assert lecture.offering.capacity == 3


def test_an_unpublished_or_unknown_offering_is_404(world: World, lecture: Lecture) -> None:
    client = client_for(world, "bob")
    assert (
        client.get(
            reverse("activities:offering_detail", args=[lecture.activity.pk, 999999])
        ).status_code
        == 404
    )
    Activity.objects.filter(pk=lecture.activity.pk).update(status="draft")
    erin = client_for(world, "erin")
    assert (
        erin.get(reverse("activities:open_detail", args=[lecture.activity.pk])).status_code == 404
    )


# --- residents --------------------------------------------------------------------------------


def test_the_open_list_shows_places_left_then_the_waiting_list(
    world: World, lecture: Lecture
) -> None:
    client = client_for(world, "erin")
    page = text_of(client.get(reverse("activities:open_list")))
    assert "冬季健康讲座" in page and "余 3 位" in page
    for n in range(3):
        walk_in(lecture.offering, n)
    page = text_of(client.get(reverse("activities:open_list")))
    assert "候补" in page and "余 3 位" not in page
    assert "冬季健康讲座" not in text_of(client.get(reverse("activities:open_list") + "?q=书法"))


def test_a_resident_registers_sees_the_ticket_and_cancels(world: World, lecture: Lecture) -> None:
    client = client_for(world, "erin")
    detail = reverse("activities:open_detail", args=[lecture.activity.pk])
    page = text_of(client.get(detail))
    token = re.search(r'name="o\d+-form_token" value="([^"]+)"', page)
    assert token is not None
    url = reverse("activities:open_register", args=[lecture.activity.pk, lecture.offering.pk])
    data = {"for": "me", f"o{lecture.offering.pk}-form_token": token[1]}
    response = client.post(url, data, follow=True)
    assert "报名成功：座位 1 号" in text_of(response)
    client.post(url, data)  # a retried submission registers once
    mine = Registration.objects.get()
    assert (mine.resident, mine.by_staff, mine.seat) == (places_resident(world), False, 1)
    page = text_of(client.get(reverse("activities:my_registrations")))
    assert "<svg" in page and f"{mine.code[:4]} {mine.code[4:]}" in page
    assert "已确认，座位 1 号" in page
    cancel = reverse("activities:my_cancel", args=[mine.pk])
    confirm = text_of(client.get(cancel))
    assert "确定取消这项报名吗" in confirm and "可取消至" in confirm
    client.post(cancel)
    mine.refresh_from_db()
    assert mine.status == RegistrationStatus.CANCELLED


def test_registering_twice_is_refused_with_nothing_written(world: World, lecture: Lecture) -> None:
    client = client_for(world, "erin")
    url = reverse("activities:open_register", args=[lecture.activity.pk, lecture.offering.pk])
    client.post(url, {"for": "me"})
    response = client.post(url, {"for": "me"})
    assert response.status_code == 400
    assert re.search("已经报过名了|already registered", text_of(response))
    assert Registration.objects.count() == 1


def test_a_full_class_with_no_waiting_list_is_refused(world: World, lecture: Lecture) -> None:
    Offering.objects.filter(pk=lecture.offering.pk).update(waitlist_size=0)
    for n in range(3):
        walk_in(lecture.offering, n)
    client = client_for(world, "erin")
    page = text_of(client.get(reverse("activities:open_list")))
    assert "已满" in page
    url = reverse("activities:open_register", args=[lecture.activity.pk, lecture.offering.pk])
    response = client.post(url, {"for": "me"})
    assert response.status_code == 400
    assert re.search("候补名单也已满|so is its waiting list", text_of(response))
    assert Registration.objects.count() == 3


def test_a_resident_joins_the_waiting_list_and_sees_the_position(
    world: World, lecture: Lecture
) -> None:
    for n in range(4):
        walk_in(lecture.offering, n)
    client = client_for(world, "erin")
    url = reverse("activities:open_register", args=[lecture.activity.pk, lecture.offering.pk])
    response = client.post(url, {"for": "me"}, follow=True)
    assert "候补第 2 位" in text_of(response)
    assert "候补第 2 位" in text_of(client.get(reverse("activities:my_registrations")))


def test_a_guardian_registers_a_child_only_where_children_may_come(
    world: World, lecture: Lecture
) -> None:
    client = client_for(world, "erin")
    detail = reverse("activities:open_detail", args=[lecture.activity.pk])
    assert "为孩子报名" not in text_of(client.get(detail))
    url = reverse("activities:open_register", args=[lecture.activity.pk, lecture.offering.pk])
    prefix = f"o{lecture.offering.pk}"
    response = client.post(url, {"for": "child", f"{prefix}-child_name": "小明"})
    assert response.status_code == 400
    assert Registration.objects.count() == 0
    lecture.activity.audience = [Audience.RESIDENTS, Audience.CHILDREN]
    lecture.activity.save()
    assert "为孩子报名" in text_of(client.get(detail))
    response = client.post(url, {"for": "child", f"{prefix}-child_name": ""})
    assert response.status_code == 400 and Registration.objects.count() == 0
    client.post(url, {"for": "child", f"{prefix}-child_name": "小明"})
    client.post(url, {"for": "me"})
    names = sorted(Registration.objects.values_list("name", flat=True))
    assert names == ["小明", "艾琳"]
    page = text_of(client.get(reverse("activities:my_registrations")))
    assert "小明" in page and "由您作为监护人报名" in page


def test_cancelling_after_the_cutoff_is_refused(world: World, lecture: Lecture) -> None:
    erin = places_resident(world)
    mine = reg.register(actor=world["erin"], offering=lecture.offering, resident=erin)
    lecture.activity.cancel_cutoff_hours = 24 * 5  # the cut-off has passed
    lecture.activity.save()
    client = client_for(world, "erin")
    page = text_of(client.get(reverse("activities:my_registrations")))
    assert "已过取消截止时间" in page
    url = reverse("activities:my_cancel", args=[mine.pk])
    assert "确定取消" not in text_of(client.get(url))
    response = client.post(url)
    assert response.status_code == 400
    assert re.search("取消报名已于|Cancelling closed at", text_of(response))
    mine.refresh_from_db()
    assert mine.status == RegistrationStatus.CONFIRMED


def places_resident(world: World) -> Resident:
    return Resident.objects.get(user=world["erin"])


def test_accepting_an_offered_seat(world: World, lecture: Lecture) -> None:
    lecture.activity.waitlist_mode = WaitlistMode.OFFER
    lecture.activity.save()
    first, _second, _third = (walk_in(lecture.offering, n) for n in range(3))
    erin = places_resident(world)
    mine = reg.register(actor=world["erin"], offering=lecture.offering, resident=erin)
    reg.cancel(actor=None, registration=first, by_staff=True)
    client = client_for(world, "erin")
    page = text_of(client.get(reverse("activities:my_registrations")))
    assert "为您保留了一个名额" in page
    client.post(reverse("activities:my_accept", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.status == RegistrationStatus.CONFIRMED
    response = client.post(reverse("activities:my_accept", args=[mine.pk]), follow=True)
    assert re.search("目前没有为您保留的名额|no seat on offer", text_of(response))


def test_someone_elses_registration_is_404(world: World, lecture: Lecture) -> None:
    other = reg.register(
        actor=None, offering=lecture.offering, resident=world.resident2, by_staff=True
    )
    client = client_for(world, "erin")
    assert client.get(reverse("activities:my_cancel", args=[other.pk])).status_code == 404
    assert client.post(reverse("activities:my_accept", args=[other.pk])).status_code == 404


# --- staff ------------------------------------------------------------------------------------


def test_staff_register_a_resident_found_by_search_and_a_walk_in(
    world: World, lecture: Lecture
) -> None:
    client = client_for(world, "bob")
    page = text_of(client.get(desk_url(lecture.offering) + "?find=周福珍"))
    assert "周福珍" in page and "138****5678" in page and "13812345678" not in page
    token = str(uuid.uuid4())
    url = desk_url(lecture.offering, "desk_register")
    data = {"walk_in-resident": world.resident1.pk, "walk_in-form_token": token}
    client.post(url, data)
    client.post(url, data)  # retried: once
    response = client.post(url, {"walk_in-name": "王阿姨", "walk_in-phone": "139 1234 0000"})
    assert response.status_code == 302
    rows = Registration.objects.order_by("position")
    assert [(r.name, r.by_staff, r.phone) for r in rows] == [
        ("周福珍", True, "13812345678"),
        ("王阿姨", True, "13912340000"),
    ]
    assert AuditEntry.objects.filter(action="registration.create").count() == 2


def test_staff_cannot_register_outside_their_scope(world: World, lecture: Lecture) -> None:
    client = client_for(world, "bob")
    url = desk_url(lecture.offering, "desk_register")
    response = client.post(url, {"walk_in-resident": world.loubei_resident.pk})
    assert response.status_code == 400
    assert Registration.objects.count() == 0
    page = text_of(client.get(desk_url(lecture.offering) + "?find=高福妹"))
    assert "没有找到居民" in page and "<strong>高福妹</strong>" not in page


def test_the_desk_form_refuses_a_bad_phone_and_a_missing_name(
    world: World, lecture: Lecture
) -> None:
    client = client_for(world, "bob")
    url = desk_url(lecture.offering, "desk_register")
    response = client.post(url, {"walk_in-name": "", "walk_in-phone": ""})
    assert response.status_code == 400
    assert "请从搜索结果中选择居民" in text_of(response)
    response = client.post(url, {"walk_in-name": "王阿姨", "walk_in-phone": "12345"})
    assert response.status_code == 400
    assert re.search("有效的手机|valid mobile", text_of(response))
    assert Registration.objects.count() == 0


def test_capacity_cannot_go_below_the_taken_seats(world: World, lecture: Lecture) -> None:
    for n in range(3):
        walk_in(lecture.offering, n)
    client = client_for(world, "bob")
    url = desk_url(lecture.offering, "desk_capacity")
    response = client.post(url, {"cap-capacity": 2, "cap-staff_share": 0})
    assert response.status_code == 400
    assert re.search("已有 3 个名额被占用|3 places are already taken", text_of(response))
    response = client.post(url, {"cap-capacity": 5, "cap-staff_share": 6})
    assert response.status_code == 400
    assert "留给工作人员的名额不能多于总名额" in text_of(response)
    lecture.offering.refresh_from_db()
    assert (lecture.offering.capacity, lecture.offering.staff_share) == (3, 0)
    walk_in(lecture.offering, 9)  # waits
    response = client.post(url, {"cap-capacity": 4, "cap-staff_share": 1}, follow=True)
    assert "候补名单上有 1 人获得了名额" in text_of(response)


def test_staff_cancel_after_the_residents_cutoff(world: World, lecture: Lecture) -> None:
    first = walk_in(lecture.offering, 1)
    lecture.activity.cancel_cutoff_hours = 24 * 5
    lecture.activity.save()
    client = client_for(world, "bob")
    url = reverse(
        "activities:desk_cancel", args=[lecture.activity.pk, lecture.offering.pk, first.pk]
    )
    assert "名额将转给候补名单上的下一位" in text_of(client.get(url))
    client.post(url)
    first.refresh_from_db()
    assert first.status == RegistrationStatus.CANCELLED
    assert client.post(url).status_code == 404  # already cancelled: no longer on the roster


def test_the_roster_tabs_search_and_line_order(world: World, lecture: Lecture) -> None:
    for n in range(6):
        walk_in(lecture.offering, n)
    client = client_for(world, "frank")
    page = text_of(client.get(desk_url(lecture.offering) + "?list=waiting"))
    assert page.index("居民3") < page.index("居民4") < page.index("居民5")
    assert "居民0" not in page
    page = text_of(client.get(desk_url(lecture.offering) + "?list=confirmed&q=居民1"))
    assert "居民1" in page and "居民2" not in page


# --- the paper list ---------------------------------------------------------------------------


PAPER = """张秀英 13800001111
李建国，13800002222
王芳 1380000
周福珍
不认识的人
张秀英 13800001111

  赵六 138-0000-3333
13800004444
"""


def test_parsing_a_paper_list(world: World, lecture: Lecture) -> None:
    walk_in(lecture.offering, 3333)  # 居民3333 holds 13800003333
    lines = parse_paper_list(PAPER, offering=lecture.offering, user=world["bob"])
    read = [(line.number, line.name, line.phone, line.error) for line in lines]
    assert read[0] == (1, "张秀英", "13800001111", "")
    assert read[1] == (2, "李建国", "13800002222", "")
    assert read[2][0] == 3 and "不是有效的电话号码" in read[2][3]
    assert read[3][:3] == (4, "周福珍", "13812345678") and read[3][3] == ""
    assert lines[3].resident == world.resident1
    assert read[4][0] == 5 and "没有名叫 不认识的人 的居民" in read[4][3]
    assert read[5][0] == 6 and "与第 1 行是同一个人" in read[5][3]
    assert read[6][0] == 8 and "已经报过名了" in read[6][3]
    assert read[7][0] == 9 and "请在电话号码前写上姓名" in read[7][3]
    # oscar sees none of 和泰's residents: 周福珍 by name alone is not found for him
    lines = parse_paper_list("周福珍", offering=lecture.offering, user=world["oscar"])
    assert lines[0].error


def test_a_paper_list_previewed_then_registered(world: World, lecture: Lecture) -> None:
    client = client_for(world, "bob")
    url = desk_url(lecture.offering, "desk_paper_list")
    page = text_of(client.get(url))
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token is not None
    response = client.post(url, {"step": "preview", "lines": PAPER, "form_token": token[1]})
    page = text_of(response)
    assert "4 行可以登记；4 行有问题" in page
    assert "登记 4 人" in page
    assert Registration.objects.count() == 0  # a preview writes nothing
    data = {"step": "register", "lines": PAPER, "form_token": token[1]}
    page = text_of(client.post(url, data))
    assert "共登记 4 人：3 人已确认，1 人候补" in page
    assert "第 3 行" in page and "不是有效的电话号码" in page
    page = text_of(client.post(url, data))  # sent again: nobody registered twice
    assert "共登记 4 人" in page
    assert Registration.objects.count() == 4
    assert set(Registration.objects.values_list("by_staff", flat=True)) == {True}


def test_a_paper_list_is_bounded(world: World, lecture: Lecture) -> None:
    client = client_for(world, "bob")
    url = desk_url(lecture.offering, "desk_paper_list")
    many = "\n".join(f"居民 138{n:08d}" for n in range(PAPER_MAX_LINES + 1))
    response = client.post(url, {"step": "preview", "lines": many})
    assert response.status_code == 400
    assert "每次最多粘贴 1000 行" in text_of(response)
    response = client.post(url, {"step": "register", "lines": "王" * 100_001})
    assert response.status_code == 400
    assert Registration.objects.count() == 0


def test_registration_closes_when_the_session_begins(world: World, lecture: Lecture) -> None:
    lecture.session.starts_at = timezone.now() - timedelta(minutes=5)
    lecture.session.ends_at = at(0, 23, 59) + timedelta(days=1)
    lecture.session.save()
    client = client_for(world, "bob")
    response = client.post(
        desk_url(lecture.offering, "desk_register"),
        {"walk_in-name": "王阿姨", "walk_in-phone": "13912340000"},
    )
    assert response.status_code == 400
    assert Registration.objects.count() == 0


def continue_form(page: str) -> dict[str, object] | None:
    """The hidden fields of the "continue" form of a paper list's progress page."""
    form = re.search(r'<form[^>]*id="paper-continue".*?</form>', page, re.S)
    if form is None:
        return None
    data: dict[str, object] = {
        "lines": html.unescape(re.findall(r"<textarea[^>]*>(.*?)</textarea>", form[0], re.S)[0])
    }
    refused: list[str] = []
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[0]):
        if name == "refused":
            refused.append(html.unescape(value))
        else:
            data[name] = html.unescape(value)
    data["refused"] = refused
    return data


def test_a_long_paper_list_goes_in_chunks_and_carries_the_refusals(
    world: World, lecture: Lecture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signup, "PAPER_CHUNK", 3)
    Offering.objects.filter(pk=lecture.offering.pk).update(waitlist_size=2)
    client = client_for(world, "bob")
    url = desk_url(lecture.offering, "desk_paper_list")
    text = "\n".join(f"居民{n} 1390000{n:04d}" for n in range(8)) + "\n坏行 123456"
    token = str(uuid.uuid4())
    page = text_of(client.post(url, {"step": "register", "lines": text, "form_token": token}))
    assert "已处理 3 / 9 行" in page
    data = continue_form(page)
    assert data is not None and data["start"] == "3"
    client.post(url, data)  # the same chunk twice: nobody twice, counted once
    while data is not None:
        page = text_of(client.post(url, data))
        data = continue_form(page)
    assert "共登记 5 人：3 人已确认，2 人候补" in page
    refused = page.split("未能报名")[1].split("未登记的行")[0]
    assert all(f"第 {n} 行" in refused for n in (6, 7, 8))
    assert page.count("候补名单也已满") + page.count("so is its waiting list") == 3
    assert "第 9 行" in page and "不是有效的电话号码" in page
    assert Registration.objects.count() == 5


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_lists_do_not_grow_queries_with_their_rows(world: World, lecture: Lecture) -> None:
    erin, bob = client_for(world, "erin"), client_for(world, "bob")
    open_list = reverse("activities:open_list")
    desk = desk_url(lecture.offering)
    walk_in(lecture.offering, 1)
    few = queries_for(erin, open_list), queries_for(bob, desk)
    for n in range(5):
        activity = Activity.objects.create(
            title=f"讲座{n}",
            kind="lecture",
            owner=world.hetai,
            street=world.street,
            status="published",
        )
        activity.open_to.set([world.street])
        session = activity.sessions.create(starts_at=at(4, 9), ends_at=at(4, 10))
        Offering.objects.create(activity=activity, session=session, capacity=5)
    for n in range(2, 12):
        walk_in(lecture.offering, n)
    assert (queries_for(erin, open_list), queries_for(bob, desk)) == few
