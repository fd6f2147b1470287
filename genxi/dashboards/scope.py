"""Which dashboards a user may open: the districts, streets and communities wholly under their
area roles (staff, leadership). Everywhere else a dashboard answers 404."""

from typing import Any

from django.shortcuts import get_object_or_404

from genxi.dashboards.registry import DASHBOARD_KINDS
from genxi.places.models import Area, AreaQuerySet


def dashboard_areas(user: Any) -> AreaQuerySet:
    return Area.objects.of_kind(*DASHBOARD_KINDS).restrict(user, "path")


def dashboard_area(user: Any, pk: int) -> Area:
    """The area `pk` if the user may read its dashboard, else 404."""
    return get_object_or_404(dashboard_areas(user), pk=pk)
