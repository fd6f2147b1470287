"""The figures of deliberation meetings (议事会) for communities and a period: the one definition
the dashboards, the report and the simulation's check use (docs/figures.md). Nothing here writes.

- A meeting **held** in the period started in it (`starts_at`, local days) and has started by
  now: meetings are convened ahead (`services.convene`) and never cancelled, only moved
  (`services.reschedule`), so one whose time has come was held.
- A meeting's **plan revised** in the period: a new version of its plan (`PlanVersion` number 2
  or more, `services.revise_plan`) was saved in the period. The first version is written when
  the meeting is convened and is not a revision; a meeting revised several times counts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from genxi.meetings.models import Meeting, MeetingQuerySet, PlanVersion
from genxi.places.figures import day_bounds


def held(
    communities: Sequence[int], start: date, end: date, now: datetime | None = None
) -> MeetingQuerySet:
    """The communities' meetings held in the period."""
    lo, hi = day_bounds(start, end)
    return Meeting.objects.filter(
        community__in=communities,
        starts_at__gte=lo,
        starts_at__lt=min(hi, now or timezone.now()),
    )


def plans_revised(communities: Sequence[int], start: date, end: date) -> MeetingQuerySet:
    """The communities' meetings whose plan got a new version in the period."""
    lo, hi = day_bounds(start, end)
    revisions = PlanVersion.objects.filter(
        meeting__community__in=communities, number__gte=2, created_at__gte=lo, created_at__lt=hi
    )
    return Meeting.objects.filter(pk__in=revisions.values("meeting"))


@dataclass
class MeetingFigures:
    held: int
    plans_revised: int


def compute(
    *, communities: Sequence[int], start: date, end: date, now: datetime | None = None
) -> MeetingFigures:
    """Two counts, whatever the number of meetings."""
    return MeetingFigures(
        held=held(communities, start, end, now).count(),
        plans_revised=plans_revised(communities, start, end).count(),
    )
