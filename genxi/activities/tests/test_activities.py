"""Activities as staff set them up: the activity and its states, sessions and venue bookings,
classes (courses, terms, quotas, attendance and completion), fairs (stalls, slots, services
delivered), offerings, the report; refusals; who sees what."""

import uuid
from datetime import time, timedelta
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from genxi.activities import classes
from genxi.activities.models import (
    Activity,
    ActivityKind,
    ActivityPhoto,
    ActivityStatus,
    Attendance,
    Offering,
    Quota,
    Registration,
    RegistrationStatus,
    ServiceTally,
    Session,
    Term,
)
from genxi.activities.services import activities as services
from genxi.activities.tests.conftest import Lecture, at
from genxi.conftest import World
from genxi.core.models import AuditEntry, Notification
from genxi.core.services import ServiceError
from genxi.places.models import BookingStatus, VenueBooking


@pytest.fixture
def opened(world: World) -> World:
    world.venue.opens_at, world.venue.closes_at = time(8), time(21)
    world.venue.save(update_fields=["opens_at", "closes_at"])
    return world


def lecture_draft(world: World, **kw: object) -> Activity:
    fields: dict[str, object] = {
        "title": "防诈骗讲座",
        "kind": ActivityKind.LECTURE,
        "owner": world.hetai,
        "open_to": [world.street],
        "venue": world.venue,
        "audience": ["residents", "elderly"],
    }
    fields.update(kw)
    return services.create_activity(actor=world["bob"], **fields)


def senior_university(world: World) -> Activity:
    return services.create_activity(
        actor=world["bob"],
        title="老年大学",
        kind=ActivityKind.CLASS,
        owner=world.hetai,
        open_to=[world.hetai, world.baoxiang],
        organisers=[world.baoxiang],
        venue=world.venue,
    )


def register(offering: Offering, n: int, **kw: object) -> Registration:
    fields: dict[str, object] = {"status": RegistrationStatus.CONFIRMED, "seat": n}
    fields.update(kw)
    return Registration.objects.create(
        offering=offering,
        activity=offering.activity,
        name=f"学员{n}",
        person_key=f"p{n}",
        **fields,
    )


# ---------------------------------------------------------------- the activity


def test_create_copies_the_street_and_a_retry_makes_one(opened: World) -> None:
    token = uuid.uuid4()
    first = lecture_draft(opened, token=token, organisers=[opened.baoxiang, opened.hetai])
    again = lecture_draft(opened, token=token)
    assert first.pk == again.pk and Activity.objects.count() == 1
    assert first.street == opened.street and first.status == ActivityStatus.DRAFT
    # The owner is not its own co-organiser.
    assert list(first.organisers.all()) == [opened.baoxiang]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "  "}, "title"),
        ({"kind": "party"}, "kind"),
        ({"open_to": []}, "open_to"),
        ({"venue": None, "address": ""}, "address"),
        ({"audience": ["aliens"]}, "audience"),
        ({"offer_hours": 0}, "offer_hours"),
    ],
)
def test_create_refuses_bad_input(opened: World, change: dict[str, object], field: str) -> None:
    with pytest.raises(ServiceError) as refused:
        lecture_draft(opened, **change)
    assert refused.value.field == field
    assert not Activity.objects.exists()


def test_an_activity_is_open_only_to_its_own_street(opened: World) -> None:
    with pytest.raises(ServiceError) as refused:
        lecture_draft(opened, open_to=[opened.loubei])
    assert "娄北社区" in refused.value.message and refused.value.field == "open_to"


def test_update_is_refused_when_someone_saved_in_between(opened: World) -> None:
    activity = lecture_draft(opened)
    stale = activity.updated_at - timedelta(seconds=5)
    with pytest.raises(ServiceError):
        services.update_activity(
            actor=opened["bob"], activity=activity, expected_updated_at=stale, title="新标题"
        )
    services.update_activity(
        actor=opened["bob"],
        activity=activity,
        expected_updated_at=activity.updated_at,
        title="新标题",
        partners=[opened.partner],
    )
    activity.refresh_from_db()
    assert activity.title == "新标题" and list(activity.partners.all()) == [opened.partner]


