"""The assessment (考核): each indicator computed from the records for a period, the parts
weighted by who rates, the grade. Owner: helper C.

How a total is made (docs/architecture.md, "Assessment"):

- The STREET's part is the weighted indicators, each computed from the records (never typed
  in): visits against the plan, demands collected, on-time resolution, call-back satisfaction,
  call-backs on time, volunteer hours, activities helped. An indicator with nothing to count
  (no plan that month, no demand due, no call-back) is "not applicable": left out, its weight
  re-spread over the others in proportion.
- The COMMUNITY's part is its staff's rating (0–100, `Rating`) for the period; for a quarter or
  a year without its own rating, the average of the months' ratings.
- The RESIDENTS' part is the average of residents' stars in the period × 20.
- total = Σ share × part / 100; a part still missing is shown as missing and its share
  re-spread over the present parts in proportion. The grade is the highest whose floor is at or
  below the total.

Everything is computed for many pioneers at once: one grouped query per indicator for the
whole set (the benchmark, bench/pioneer_assessment.py, assesses a street's 500 in one go).
"""

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Case, Count, DateField, Exists, F, OuterRef, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from genxi.core.paths import path_ids
from genxi.pioneers.config import settings_for
from genxi.pioneers.models import (
    COUNTED_INDICATORS,
    IndicatorKey,
    PeriodKind,
    PlanItem,
    Rating,
    ResidentRating,
    Scheme,
)
from genxi.places.models import Area, Pioneer, PioneerStatus

TWO = Decimal("0.01")

# How each indicator is worked out: shown under it on the pioneer's page ("why this number").
HOW: dict[str, Any] = {
    IndicatorKey.VISITS: _(
        "Households of your visit plans in the period that you visited in the plan's month, "
        "out of all the households planned. A month without a plan does not count."
    ),
    IndicatorKey.DEMANDS: _(
        "Demands you recorded in the period, against the target (the monthly target times "
        "the months)."
    ),
    IndicatorKey.ON_TIME: _(
        "Of the demands you recorded that were due in the period, those resolved on or "
        "before their due day (withdrawn, merged and referred demands are left out)."
    ),
    IndicatorKey.SATISFACTION: _(
        "Of the call-backs made in the period on demands you recorded, those where the "
        "resident was satisfied or basically satisfied."
    ),
    IndicatorKey.CALLBACKS: _(
        "Of the call-backs you made in the period, those made within %(days)s days of the "
        "demand's resolution."
    ),
    IndicatorKey.HOURS: _(
        "Hours of the volunteer shifts you checked out of in the period (as a user or as a "
        "resident), against the target (the monthly target times the months)."
    ),
    IndicatorKey.ACTIVITIES: _(
        "Different activities you volunteered at in the period, against the target (the "
        "monthly target times the months)."
    ),
}

# Indicators shown as a percentage (a ratio) rather than a count against a target.
RATIO_INDICATORS = frozenset(
    {IndicatorKey.VISITS, IndicatorKey.ON_TIME, IndicatorKey.SATISFACTION, IndicatorKey.CALLBACKS}
)

# The scheme used until a street or community saves its own (the example).
DEFAULT_SHARES = (60, 30, 10)
DEFAULT_INDICATORS: list[tuple[str, int, int | None]] = [
    (IndicatorKey.VISITS, 25, None),
    (IndicatorKey.DEMANDS, 15, 4),
    (IndicatorKey.ON_TIME, 15, None),
    (IndicatorKey.SATISFACTION, 15, None),
    (IndicatorKey.CALLBACKS, 10, None),
    (IndicatorKey.HOURS, 10, 4),
    (IndicatorKey.ACTIVITIES, 10, 1),
]
DEFAULT_GRADES: list[tuple[str, int]] = [
    ("优秀", 95),
    ("合格", 80),
    ("基本合格", 70),
    ("不合格", 0),
]


# ---------------------------------------------------------------- periods

