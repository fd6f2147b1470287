"""The figures of demands for an area and a period, computed from the event log.

Every figure has a written definition (docs/figures.md) and is computed here from DemandEvent
and Callback rows — the same history staff see on each demand — not from counters kept aside.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from genxi.demands.models import (
    Callback,
    Demand,
    DemandEvent,
    DemandQuerySet,
    EventKind,
    Satisfaction,
    Status,
)
from genxi.places.models import STREET_KINDS, Area, AreaKind, AreaQuerySet

# Demands that need no answer of their own: left out of the rates and the categories.
UNCOUNTED = (Status.MERGED, Status.WITHDRAWN)

# High-frequency and rare needs (docs/figures.md): one definition, used by every panel.
TOP_CATEGORIES = 5  # at most this many high-frequency categories
RARE_SHOWN = 10  # at most this many rare ones
RARE_SHARE, RARE_CAP = 0.02, 3  # rare: raised at most max(1, min(3, ⌊2% of the total⌋)) times


def rare_limit(total: int) -> int:
    """The most times a category may be raised in a period and still be rare."""
    return max(1, min(RARE_CAP, int(total * RARE_SHARE)))


def needs(counts: dict[str, int]) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(high-frequency, rare) categories from each category's count of demands in a period.

    High-frequency: the TOP_CATEGORIES most raised, each raised more often than the rare
    limit. Rare: raised at least once and at most the rare limit, least raised first. A
    category is in one list at most: the rare limit separates them. Ties go by name.
    """
    limit = rare_limit(sum(counts.values()))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    frequent = [(name, n) for name, n in ranked if n > limit][:TOP_CATEGORIES]
    rare = sorted(
        [(name, n) for name, n in ranked if 0 < n <= limit], key=lambda item: (item[1], item[0])
    )[:RARE_SHOWN]
    return frequent, rare


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
    resolution: Ratio = field(default_factory=lambda: Ratio(0, 0))
    satisfaction: Ratio = field(default_factory=lambda: Ratio(0, 0))
    reopen: Ratio = field(default_factory=lambda: Ratio(0, 0))
    median_days_to_resolve: float | None = None
    overdue_now: int = 0
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_day: list[tuple[date, int, int]] = field(default_factory=list)  # (day, collected, resolved)

    @property
    def high_frequency(self) -> list[tuple[str, int]]:
        return needs(dict(self.by_category))[0]

    @property
    def rare(self) -> list[tuple[str, int]]:
        return needs(dict(self.by_category))[1]


def counted_by(user: Any, areas: AreaQuerySet) -> AreaQuerySet:
    """Those of `areas` under the user's area roles (staff, leadership), where every demand is
    theirs to count; all of them for a superuser: `ScopedQuerySet.restrict` on the path."""
    return areas.restrict(user, "path")


def areas_for(user: Any) -> AreaQuerySet:
    """The districts, streets and communities whose figures `user` may see: those under their
    area roles (staff, leadership), where every demand is theirs to count."""
    areas = Area.objects.of_kind(
        AreaKind.DISTRICT, AreaKind.STREET, AreaKind.TOWN, AreaKind.COMMUNITY
    )
    return counted_by(user, areas)


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def compute(*, user: Any, area: Area, start: date, end: date) -> Figures:
    """Figures for the communities of `area` where `user` holds an area role (staff,
    leadership): there every demand is theirs to count. Elsewhere nothing is counted."""
    lo, hi = bounds(start, end)
    # Communities, and a street itself: it holds the demands referred to it (services.transfer).
    inside = counted_by(
        user, Area.objects.subtree(area).filter(kind__in=[AreaKind.COMMUNITY, *STREET_KINDS])
    )
    communities = list(inside.values_list("pk", flat=True))
    # Every read below is a range scan of an index that leads with the community: demands'
    # (community, created_at), (community, response_due) and (community, resolution_due);
    # events' (community, kind, at) and call-backs' (community, at), which carry their
    # demand's community.
    scoped = Demand.objects.filter(community__in=communities)
    events = DemandEvent.objects.filter(community__in=communities, at__gte=lo, at__lt=hi)
    figures = Figures(area=area, start=start, end=end)

    # One read each of the period's recordings (their local days) and of its accept/resolve/
    # close steps; the counts, the sets and the day-by-day chart all come from these. Dates,
    # not timestamps, wherever a day is enough: Django parses each timestamp in Python.
    recorded = list(
        scoped.filter(created_at__gte=lo, created_at__lt=hi).values_list(
            TruncDate("created_at"), flat=True
        )
    )
    steps = list(
        events.filter(kind__in=[EventKind.ACCEPTED, EventKind.CLOSED]).values_list("demand", "kind")
    )
    resolutions = list(events.filter(kind=EventKind.RESOLVED).values_list("demand", "at"))
    ids: dict[str, set[int]] = {
        EventKind.ACCEPTED: set(),
        EventKind.RESOLVED: {demand_id for demand_id, _at in resolutions},
        EventKind.CLOSED: set(),
    }
    for demand_id, kind in steps:
        ids[kind].add(demand_id)
    figures.collected = len(recorded)
    figures.accepted = len(ids[EventKind.ACCEPTED])
    figures.resolved = len(ids[EventKind.RESOLVED])
    figures.closed = len(ids[EventKind.CLOSED])

    # Response and on time: of the demands recorded in the period, those first accepted (or
    # referred elsewhere) by the end of their response day, and those first resolved by the
    # end of their resolution day (after any approved extension). Left out: merged duplicates
    # and withdrawn demands, and those not yet done whose deadline has not passed.
    counted = scoped.filter(created_at__gte=lo, created_at__lt=hi).exclude(status__in=UNCOUNTED)
    figures.response = _deadline_ratio(
        counted, "response_due", [EventKind.ACCEPTED, EventKind.REFERRED], communities, lo
    )
    # A demand referred elsewhere is resolved elsewhere: not in the two resolution rates.
    resolvable = counted.exclude(status=Status.REFERRED)
    figures.on_time = _deadline_ratio(
        resolvable, "resolution_due", [EventKind.RESOLVED], communities, lo
    )
    # Resolution rate (办结率): of the demands recorded in the period (the same ones), those
    # resolved by the end of the period.
    figures.resolution = Ratio(
        DemandEvent.objects.filter(
            community__in=communities,
            kind=EventKind.RESOLVED,
            at__gte=lo,
            at__lt=hi,
            demand__in=resolvable.values("pk"),
        )
        .values("demand")
        .distinct()
        .count(),
        resolvable.count(),
    )

    # Satisfaction: of the call-backs made in the period, satisfied or basically satisfied.
    answers = Callback.objects.filter(community__in=communities, at__gte=lo, at__lt=hi)
    tally = dict(answers.values_list("result").annotate(n=Count("id")))
    figures.satisfaction = Ratio(
        tally.get(Satisfaction.SATISFIED, 0) + tally.get(Satisfaction.BASICALLY, 0),
        sum(tally.values()),
    )

    # Reopen rate: of the demands resolved in the period, those reopened after a call-back.
    # Days to resolve: from collection to the first resolution, for those first resolved in the
    # period (calendar days, with fractions). One read of those demands' reopenings and
    # earlier resolutions.
    resolved_ids = ids[EventKind.RESOLVED]
    reopened_ids: set[int] = set()
    resolved_before: set[int] = set()
    # A subquery, not the ids: thousands of parameters cost more to send than to look up.
    resolved_in_period = events.filter(kind=EventKind.RESOLVED).values("demand")
    history = DemandEvent.objects.filter(
        Q(kind=EventKind.REOPENED) | Q(kind=EventKind.RESOLVED, at__lt=lo),
        community__in=communities,
        demand__in=resolved_in_period,
    )
    for demand_id, kind in history.values_list("demand", "kind"):
        (reopened_ids if kind == EventKind.REOPENED else resolved_before).add(demand_id)
    figures.reopen = Ratio(len(reopened_ids), len(resolved_ids))
    first_resolved: dict[int, datetime] = {}
    for demand_id, at in resolutions:
        if demand_id in resolved_before:
            continue
        if demand_id not in first_resolved or at < first_resolved[demand_id]:
            first_resolved[demand_id] = at
    created = scoped.filter(pk__in=resolved_in_period).values_list("pk", "created_at")
    spans = [
        (first_resolved[pk] - made).total_seconds() / 86400
        for pk, made in created
        if pk in first_resolved
    ]
    figures.median_days_to_resolve = round(statistics.median(spans), 1) if spans else None

    figures.overdue_now = scoped.overdue().count()
    figures.by_category = [
        (row["category__name"], row["n"])
        for row in counted.values("category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "category__name")
    ]
    figures.by_day = _by_day(recorded, [at for _d, at in resolutions], start, end)
    return figures


def _deadline_ratio(
    due: DemandQuerySet, field: str, kinds: list[str], communities: list[int], lo: datetime
) -> Ratio:
    """Of the demands `due` (deadline in `field`): met when the first event of `kinds` came by
    the end of the deadline day ÷ decided. A deadline still to come with nothing done yet is
    undecided and left out of both.

    The first events are read from the communities' (community, kind, at) index from the
    period's start: no step comes before its demand was recorded. Only the steps of the
    demand's present holder count: a community that accepted it and then referred it on did
    not answer for the one that holds it now (whose deadlines restarted at the referral).
    """
    rows = list(due.values_list("pk", field))
    if not rows:
        return Ratio(0, 0)
    firsts = (
        DemandEvent.objects.filter(
            community__in=communities, kind__in=kinds, at__gte=lo, demand__in=due.values("pk")
        )
        .filter(community=F("demand__community"))
        .values("demand")
        .annotate(day=TruncDate(Min("at")))
        .values_list("demand", "day")
    )
    first: dict[int, date] = dict(firsts)
    today = timezone.localdate()
    met = decided = 0
    for pk, day in rows:
        when = first.get(pk)
        if when is None and day >= today:
            continue
        decided += 1
        met += when is not None and when <= day
    return Ratio(met, decided)


def _by_day(
    recorded: list[date], resolved: list[datetime], start: date, end: date
) -> list[tuple[date, int, int]]:
    collected_on: dict[date, int] = {}
    for day in recorded:
        collected_on[day] = collected_on.get(day, 0) + 1
    resolved_on: dict[date, int] = {}
    for at in resolved:
        day = timezone.localdate(at)
        resolved_on[day] = resolved_on.get(day, 0) + 1
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [(d, collected_on.get(d, 0), resolved_on.get(d, 0)) for d in days]
