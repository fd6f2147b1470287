"""The figures of venues (微阵地) for an area and a period: the one definition the dashboards,
the report and the simulation's check use (docs/figures.md). Nothing here writes.

A venue or booking counts for an area when the venue's place lies in the area's subtree (a
street counts its communities' venues and its own). A period is whole local days, both ends
included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DurationField, ExpressionWrapper, F, Sum
from django.utils import timezone

from genxi.core.paths import path_range_q
from genxi.places.models import (
    Area,
    BookingStatus,
    Venue,
    VenueBooking,
    VenueBookingQuerySet,
    VenueQuerySet,
)

HOUR = Decimal("0.01")  # booked hours are kept to the hundredth (36 seconds)


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first instant and the instant after its last day, in local time."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def venues_of(area: Area, end: date) -> VenueQuerySet:
    """Venues of the area as of the period's end: registered by the end of `end` and open
    (`is_active`; a venue closed since is no longer counted, since no date of closing is kept)."""
    _lo, hi = day_bounds(end, end)
    return Venue.objects.filter(
        path_range_q("area__path", [area.path]), created_at__lt=hi, is_active=True
    )


def bookings_held(
    area: Area, start: date, end: date, now: datetime | None = None
) -> VenueBookingQuerySet:
    """Confirmed bookings of the area's venues that started in the period and were over by
    `now` (a booking later in a period that is not over yet has not been held)."""
    lo, hi = day_bounds(start, end)
    return VenueBooking.objects.filter(
        path_range_q("venue__area__path", [area.path]),
        status=BookingStatus.CONFIRMED,
        starts_at__gte=lo,
        starts_at__lt=hi,
        ends_at__lte=now or timezone.now(),
    )


def hours(bookings: VenueBookingQuerySet) -> Decimal:
    """The bookings' length in hours, summed (to the hundredth)."""
    length = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    total = bookings.order_by().aggregate(t=Sum(length))["t"]
    if not total:
        return Decimal("0.00")
    return (Decimal(int(total.total_seconds())) / 3600).quantize(HOUR, ROUND_HALF_UP)


@dataclass
class VenueFigures:
    venues: int
    bookings: int
    booked_hours: Decimal


def compute(*, area: Area, start: date, end: date, now: datetime | None = None) -> VenueFigures:
    """Three aggregate queries, whatever the number of venues."""
    held = bookings_held(area, start, end, now)
    return VenueFigures(
        venues=venues_of(area, end).count(),
        bookings=held.count(),
        booked_hours=hours(held),
    )