# The first day a period may start: earlier dates are nobody's records, and near date.min the
# period's bounds no longer convert to UTC.
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # the last day, included

    @property
    def months(self) -> list[date]:
        """The first day of each month of the period."""
        out, day = [], self.start
        while day <= self.end:
            out.append(day)
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        return out

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start.year}年"

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as aware datetimes [from, to) in the deployment's time zone."""
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )


def month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def period_of(kind: str, day: date) -> Period:
    """The month, quarter or year holding `day`."""
    if kind == PeriodKind.MONTH:
        start = day.replace(day=1)
        return Period(kind, start, month_end(start))
    if kind == PeriodKind.QUARTER:
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, start, month_end(date(day.year, start.month + 2, 1)))
    if kind == PeriodKind.YEAR:
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))
    raise ValueError(kind)


def recent_periods(kind: str, today: date, count: int = 12) -> list[Period]:
    """The current period and those before it, newest first (the period picker)."""
    out = [period_of(kind, today)]
    while len(out) < count:
        out.append(period_of(kind, out[-1].start - timedelta(days=1)))
    return out


# ---------------------------------------------------------------- the scheme


@dataclass
class IndicatorRule:
    key: str
    weight: int
    monthly_target: int | None

    @property
    def label(self) -> str:
        return str(IndicatorKey(self.key).label)


@dataclass
class EffectiveScheme:
    """A saved `Scheme` (or the default one) as the computation reads it."""

    scheme: Scheme | None
    shares: tuple[int, int, int]
    indicators: list[IndicatorRule]
    grades: list[tuple[str, int]]  # best first

    def grade_for(self, total: Decimal) -> str:
        for name, floor in self.grades:
            if total >= floor:
                return name
        return ""


def default_scheme() -> EffectiveScheme:
    return EffectiveScheme(
        None,
        DEFAULT_SHARES,
        [IndicatorRule(k, w, t) for k, w, t in DEFAULT_INDICATORS],
        list(DEFAULT_GRADES),
    )


def scheme_for(area: Area) -> EffectiveScheme:
    """The nearest saved scheme up `area`'s path (its own first), else the default one."""
    found = (
        Scheme.objects.filter(area_id__in=path_ids(area.path))
        .select_related("area")
        .prefetch_related("indicators", "grades")
        .order_by("-area__path")
        .first()
    )
    if found is None:
        return default_scheme()
    return EffectiveScheme(
        found,
        (found.street_share, found.community_share, found.resident_share),
        [IndicatorRule(i.key, i.weight, i.monthly_target) for i in found.indicators.all()],
        [(g.name, g.min_score) for g in found.grades.all()],
    )


# ---------------------------------------------------------------- results


@dataclass
class Figure:
    """One indicator's numbers for one pioneer."""

    key: str
    weight: int
    numerator: float = 0
    denominator: float = 0
    applicable: bool = True
    target: int | None = None

    @property
    def score(self) -> Decimal | None:
        if not self.applicable or not self.denominator:
            return None
        ratio = Decimal(str(self.numerator)) / Decimal(str(self.denominator)) * 100
        return min(Decimal(100), ratio).quantize(TWO, ROUND_HALF_UP)

    def as_json(self) -> dict[str, Any]:
        score = self.score
        return {
            "key": self.key,
            "weight": self.weight,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "target": self.target,
            "applicable": score is not None,
            "score": None if score is None else float(score),
        }


@dataclass
class Result:
    pioneer: Pioneer
    figures: list[Figure] = field(default_factory=list)
    street: Decimal | None = None
    community: Decimal | None = None
    resident: Decimal | None = None
    total: Decimal = Decimal(0)
    grade: str = ""
    respread: bool = False  # a part was missing and its share re-spread


def _q2(value: Decimal | float) -> Decimal:
    return Decimal(str(value)).quantize(TWO, ROUND_HALF_UP)


def street_part(figures: Sequence[Figure]) -> Decimal | None:
    """The weighted average of the applicable indicators' scores (weights re-spread)."""
    scored = [(f.weight, f.score) for f in figures if f.score is not None]
    weights = sum(w for w, _s in scored)
    if not weights:
        return None
    return _q2(sum(Decimal(w) * s for w, s in scored if s is not None) / weights)