def test_publish_needs_a_session_and_an_offering(opened: World) -> None:
    activity = lecture_draft(opened)
    with pytest.raises(ServiceError) as bare:
        services.publish_activity(actor=opened["bob"], activity=activity)
    assert bare.value.code == "no_session"
    session = services.add_session(
        actor=opened["bob"], activity=activity, starts_at=at(3, 14), ends_at=at(3, 16)
    )
    with pytest.raises(ServiceError) as refused:
        services.publish_activity(actor=opened["bob"], activity=activity)
    assert refused.value.code == "no_offering"
    services.create_offering(actor=opened["bob"], activity=activity, session=session, capacity=30)
    services.publish_activity(actor=opened["bob"], activity=activity)
    assert Activity.objects.get().status == ActivityStatus.PUBLISHED
    # Not before it begins.
    with pytest.raises(ServiceError) as early:
        services.mark_held(actor=opened["bob"], activity=activity)
    assert early.value.code == "not_yet"


def test_a_class_publishes_only_when_each_term_has_sessions(opened: World) -> None:
    activity = senior_university(opened)
    course = services.add_course(actor=opened["bob"], activity=activity, name="声乐")
    services.add_term(
        actor=opened["bob"],
        course=course,
        name="春季",
        first_day=timezone.localdate() + timedelta(days=7),
        starts=time(9),
        ends=time(11),
        weeks=4,
        capacity=40,
    )
    empty = Term.objects.create(course=course, name="空学期")
    with pytest.raises(ServiceError) as unopened:
        services.create_offering(actor=opened["bob"], activity=activity, term=empty, capacity=9)
    assert unopened.value.code == "empty_term" and not Offering.objects.filter(term=empty)
    with pytest.raises(ServiceError) as refused:
        services.publish_activity(actor=opened["bob"], activity=activity)
    assert refused.value.code == "empty_term" and "空学期" in refused.value.message
    assert Activity.objects.get().status == ActivityStatus.DRAFT


def test_cancel_frees_the_venue_cancels_registrations_and_tells_people(
    lecture: Lecture, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    booking = services.add_session(
        actor=world["bob"], activity=lecture.activity, starts_at=at(4, 14), ends_at=at(4, 15)
    ).booking
    erin = world.resident2.__class__.objects.get(user=world["erin"])
    register(lecture.offering, 1, resident=erin)
    register(lecture.offering, 2, phone="13700000000")
    with pytest.raises(ServiceError) as no_reason:
        services.cancel_activity(actor=world["bob"], activity=lecture.activity, reason=" ")
    assert no_reason.value.field == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_activity(actor=world["bob"], activity=lecture.activity, reason="暴雨预警")
    assert Activity.objects.get(pk=lecture.activity.pk).status == ActivityStatus.CANCELLED
    assert not Registration.objects.filter(
        status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING]
    ).exists()
    assert Registration.objects.filter(seat__isnull=False).count() == 0
    assert booking is not None
    assert VenueBooking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED
    note = Notification.objects.get(user=world["erin"])
    assert "冬季健康讲座" in note.title and note.body == "暴雨预警"
    # Cancelled is final: nothing more can be set up.
    with pytest.raises(ServiceError) as closed:
        services.add_session(
            actor=world["bob"], activity=lecture.activity, starts_at=at(5, 9), ends_at=at(5, 10)
        )
    assert closed.value.code == "closed"


# ---------------------------------------------------------------- sessions


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ((3, 16), (3, 14), "bad_dates"),  # ends before it starts
        ((3, 6), (3, 7), "outside_hours"),  # the venue opens at 8
        ((3, 9), (5, 10), "bad_dates"),  # more than a day
        ((3, 20), (4, 7), "outside_hours"),  # overnight
    ],
)
def test_sessions_refuse_bad_times(
    opened: World, start: tuple[int, int], end: tuple[int, int], code: str
) -> None:
    activity = lecture_draft(opened)
    with pytest.raises(ServiceError) as refused:
        services.add_session(
            actor=opened["bob"], activity=activity, starts_at=at(*start), ends_at=at(*end)
        )
    assert refused.value.code == code
    assert not Session.objects.exists() and not VenueBooking.objects.exists()


def test_a_session_in_year_9999_is_refused(opened: World) -> None:
    activity = lecture_draft(opened)
    far = at(0, 9).replace(year=9999)
    with pytest.raises(ServiceError) as refused:
        services.add_session(
            actor=opened["bob"], activity=activity, starts_at=far, ends_at=far + timedelta(hours=1)
        )
    assert refused.value.code == "bad_dates" and "9999" not in refused.value.message
    assert not Session.objects.exists()


def test_a_session_books_the_venue_and_refuses_an_overlap(opened: World) -> None:
    activity = lecture_draft(opened)
    session = services.add_session(
        actor=opened["bob"], activity=activity, starts_at=at(3, 14), ends_at=at(3, 16)
    )
    assert session.booking is not None and session.booking.purpose == "activity"
    with pytest.raises(ServiceError) as refused:
        services.add_session(
            actor=opened["bob"], activity=activity, starts_at=at(3, 15), ends_at=at(3, 17)
        )
    assert refused.value.code == "venue_taken"
    assert Session.objects.count() == 1 and VenueBooking.objects.count() == 1


def test_moving_rebooks_and_tells_registrants(
    lecture: Lecture, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    session = lecture.session
    services.update_activity(actor=world["bob"], activity=lecture.activity)  # nothing changes
    moved_booking_count = VenueBooking.objects.count()
    erin = world.resident2.__class__.objects.get(user=world["erin"])
    register(lecture.offering, 1, resident=erin)
    # The fixture's session has no booking; give it one by moving it into an overlapping slot.
    with django_capture_on_commit_callbacks(execute=True):
        services.move_session(
            actor=world["bob"], session=session, starts_at=at(3, 15), ends_at=at(3, 17)
        )
    session.refresh_from_db()
    assert session.booking is not None and session.booking.status == BookingStatus.CONFIRMED
    first_booking = session.booking
    with django_capture_on_commit_callbacks(execute=True):
        services.move_session(
            actor=world["bob"], session=session, starts_at=at(3, 16), ends_at=at(3, 18)
        )
    session.refresh_from_db()
    assert VenueBooking.objects.get(pk=first_booking.pk).status == BookingStatus.CANCELLED
    assert VenueBooking.objects.holding().count() == moved_booking_count + 1
    assert Notification.objects.filter(user=world["erin"]).count() == 2
    # Moving outside the hours is refused, and the booking stands.
    with pytest.raises(ServiceError):
        services.move_session(
            actor=world["bob"], session=session, starts_at=at(3, 20), ends_at=at(3, 22)
        )
    session.refresh_from_db()
    assert session.booking is not None and session.booking.status == BookingStatus.CONFIRMED
    assert session.starts_at == at(3, 16)


def test_removing_a_session_is_refused_once_people_registered(
    lecture: Lecture, world: World
) -> None:
    register(lecture.offering, 1)
    with pytest.raises(ServiceError) as refused:
        services.remove_session(actor=world["bob"], session=lecture.session)
    assert refused.value.code == "has_registrations"
    Registration.objects.all().delete()
    services.remove_session(actor=world["bob"], session=lecture.session)
    assert not Session.objects.exists()


# ---------------------------------------------------------------- classes


def test_a_term_makes_weekly_sessions_with_places_and_quotas(opened: World) -> None:
    activity = senior_university(opened)
    course = services.add_course(actor=opened["bob"], activity=activity, name="声乐")
    tuesday = timezone.localdate() + timedelta(days=7)
    term = services.add_term(
        actor=opened["bob"],
        course=course,
        name="2027 春季",
        first_day=tuesday,
        starts=time(9),
        ends=time(11),
        weeks=12,
        capacity=40,
    )
    sessions = list(term.sessions.all())
    assert len(sessions) == 12
    assert {timezone.localtime(s.starts_at).weekday() for s in sessions} == {tuesday.weekday()}
    assert all(s.booking is not None for s in sessions)
    offering = Offering.objects.get(term=term)
    assert offering.capacity == 40
    services.set_quota(actor=opened["bob"], offering=offering, community=opened.baoxiang, places=10)
    services.set_quota(actor=opened["bob"], offering=offering, community=opened.baoxiang, places=12)
    assert Quota.objects.get().places == 12
    with pytest.raises(ServiceError) as over:
        services.set_quota(
            actor=opened["bob"], offering=offering, community=opened.hetai, places=29
        )
    assert over.value.code == "over_capacity"
    with pytest.raises(ServiceError):
        services.set_quota(
            actor=opened["bob"], offering=offering, community=opened.loubei, places=1
        )
    services.set_quota(actor=opened["bob"], offering=offering, community=opened.baoxiang, places=0)
    assert not Quota.objects.exists()
    activity.open_to.set([opened.hetai])
    with pytest.raises(ServiceError) as closed:
        services.set_quota(
            actor=opened["bob"], offering=offering, community=opened.baoxiang, places=5
        )
    assert closed.value.field == "community" and not Quota.objects.exists()


def test_a_term_is_all_or_nothing(opened: World) -> None:
    activity = senior_university(opened)
    course = services.add_course(actor=opened["bob"], activity=activity, name="舞蹈")
    start = timezone.localdate() + timedelta(days=14)
    # Someone already holds the venue in the third week.
    services.add_session(
        actor=opened["bob"],
        activity=activity,
        starts_at=at(28, 10),
        ends_at=at(28, 11),
    )
    with pytest.raises(ServiceError) as refused:
        services.add_term(
            actor=opened["bob"],
            course=course,
            name="春季",
            first_day=start,
            starts=time(9),
            ends=time(11),
            weeks=4,
            capacity=40,
        )
    assert (start + timedelta(days=14)).isoformat() in refused.value.message
    assert not Term.objects.exists() and Session.objects.count() == 1
    assert not Offering.objects.exists()
    with pytest.raises(ServiceError) as bad:
        services.add_term(
            actor=opened["bob"],
            course=course,
            name="春季",
            first_day=start.replace(year=9999),
            starts=time(9),
            ends=time(11),
            weeks=2,
        )
    assert bad.value.code == "bad_dates"


def test_courses_are_for_classes_and_stalls_for_fairs(opened: World) -> None:
    activity = lecture_draft(opened)
    with pytest.raises(ServiceError):
        services.add_course(actor=opened["bob"], activity=activity, name="声乐")
    with pytest.raises(ServiceError):
        services.add_stall(actor=opened["bob"], activity=activity, service="磨刀", volunteers="x")


def test_term_progress_counts_held_sessions_and_completion(
    term_offering: Offering, world: World
) -> None:
    term = term_offering.term
    assert term is not None
    sessions = list(term.sessions.order_by("starts_at"))
    a, b = register(term_offering, 1), register(term_offering, 2)
    register(term_offering, 3, status=RegistrationStatus.WAITING, seat=None)
    for session in sessions[:3]:
        Attendance.objects.create(
            registration=a, session=session, checked_in_at=session.starts_at, source="list"
        )
    Attendance.objects.create(
        registration=b, session=sessions[0], checked_in_at=sessions[0].starts_at, source="list"
    )
    # Three of the four sessions held.
    grid = classes.term_progress(term, now=sessions[2].ends_at)
    assert grid.held == 3 and len(grid.sessions) == 4
    rows = {row.registration.name: row for row in grid.rows}
    assert set(rows) == {"学员1", "学员2"}
    assert rows["学员1"].count == 3 and rows["学员1"].completed
    assert rows["学员2"].percent == 33 and not rows["学员2"].completed


# ---------------------------------------------------------------- fairs and offerings


def fair(world: World) -> Activity:
    return services.create_activity(
        actor=world["bob"],
        title="便民服务集市",
        kind=ActivityKind.FAIR,
        owner=world.hetai,
        open_to=[world.street],
        address="三花苑中心广场",
    )


def test_a_fair_has_stalls_with_slots_and_counts_services(opened: World) -> None:
    activity = fair(opened)
    services.add_session(
        actor=opened["bob"], activity=activity, starts_at=at(-1, 9), ends_at=at(-1, 11)
    )
    with pytest.raises(ServiceError) as nobody:
        services.add_stall(actor=opened["bob"], activity=activity, service="磨刀")
    assert nobody.value.field == "provider"
    knives = services.add_stall(
        actor=opened["bob"], activity=activity, service="磨刀", volunteers="志愿者老李"
    )
    pressure = services.add_stall(
        actor=opened["bob"], activity=activity, service="测血压", provider=opened.partner
    )
    slot = services.add_slot(
        actor=opened["bob"], stall=pressure, starts_at=at(-1, 9), ends_at=at(-1, 10), capacity=15
    )
    assert Offering.objects.get(slot=slot).capacity == 15
    with pytest.raises(ServiceError) as draft:
        services.record_services(actor=opened["bob"], stall=knives, count=3)
    assert draft.value.code == "not_published"
    services.publish_activity(actor=opened["bob"], activity=activity)
    services.mark_held(actor=opened["bob"], activity=activity)
    services.record_services(actor=opened["bob"], stall=knives, count=23)
    services.record_services(actor=opened["bob"], stall=knives, count=4)
    with pytest.raises(ServiceError):
        services.record_services(actor=opened["bob"], stall=knives, count=0)
    assert sum(ServiceTally.objects.filter(stall=knives).values_list("count", flat=True)) == 27


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": 10, "staff_share": 11}, "staff_share"),
        ({"capacity": 10, "opens_at": at(2, 9), "closes_at": at(1, 9)}, "closes_at"),
        ({"capacity": 10, "closes_at": at(5, 9)}, "closes_at"),  # after the session starts
        ({"capacity": 10, "intake": "draw"}, "closes_at"),
        ({"capacity": 10, "household_limit": 0}, "household_limit"),
    ],
)
def test_offering_rules_are_checked(opened: World, rules: dict[str, object], field: str) -> None:
    activity = lecture_draft(opened)
    session = services.add_session(
        actor=opened["bob"], activity=activity, starts_at=at(3, 14), ends_at=at(3, 16)
    )
    with pytest.raises(ServiceError) as refused:
        services.create_offering(
            actor=opened["bob"],
            activity=activity,
            session=session,
            **rules,
        )
    assert refused.value.field == field
    assert not Offering.objects.exists()


