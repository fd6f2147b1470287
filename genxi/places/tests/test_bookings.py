"""Venue bookings: hours, overlaps (refused by the service and by the database alone), a
residents' group's request and its answer, the pages, and the iCalendar feed."""

from datetime import datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from genxi.conftest import World
from genxi.core.models import AuditEntry
from genxi.core.services import ServiceError
from genxi.places import services
from genxi.places.models import BookingPurpose, BookingStatus, Venue, VenueBooking


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """A time `days` from today, local."""
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def open_hours(venue: Venue) -> Venue:
    services.update_venue(actor=None, venue=venue, opens_at=time(8), closes_at=time(21))
    venue.refresh_from_db()
    return venue


def book(world: World, start: datetime, end: datetime, title: str = "党员学习") -> VenueBooking:
    return services.book_venue(
        actor=world["bob"],
        venue=world.venue,
        starts_at=start,
        ends_at=end,
        purpose=BookingPurpose.ACTIVITY,
        title=title,
    )


def test_an_overlapping_booking_is_refused_naming_the_clash(world: World) -> None:
    first = book(world, at(3, 9), at(3, 11))
    with pytest.raises(ServiceError) as refused:
        book(world, at(3, 10), at(3, 12), title="广场舞排练")
    assert refused.value.code == "venue_taken"
    assert "党员学习" in refused.value.message
    assert VenueBooking.objects.count() == 1
    # Touching ends do not overlap.
    book(world, at(3, 11), at(3, 12), title="广场舞排练")
    assert first.status == BookingStatus.CONFIRMED


def test_bookings_outside_hours_and_bad_dates_are_refused(world: World) -> None:
    open_hours(world.venue)
    cases = [
        (at(3, 7), at(3, 9), "outside_hours"),  # before it opens
        (at(3, 20), at(3, 22), "outside_hours"),  # after it closes
        (at(3, 20), at(4, 9), "outside_hours"),  # overnight
        (at(3, 11), at(3, 10), "bad_dates"),  # end before start
        (at(3, 10), at(3, 10), "bad_dates"),
        (at(365 * 50, 10), at(365 * 50, 11), "bad_dates"),  # an absurd year
        (at(3, 10).replace(year=1926), at(3, 11).replace(year=1926), "bad_dates"),
    ]
    for start, end, code in cases:
        with pytest.raises(ServiceError) as refused:
            book(world, start, end)
        assert refused.value.code == code, (start, end)
    services.update_venue(actor=None, venue=world.venue, opens_at=None, closes_at=None)
    world.venue.refresh_from_db()
    with pytest.raises(ServiceError) as refused:
        book(world, at(3, 10), at(5, 11))  # any hour, but not for days on end
    assert refused.value.code == "bad_dates"
    assert not VenueBooking.objects.exists()
    assert not AuditEntry.objects.filter(action="venuebooking.create").exists()