def combine(
    shares: tuple[int, int, int], parts: tuple[Decimal | None, Decimal | None, Decimal | None]
) -> tuple[Decimal, bool]:
    """Σ share × part / Σ shares of the parts present: a missing part's share is re-spread
    over the others in proportion. Returns the total and whether anything was re-spread."""
    present = [(s, p) for s, p in zip(shares, parts, strict=True) if p is not None and s]
    weight = sum(s for s, _p in present)
    if not weight:
        return Decimal(0), any(shares)
    total = sum(Decimal(s) * p for s, p in present if p is not None) / weight
    return _q2(total), weight != sum(shares)


# ---------------------------------------------------------------- computing


def pioneers_in(area: Area, period: Period) -> Any:
    """The appointments under `area` that served some of the period."""
    return (
        Pioneer.objects.filter(
            Q(community__path__startswith=area.path) | Q(community=area),
            appointed_on__lte=period.end,
        )
        .filter(Q(term_ends_on__isnull=True) | Q(term_ends_on__gte=period.start))
        .filter(~Q(status=PioneerStatus.ENDED) | Q(ended_on__gte=period.start))
        .select_related("community")
        .order_by("community__path", "name", "pk")
    )


def _by(rows: Iterable[dict[str, Any]], key: str, *values: str) -> dict[Any, tuple[Any, ...]]:
    return {row[key]: tuple(row[v] or 0 for v in values) for row in rows}


def visit_counts(pioneers: Sequence[Pioneer], period: Period) -> dict[int, tuple[int, int]]:
    """Per pioneer: (planned households visited in their plan's month, planned households)."""
    months = period.months
    # The plan month's last day, for the visit's window (one When per month of the period).
    last_day = Case(
        *[When(plan__month=m, then=Value(month_end(m))) for m in months],
        output_field=DateField(),
    )
    from genxi.demands.models import Visit

    done = Visit.objects.filter(
        pioneer=OuterRef("plan__pioneer__user"),
        area=OuterRef("area"),
        room=OuterRef("room"),
        visited_on__gte=OuterRef("plan__month"),
        visited_on__lte=OuterRef("last_day"),
    )
    rows = (
        PlanItem.objects.filter(plan__pioneer__in=[p.pk for p in pioneers], plan__month__in=months)
        .annotate(last_day=last_day)
        .values("plan__pioneer")
        .annotate(planned=Count("pk"), visited=Count("pk", filter=Exists(done)))
    )
    return {r["plan__pioneer"]: (r["visited"], r["planned"]) for r in rows}


def demand_counts(users: Sequence[int], period: Period) -> dict[int, tuple[int]]:
    from genxi.demands.models import Demand

    start, end = period.bounds()
    rows = (
        Demand.objects.filter(created_by__in=users, created_at__gte=start, created_at__lt=end)
        .values("created_by")
        .annotate(n=Count("pk"))
    )
    return {r["created_by"]: (r["n"],) for r in rows}


# Demands that left the pioneer's hands for reasons that are not late work.
NOT_JUDGED = ("withdrawn", "merged", "referred")


def on_time_counts(users: Sequence[int], period: Period) -> dict[int, tuple[int, int]]:
    from genxi.demands.models import Demand

    rows = (
        Demand.objects.filter(
            created_by__in=users, resolution_due__range=(period.start, period.end)
        )
        .exclude(status__in=NOT_JUDGED)
        .values("created_by")
        .annotate(
            due=Count("pk"),
            on_time=Count("pk", filter=Q(resolved_at__date__lte=F("resolution_due"))),
        )
    )
    return {r["created_by"]: (r["on_time"], r["due"]) for r in rows}