def test_one_offering_per_session(lecture: Lecture, world: World) -> None:
    with pytest.raises(ServiceError):
        services.create_offering(
            actor=world["bob"], activity=lecture.activity, session=lecture.session, capacity=5
        )
    assert Offering.objects.count() == 1


def jpeg() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_the_report_comes_after_the_activity(lecture: Lecture, world: World) -> None:
    activity = lecture.activity
    with pytest.raises(ServiceError) as early:
        services.write_report(actor=world["bob"], activity=activity, report="很好")
    assert early.value.code == "not_held"
    Session.objects.filter(pk=lecture.session.pk).update(starts_at=at(-1, 9), ends_at=at(-1, 10))
    services.mark_held(actor=world["bob"], activity=activity)
    services.write_report(actor=world["bob"], activity=activity, report="到场42人")
    assert Activity.objects.get(pk=activity.pk).report == "到场42人"
    assert AuditEntry.objects.filter(action="activity.held").exists()


# ---------------------------------------------------------------- pages and scope


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_filters_and_scopes(lecture: Lecture, world: World) -> None:
    fair(world)
    url = reverse("activities:activity_list")
    page = client_for(world["bob"]).get(url, {"kind": "fair"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "便民服务集市" in text and "冬季健康讲座" not in text
    month = timezone.localtime(lecture.session.starts_at).strftime("%Y-%m")
    page = client_for(world["bob"]).get(url, {"month": month, "community": world.hetai.pk})
    assert "冬季健康讲座" in page.content.decode()
    assert (
        "冬季健康讲座"
        not in client_for(world["bob"]).get(url, {"month": "2001-01"}).content.decode()
    )
    assert "冬季健康讲座" not in client_for(world["oscar"]).get(url).content.decode()
    assert client_for(world["erin"]).get(url).status_code == 404


def test_outsiders_get_404_and_a_partner_sees_what_his_unit_co_organises(
    lecture: Lecture, world: World
) -> None:
    detail = reverse("activities:activity_detail", args=[lecture.activity.pk])
    assert client_for(world["oscar"]).get(detail).status_code == 404
    assert client_for(world["nobody"]).get(detail).status_code == 404
    dave = client_for(world["dave"])
    assert dave.get(detail).status_code == 404
    lecture.activity.partners.add(world.partner)
    assert dave.get(detail).status_code == 200
    assert "冬季健康讲座" in dave.get(reverse("activities:activity_list")).content.decode()
    # Seeing is not running it.
    edit = reverse("activities:activity_edit", args=[lecture.activity.pk])
    assert dave.get(edit).status_code == 404
    assert client_for(world["frank"]).get(edit).status_code == 404
    assert client_for(world["frank"]).get(detail).status_code == 200
    cancel = reverse("activities:activity_cancel", args=[lecture.activity.pk])
    assert client_for(world["oscar"]).post(cancel, {"reason": "x"}).status_code == 404
    assert Activity.objects.get(pk=lecture.activity.pk).status == ActivityStatus.PUBLISHED


def test_a_refused_session_shows_a_chinese_message_and_writes_nothing(opened: World) -> None:
    activity = lecture_draft(opened)
    url = reverse("activities:session_add", args=[activity.pk])
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    page = client_for(opened["bob"]).post(
        url, {"starts_at": f"{day}T19:00", "ends_at": f"{day}T22:00"}
    )
    assert page.status_code == 400
    assert "三花半月谈长廊" in page.content.decode() and "之间" in page.content.decode()
    assert not Session.objects.exists()


def test_photos_are_served_only_to_those_who_see_the_activity(
    lecture: Lecture, world: World
) -> None:
    activity = lecture.activity
    Session.objects.filter(pk=lecture.session.pk).update(starts_at=at(-1, 9), ends_at=at(-1, 10))
    services.mark_held(actor=world["bob"], activity=activity)
    bob = client_for(world["bob"])
    report = reverse("activities:report", args=[activity.pk])
    answer = bob.post(report, {"form": "photos", "photos": jpeg(), "caption": "现场"})
    assert answer.status_code == 302
    photo = ActivityPhoto.objects.get()
    url = reverse("activities:photo", args=[activity.pk, photo.pk])
    served = bob.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    # Read to the end, which closes the file: a re-encoded JPEG.
    assert b"".join(served.streaming_content).startswith(b"\xff\xd8")
    assert client_for(world["oscar"]).get(url).status_code == 404
    assert client_for(world["erin"]).get(url).status_code == 404


def test_the_attendance_grid(term_offering: Offering, world: World) -> None:
    term = term_offering.term
    assert term is not None
    student = register(term_offering, 1)
    first = term.sessions.order_by("starts_at").first()
    assert first is not None
    Attendance.objects.create(
        registration=student, session=first, checked_in_at=first.starts_at, source="list"
    )
    url = reverse("activities:term_attendance", args=[term_offering.activity_id, term.pk])
    page = client_for(world["bob"]).get(url)
    assert page.status_code == 200 and "学员1" in page.content.decode()
    assert client_for(world["oscar"]).get(url).status_code == 404


def test_the_list_takes_a_fixed_number_of_queries(
    lecture: Lecture, world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        fair(world).organisers.add(world.baoxiang)
        lecture_draft(world, title=f"讲座{n}", venue=None, address="和泰社区活动室")
    client = client_for(world["bob"])
    url = reverse("activities:activity_list")
    client.get(url)  # the session and the menu's counts warmed
    # 13, and the menu's co-building badge: the commitment items due and the registrations to
    # confirm (two counts on every page, whatever the number of activities), and the peer
    # inspections' badge (one count).
    with django_assert_max_num_queries(16):
        page = client.get(url)
    assert page.status_code == 200 and "讲座4" in page.content.decode()


def test_pages_set_up_an_offering_once_and_cancel_with_a_reason(
    opened: World, django_capture_on_commit_callbacks: Any
) -> None:
    activity = lecture_draft(opened)
    session = services.add_session(
        actor=opened["bob"], activity=activity, starts_at=at(3, 14), ends_at=at(3, 16)
    )
    bob = client_for(opened["bob"])
    url = reverse("activities:offering_add", args=[activity.pk])
    assert f"session:{session.pk}" in bob.get(url).content.decode()
    token = str(uuid.uuid4())
    data = {
        "target": f"session:{session.pk}",
        "capacity": "30",
        "staff_share": "5",
        "intake": "first_come",
        "form_token": token,
    }
    assert bob.post(url, data).status_code == 302
    assert bob.post(url, data).status_code in (302, 400)  # a retry makes nothing twice
    offering = Offering.objects.get()
    assert (offering.capacity, offering.staff_share) == (30, 5)
    detail = bob.get(reverse("activities:activity_detail", args=[activity.pk])).content.decode()
    assert "0 / 30" in detail
    bob.post(reverse("activities:activity_publish", args=[activity.pk]))
    assert Activity.objects.get().status == ActivityStatus.PUBLISHED
    cancel = reverse("activities:activity_cancel", args=[activity.pk])
    assert bob.post(cancel, {"reason": ""}).status_code == 400
    assert Activity.objects.get().status == ActivityStatus.PUBLISHED
    with django_capture_on_commit_callbacks(execute=True):
        assert bob.post(cancel, {"reason": "场地维修"}).status_code == 302
    assert Activity.objects.get().status == ActivityStatus.CANCELLED
    assert session.booking is not None
    assert VenueBooking.objects.get(pk=session.booking.pk).status == BookingStatus.CANCELLED


def test_moving_a_session_through_its_page(opened: World) -> None:
    activity = lecture_draft(opened)
    session = services.add_session(
        actor=opened["bob"], activity=activity, starts_at=at(3, 14), ends_at=at(3, 16)
    )
    bob = client_for(opened["bob"])
    url = reverse("activities:session_move", args=[activity.pk, session.pk])
    day = (timezone.localdate() + timedelta(days=4)).isoformat()
    answer = bob.post(url, {"starts_at": f"{day}T10:00", "ends_at": f"{day}T09:00"})
    assert answer.status_code == 400 and "结束时间必须晚于开始时间" in answer.content.decode()
    assert (
        bob.post(url, {"starts_at": f"{day}T10:00", "ends_at": f"{day}T11:00"}).status_code == 302
    )
    session.refresh_from_db()
    assert timezone.localtime(session.starts_at).hour == 10
    assert VenueBooking.objects.holding().get().starts_at == session.starts_at


def test_editing_through_the_page_keeps_the_owner_and_refuses_a_stale_form(
    opened: World,
) -> None:
    activity = lecture_draft(opened)
    bob = client_for(opened["bob"])
    url = reverse("activities:activity_edit", args=[activity.pk])
    form = bob.get(url).context["form"]
    assert "owner" not in form.fields
    data = {
        "title": "防诈骗讲座（第二期）",
        "kind": "lecture",
        "open_to": [str(opened.hetai.pk)],
        "audience": ["party_members"],
        "venue": str(opened.venue.pk),
        "waitlist_mode": "confirm",
        "offer_hours": "24",
        "cancel_cutoff_hours": "2",
        "updated_at": activity.updated_at.isoformat(),
        "owner": str(opened.baoxiang.pk),  # not a field of the edit form: ignored
    }
    assert bob.post(url, data).status_code == 302
    activity.refresh_from_db()
    assert activity.title == "防诈骗讲座（第二期）" and activity.owner == opened.hetai
    assert activity.audience == ["party_members"]
    stale = bob.post(url, {**data, "title": "又改了"})
    assert stale.status_code == 400
    assert Activity.objects.get().title == "防诈骗讲座（第二期）"


def test_the_activity_page_takes_a_fixed_number_of_queries(opened: World) -> None:
    """As many queries for three courses as for one (no query per course, term or session)."""
    activity = senior_university(opened)
    bob = client_for(opened["bob"])
    url = reverse("activities:activity_detail", args=[activity.pk])
    counts = []
    for n, name in enumerate(["声乐", "舞蹈", "花卉种植"]):
        course = services.add_course(actor=opened["bob"], activity=activity, name=name)
        services.add_term(
            actor=opened["bob"],
            course=course,
            name="春季",
            first_day=timezone.localdate() + timedelta(days=7 + n),
            starts=time(9),
            ends=time(11),
            weeks=6,
            capacity=40,
        )
        bob.get(url)
        with CaptureQueriesContext(connection) as queries:
            page = bob.get(url)
        counts.append(len(queries))
    assert counts[0] == counts[2], counts
    assert page.content.decode().count("0 / 40") == 3


SEE = {"alice", "bob", "carol", "frank"}
RUN = {"alice", "bob"}


@pytest.mark.parametrize(
    ("name", "who"),
    [
        ("activity_list", {*SEE, "dave", "oscar"}),
        ("activity_create", {"alice", "bob", "oscar"}),
        ("activity_detail", SEE),
        ("activity_edit", RUN),
        ("activity_cancel", RUN),
        ("session_add", RUN),
        ("session_move", RUN),
        ("offering_add", RUN),
        ("report", RUN),
        ("term_attendance", {"alice", "bob", "frank"}),  # names: not the pioneer at the door
    ],
)
def test_who_opens_which_page(lecture: Lecture, world: World, name: str, who: set[str]) -> None:
    args: list[int] = {
        "activity_list": [],
        "activity_create": [],
        "session_move": [lecture.activity.pk, lecture.session.pk],
    }.get(name, [lecture.activity.pk])
    if name == "term_attendance":
        term = Term.objects.create(course=lecture.activity.courses.create(name="声乐"), name="春季")
        args = [lecture.activity.pk, term.pk]
    url = reverse(f"activities:{name}", args=args)
    for username in ["alice", "bob", "carol", "dave", "erin", "frank", "oscar", "nobody"]:
        status = client_for(world[username]).get(url).status_code
        assert status == (200 if username in who else 404), (username, status)
