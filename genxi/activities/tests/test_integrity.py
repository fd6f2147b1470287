"""What the reviews of issue 14 found, kept found: seats under the lock in every path, bad dates
refused before any arithmetic, retried submissions counted once, names shown only to those who
run the activity."""

import uuid
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from genxi.accounts.models import Role
from genxi.accounts.services import grant_membership
from genxi.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Course,
    Intake,
    Offering,
    Quota,
    Registration,
    RegistrationStatus,
    ServiceTally,
    Session,
    Stall,
    Term,
)
from genxi.activities.services import activities as setup
from genxi.activities.services import checkin
from genxi.activities.services import registration as reg
from genxi.activities.tests.conftest import Lecture, at
from genxi.activities.tests.test_checkin import Door, door_session
from genxi.conftest import World
from genxi.core.audit import AuditEntry
from genxi.core.services import ServiceError
from genxi.meetings import services as meetings
from genxi.places import services as places
from genxi.places.models import BookingPurpose, VenueBooking


def test_a_walk_in_waits_behind_applicants_for_a_draw(world: World) -> None:
    door: Door = door_session(world)
    Offering.objects.filter(pk=door.offering.pk).update(intake=Intake.DRAW)
    Registration.objects.create(
        offering=door.offering,
        activity=door.activity,
        name="申请人",
        person_key="p13900000001",
        status=RegistrationStatus.APPLIED,
    )
    with pytest.raises(ServiceError):
        checkin.walk_in(actor=world["bob"], session=door.session, name="路人", phone="13900000002")
    assert Registration.objects.filter(person_key="p13900000002").count() == 0


def test_raising_a_quota_seats_the_people_waiting(world: World, term_offering: Offering) -> None:
    Offering.objects.filter(pk=term_offering.pk).update(intake=Intake.FIRST_COME, capacity=2)
    term_offering.refresh_from_db()
    setup.set_quota(actor=None, offering=term_offering, community=world.hetai, places=1)
    first = reg.register(actor=None, offering=term_offering, resident=world.resident1)
    second = reg.register(actor=None, offering=term_offering, resident=world.resident2)
    assert (first.status, second.status) == ("confirmed", "waiting")
    setup.set_quota(actor=None, offering=term_offering, community=world.hetai, places=2)
    second.refresh_from_db()
    assert second.status == RegistrationStatus.CONFIRMED
    with pytest.raises(ServiceError) as lowered:
        setup.set_quota(actor=None, offering=term_offering, community=world.hetai, places=1)
    assert lowered.value.code == "below_taken"
    for person in (first, second):
        reg.cancel(actor=None, registration=person, by_staff=True)
    with pytest.raises(ServiceError) as below:
        reg.change_capacity(actor=None, offering=term_offering, capacity=1)
    assert below.value.code == "below_quotas"
    assert Quota.objects.get(offering=term_offering).places == 2


def test_a_term_session_with_students_is_not_removed(world: World, term_offering: Offering) -> None:
    reg.register(actor=None, offering=term_offering, resident=world.resident1)
    session = Session.objects.filter(term=term_offering.term).first()
    assert session is not None
    with pytest.raises(ServiceError):
        setup.remove_session(actor=world["bob"], session=session)
    assert Session.objects.filter(pk=session.pk).exists()


def test_years_out_of_range_are_refused_before_any_arithmetic(
    world: World, lecture: Lecture
) -> None:
    activity = Activity.objects.create(
        title="老年大学", kind=ActivityKind.CLASS, owner=world.hetai, street=world.street
    )
    course = Course.objects.create(activity=activity, name="声乐")
    with pytest.raises(ServiceError, match="日期须在"):
        setup.add_term(
            actor=None,
            course=course,
            name="远期",
            first_day=date(9999, 12, 1),
            starts=time(9),
            ends=time(11),
            weeks=12,
        )
    assert not Term.objects.exists()
    with pytest.raises(ServiceError, match="日期须在"):
        setup.create_offering(
            actor=None,
            activity=lecture.activity,
            session=Session.objects.create(
                activity=lecture.activity, starts_at=at(4, 9), ends_at=at(4, 10)
            ),
            capacity=10,
            opens_at=datetime(1, 1, 2, tzinfo=ZoneInfo("UTC")),
        )
    with pytest.raises(ServiceError, match="日期须在"):
        meetings.convene(
            actor=None,
            community=world.hetai,
            topic="远期议事",
            starts_at=datetime(9999, 12, 31, 23, tzinfo=ZoneInfo("Asia/Shanghai")),
        )


