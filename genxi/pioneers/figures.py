"""The pioneers' figures for a user's scope and a period, read from the rows themselves (the
dashboards' pioneers panel calls these; docs/figures.md "The dashboards' figures").

- pioneers appointed (serving): appointments (`places.Pioneer`) of the area's communities
  serving on a day — appointed on or before it, their term not over before it, not ended on or
  before it (`ended_on`; an ended row without the day counts as ended), and not suspended now
  (a suspension keeps no day on the row).
- household visits: `demands.Visit`s made in the period (`visited_on`) to the households of the
  area's buildings: each visit once, also one where nobody was at home.
- assessment grades: the stored `Assessment` rows of the period — of the period's kind (month,
  quarter or year; the year's for "so far") starting inside it — of the area's pioneers, by
  grade. What staff last computed (`pioneers.services.assessment.compute`), never recomputed
  here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Max, Q

from genxi.core.paths import path_range_q
from genxi.demands.models import Visit
from genxi.pioneers.models import Assessment, PeriodKind
from genxi.places.models import Area, Pioneer, PioneerStatus


def serving(*, user: Any, on: date, area: Area | None = None) -> Any:
    """The appointments serving on the day `on` (see the module's note)."""
    pioneers = Pioneer.objects.visible_to(user).filter(appointed_on__lte=on)
    if area is not None:
        pioneers = pioneers.filter(path_range_q("community__path", [area.path]))
    return (
        pioneers.filter(Q(term_ends_on__isnull=True) | Q(term_ends_on__gte=on))
        .filter(Q(ended_on__gt=on) | (Q(ended_on__isnull=True) & ~Q(status=PioneerStatus.ENDED)))
        .exclude(status=PioneerStatus.SUSPENDED)
        .select_related("community")
    )


def visits(*, user: Any, start: date, end: date, area: Area | None = None) -> Any:
    """The home visits made from `start` to `end` (both included) in the area's buildings."""
    made = Visit.objects.visible_to(user).filter(visited_on__gte=start, visited_on__lte=end)
    if area is not None:
        made = made.filter(path_range_q("area__path", [area.path]))
    return made.select_related("pioneer", "area")


def assessment_kind(period_kind: str) -> str:
    """The assessments a dashboard period reads: its own kind; the year's for "so far"."""
    return period_kind if period_kind in PeriodKind.values else PeriodKind.YEAR


def assessments(*, user: Any, start: date, end: date, kind: str, area: Area | None = None) -> Any:
    """The stored assessments of `kind` whose period starts from `start` to `end`."""
    rows = Assessment.objects.visible_to(user).filter(
        period_kind=assessment_kind(kind), period_start__gte=start, period_start__lte=end
    )
    if area is not None:
        rows = rows.filter(path_range_q("pioneer__community__path", [area.path]))
    return rows.select_related("pioneer__community")


def grades(rows: Any) -> list[list[Any]]:
    """[[grade, assessments]] of those rows, the best grade (the highest total) first: one
    query."""
    counted = (
        rows.order_by()
        .values("grade")
        .annotate(n=Count("pk"), top=Max("total"))
        .order_by("-top", "grade")
    )
    return [[row["grade"], row["n"]] for row in counted]
