"""The venues panel of the dashboards (registered with registry.register): the micro-venues
(微阵地) of the area and their use, by `genxi.places.figures` (docs/figures.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from genxi.dashboards.registry import COUNT, HOURS, Figure, Panel, Scope, Value, register
from genxi.places import figures

BOOKING_COLUMNS = (
    (_("Venue"), "venue.name"),
    (_("Place"), "venue.area.name"),
    (_("Title"), "title"),
    (_("Purpose"), "purpose"),
    (_("Starts at"), "starts_at"),
    (_("Ends at"), "ends_at"),
)
HELD = _("the booking's start")

FIGURES = (
    Figure(
        "venues.venues",
        _("Venues"),
        COUNT,
        numerator=_("open venues whose place lies in the area, registered by the period's end"),
        counted_from=_("the venue's registration"),
        rows=lambda scope: figures.venues_of(scope.area, scope.end),
        columns=(
            (_("Name"), "name"),
            (_("Kind"), "kind"),
            (_("Place"), "area.name"),
            (_("Address"), "address"),
        ),
    ),
    Figure(
        "venues.bookings",
        _("Venue bookings held"),
        COUNT,
        numerator=_(
            "confirmed bookings of those venues that started in the period and were over by now"
        ),
        counted_from=HELD,
        rows=lambda scope: figures.bookings_held(scope.area, scope.start, scope.end),
        columns=BOOKING_COLUMNS,
    ),
    Figure(
        "venues.booked_hours",
        _("Hours booked"),
        HOURS,
        numerator=_("the length of those bookings in hours, summed"),
        counted_from=HELD,
        rows=lambda scope: figures.bookings_held(scope.area, scope.start, scope.end),
        columns=BOOKING_COLUMNS,
    ),
)


def compute(scope: Scope) -> dict[str, Value]:
    f = figures.compute(area=scope.area, start=scope.start, end=scope.end)
    return {
        "venues.venues": Value(f.venues),
        "venues.bookings": Value(f.bookings),
        "venues.booked_hours": Value(f.booked_hours),
    }


PANEL = register(Panel("venues", _("Venues"), 20, figures=FIGURES, compute=compute))