def test_a_venue_outside_ones_areas_is_not_booked_through_a_session(
    world: World, lecture: Lecture
) -> None:
    # bob (和泰 staff) is also a resident of 宝祥: its venue is visible to him, not his to book.
    grant_membership(actor=None, user=world["bob"], role=Role.RESIDENT, area=world.baoxiang)
    hall = places.create_venue(
        actor=None, name="宝祥活动室", kind="activity_room", area=world.baoxiang
    )
    with pytest.raises(ServiceError, match="不能预订"):
        setup.add_session(
            actor=world["bob"],
            activity=lecture.activity,
            starts_at=at(4, 9),
            ends_at=at(4, 10),
            venue=hall,
        )
    assert not VenueBooking.objects.filter(venue=hall).exists()


def test_a_form_token_is_no_key_to_someone_elses_registration(
    world: World, lecture: Lecture
) -> None:
    token = uuid.uuid4()
    reg.register(
        actor=world["bob"],
        offering=lecture.offering,
        resident=world.resident1,
        by_staff=True,
        token=token,
    )
    with pytest.raises(ServiceError, match="已经提交过"):
        reg.register(
            actor=world["erin"], offering=lecture.offering, resident=world.resident2, token=token
        )


def test_services_delivered_sent_twice_count_once(world: World, client: Client) -> None:
    fair = Activity.objects.create(
        title="集市",
        kind=ActivityKind.FAIR,
        owner=world.hetai,
        street=world.street,
        status=ActivityStatus.PUBLISHED,
    )
    stall = Stall.objects.create(activity=fair, service="磨刀", volunteers="党员")
    client.force_login(world["bob"])
    token = str(uuid.uuid4())
    for _ in range(2):
        client.post(
            f"/activities/{fair.pk}/services/",
            {"stall": stall.pk, "count": 12, "form_token": token},
        )
    assert sum(ServiceTally.objects.values_list("count", flat=True)) == 12


def test_names_are_for_those_who_run_the_activity(
    world: World, lecture: Lecture, client: Client
) -> None:
    lecture.activity.partners.set([world.partner])
    reg.register(actor=None, offering=lecture.offering, resident=world.resident1)
    detail = f"/activities/{lecture.activity.pk}/offerings/{lecture.offering.pk}/"
    export = f"{detail}roster.xlsx"
    for username in ("carol", "dave"):
        client.force_login(world[username])
        page = client.get(detail)
        assert page.status_code == 200 and "周福珍" not in page.content.decode()
        assert client.get(export).status_code == 404
    client.force_login(world["bob"])
    assert "周福珍" in client.get(detail).content.decode()
    printed = client.get(f"{detail}roster/print/")
    assert printed.status_code == 200
    assert AuditEntry.objects.filter(action="activity.roster_print").count() == 1


def test_a_session_booking_is_not_cancelled_from_the_venue_calendar(
    world: World, lecture: Lecture, client: Client
) -> None:
    booking = places.book_venue(
        actor=None,
        venue=world.venue,
        starts_at=at(6, 9),
        ends_at=at(6, 10),
        purpose=BookingPurpose.ACTIVITY,
        title="讲座",
    )
    client.force_login(world["bob"])
    client.post(f"/venues/bookings/{booking.pk}/cancel/")
    booking.refresh_from_db()
    assert booking.status == "confirmed"
