"""双报到: units and members register, staff confirm, members claim posts, hours add up."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from genxi.accounts.models import Role, User
from genxi.accounts.services import create_user, grant_membership
from genxi.activities.models import VolunteerShift
from genxi.activities.services.activities import create_activity
from genxi.cobuilding.models import (
    ClaimStatus,
    HoursSource,
    MemberRegistration,
    Post,
    PostClaim,
    PostKind,
    RegistrationStatus,
    ServiceHours,
    UnitRegistration,
)
from genxi.cobuilding.services import members as service
from genxi.conftest import PASSWORD, World
from genxi.core.models import AuditEntry, Notification
from genxi.core.services import ServiceError
from genxi.places.models import Resident

pytestmark = pytest.mark.django_db


def unit_reported(world: World) -> UnitRegistration:
    """金阳宝地物业 (at 宝祥社区) reported to 和泰社区: its staff may name it as their unit."""
    return UnitRegistration.objects.filter(
        partner=world.partner, community=world.hetai
    ).first() or service.register_unit(
        actor=world["bob"], partner=world.partner, community=world.hetai
    )


def erin_registers(world: World, **extra: Any) -> MemberRegistration:
    if extra.get("partner", world.partner) == world.partner:
        unit_reported(world)
    resident = Resident.objects.get(user=world["erin"])
    fields: dict[str, Any] = {
        "community": world.hetai,
        "name": "艾琳",
        "phone": "18612345678",
        "branch": "金阳宝地物业党支部",
        "partner": world.partner,
        "skills": "急救",
        "available": "周末",
        "user": world["erin"],
        "resident": resident,
    }
    return service.register_member(actor=world["erin"], **{**fields, **extra})


@pytest.fixture
def member(world: World) -> MemberRegistration:
    """erin, reported and confirmed by bob."""
    registration = erin_registers(world)
    service.confirm_member(actor=world["bob"], member=registration)
    return registration


@pytest.fixture
def post(world: World) -> Post:
    return service.create_post(
        actor=world["bob"],
        community=world.hetai,
        kind=PostKind.POST,
        title="楼道文明引导员",
        places=1,
        when="周六 9:00–11:00",
    )


def other_member(world: World, phone: str = "13912345678") -> MemberRegistration:
    return service.register_member(
        actor=world["bob"],
        community=world.hetai,
        name="许向前",
        phone=phone,
        branch="区教育局机关党支部",
        unit_name="区教育局",
        resident=world.resident2,
    )


# -- Services ------------------------------------------------------------------------------


def test_a_residents_report_waits_for_staff_and_confirming_tells_them(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    registration = erin_registers(world)
    assert registration.status == RegistrationStatus.PENDING
    assert registration.user == world["erin"]
    with django_capture_on_commit_callbacks(execute=True):
        service.confirm_member(actor=world["bob"], member=registration)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.confirmed_by == world["bob"]
    note = Notification.objects.get(user=world["erin"])
    assert "和泰社区" in note.title
    assert note.url == reverse("cobuilding:member_detail", args=[registration.pk])


def test_a_second_live_report_with_the_same_phone_is_refused_clearly(world: World) -> None:
    erin_registers(world)
    with pytest.raises(ServiceError) as refused:
        erin_registers(world, name="艾琳二")
    assert refused.value.code == "duplicate"
    assert "已" in refused.value.message or "already" in refused.value.message
    assert MemberRegistration.objects.count() == 1


def test_after_a_refusal_the_resident_may_report_again(world: World) -> None:
    first = erin_registers(world)
    service.refuse_member(actor=world["bob"], member=first)
    again = erin_registers(world)
    assert again.pk != first.pk and again.status == RegistrationStatus.PENDING


def test_staff_registering_someone_who_phoned_confirm_them_at_once(world: World) -> None:
    registration = other_member(world)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.unit_name == "区教育局" and registration.partner is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("branch", " "), ("name", ""), ("unit_name", "")],
)
def test_a_report_without_what_it_needs_is_refused(world: World, field: str, value: str) -> None:
    extra: dict[str, Any] = {field: value}
    if field == "unit_name":
        extra["partner"] = None
    with pytest.raises(ServiceError) as refused:
        erin_registers(world, **extra)
    assert refused.value.field == field
    assert not MemberRegistration.objects.exists()


def test_a_units_own_report_waits_and_staffs_is_confirmed_and_a_second_is_refused(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    by_handler = service.register_unit(
        actor=world["dave"], partner=world.partner, community=world.hetai, contact_name="戴夫"
    )
    assert by_handler.status == RegistrationStatus.PENDING
    with pytest.raises(ServiceError) as refused:
        service.register_unit(actor=world["bob"], partner=world.partner, community=world.hetai)
    assert refused.value.code == "duplicate"
    assert "金阳宝地物业" in refused.value.message
    with django_capture_on_commit_callbacks(execute=True):
        service.confirm_unit(actor=world["bob"], registration=by_handler)
    assert (
        Notification.objects.get(user=world["dave"]).title
        == "金阳宝地物业向和泰社区的单位报到：已确认"
    )
    service.end_unit(actor=world["bob"], registration=by_handler)
    by_staff = service.register_unit(
        actor=world["bob"], partner=world.partner, community=world.hetai
    )
    assert by_staff.status == RegistrationStatus.CONFIRMED
    with pytest.raises(ServiceError):
        service.confirm_unit(actor=world["bob"], registration=by_staff)  # not pending


def test_a_member_claims_the_last_place_and_the_next_is_told_it_is_full(
    world: World, member: MemberRegistration, post: Post
) -> None:
    claim = service.claim_post(actor=world["erin"], post=post, member=member)
    assert claim.place == 1
    with pytest.raises(ServiceError) as twice:
        service.claim_post(actor=world["erin"], post=post, member=member)
    assert twice.value.code == "duplicate"
    second = other_member(world)
    with pytest.raises(ServiceError) as full:
        service.claim_post(actor=world["bob"], post=post, member=second)
    assert full.value.code == "post_full"
    service.withdraw_claim(actor=world["erin"], claim=claim)
    again = service.claim_post(actor=world["bob"], post=post, member=second)
    assert again.place == 1  # the withdrawn claim freed its place


def test_a_pending_member_or_one_of_another_community_cannot_claim(
    world: World, post: Post
) -> None:
    pending = erin_registers(world)
    with pytest.raises(ServiceError) as refused:
        service.claim_post(actor=world["erin"], post=pending and post, member=pending)
    assert refused.value.code == "not_confirmed"
    elsewhere = service.register_member(
        actor=world["oscar"],
        community=world.loubei,
        name="高福妹",
        phone="15012345678",
        branch="娄北党支部",
        unit_name="上高路市场",
    )
    with pytest.raises(ServiceError) as other:
        service.claim_post(actor=world["oscar"], post=post, member=elsewhere)
    assert other.value.code == "other_community"
    assert not PostClaim.objects.exists()


def test_a_closed_post_takes_no_claims(
    world: World, member: MemberRegistration, post: Post
) -> None:
    service.set_post_open(actor=world["bob"], post=post, is_open=False)
    with pytest.raises(ServiceError) as refused:
        service.claim_post(actor=world["erin"], post=post, member=member)
    assert refused.value.code == "post_closed"


def test_marking_a_claim_done_records_its_hours(
    world: World, member: MemberRegistration, post: Post
) -> None:
    claim = service.claim_post(actor=world["erin"], post=post, member=member)
    row = service.complete_claim(actor=world["bob"], claim=claim, hours=Decimal("2.5"))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DONE
    assert (row.member, row.source, row.post, row.hours) == (
        member,
        HoursSource.TASK,
        post,
        Decimal("2.5"),
    )
    with pytest.raises(ServiceError):
        service.complete_claim(actor=world["bob"], claim=claim, hours=Decimal(1))
    with pytest.raises(ServiceError):
        service.withdraw_claim(actor=world["erin"], claim=claim)
    assert ServiceHours.objects.count() == 1


@pytest.mark.parametrize("hours", [Decimal(0), Decimal("-1"), Decimal("24.5")])
def test_hours_outside_a_day_are_refused(
    world: World, member: MemberRegistration, hours: Decimal
) -> None:
    with pytest.raises(ServiceError) as refused:
        service.add_hours(actor=world["bob"], member=member, on=timezone.localdate(), hours=hours)
    assert refused.value.field == "hours"
    assert not ServiceHours.objects.exists()


def test_hours_for_a_day_to_come_are_refused(world: World, member: MemberRegistration) -> None:
    with pytest.raises(ServiceError):
        service.add_hours(
            actor=world["bob"],
            member=member,
            on=timezone.localdate() + timedelta(days=1),
            hours=Decimal(2),
        )


def shift(world: World, *, hours: float | None, **who: Any) -> VolunteerShift:
    activity = create_activity(
        actor=world["bob"],
        title="垃圾分类宣传",
        kind="fair",
        owner=world.hetai,
        open_to=[world.hetai],
        venue=world.venue,
    )
    start = timezone.now() - timedelta(hours=5)
    return VolunteerShift.objects.create(
        activity=activity,
        name="艾琳",
        checked_in_at=start,
        checked_out_at=start + timedelta(hours=hours) if hours is not None else None,
        **who,
    )


def test_checked_out_shifts_become_hours_once(world: World, member: MemberRegistration) -> None:
    by_user = shift(world, hours=3, user=world["erin"])
    by_resident = shift(world, hours=1.5, resident=member.resident)
    shift(world, hours=None, user=world["erin"])  # still on shift: nothing yet
    shift(world, hours=2, resident=world.resident1)  # someone else's
    assert service.sync_shift_hours(actor=None) == 2
    assert service.sync_shift_hours(actor=None) == 0
    rows = {r.shift_id: r for r in ServiceHours.objects.filter(member=member)}
    assert set(rows) == {by_user.pk, by_resident.pk}
    assert rows[by_user.pk].hours == Decimal(3)
    assert rows[by_resident.pk].source == HoursSource.ACTIVITY


def test_a_pending_members_shifts_wait_until_confirmed(world: World) -> None:
    pending = erin_registers(world)
    shift(world, hours=2, user=world["erin"])
    assert service.sync_shift_hours(actor=None) == 0
    service.confirm_member(actor=world["bob"], member=pending)
    assert service.sync_shift_hours(actor=None, members=[pending]) == 1


def test_ending_a_member_withdraws_their_open_claims(
    world: World, member: MemberRegistration, post: Post
) -> None:
    claim = service.claim_post(actor=world["erin"], post=post, member=member)
    service.end_member(actor=world["bob"], member=member)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.WITHDRAWN


# -- Pages ---------------------------------------------------------------------------------


def login(client: Any, username: str) -> Any:
    client.force_login(User.objects.get(username=username))
    return client


def test_erin_reports_from_her_phone_with_her_name_and_phone_filled_in(
    client: Any, world: World
) -> None:
    login(client, "erin")
    url = reverse("cobuilding:member_signup")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="艾琳"' in html and 'value="18612345678"' in html
    assert "和泰社区" in html
    form = page.context["form"]
    answer = client.post(
        url,
        {
            "name": "艾琳",
            "phone": "18612345678",
            "partner": "",
            "unit_name": "区税务局",
            "branch": "区税务局第二党支部",
            "skills": "财务",
            "available": "周末",
            "form_token": form["form_token"].value(),
        },
    )
    registration = MemberRegistration.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("cobuilding:member_detail", args=[registration.pk])
    assert registration.community == world.hetai
    assert registration.status == RegistrationStatus.PENDING
    assert registration.resident == Resident.objects.get(user=world["erin"])
    # Again: refused in Chinese, nothing more written.
    again = client.post(
        url,
        {"name": "艾琳", "phone": "18612345678", "unit_name": "区税务局", "branch": "支部"},
    )
    assert again.status_code == 200
    assert "和泰社区" in str(again.context["form"].errors["phone"])
    assert MemberRegistration.objects.count() == 1


def test_the_signup_refuses_a_missing_unit_and_a_bad_phone(client: Any, world: World) -> None:
    login(client, "erin")
    answer = client.post(
        reverse("cobuilding:member_signup"),
        {"name": "艾琳", "phone": "12345", "branch": "支部"},
    )
    assert answer.status_code == 200
    errors = answer.context["form"].errors
    assert "phone" in errors and "unit_name" in errors
    assert not MemberRegistration.objects.exists()


def test_bob_sees_pending_reports_and_confirms_one(client: Any, world: World) -> None:
    pending = erin_registers(world)
    confirmed = other_member(world)
    login(client, "bob")
    page = client.get(reverse("cobuilding:member_list") + "?status=pending")
    assert page.status_code == 200
    shown = [m.pk for m in page.context["members"]]
    assert shown == [pending.pk] and confirmed.pk not in shown
    answer = client.post(reverse("cobuilding:member_act", args=[pending.pk, "confirm"]))
    assert answer.status_code == 302
    pending.refresh_from_db()
    assert pending.status == RegistrationStatus.CONFIRMED
    found = client.get(reverse("cobuilding:member_list") + "?q=区教育局")
    assert [m.pk for m in found.context["members"]] == [confirmed.pk]


def test_the_members_export_has_their_hours(
    client: Any, world: World, member: MemberRegistration
) -> None:
    service.add_hours(actor=world["bob"], member=member, on=timezone.localdate(), hours=Decimal(3))
    service.add_hours(
        actor=world["bob"], member=member, on=timezone.localdate(), hours=Decimal("1.5")
    )
    login(client, "bob")
    answer = client.get(reverse("cobuilding:member_list") + "?format=xlsx")
    assert answer.status_code == 200
    from io import BytesIO

    sheet = load_workbook(BytesIO(b"".join(answer.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "艾琳"
    assert Decimal(rows[1][-1]) == Decimal("4.5")


def test_outsiders_get_404(client: Any, world: World, member: MemberRegistration) -> None:
    detail = reverse("cobuilding:member_detail", args=[member.pk])
    confirm = reverse("cobuilding:member_act", args=[member.pk, "end"])
    login(client, "oscar")  # staff of another community
    assert client.get(detail).status_code == 404
    assert client.post(confirm).status_code == 404
    assert client.get(reverse("cobuilding:member_list")).context["members"].paginator.count == 0
    # another resident of 和泰
    neighbour = create_user(actor=None, username="zhou", password=PASSWORD, name="周福珍")
    grant_membership(actor=None, user=neighbour, role=Role.RESIDENT, area=world.hetai)
    login(client, "zhou")
    assert client.get(detail).status_code == 404
    assert client.get(reverse("cobuilding:member_list")).status_code == 404
    login(client, "nobody")
    assert client.get(reverse("cobuilding:member_signup")).status_code == 404
    # erin herself may not confirm or end her own registration
    login(client, "erin")
    assert client.get(detail).status_code == 200
    assert client.post(confirm).status_code == 404
    member.refresh_from_db()
    assert member.status == RegistrationStatus.CONFIRMED


def test_erin_claims_a_post_from_her_page_and_bob_marks_it_done(
    client: Any, world: World, member: MemberRegistration, post: Post
) -> None:
    login(client, "erin")
    page = client.get(reverse("cobuilding:member_detail", args=[member.pk]))
    assert [p.pk for p in page.context["posts"]] == [post.pk]
    client.post(reverse("cobuilding:post_claim", args=[post.pk]))
    claim = PostClaim.objects.get()
    assert claim.member == member
    login(client, "bob")
    too_many = client.post(
        reverse("cobuilding:post_claim_done", args=[claim.pk]),
        {"done-on": timezone.localdate().isoformat(), "done-hours": "30"},
    )
    assert too_many.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLAIMED and not ServiceHours.objects.exists()
    client.post(
        reverse("cobuilding:post_claim_done", args=[claim.pk]),
        {"done-on": timezone.localdate().isoformat(), "done-hours": "2"},
    )
    login(client, "erin")
    page = client.get(reverse("cobuilding:member_detail", args=[member.pk]))
    assert page.context["total"] == Decimal(2)
    assert "楼道文明引导员" in page.content.decode()


def test_oscar_cannot_mark_claims_done_or_add_hours(
    client: Any, world: World, member: MemberRegistration, post: Post
) -> None:
    claim = service.claim_post(actor=world["erin"], post=post, member=member)
    login(client, "oscar")
    done = client.post(
        reverse("cobuilding:post_claim_done", args=[claim.pk]),
        {"done-on": timezone.localdate().isoformat(), "done-hours": "2"},
    )
    assert done.status_code == 404
    hours = client.post(
        reverse("cobuilding:member_hours", args=[member.pk]),
        {"hours-on": timezone.localdate().isoformat(), "hours-hours": "2"},
    )
    assert hours.status_code == 404
    assert client.get(reverse("cobuilding:post_detail", args=[post.pk])).status_code == 404
    assert not ServiceHours.objects.exists()


def test_bob_adds_hours_and_a_bad_number_is_refused(
    client: Any, world: World, member: MemberRegistration
) -> None:
    login(client, "bob")
    url = reverse("cobuilding:member_hours", args=[member.pk])
    today = timezone.localdate().isoformat()
    for bad in ["0", "25", "abc", "1e30"]:
        client.post(url, {"hours-on": today, "hours-hours": bad})
    assert not ServiceHours.objects.exists()
    client.post(url, {"hours-on": today, "hours-hours": "1.5", "hours-note": "电话核实"})
    assert ServiceHours.objects.get().hours == Decimal("1.5")


def test_opening_a_members_page_records_their_activity_hours(
    client: Any, world: World, member: MemberRegistration
) -> None:
    shift(world, hours=2, user=world["erin"])
    login(client, "erin")
    url = reverse("cobuilding:member_detail", args=[member.pk])
    assert client.get(url).context["total"] == Decimal(2)
    assert client.get(url).context["total"] == Decimal(2)  # once
    assert ServiceHours.objects.get().source == HoursSource.ACTIVITY


def test_dave_reports_his_unit_and_bob_confirms_it(client: Any, world: World) -> None:
    login(client, "dave")
    page = client.get(reverse("cobuilding:unit_add"))
    assert page.status_code == 200
    communities = list(page.context["form"].fields["community"].queryset)
    assert world.hetai in communities and world.loubei not in communities
    client.post(
        reverse("cobuilding:unit_add"),
        {"partner": world.partner.pk, "community": world.hetai.pk, "offers": "保洁志愿者"},
    )
    unit = UnitRegistration.objects.get()
    assert unit.status == RegistrationStatus.PENDING
    # dave may not confirm it; oscar does not see it
    assert client.post(reverse("cobuilding:unit_act", args=[unit.pk, "confirm"])).status_code == 404
    login(client, "oscar")
    assert client.post(reverse("cobuilding:unit_act", args=[unit.pk, "confirm"])).status_code == 404
    login(client, "bob")
    page = client.get(reverse("cobuilding:member_list") + "?status=pending")
    assert [u.pk for u in page.context["units"]] == [unit.pk]
    client.post(reverse("cobuilding:unit_act", args=[unit.pk, "confirm"]))
    unit.refresh_from_db()
    assert unit.status == RegistrationStatus.CONFIRMED
    # a second report of the same unit: refused on the form
    again = client.post(
        reverse("cobuilding:unit_add"), {"partner": world.partner.pk, "community": world.hetai.pk}
    )
    assert again.status_code == 200
    assert "金阳宝地物业" in str(again.context["form"].errors)
    assert UnitRegistration.objects.count() == 1


def test_bob_publishes_a_post(client: Any, world: World) -> None:
    login(client, "bob")
    answer = client.post(
        reverse("cobuilding:post_add"),
        {
            "community": world.hetai.pk,
            "kind": "task",
            "title": "周末环境整治",
            "places": "5",
            "when": "周六上午",
        },
    )
    post = Post.objects.get()
    assert answer["Location"] == reverse("cobuilding:post_detail", args=[post.pk])
    assert (post.places, post.kind) == (5, "task")
    bad = client.post(
        reverse("cobuilding:post_add"),
        {"community": world.loubei.pk, "kind": "task", "title": "x", "places": "0"},
    )
    assert bad.status_code == 200
    assert {"community", "places"} <= set(bad.context["form"].errors)
    assert Post.objects.count() == 1


def test_the_members_tab_costs_the_same_queries_for_more_members(
    client: Any, world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(2):
        other_member(world, phone=f"1391234{n:04d}")
    login(client, "bob")
    url = reverse("cobuilding:member_list")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(2, 8):
        other_member(world, phone=f"1391234{n:04d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.context["members"].paginator.count == 8


def test_the_members_tab_records_activity_hours_too(
    client: Any, world: World, member: MemberRegistration
) -> None:
    shift(world, hours=2, user=world["erin"])
    login(client, "bob")
    page = client.get(reverse("cobuilding:member_list"))
    assert [m.total_hours for m in page.context["members"]] == [Decimal(2)]


def test_bob_registers_a_member_who_phoned(client: Any, world: World) -> None:
    unit_reported(world)
    login(client, "bob")
    url = reverse("cobuilding:member_add")
    page = client.get(url)
    assert list(page.context["form"].fields["community"].queryset) == [world.hetai]
    answer = client.post(
        url,
        {
            "community": world.hetai.pk,
            "name": "周福珍",
            "phone": "138 1234 5678",
            "partner": world.partner.pk,
            "branch": "金阳宝地物业党支部",
        },
    )
    registration = MemberRegistration.objects.get()
    assert answer["Location"] == reverse("cobuilding:member_detail", args=[registration.pk])
    assert registration.phone == "13812345678"
    assert registration.resident == world.resident1  # found by the phone
    assert registration.status == RegistrationStatus.CONFIRMED
    login(client, "oscar")
    refused = client.post(
        reverse("cobuilding:member_add"),
        {"community": world.hetai.pk, "name": "x", "phone": "13812345670", "branch": "y"},
    )
    assert "community" in refused.context["form"].errors
    assert MemberRegistration.objects.count() == 1


def test_the_posts_page_shows_each_person_their_own(
    client: Any, world: World, member: MemberRegistration, post: Post
) -> None:
    url = reverse("cobuilding:post_list")
    login(client, "erin")
    assert [p.pk for p in client.get(url).context["posts"]] == [post.pk]
    login(client, "oscar")
    assert list(client.get(url).context["posts"]) == []
    neighbour = create_user(actor=None, username="zhou", password=PASSWORD, name="周福珍")
    grant_membership(actor=None, user=neighbour, role=Role.RESIDENT, area=world.hetai)
    login(client, "zhou")  # not a reported member: no posts, and no claiming
    assert list(client.get(url).context["posts"]) == []
    assert client.post(reverse("cobuilding:post_claim", args=[post.pk])).status_code == 404
    assert not PostClaim.objects.exists()


# -- Review fixes ----------------------------------------------------------------------------


def test_a_post_claim_is_withdrawn_on_its_own_route_not_a_needs(
    client: Any, world: World, member: MemberRegistration, post: Post
) -> None:
    claim = service.claim_post(actor=world["erin"], post=post, member=member)
    url = reverse("cobuilding:post_claim_withdraw", args=[claim.pk])
    assert url.startswith("/cobuilding/post-claims/")
    assert reverse("cobuilding:claim_withdraw", args=[claim.pk]) != url  # the needs' one
    login(client, "erin")
    page = client.get(reverse("cobuilding:member_detail", args=[member.pk]))
    assert f'action="{url}"' in page.content.decode()
    assert client.post(url).status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.WITHDRAWN


def export_rows(client: Any, query: str = "") -> list[tuple[Any, ...]]:
    from io import BytesIO

    answer = client.get(reverse("cobuilding:member_list") + "?format=xlsx" + query)
    assert answer.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(answer.streaming_content))).active
    return list(sheet.iter_rows(values_only=True))[1:]


def test_the_export_shows_full_numbers_only_to_the_members_staff_and_is_logged(
    client: Any, world: World, member: MemberRegistration
) -> None:
    login(client, "frank")  # leadership of the street: sees the members, not their numbers
    assert [r[1] for r in export_rows(client)] == ["186****5678"]
    login(client, "bob")  # staff of 和泰
    assert [r[1] for r in export_rows(client)] == ["18612345678"]
    entries = AuditEntry.objects.filter(action="memberregistration.export").order_by("id")
    assert [(e.actor, e.changes["rows"], e.changes["full_phones"]) for e in entries] == [
        (world["frank"], 1, 0),
        (world["bob"], 1, 1),
    ]


def test_only_staff_search_by_phone_and_only_by_the_whole_number_or_its_last_four(
    client: Any, world: World, member: MemberRegistration
) -> None:
    url = reverse("cobuilding:member_list")

    def found(q: str) -> list[int]:
        return [m.pk for m in client.get(url, {"q": q}).context["members"]]

    login(client, "frank")
    assert client.get(url).context["members"].paginator.count == 1
    assert found("18612345678") == [] and found("5678") == [] and found("186") == []
    login(client, "bob")
    assert found("18612345678") == [member.pk]
    assert found("186 1234 5678") == [member.pk]
    assert found("5678") == [member.pk]
    assert found("186123") == [] and found("1234567") == []  # no spelling out by parts


def test_a_duplicate_report_does_not_say_whose_number_it_is(world: World) -> None:
    erin_registers(world)
    with pytest.raises(ServiceError) as refused:
        service.register_member(
            actor=world["erin"],
            community=world.hetai,
            name="路人",
            phone="18612345678",
            branch="支部",
            unit_name="某单位",
        )
    assert "艾琳" not in refused.value.message
    assert "和泰社区" in refused.value.message
    assert refused.value.code == "duplicate"


def test_staff_link_only_a_resident_of_that_community_they_may_see(
    client: Any, world: World
) -> None:
    login(client, "bob")
    client.post(
        reverse("cobuilding:member_add"),
        {
            "community": world.hetai.pk,
            "name": "高福妹",
            "phone": "15012345678",  # a resident of 娄北社区, oscar's
            "unit_name": "上高路市场",
            "branch": "娄北党支部",
        },
    )
    registration = MemberRegistration.objects.get()
    assert registration.resident is None and registration.user is None


def test_the_work_units_offered_are_those_working_with_the_community(
    client: Any, world: World
) -> None:
    login(client, "erin")
    url = reverse("cobuilding:member_signup")
    offered = set(client.get(url).context["form"].fields["partner"].queryset)
    assert world.other_partner not in offered  # 娄北社区's
    assert world.partner not in offered  # 宝祥社区's, not reported to 和泰
    unit_reported(world)
    assert world.partner in set(client.get(url).context["form"].fields["partner"].queryset)
    answer = client.post(
        url,
        {
            "name": "艾琳",
            "phone": "18612345678",
            "partner": world.other_partner.pk,
            "branch": "支部",
        },
    )
    assert "partner" in answer.context["form"].errors
    login(client, "bob")
    answer = client.post(
        reverse("cobuilding:member_add"),
        {
            "community": world.hetai.pk,
            "name": "周福珍",
            "phone": "13812345678",
            "partner": world.other_partner.pk,
            "branch": "支部",
        },
    )
    assert "partner" in answer.context["form"].errors
    with pytest.raises(ServiceError) as refused:
        erin_registers(world, partner=world.other_partner)
    assert refused.value.field == "partner"
    assert not MemberRegistration.objects.exists()


@pytest.mark.parametrize("value", ["²", "١", "99999999999999999999", "-1", "x"])
def test_a_strange_community_id_is_ignored_not_a_crash(
    client: Any, world: World, member: MemberRegistration, value: str
) -> None:
    login(client, "bob")
    page = client.get(reverse("cobuilding:member_list"), {"community": value})
    assert page.status_code == 200
    assert page.context["members"].paginator.count == 1


def test_claims_move_through_their_machine(
    world: World, member: MemberRegistration, post: Post
) -> None:
    claim = service.claim_post(actor=world["erin"], post=post, member=member)
    service.complete_claim(actor=world["bob"], claim=claim, hours=Decimal(1))
    with pytest.raises(ServiceError) as refused:
        service.withdraw_claim(actor=world["erin"], claim=claim)
    assert refused.value.code == "invalid_transition"
    second = service.create_post(
        actor=world["bob"], community=world.hetai, kind=PostKind.TASK, title="清扫", places=2
    )
    open_claim = service.claim_post(actor=world["erin"], post=second, member=member)
    service.end_member(actor=world["bob"], member=member)
    open_claim.refresh_from_db()
    assert open_claim.status == ClaimStatus.WITHDRAWN
    withdrawn = AuditEntry.objects.get(action="postclaim.withdraw")
    assert (withdrawn.object_id, withdrawn.changes["status"]) == (
        str(open_claim.pk),
        ["claimed", "withdrawn"],
    )
