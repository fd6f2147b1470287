"""A venue's bookings as an iCalendar feed (RFC 5545), written with the `icalendar` library.

The feed is public output behind a secret address: it carries what a phone's calendar needs
(the time, the title, the residents' group, the venue) and nothing about who asked.
"""

from datetime import timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from genxi.places.models import Venue, VenueBooking

# From a month back, so last week's bookings stay on the phone.
FEED_BEHIND = timedelta(days=30)


def venue_calendar(venue: Venue, host: str) -> bytes:
    now = timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//Genxi//Venue bookings//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", venue.name)
    calendar.add("x-wr-timezone", timezone.get_current_timezone_name())
    bookings = VenueBooking.objects.holding().filter(venue=venue, ends_at__gte=now - FEED_BEHIND)
    for booking in bookings.order_by("starts_at", "id").iterator(500):
        event = Event()
        event.add("uid", f"venuebooking-{booking.pk}@{host}")
        event.add("dtstamp", booking.updated_at)
        event.add("dtstart", booking.starts_at)
        event.add("dtend", booking.ends_at)
        summary = booking.title
        if booking.group_name:
            summary = f"{summary}（{booking.group_name}）"
        event.add("summary", summary)
        event.add("location", venue.address or venue.name)
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical
