"""The figures of demands for an area and a period, computed from the event log.

Every figure has a written definition (docs/figures.md) and is computed here from DemandEvent
and Callback rows — the same history staff see on each demand — not from counters kept aside.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from genxi.demands.models import (
    Callback,
    DemandEvent,
    DemandQuerySet,
    EventKind,
    Satisfaction,
)
from genxi.places.models import Area, AreaKind

# A category is "high-frequency" among the most raised; "rare" when raised at most this often.
TOP_CATEGORIES = 5
RARE_AT_MOST = 1


@dataclass
class Ratio:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.numerator / self.denominator, 1) if self.denominator else None


@dataclass
class Figures:
    area: Area
    start: date
    end: date
    collected: int = 0
    accepted: int = 0
    resolved: int = 0
    closed: int = 0
    response: Ratio = field(default_factory=lambda: Ratio(0, 0))
    on_time: Ratio = field(default_factory=lambda: Ratio(0, 0))
    satisfaction: Ratio = field(default_factory=lambda: Ratio(0, 0))
    reopen: Ratio = field(default_factory=lambda: Ratio(0, 0))
    median_days_to_resolve: float | None = None
    overdue_now: int = 0
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_day: list[tuple[date, int, int]] = field(default_factory=list)  # (day, collected, resolved)

    @property
    def high_frequency(self) -> list[tuple[str, int]]:
        return self.by_category[:TOP_CATEGORIES]

    @property
    def rare(self) -> list[tuple[str, int]]:
        return [(name, n) for name, n in self.by_category if n <= RARE_AT_MOST]


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def compute(*, demands: DemandQuerySet, area: Area, start: date, end: date) -> Figures:
    """Figures for the demands of `area` (already narrowed to what the user may see)."""
    lo, hi = bounds(start, end)
    communities = list(
        Area.objects.subtree(area).filter(kind=AreaKind.COMMUNITY).values_list("pk", flat=True)
    )
    scoped = demands.filter(community__in=communities)
    # Events and call-backs carry their demand's community: each read below is a range scan of
    # (community, kind, at) or (community, at). The callers pass an area inside the user's area
    # roles, where the area's communities are the user's scope.
    events = DemandEvent.objects.filter(community__in=communities, at__gte=lo, at__lt=hi)
    figures = Figures(area=area, start=start, end=end)

    # One read each of the period's recordings and of its accept/resolve/close steps; the counts,
    # the sets and the day-by-day chart all come from these two lists.
    recorded = list(
        scoped.filter(created_at__gte=lo, created_at__lt=hi).values_list("created_at", flat=True)
    )
    steps = list(
        events.filter(
            kind__in=[EventKind.ACCEPTED, EventKind.RESOLVED, EventKind.CLOSED]
        ).values_list("demand", "kind", "at")
    )
    ids: dict[str, set[int]] = {
        EventKind.ACCEPTED: set(),
        EventKind.RESOLVED: set(),
        EventKind.CLOSED: set(),
    }
    for demand_id, kind, _at in steps:
        ids[kind].add(demand_id)
    figures.collected = len(recorded)
    figures.accepted = len(ids[EventKind.ACCEPTED])
    figures.resolved = len(ids[EventKind.RESOLVED])
    figures.closed = len(ids[EventKind.CLOSED])

    # Response: of the demands due for acceptance in the period, those accepted (or referred
    # elsewhere) by the end of their response day.
    due = scoped.filter(response_due__gte=start, response_due__lte=end).annotate(
        first_response=Min(
            "events__at", filter=Q(events__kind__in=[EventKind.ACCEPTED, EventKind.REFERRED])
        )
    )
    figures.response = _deadline_ratio(list(due.values_list("first_response", "response_due")))

    # On time: of the demands due for resolution in the period (after any approved extension),
    # those first resolved by the end of that day.
    due_resolution = scoped.filter(resolution_due__gte=start, resolution_due__lte=end).annotate(
        first_resolved=Min("events__at", filter=Q(events__kind=EventKind.RESOLVED))
    )
    figures.on_time = _deadline_ratio(
        list(due_resolution.values_list("first_resolved", "resolution_due"))
    )

    # Satisfaction: of the call-backs made in the period, satisfied or basically satisfied.
    answers = Callback.objects.filter(community__in=communities, at__gte=lo, at__lt=hi)
    tally = dict(answers.values_list("result").annotate(n=Count("id")))
    figures.satisfaction = Ratio(
        tally.get(Satisfaction.SATISFIED, 0) + tally.get(Satisfaction.BASICALLY, 0),
        sum(tally.values()),
    )

    # Reopen rate: of the demands resolved in the period, those reopened after a call-back.
    resolved_ids = ids[EventKind.RESOLVED]
    reopened_ids = set(
        DemandEvent.objects.filter(demand__in=resolved_ids, kind=EventKind.REOPENED).values_list(
            "demand", flat=True
        )
    )
    figures.reopen = Ratio(len(reopened_ids), len(resolved_ids))

    # Days to resolve: from collection to the first resolution, for those first resolved in the
    # period (calendar days, with fractions).
    spans = [
        (first - created).total_seconds() / 86400
        # Only demands resolved in the period can have been first resolved in it.
        for created, first in scoped.filter(pk__in=resolved_ids)
        .annotate(first_resolved=Min("events__at", filter=Q(events__kind=EventKind.RESOLVED)))
        .filter(first_resolved__gte=lo, first_resolved__lt=hi)
        .values_list("created_at", "first_resolved")
    ]
    figures.median_days_to_resolve = round(statistics.median(spans), 1) if spans else None

    figures.overdue_now = scoped.overdue().count()
    figures.by_category = [
        (row["category__name"], row["n"])
        for row in scoped.filter(created_at__gte=lo, created_at__lt=hi)
        .values("category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "category__name")
    ]
    figures.by_day = _by_day(
        recorded, [at for _d, kind, at in steps if kind == EventKind.RESOLVED], start, end
    )
    return figures


def _deadline_ratio(rows: list[tuple[datetime | None, date]]) -> Ratio:
    """Of (first time it happened, deadline) pairs: met by the end of the deadline day ÷ decided.

    A deadline still to come with nothing done yet is undecided and left out of both.
    """
    today = timezone.localdate()
    met = decided = 0
    for first, day in rows:
        if first is None and day >= today:
            continue
        decided += 1
        met += first is not None and timezone.localdate(first) <= day
    return Ratio(met, decided)


def _by_day(
    recorded: list[datetime], resolved: list[datetime], start: date, end: date
) -> list[tuple[date, int, int]]:
    collected_on: dict[date, int] = {}
    for at in recorded:
        day = timezone.localdate(at)
        collected_on[day] = collected_on.get(day, 0) + 1
    resolved_on: dict[date, int] = {}
    for at in resolved:
        day = timezone.localdate(at)
        resolved_on[day] = resolved_on.get(day, 0) + 1
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [(d, collected_on.get(d, 0), resolved_on.get(d, 0)) for d in days]