def satisfaction_counts(users: Sequence[int], period: Period) -> dict[int, tuple[int, int]]:
    from genxi.demands.models import Callback, Satisfaction

    start, end = period.bounds()
    good = [Satisfaction.SATISFIED, Satisfaction.BASICALLY]
    rows = (
        Callback.objects.filter(demand__created_by__in=users, at__gte=start, at__lt=end)
        .values("demand__created_by")
        .annotate(n=Count("pk"), good=Count("pk", filter=Q(result__in=good)))
    )
    return {r["demand__created_by"]: (r["good"], r["n"]) for r in rows}


def callback_counts(users: Sequence[int], period: Period, days: int) -> dict[int, tuple[int, int]]:
    from genxi.demands.models import Callback

    start, end = period.bounds()
    in_time = Q(at__lte=F("demand__resolved_at") + timedelta(days=days))
    rows = (
        Callback.objects.filter(by__in=users, at__gte=start, at__lt=end)
        .values("by")
        .annotate(n=Count("pk"), in_time=Count("pk", filter=in_time))
    )
    return {r["by"]: (r["in_time"], r["n"]) for r in rows}


def _shifts(pioneers: Sequence[Pioneer], period: Period) -> Any:
    from genxi.activities.models import VolunteerShift

    start, end = period.bounds()
    users = [p.user_id for p in pioneers if p.user_id]
    residents = [p.resident_id for p in pioneers if p.resident_id]
    return VolunteerShift.objects.filter(
        Q(user__in=users) | Q(resident__in=residents),
        checked_out_at__isnull=False,
        checked_in_at__gte=start,
        checked_in_at__lt=end,
    )