def test_the_database_alone_refuses_an_overlap(world: World) -> None:
    """Past the service (a plain ORM insert), the exclusion constraint (PostgreSQL) or the
    trigger (SQLite) refuses a second confirmed booking of the time; requests do not hold it."""
    fields = {"venue": world.venue, "purpose": BookingPurpose.OTHER, "title": "x"}
    VenueBooking.objects.create(starts_at=at(2, 9), ends_at=at(2, 11), **fields)
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        VenueBooking.objects.create(starts_at=at(2, 10), ends_at=at(2, 12), **fields)
    assert services.is_overlap_refusal(refused.value)
    request = VenueBooking.objects.create(
        starts_at=at(2, 10), ends_at=at(2, 12), status=BookingStatus.REQUESTED, **fields
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        VenueBooking.objects.filter(pk=request.pk).update(status=BookingStatus.CONFIRMED)
    # Another venue, and the same venue's touching or cancelled time, are fine.
    VenueBooking.objects.create(
        starts_at=at(2, 9), ends_at=at(2, 11), **{**fields, "venue": world.other_venue}
    )
    VenueBooking.objects.create(starts_at=at(2, 11), ends_at=at(2, 12), **fields)
    VenueBooking.objects.create(
        starts_at=at(2, 9), ends_at=at(2, 11), status=BookingStatus.CANCELLED, **fields
    )
    assert VenueBooking.objects.holding().count() == 3


def test_the_database_refusal_reaches_the_person_as_the_service_s(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were the service's own count to miss the clash, the constraint's refusal comes back as
    the same Chinese message, and nothing is written."""
    book(world, at(3, 9), at(3, 11))
    monkeypatch.setattr(services, "_refuse_if_taken", lambda *a, **k: None)
    with pytest.raises(ServiceError) as refused:
        book(world, at(3, 10), at(3, 12), title="广场舞排练")
    assert refused.value.code == "venue_taken"
    assert "党员学习" in refused.value.message
    assert VenueBooking.objects.count() == 1


def test_a_group_asks_and_staff_approve_or_refuse(world: World) -> None:
    erin, bob = world["erin"], world["bob"]
    assert erin.has_perm("places.request_booking", world.venue)
    assert not erin.has_perm("places.book_venue", world.venue)
    assert not world["oscar"].has_perm("places.request_booking", world.venue)
    asked = services.request_booking(
        actor=erin,
        venue=world.venue,
        starts_at=at(4, 14),
        ends_at=at(4, 16),
        title="编织活动",
        group_name="巧手编织队",
    )
    assert asked.status == BookingStatus.REQUESTED
    assert asked.requested_by == erin
    # A request does not hold the time: staff can still book it, and then the request clashes.
    other = services.request_booking(
        actor=erin,
        venue=world.venue,
        starts_at=at(5, 14),
        ends_at=at(5, 16),
        title="合唱排练",
        group_name="夕阳红合唱团",
    )
    book(world, at(5, 15), at(5, 17), title="党课")
    with pytest.raises(ServiceError) as refused:
        services.approve_booking(actor=bob, booking=other)
    assert refused.value.code == "venue_taken"
    other.refresh_from_db()
    assert other.status == BookingStatus.REQUESTED

    services.approve_booking(actor=bob, booking=asked)
    asked.refresh_from_db()
    assert asked.status == BookingStatus.CONFIRMED
    with pytest.raises(ServiceError):
        services.approve_booking(actor=bob, booking=asked)  # not a request any more

    with pytest.raises(ServiceError):
        services.refuse_booking(actor=bob, booking=other, reason=" ")
    services.refuse_booking(actor=bob, booking=other, reason="当天已有党课")
    other.refresh_from_db()
    assert other.status == BookingStatus.REFUSED
    assert "当天已有党课" in other.note

    services.cancel_booking(actor=bob, booking=asked)
    asked.refresh_from_db()
    assert asked.status == BookingStatus.CANCELLED
    book(world, at(4, 14), at(4, 16), title="党员学习")  # the slot is free again


def test_a_venue_that_takes_no_requests_refuses_them(world: World) -> None:
    services.update_venue(actor=None, venue=world.venue, groups_may_request=False)
    world.venue.refresh_from_db()
    assert not world["erin"].has_perm("places.request_booking", world.venue)
    with pytest.raises(ServiceError) as refused:
        services.request_booking(
            actor=world["erin"],
            venue=world.venue,
            starts_at=at(4, 14),
            ends_at=at(4, 16),
            title="编织活动",
            group_name="巧手编织队",
        )
    assert refused.value.code == "no_requests"
    assert not VenueBooking.objects.exists()


def test_venue_hours_must_make_sense(world: World) -> None:
    with pytest.raises(ServiceError):
        services.update_venue(actor=None, venue=world.venue, opens_at=time(9), closes_at=time(8))
    with pytest.raises(ServiceError):
        services.update_venue(actor=None, venue=world.venue, opens_at=time(9))
    world.venue.refresh_from_db()
    assert world.venue.opens_at is None


def test_staff_book_on_the_calendar_and_a_clash_is_refused_in_chinese(world: World, client) -> None:
    open_hours(world.venue)
    book(world, at(3, 9), at(3, 11))
    client.force_login(world["bob"])
    page = client.get(reverse("places:venue_calendar", args=[world.venue.pk]))
    assert page.status_code == 200
    url = reverse("places:venue_book", args=[world.venue.pk])
    day = at(3, 0).date().isoformat()
    data = {"day": day, "start": "10:00", "end": "12:00", "title": "广场舞", "purpose": "group"}
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "已被预订" in refused.content.decode()
    assert VenueBooking.objects.count() == 1
    late = client.post(url, {**data, "start": "20:00", "end": "22:00"})
    assert late.status_code == 400
    assert "08:00" in late.content.decode()
    backwards = client.post(url, {**data, "start": "12:00", "end": "10:00"})
    assert backwards.status_code == 400
    assert VenueBooking.objects.count() == 1
    done = client.post(url, {**data, "start": "14:00", "end": "16:00"})
    assert done.status_code == 302
    week = client.get(done["Location"]).content.decode()
    assert "广场舞" in week and "党员学习" in week


def test_a_resident_asks_and_staff_answer_on_the_pages(world: World, client) -> None:
    client.force_login(world["erin"])
    assert client.get(reverse("places:venue_book", args=[world.venue.pk])).status_code == 404
    assert client.get(reverse("places:booking_requests")).status_code == 404
    day = at(4, 0).date().isoformat()
    response = client.post(
        reverse("places:venue_request", args=[world.venue.pk]),
        {"day": day, "start": "14:00", "end": "16:00", "title": "编织", "group_name": "巧手队"},
    )
    assert response.status_code == 302
    asked = VenueBooking.objects.get()
    client.force_login(world["oscar"])  # another street's staff: not theirs to answer
    assert client.post(reverse("places:booking_approve", args=[asked.pk])).status_code == 404
    client.force_login(world["bob"])
    listing = client.get(reverse("places:booking_requests")).content.decode()
    assert "巧手队" in listing
    assert client.post(reverse("places:booking_approve", args=[asked.pk])).status_code == 302
    asked.refresh_from_db()
    assert asked.status == BookingStatus.CONFIRMED


def test_the_feed_is_secret_read_only_and_carries_no_names(world: World, client) -> None:
    services.book_venue(
        actor=world["bob"],
        venue=world.venue,
        starts_at=at(2, 9),
        ends_at=at(2, 11),
        purpose=BookingPurpose.GROUP,
        title="编织活动",
        group_name="巧手编织队",
        note="联系人 艾琳 18612345678",
    )
    old = book(world, at(-40, 9), at(-40, 10), title="很久以前")
    assert old.pk
    assert client.get("/venues/feed/nothing.ics").status_code == 404
    client.force_login(world["bob"])
    assert client.post(reverse("places:venue_feed_reset", args=[world.venue.pk])).status_code == 302
    world.venue.refresh_from_db()
    token = world.venue.feed_token
    assert token
    assert token in client.get(world.venue.get_absolute_url()).content.decode()
    client.logout()
    response = client.get(reverse("places:venue_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["编织活动（巧手编织队）"]
    text = response.content.decode()
    assert "艾琳" not in text and "18612345678" not in text and "鲍勃" not in text
    assert client.post(reverse("places:venue_feed", args=[token])).status_code in (200, 405)
    # A reset address leaves the old one dead.
    services.venue_feed_token(actor=world["bob"], venue=world.venue)
    assert client.get(reverse("places:venue_feed", args=[token])).status_code == 404


def test_the_feed_reset_is_for_the_venue_s_staff(world: World, client) -> None:
    client.force_login(world["erin"])
    url = reverse("places:venue_feed_reset", args=[world.venue.pk])
    assert client.post(url).status_code == 404
    client.force_login(world["oscar"])
    assert client.post(url).status_code == 404
    world.venue.refresh_from_db()
    assert world.venue.feed_token is None


def test_staff_set_the_venue_s_hours_on_its_edit_form(world: World, client) -> None:
    client.force_login(world["bob"])
    url = reverse("places:venue_edit", args=[world.venue.pk])
    form = client.get(url)
    assert form.status_code == 200
    data = {
        "name": world.venue.name,
        "kind": world.venue.kind,
        "area": world.venue.area_id,
        "opens_at": "21:00",
        "closes_at": "08:00",
        "groups_may_request": "",
        "is_active": "on",
        "updated_at": form.context["form"]["updated_at"].value(),
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "关闭时间必须晚于开放时间" in refused.content.decode()
    world.venue.refresh_from_db()
    assert world.venue.opens_at is None and world.venue.groups_may_request
    done = client.post(url, {**data, "opens_at": "08:00", "closes_at": "21:00"})
    assert done.status_code == 302
    venue = Venue.objects.get(pk=world.venue.pk)
    assert (venue.opens_at, venue.closes_at) == (time(8), time(21))
    assert not venue.groups_may_request
