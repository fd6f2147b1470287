"""Matching the lists: resources for a need, and needs for a resource, each with its reasons.

Three reasons, each one SQL condition, counted in the database and ranked there:

- the category matches (the resource's category is the need's);
- the place is within reach (the resource reaches an area that contains the need's place: its
  `area_path` is one of the need's path prefixes, or the need's community lies under it);
- the time fits (the resource's availability overlaps the dates the need is wanted).

A candidate must share the category or the place (time alone is no match). The candidates come
from indexed conditions (`resource_category_idx`, `area_path`, `need_status_category_idx`,
`need_community_status_idx`); the ranking is `ORDER BY score` with a LIMIT, so no row is read
into Python beyond the `limit` returned.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.cobuilding.models import Need, NeedStatus, Resource
from genxi.core.paths import PATH_STEP, path_upper_bound
from genxi.places.models import Area, AreaKind


@dataclass
class Match:
    """A suggestion and why it was made."""

    obj: Any
    reasons: list[str] = field(default_factory=list)

    @property
    def score(self) -> int:
        return len(self.reasons)


def _prefixes(path: str) -> list[str]:
    """The paths of an area and every area above it."""
    return [path[:i] for i in range(PATH_STEP, len(path) + 1, PATH_STEP)]


def _need_place(need: Need) -> str:
    return need.area.path if need.area_id and need.area else need.community.path


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _reasons(row: Any) -> list[str]:
    reasons = []
    if row.category_fits:
        reasons.append(_("The category matches"))
    if row.place_fits:
        reasons.append(_("The place is within reach"))
    if row.time_fits:
        reasons.append(_("The time fits"))
    return reasons


def resources_for(need: Need, limit: int = 5, queryset: Any = None) -> list[Match]:
    """Resources on offer for `need`, best first (`queryset` narrows them: a partner's own)."""
    rows = resources_query(need, queryset)[:limit]
    return [Match(obj=r, reasons=_reasons(r)) for r in rows]


def resources_query(need: Need, queryset: Any = None) -> Any:
    """The ranked query behind `resources_for` (the benchmark runs its SQL bare)."""
    today = timezone.localdate()
    reach = _prefixes(_need_place(need))
    category_q = Q(category_id=need.category_id) if need.category_id else Q(pk__in=[])
    place_q = Q(area_path__in=reach)
    # Wanted from `start` to `end` (open-ended when not given); available likewise.
    start: date = need.wanted_from or today
    time_q = Q(available_until__isnull=True) | Q(available_until__gte=start)
    if need.wanted_by:
        time_q &= Q(available_from__isnull=True) | Q(available_from__lte=need.wanted_by)
    if not (need.wanted_from or need.wanted_by):
        # Nothing to fit on the need's side: the resource must say when it is available.
        time_q &= Q(available_from__isnull=False) | Q(available_until__isnull=False)
    rows = (
        (queryset if queryset is not None else Resource.objects.all())
        .filter(is_active=True)
        .filter(category_q | place_q)
        .annotate(
            category_fits=_flag(category_q),
            place_fits=_flag(place_q),
            time_fits=_flag(time_q),
        )
        .annotate(
            score=ExpressionWrapper(
                F("category_fits") + F("place_fits") + F("time_fits"), output_field=IntegerField()
            )
        )
        .select_related("partner", "category")
        .order_by("-score", "-created_at", "-id")
    )
    return rows


def _reach_q(resource: Resource) -> Q:
    """Needs whose place lies within the resource's area."""
    path = resource.area_path
    if not path:
        return Q(pk__in=[])
    area = Area.objects.filter(path=path).only("kind").first()
    inside = Area.objects.filter(path__gte=path, path__lt=path_upper_bound(path))
    # The ids are read first (a street has tens of communities, a compound a few buildings), so
    # that the planner sees a list it can look up in need_community_status_idx.
    if area is not None and area.kind in (AreaKind.COMMUNITY, AreaKind.STREET, AreaKind.DISTRICT):
        # It reaches whole communities: every need of them.
        ids = list(inside.filter(kind=AreaKind.COMMUNITY).values_list("pk", flat=True))
        return Q(community_id__in=ids)
    # A compound or a building: the needs placed in it.
    return Q(area_id__in=list(inside.values_list("pk", flat=True)))


def needs_for(resource: Resource, limit: int = 5, queryset: Any = None) -> list[Match]:
    """Open needs `resource` could meet, best first."""
    rows = needs_query(resource, queryset)[:limit]
    return [Match(obj=n, reasons=_reasons(n)) for n in rows]


def needs_query(resource: Resource, queryset: Any = None) -> Any:
    """The ranked query behind `needs_for`."""
    today = timezone.localdate()
    category_q = Q(category_id=resource.category_id) if resource.category_id else Q(pk__in=[])
    place_q = _reach_q(resource)
    if resource.available_from is None and resource.available_until is None:
        time_q = Q(wanted_by__isnull=True) | Q(wanted_by__gte=today)
        time_q &= Q(wanted_by__isnull=False) | Q(wanted_from__isnull=False)
    else:
        time_q = Q(wanted_by__isnull=True) | Q(wanted_by__gte=resource.available_from or today)
        if resource.available_until:
            time_q &= Q(wanted_from__isnull=True) | Q(wanted_from__lte=resource.available_until)
            if resource.available_until < today:  # no longer available
                time_q = Q(pk__in=[])
    rows = (
        (queryset if queryset is not None else Need.objects.all())
        .filter(status=NeedStatus.OPEN)
        .filter(category_q | place_q)
        .annotate(
            category_fits=_flag(category_q),
            place_fits=_flag(place_q),
            time_fits=_flag(time_q),
        )
        .annotate(
            score=ExpressionWrapper(
                F("category_fits") + F("place_fits") + F("time_fits"), output_field=IntegerField()
            )
        )
        .select_related("community", "category")
        .order_by("-score", "-created_at", "-id")
    )
    return rows