def _owners(pioneers: Sequence[Pioneer]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    by_user: dict[int, list[int]] = defaultdict(list)
    by_resident: dict[int, list[int]] = defaultdict(list)
    for p in pioneers:
        if p.user_id:
            by_user[p.user_id].append(p.pk)
        if p.resident_id:
            by_resident[p.resident_id].append(p.pk)
    return by_user, by_resident


def hours_and_activities(
    pioneers: Sequence[Pioneer], period: Period
) -> tuple[dict[int, float], dict[int, int]]:
    """Per pioneer: hours of checked-out shifts and distinct activities, from one grouped query
    (a shift counts once for a pioneer whether it names their account or their resident)."""
    rows = (
        _shifts(pioneers, period)
        .values("user", "resident", "activity")
        .annotate(spent=Sum(F("checked_out_at") - F("checked_in_at")))
    )
    by_user, by_resident = _owners(pioneers)
    seconds: dict[int, float] = defaultdict(float)
    activities: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        owners = set(by_user.get(row["user"], [])) | set(by_resident.get(row["resident"], []))
        spent = row["spent"]
        total = spent.total_seconds() if isinstance(spent, timedelta) else float(spent or 0) / 1e6
        for pk in owners:
            seconds[pk] += total
            activities[pk].add(row["activity"])
    hours = {pk: round(s / 3600, 2) for pk, s in seconds.items()}
    return hours, {pk: len(a) for pk, a in activities.items()}


def community_ratings(pioneers: Sequence[Pioneer], period: Period) -> dict[int, Decimal]:
    """The community's rating of the period, else the average of its months' ratings."""
    ids = [p.pk for p in pioneers]
    own = dict(
        Rating.objects.filter(
            pioneer__in=ids, period_kind=period.kind, period_start=period.start
        ).values_list("pioneer", "score")
    )
    out = {pk: _q2(score) for pk, score in own.items()}
    if period.kind != PeriodKind.MONTH:
        rows = (
            Rating.objects.filter(
                pioneer__in=[pk for pk in ids if pk not in own],
                period_kind=PeriodKind.MONTH,
                period_start__range=(period.start, period.end),
            )
            .values("pioneer")
            .annotate(avg=Avg("score"))
        )
        out.update({r["pioneer"]: _q2(r["avg"]) for r in rows})
    return out


def resident_ratings(pioneers: Sequence[Pioneer], period: Period) -> dict[int, Decimal]:
    rows = (
        ResidentRating.objects.filter(
            pioneer__in=[p.pk for p in pioneers], month__range=(period.start, period.end)
        )
        .values("pioneer")
        .annotate(avg=Avg("stars"))
    )
    return {r["pioneer"]: _q2(Decimal(str(r["avg"])) * 20) for r in rows}


def assess(pioneers: Sequence[Pioneer], period: Period, scheme: EffectiveScheme) -> list[Result]:
    """Every pioneer's figures, parts, total and grade under one scheme, one grouped query per
    indicator for the whole set."""
    pioneers = list(pioneers)
    if not pioneers:
        return []
    keys = {r.key for r in scheme.indicators}
    users = sorted({p.user_id for p in pioneers if p.user_id})
    months = len(period.months)
    counted: dict[str, dict[Any, tuple[Any, ...]]] = {}
    if IndicatorKey.VISITS in keys:
        counted["visits"] = dict(visit_counts(pioneers, period))
    if IndicatorKey.DEMANDS in keys:
        counted["demands"] = dict(demand_counts(users, period))
    if IndicatorKey.ON_TIME in keys:
        counted["on_time"] = dict(on_time_counts(users, period))
    if IndicatorKey.SATISFACTION in keys:
        counted["satisfaction"] = dict(satisfaction_counts(users, period))
    if IndicatorKey.CALLBACKS in keys:
        # Call-backs on time are counted with each community's own number of days.
        counted["callbacks"] = {}
        by_days: dict[int, list[int]] = defaultdict(list)
        days_of: dict[int, int] = {}
        for p in pioneers:
            if p.community_id not in days_of:
                days_of[p.community_id] = settings_for(p.community).callback_days
            if p.user_id:
                by_days[days_of[p.community_id]].append(p.user_id)
        for days, group in by_days.items():
            counted["callbacks"].update(callback_counts(group, period, days))
    hours: dict[int, float] = {}
    activities: dict[int, int] = {}
    if keys & {IndicatorKey.HOURS, IndicatorKey.ACTIVITIES}:
        hours, activities = hours_and_activities(pioneers, period)
    communities = community_ratings(pioneers, period)
    residents = resident_ratings(pioneers, period)

    results = []
    for p in pioneers:
        figures = []
        for rule in scheme.indicators:
            f = Figure(rule.key, rule.weight)
            if rule.key in COUNTED_INDICATORS:
                f.target = rule.monthly_target or 1
                f.denominator = f.target * months
                if rule.key == IndicatorKey.DEMANDS:
                    f.numerator = counted["demands"].get(p.user_id, (0,))[0]
                elif rule.key == IndicatorKey.HOURS:
                    f.numerator = hours.get(p.pk, 0.0)
                else:
                    f.numerator = activities.get(p.pk, 0)
            else:
                source = counted[rule.key]
                owner = p.pk if rule.key == IndicatorKey.VISITS else p.user_id
                f.numerator, f.denominator = source.get(owner, (0, 0))
                f.applicable = bool(f.denominator)
            figures.append(f)
        r = Result(p, figures)
        r.street = street_part(figures)
        r.community = communities.get(p.pk)
        r.resident = residents.get(p.pk)
        r.total, r.respread = combine(scheme.shares, (r.street, r.community, r.resident))
        r.grade = scheme.grade_for(r.total)
        results.append(r)
    return results


def assess_area(area: Area, period: Period) -> list[Result]:
    """Every pioneer under `area` for the period, each community under its own scheme."""
    pioneers = list(pioneers_in(area, period))
    groups: dict[int, list[Pioneer]] = defaultdict(list)
    for p in pioneers:
        groups[p.community_id].append(p)
    # Communities sharing the street's scheme are computed together.
    by_scheme: dict[Any, tuple[EffectiveScheme, list[Pioneer]]] = {}
    for members in groups.values():
        scheme = scheme_for(members[0].community)
        key = scheme.scheme.pk if scheme.scheme else None
        by_scheme.setdefault(key, (scheme, []))[1].extend(members)
    results: list[Result] = []
    for scheme, members in by_scheme.values():
        results.extend(assess(members, period, scheme))
    return results


# ---------------------------------------------------------------- the records behind a number


# The indicators counted from the pioneer's account (their visits, demands, call-backs).
USER_INDICATORS = frozenset(
    {
        IndicatorKey.VISITS,
        IndicatorKey.DEMANDS,
        IndicatorKey.ON_TIME,
        IndicatorKey.SATISFACTION,
        IndicatorKey.CALLBACKS,
    }
)


def records_behind(
    pioneer: Pioneer, key: str, period: Period, viewer: Any, limit: int = 50
) -> list[Any]:
    """The records one of a pioneer's indicators counted (the "how" list on their page), as
    far as `viewer` may see them. A pioneer without an account has none of the account's
    records (filtering on a missing user would match everyone's anonymous rows)."""
    from genxi.activities.models import VolunteerShift
    from genxi.demands.models import Callback, Demand, Visit

    start, end = period.bounds()
    user = pioneer.user_id
    if key in USER_INDICATORS and user is None:
        return []
    seen = Demand.objects.visible_to(viewer).values("pk")
    if key == IndicatorKey.VISITS:
        return list(
            Visit.objects.visible_to(viewer)
            .filter(pioneer=user, visited_on__range=(period.start, period.end))
            .select_related("area")[:limit]
        )
    if key == IndicatorKey.DEMANDS:
        return list(
            Demand.objects.visible_to(viewer)
            .filter(created_by=user, created_at__gte=start, created_at__lt=end)
            .order_by("-created_at")[:limit]
        )
    if key == IndicatorKey.ON_TIME:
        return list(
            Demand.objects.visible_to(viewer)
            .filter(created_by=user, resolution_due__range=(period.start, period.end))
            .exclude(status__in=NOT_JUDGED)
            .order_by("resolution_due")[:limit]
        )
    if key == IndicatorKey.SATISFACTION:
        return list(
            Callback.objects.filter(
                demand__created_by=user, demand__in=seen, at__gte=start, at__lt=end
            )
            .select_related("demand")
            .order_by("-at")[:limit]
        )
    if key == IndicatorKey.CALLBACKS:
        return list(
            Callback.objects.filter(by=user, demand__in=seen, at__gte=start, at__lt=end)
            .select_related("demand")
            .order_by("-at")[:limit]
        )
    shifts: Any = VolunteerShift.objects.filter(
        Q(user=user) if user else Q(pk__in=[]),
        checked_out_at__isnull=False,
        checked_in_at__gte=start,
        checked_in_at__lt=end,
    )
    if pioneer.resident_id:
        shifts = shifts | VolunteerShift.objects.filter(
            resident=pioneer.resident_id,
            checked_out_at__isnull=False,
            checked_in_at__gte=start,
            checked_in_at__lt=end,
        )
    return list(shifts.select_related("activity").order_by("-checked_in_at")[:limit])


# ---------------------------------------------------------------- the resident's card


def grid_pioneers(user: Any) -> list[tuple[Any, Pioneer]]:
    """(resident, pioneer) for each of the user's resident records whose grid a serving
    pioneer covers."""
    from genxi.places.models import Resident

    out = []
    for resident in Resident.objects.filter(user=user).select_related("area"):
        grid = resident.area.grid_id
        if grid is None:
            continue
        pioneer = Pioneer.objects.active().filter(grids=grid).order_by("appointed_on").first()
        if pioneer is not None:
            out.append((resident, pioneer))
    return out


def resident_card(user: Any) -> Any:
    """A resident's home page card (templates/pioneers/includes/resident_pioneer.html): the
    pioneer of their grid and their stars this month. None hides the card."""
    found = grid_pioneers(user)
    if not found:
        return None
    resident, pioneer = found[0]
    month = timezone.localdate().replace(day=1)
    given = ResidentRating.objects.filter(pioneer=pioneer, resident=resident, month=month).first()
    return {"pioneer": pioneer, "resident": resident, "rating": given}
