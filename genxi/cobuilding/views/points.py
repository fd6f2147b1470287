"""Co-building pages: points.

SCAFFOLD: the URL names below are fixed (other pages link to them); their owner replaces
`_not_built` with the real views and removes this note.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _not_built(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path("cobuilding/points/", _not_built, name="point_list"),
    path("cobuilding/points/<int:pk>/", _not_built, name="point_detail"),
    path("services/points/", _not_built, name="resident_points"),
    path("cobuilding/bookings/<int:pk>/", _not_built, name="booking_detail"),
]
