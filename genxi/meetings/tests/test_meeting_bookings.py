"""A meeting at a venue takes a booking of it: a clash refuses the meeting, a move re-books."""

import uuid
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from genxi.conftest import World
from genxi.core.services import ServiceError
from genxi.meetings import services
from genxi.meetings.models import InviteeKind, Meeting
from genxi.places import services as places
from genxi.places.models import BookingPurpose, BookingStatus, VenueBooking


def at(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def convene(world: World, starts_at: datetime, **kwargs: Any) -> Meeting:
    return services.convene(
        actor=world["bob"],
        community=world.hetai,
        topic="电梯加装议事会",
        starts_at=starts_at,
        venue=world.venue,
        agenda=["加装方案"],
        invitees=[("王阿姨", InviteeKind.RESIDENT)],
        **kwargs,
    )


def test_a_meeting_books_its_venue_for_two_hours_by_default(world: World) -> None:
    meeting = convene(world, at(3, 14))
    booking = meeting.booking
    assert booking is not None
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.purpose == BookingPurpose.MEETING
    assert booking.title == "电梯加装议事会"
    assert (booking.starts_at, booking.ends_at) == (at(3, 14), at(3, 16))
    assert meeting.ends_at == at(3, 16)
    longer = convene(world, at(4, 9), ends_at=at(4, 12))
    assert longer.booking is not None and longer.booking.ends_at == at(4, 12)


def test_a_clash_refuses_the_meeting_with_the_booking_s_reason(world: World) -> None:
    places.book_venue(
        actor=world["bob"],
        venue=world.venue,
        starts_at=at(3, 15),
        ends_at=at(3, 17),
        purpose=BookingPurpose.GROUP,
        title="编织活动",
    )
    with pytest.raises(ServiceError) as refused:
        convene(world, at(3, 14))
    assert refused.value.code == "venue_taken"
    assert "编织活动" in refused.value.message
    assert not Meeting.objects.exists()
    assert VenueBooking.objects.count() == 1
    with pytest.raises(ServiceError):
        convene(world, at(5, 14), ends_at=at(5, 13))
    assert not Meeting.objects.exists()


def test_a_retried_form_convenes_and_books_once(world: World) -> None:
    token = uuid.uuid4()
    first = convene(world, at(3, 14), token=token)
    again = convene(world, at(3, 14), token=token)
    assert first.pk == again.pk
    assert VenueBooking.objects.count() == 1


def test_moving_a_meeting_moves_its_booking(world: World) -> None:
    meeting = convene(world, at(3, 14))
    old = meeting.booking
    assert old is not None
    moved = services.reschedule(
        actor=world["bob"], meeting=meeting, starts_at=at(6, 9), venue=world.venue
    )
    old.refresh_from_db()
    assert old.status == BookingStatus.CANCELLED
    assert moved.booking is not None and moved.booking.starts_at == at(6, 9)
    # Moving onto someone else's booking leaves the meeting where it was.
    places.book_venue(
        actor=world["bob"],
        venue=world.venue,
        starts_at=at(7, 9),
        ends_at=at(7, 10),
        purpose=BookingPurpose.ACTIVITY,
        title="党课",
    )
    with pytest.raises(ServiceError) as refused:
        services.reschedule(
            actor=world["bob"], meeting=moved, starts_at=at(7, 9), venue=world.venue
        )
    assert "党课" in refused.value.message
    moved.refresh_from_db()
    assert moved.starts_at == at(6, 9)
    assert moved.booking is not None and moved.booking.status == BookingStatus.CONFIRMED
    # Without a venue, nothing is held.
    services.reschedule(actor=world["bob"], meeting=moved, starts_at=at(8, 9), venue=None)
    moved.refresh_from_db()
    assert moved.booking is None
    assert VenueBooking.objects.holding().count() == 1  # the 党课


def test_the_convene_page_shows_the_clash(world: World, client) -> None:
    places.book_venue(
        actor=world["bob"],
        venue=world.venue,
        starts_at=at(3, 15),
        ends_at=at(3, 17),
        purpose=BookingPurpose.GROUP,
        title="编织活动",
    )
    client.force_login(world["bob"])
    response = client.post(
        reverse("meetings:meeting_create"),
        {
            "community": world.hetai.pk,
            "topic": "电梯加装议事会",
            "venue": world.venue.pk,
            "starts_at": at(3, 14).strftime("%Y-%m-%dT%H:%M"),
            "agenda": "加装方案",
            "invitees": "王阿姨 居民",
        },
    )
    assert response.status_code == 400
    assert "编织活动" in response.content.decode()
    assert not Meeting.objects.exists()
    meeting = convene(world, at(5, 9))
    page = client.get(reverse("meetings:meeting_reschedule", args=[meeting.pk]))
    assert page.status_code == 200
    moved = client.post(
        reverse("meetings:meeting_reschedule", args=[meeting.pk]),
        {"venue": world.venue.pk, "starts_at": at(3, 15).strftime("%Y-%m-%dT%H:%M")},
    )
    assert moved.status_code == 400
    assert "编织活动" in moved.content.decode()
    client.force_login(world["oscar"])
    assert client.get(reverse("meetings:meeting_reschedule", args=[meeting.pk])).status_code == 404
