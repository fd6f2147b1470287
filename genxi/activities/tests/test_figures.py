"""The activities' figures, from rows made here with the ORM: exact numbers, each user's scope,
the query count, and the period picker's refusals."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from genxi.activities import figures
from genxi.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Attendance,
    CheckInSource,
    Course,
    Offering,
    Registration,
    RegistrationStatus,
    ServiceTally,
    Session,
    Slot,
    Stall,
    Term,
    VolunteerShift,
)
from genxi.conftest import World
from genxi.places.models import Area, Resident

CONFIRMED, CANCELLED = RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


def moment(month: int, day: int, hour: int) -> datetime:
    return timezone.make_aware(datetime(2026, month, day, hour))


def activity(world: World, title: str, kind: str, owner: Area, status: str) -> Activity:
    street = world.other_street if owner == world.loubei else world.street
    return Activity.objects.create(
        title=title, kind=kind, owner=owner, street=street, status=status, venue=world.venue
    )


def session(act: Activity, month: int, day: int, term: Term | None = None) -> Session:
    return Session.objects.create(
        activity=act,
        term=term,
        title=f"{act.title} {month}-{day}",
        starts_at=moment(month, day, 14),
        ends_at=moment(month, day, 16),
        venue=act.venue,
    )


def register(
    offering: Offering,
    name: str,
    *,
    resident: Resident | None = None,
    phone: str = "",
    status: str = CONFIRMED,
    seat: int | None = None,
    by_staff: bool = False,
) -> Registration:
    return Registration.objects.create(
        offering=offering,
        activity=offering.activity,
        resident=resident,
        name=name,
        phone=(resident.phone or "") if resident else phone,
        person_key=f"r{resident.pk}" if resident else f"p{phone}",
        household_key=f"{resident.area_id}:{resident.room}" if resident else "",
        community=resident.area.parent.parent if resident else None,
        status=status,
        seat=seat,
        by_staff=by_staff,
    )


def attend(registration: Registration, at: Session) -> None:
    Attendance.objects.create(
        registration=registration,
        session=at,
        checked_in_at=at.starts_at,
        source=CheckInSource.SCAN,
    )


@dataclass
class Season:
    lecture: Activity
    lecture_session: Session
    lecture_offering: Offering
    walk_in: Registration
    course: Activity
    term_offering: Offering
    term_sessions: list[Session]
    fair: Activity
    fair_session: Session
    stall: Stall
    slot_offering: Offering


def build_season(world: World) -> Season:
    """October and November 2026 in 白洋湾街道, and two activities that must not count.

    和泰: a lecture (Oct 15; 3 confirmed, 2 came, 1 cancelled) and a fair (Nov 12; a stall
    with 30 + 12 services, a slot with 2 confirmed of whom 1 came, a 2½-hour volunteer shift).
    宝祥: a class with a term of three sessions (Oct 20, Nov 3 and one in 2027); 2 students,
    周福珍 came twice, 高福妹 (from another street) once.
    Not counted: a cancelled lecture of 和泰 and a lecture of 娄北 (another street), both with
    an attendance in October.
    """
    r1, r2, far = world.resident1, world.resident2, world.loubei_resident
    lecture = activity(
        world, "冬季健康讲座", ActivityKind.LECTURE, world.hetai, ActivityStatus.HELD
    )
    s1 = session(lecture, 10, 15)
    o1 = Offering.objects.create(activity=lecture, session=s1, capacity=10)
    a = register(o1, r1.name, resident=r1, seat=1)
    b = register(o1, r2.name, resident=r2, seat=2)
    walk_in = register(o1, "路过的王阿姨", phone="13700001111", seat=3, by_staff=True)
    register(o1, "艾琳", phone="18612345678", status=CANCELLED)
    attend(a, s1)
    attend(walk_in, s1)
    assert b.status == CONFIRMED

    course = activity(
        world, "老年大学", ActivityKind.CLASS, world.baoxiang, ActivityStatus.PUBLISHED
    )
    subject = Course.objects.create(activity=course, name="声乐")
    term = Term.objects.create(course=subject, name="2026 秋季")
    s2, s3 = session(course, 10, 20, term), session(course, 11, 3, term)
    Session.objects.create(
        activity=course,
        term=term,
        starts_at=timezone.make_aware(datetime(2027, 1, 10, 9)),
        ends_at=timezone.make_aware(datetime(2027, 1, 10, 11)),
    )
    o2 = Offering.objects.create(activity=course, term=term, capacity=40)
    t1 = register(o2, r1.name, resident=r1, seat=1)
    t2 = register(o2, far.name, resident=far, seat=2)
    attend(t1, s2)
    attend(t1, s3)
    attend(t2, s2)

    fair = activity(world, "便民服务集市", ActivityKind.FAIR, world.hetai, ActivityStatus.HELD)
    s5 = session(fair, 11, 12)
    stall = Stall.objects.create(activity=fair, service="磨刀", provider=world.partner)
    Stall.objects.create(activity=fair, service="量血压")
    for count in (30, 12):
        tally = ServiceTally.objects.create(stall=stall, count=count)
        ServiceTally.objects.filter(pk=tally.pk).update(recorded_at=moment(11, 12, 17))
    slot = Slot.objects.create(
        stall=stall, starts_at=moment(11, 12, 14), ends_at=moment(11, 12, 15)
    )
    o3 = Offering.objects.create(activity=fair, slot=slot, capacity=5)
    c = register(o3, r2.name, resident=r2, seat=1)
    register(o3, "张师傅", phone="13900002222", seat=2)
    attend(c, s5)
    VolunteerShift.objects.create(
        activity=fair,
        session=s5,
        name="志愿者甲",
        checked_in_at=moment(11, 12, 13),
        checked_out_at=moment(11, 12, 15) + (moment(11, 12, 15) - moment(11, 12, 14)) / 2,
    )

    for title, owner, status in [
        ("取消的讲座", world.hetai, ActivityStatus.CANCELLED),
        ("娄北讲座", world.loubei, ActivityStatus.HELD),
    ]:
        other = activity(world, title, ActivityKind.LECTURE, owner, status)
        s = session(other, 10, 18)
        o = Offering.objects.create(activity=other, session=s, capacity=5)
        attend(register(o, far.name, resident=far, seat=1), s)
    return Season(
        lecture=lecture,
        lecture_session=s1,
        lecture_offering=o1,
        walk_in=walk_in,
        course=course,
        term_offering=o2,
        term_sessions=[s2, s3],
        fair=fair,
        fair_session=s5,
        stall=stall,
        slot_offering=o3,
    )


def numbers(row: figures.Row) -> tuple[Any, ...]:
    return (
        row.activities,
        row.sessions,
        row.participants,
        row.reached,
        row.registered,
        row.no_shows,
        row.services,
        row.volunteer_hours,
    )


def test_the_street_sees_every_figure_of_its_communities(
    world: World, django_assert_max_num_queries: Any
) -> None:
    build_season(world)
    with django_assert_max_num_queries(14):
        result = figures.compute(user=world["alice"], start=OCT, end=date(2026, 11, 30))
    assert numbers(result.total) == (3, 4, 6, 4, 9, 3, 42, 2.5)
    assert {k: numbers(row) for k, _label, row in result.kinds()} == {
        "lecture": (1, 1, 2, 2, 3, 1, 0, 0.0),
        "class": (1, 2, 3, 2, 4, 1, 0, 0.0),
        "fair": (1, 1, 1, 1, 2, 1, 42, 2.5),
    }
    assert {name: numbers(row) for _pk, name, row in result.community_rows()} == {
        "和泰社区": (2, 2, 3, 3, 5, 2, 42, 2.5),
        "宝祥社区": (1, 2, 3, 2, 4, 1, 0, 0.0),
    }
    assert [(m, numbers(row)) for m, row in result.month_rows()] == [
        (OCT, (2, 2, 4, 3, 5, 1, 0, 0.0)),
        (NOV, (2, 2, 2, 2, 4, 2, 42, 2.5)),
    ]
    assert dict(result.month_kind) == {
        (OCT, "lecture"): 2,
        (OCT, "class"): 2,
        (NOV, "class"): 1,
        (NOV, "fair"): 1,
    }


def test_the_query_count_does_not_grow_with_the_activities(
    world: World, django_assert_max_num_queries: Any
) -> None:
    build_season(world)
    # Ten more lectures with a session and an attendance each.
    for n in range(10):
        act = activity(world, f"讲座{n}", ActivityKind.LECTURE, world.hetai, ActivityStatus.HELD)
        s = session(act, 10, 1 + n)
        o = Offering.objects.create(activity=act, session=s, capacity=5)
        attend(register(o, "周福珍", resident=world.resident1, seat=1), s)
    with django_assert_max_num_queries(14):
        result = figures.compute(user=world["alice"], start=OCT, end=date(2026, 11, 30))
    assert result.total.activities == 13
    assert result.total.participants == 16


def test_a_community_sees_its_own_activities_only(world: World) -> None:
    build_season(world)
    result = figures.compute(user=world["bob"], start=OCT, end=date(2026, 11, 30))
    assert numbers(result.total) == (2, 2, 3, 3, 5, 2, 42, 2.5)
    assert [name for _pk, name, _row in result.community_rows()] == ["和泰社区"]


def test_the_street_narrowed_to_one_community(world: World) -> None:
    build_season(world)
    result = figures.compute(
        user=world["alice"], start=OCT, end=date(2026, 11, 30), area=world.baoxiang
    )
    assert numbers(result.total) == (1, 2, 3, 2, 4, 1, 0, 0.0)


def test_the_period_bounds_the_sessions(world: World) -> None:
    build_season(world)
    result = figures.compute(user=world["alice"], start=NOV, end=date(2026, 11, 30))
    assert numbers(result.total) == (2, 2, 2, 2, 4, 2, 42, 2.5)
    assert [m for m, _row in result.month_rows()] == [NOV]


def test_per_activity_attendance_and_services(world: World) -> None:
    season = build_season(world)
    rows = {s.pk: (s.registered, s.attended) for s in figures.session_attendance(season.course)}
    assert [rows[s.pk] for s in season.term_sessions] == [(2, 2), (2, 1)]
    lecture = list(figures.session_attendance(season.lecture))
    assert [(s.registered, s.attended) for s in lecture] == [(3, 2)]
    stalls = {s.service: s.services for s in figures.stall_services(season.fair)}
    assert stalls == {"磨刀": 42, "量血压": 0}


# The page.


def test_the_page_shows_the_figures_for_the_chosen_month(world: World, client: Client) -> None:
    build_season(world)
    client.force_login(world["alice"])
    response = client.get(reverse("activities:figures"), {"period": "month", "month": "2026-10"})
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["figures"].total.participants == 4
    assert "和泰社区" in body and "宝祥社区" in body
    assert 'id="activity-chart-data"' in body


@pytest.mark.parametrize(
    ("params", "total_sessions"),
    [
        ({"period": "quarter", "quarter": "2026-Q4"}, 4),
        ({"period": "year", "year": "2026"}, 4),
        ({"period": "custom", "from": "2026-11-01", "to": "2026-11-05"}, 1),
    ],
)
def test_the_period_picker(
    world: World, client: Client, params: dict[str, str], total_sessions: int
) -> None:
    build_season(world)
    client.force_login(world["frank"])
    response = client.get(reverse("activities:figures"), params)
    assert response.status_code == 200
    assert response.context["figures"].total.sessions == total_sessions


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "custom", "from": "2026-13-01", "to": "2026-11-05"}, "有效的日期"),
        ({"period": "custom", "from": "2026-11-05", "to": "2026-11-01"}, "结束日期早于开始日期"),
        ({"period": "custom", "from": "2020-01-01", "to": "2026-11-01"}, "不能超过"),
        ({"period": "month", "month": "2026-1x"}, "年月"),
    ],
)
def test_bad_periods_are_refused_in_chinese(
    world: World, client: Client, params: dict[str, str], message: str
) -> None:
    client.force_login(world["alice"])
    response = client.get(reverse("activities:figures"), params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["figures"] is None


def test_the_figures_page_is_for_staff_and_leadership(world: World, client: Client) -> None:
    url = reverse("activities:figures")
    for name, status in [("bob", 200), ("frank", 200), ("carol", 404), ("erin", 404)]:
        client.force_login(world[name])
        assert client.get(url).status_code == status, name


def test_oscar_sees_nothing_of_the_street(world: World, client: Client) -> None:
    season = build_season(world)
    client.force_login(world["oscar"])
    response = client.get(reverse("activities:figures"), {"period": "year", "year": "2026"})
    assert response.context["figures"].total.activities == 1  # 娄北's own lecture
    # Someone else's activity: its figures and printables are not found.
    for url in [
        reverse("activities:activity_figures", args=[season.lecture.pk]),
        reverse("activities:sign_in_sheet", args=[season.lecture.pk, season.lecture_session.pk]),
        reverse("activities:roster_print", args=[season.lecture.pk, season.lecture_offering.pk]),
    ]:
        assert client.get(url).status_code == 404, url


def test_an_area_outside_the_scope_empties_nothing_and_is_not_found(
    world: World, client: Client
) -> None:
    client.force_login(world["bob"])
    response = client.get(reverse("activities:figures"), {"area": world.baoxiang.pk})
    assert response.status_code == 404


def test_the_page_reads_in_a_bounded_number_of_queries(
    world: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    build_season(world)
    client.force_login(world["alice"])
    url = reverse("activities:figures")
    with django_assert_max_num_queries(30):  # the session, the menu's badges, 13 figures, the list
        response = client.get(url, {"period": "year", "year": "2026"})
    assert response.status_code == 200
    assert len(response.context["held"]) == 3
