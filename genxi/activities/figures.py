"""The figures of activities for a user's scope and a period, read from the rows themselves.

Definitions (docs/figures.md). A *session held* is one that ended inside the period, and before
now, of an activity neither a draft nor cancelled; its month is the month it ended in.

- activities held: activities with at least one session held; in the table by month an activity
  counts once in every month it held a session (a term over three months counts in each).
- sessions held: those sessions.
- participants (参与人次): attendances at sessions held, one per person and session.
- residents reached (服务人数): distinct people among those attendances, by the registration's
  person key — the resident for someone on the books ("r<id>"), guardian and child's name for a
  child, the phone number for a walk-in known only by name and phone. A person counts once in a
  group however many sessions they came to; the groups' numbers do not add up to the total.
- registered (报名人次): confirmed registrations times the sessions they cover that were held — a
  session's own registrations, each term student once per term session held — plus confirmed
  registrations for a stall's slot that ended in the period.
- no-shows (未到人次): of those, the ones with no attendance at that session (a slot: none at all).
- services delivered: the stalls' tallies recorded in the period, summed.
- volunteer hours: shifts checked in during the period and checked out, summed.

Each figure is one aggregate query over the whole scope grouped by kind, owner and month (the
distinct counts need one query per grouping): a dozen queries however many activities there
are, never a query per activity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from genxi.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Attendance,
    Offering,
    Registration,
    RegistrationStatus,
    ServiceTally,
    Session,
    Stall,
    VolunteerShift,
)
from genxi.places.models import Area

NOT_HELD = (ActivityStatus.DRAFT, ActivityStatus.CANCELLED)
CONFIRMED = RegistrationStatus.CONFIRMED


@dataclass
class Row:
    """The figures of one group (a kind, a community, a month) or of the whole scope."""

    activities: int = 0
    sessions: int = 0
    participants: int = 0
    reached: int = 0
    registered: int = 0
    no_shows: int = 0
    services: int = 0
    volunteer_hours: float = 0.0


@dataclass
class Figures:
    start: date
    end: date
    total: Row = field(default_factory=Row)
    by_kind: dict[str, Row] = field(default_factory=lambda: defaultdict(Row))
    by_community: dict[int, Row] = field(default_factory=lambda: defaultdict(Row))
    by_month: dict[date, Row] = field(default_factory=lambda: defaultdict(Row))
    # Participants by (month, kind), for the chart.
    month_kind: dict[tuple[date, str], int] = field(default_factory=lambda: defaultdict(int))
    communities: dict[int, str] = field(default_factory=dict)

    def kinds(self) -> list[tuple[str, str, Row]]:
        """(kind, label, figures) in the kinds' order, those with anything to show."""
        return [
            (k, str(label), self.by_kind[k])
            for k, label in ActivityKind.choices
            if k in self.by_kind
        ]

    def community_rows(self) -> list[tuple[int, str, Row]]:
        return sorted(
            ((pk, self.communities.get(pk, ""), row) for pk, row in self.by_community.items()),
            key=lambda item: item[1],
        )

    def months(self) -> list[date]:
        """Every month of the period, in order (empty months too: a chart's axis has no gaps)."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months

    def month_rows(self) -> list[tuple[date, Row]]:
        return [(m, self.by_month.get(m) or Row()) for m in self.months()]


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period from the start of `start` to the end of `end`, local time."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def scope(user: Any, area: Area | None = None) -> Any:
    """The activities whose figures `user` sees: `visible_to`, narrowed to those run by `area`
    or the communities under it."""
    activities = Activity.objects.visible_to(user).exclude(status__in=NOT_HELD)
    if area is not None:
        activities = activities.filter(owner__in=Area.objects.subtree(area))
    return activities


def held_sessions(activities: Any, start: date, end: date) -> Any:
    lo, hi = bounds(start, end)
    return Session.objects.filter(
        activity__in=activities.values("pk"), ends_at__gte=lo, ends_at__lt=min(hi, timezone.now())
    )


def _month(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


class _Adder:
    """Adds grouped counts (kind, owner, month, n) to the figures' groups."""

    def __init__(self, figures: Figures) -> None:
        self.figures = figures

    def add(self, name: str, rows: Iterable[dict[str, Any]], value: str = "n") -> None:
        f = self.figures
        for row in rows:
            n = row[value] or 0
            if isinstance(n, timedelta):
                n = n.total_seconds() / 3600
            groups = [f.total, f.by_kind[row["kind"]], f.by_community[row["owner"]]]
            if "month" in row:
                groups.append(f.by_month[_month(row["month"])])
            for group in groups:
                setattr(group, name, getattr(group, name) + n)


def compute(*, user: Any, start: date, end: date, area: Area | None = None) -> Figures:
    """The figures of the activities `user` sees (run by `area` and below, if given) for the
    days `start` to `end`, both included."""
    tz = timezone.get_current_timezone()
    figures = Figures(start=start, end=end)
    add = _Adder(figures).add
    activities = scope(user, area)
    sessions = held_sessions(activities, start, end)
    keys = {"kind": F("activity__kind"), "owner": F("activity__owner_id")}
    month = TruncMonth("ends_at", tzinfo=tz)

    # Activities and sessions: an activity has one kind and one owner, so distinct activities
    # add up over kinds and owners, and within a month.
    add("activities", sessions.values(**keys).annotate(n=Count("activity", distinct=True)))
    by_month = list(
        sessions.values(**keys, month=month).annotate(
            n=Count("pk"), a=Count("activity", distinct=True)
        )
    )
    add("sessions", by_month)
    for row in by_month:
        figures.by_month[_month(row["month"])].activities += row["a"]

    # Participants, and how many of them came on a registration for that session or term.
    attendances = Attendance.objects.filter(session__in=sessions.values("pk"))
    at_keys = {"kind": F("session__activity__kind"), "owner": F("session__activity__owner_id")}
    expected = Q(registration__status=CONFIRMED) & (
        Q(registration__offering__session=F("session"))
        | Q(registration__offering__term=F("session__term"))
    )
    rows = list(
        attendances.values(**at_keys, month=TruncMonth("session__ends_at", tzinfo=tz)).annotate(
            n=Count("pk"), came=Count("pk", filter=expected)
        )
    )
    add("participants", rows)
    for row in rows:
        figures.month_kind[(_month(row["month"]), row["kind"])] += row["n"]
        row["came"] = -row["came"]
    add("no_shows", rows, value="came")

    # Residents reached: distinct people, counted per grouping.
    person = Count("registration__person_key", distinct=True)
    figures.total.reached = attendances.aggregate(n=person)["n"]
    for row in attendances.values(kind=F("session__activity__kind")).annotate(n=person):
        figures.by_kind[row["kind"]].reached = row["n"]
    for row in attendances.values(owner=F("session__activity__owner_id")).annotate(n=person):
        figures.by_community[row["owner"]].reached = row["n"]
    months = attendances.values(month=TruncMonth("session__ends_at", tzinfo=tz)).annotate(n=person)
    for row in months:
        figures.by_month[_month(row["month"])].reached = row["n"]

    # Registered per session: a session's own registrations, a term's once per session; the
    # no-shows are these less those who came (subtracted above).
    for relation in ("offering", "term__offering"):
        registrations = f"{relation}__registrations"
        rows = list(
            sessions.filter(**{f"{relation}__isnull": False})
            .values(**keys, month=month)
            .annotate(n=Count(registrations, filter=Q(**{f"{registrations}__status": CONFIRMED})))
        )
        add("registered", rows)
        add("no_shows", rows)

    # A stall's slots: registered once, a no-show if they never checked in.
    lo, hi = bounds(start, end)
    # (Starting from the slots in the period keeps the estimate, and so the plan, small: from
    # the registrations, PostgreSQL expected a large join and spent a second compiling it.)
    slots = Offering.objects.filter(
        activity__in=activities.values("pk"),
        slot__ends_at__gte=lo,
        slot__ends_at__lt=min(hi, timezone.now()),
    )
    slot_rows = list(
        Registration.objects.filter(offering__in=slots.values("pk"), status=CONFIRMED)
        .values(
            kind=F("activity__kind"),
            owner=F("activity__owner_id"),
            month=TruncMonth("offering__slot__ends_at", tzinfo=tz),
        )
        .annotate(
            n=Count("pk", distinct=True),
            came=Count("attendances__registration", distinct=True),
        )
    )
    for row in slot_rows:
        row["missed"] = row["n"] - row["came"]
    add("registered", slot_rows)
    add("no_shows", slot_rows, value="missed")

    # Services delivered and volunteer hours, by when they were recorded.
    add(
        "services",
        ServiceTally.objects.filter(
            stall__activity__in=activities.values("pk"), recorded_at__gte=lo, recorded_at__lt=hi
        )
        .values(
            kind=F("stall__activity__kind"),
            owner=F("stall__activity__owner_id"),
            month=TruncMonth("recorded_at", tzinfo=tz),
        )
        .annotate(n=Sum("count")),
    )
    add(
        "volunteer_hours",
        VolunteerShift.objects.filter(
            activity__in=activities.values("pk"),
            checked_in_at__gte=lo,
            checked_in_at__lt=hi,
            checked_out_at__isnull=False,
        )
        .values(
            kind=F("activity__kind"),
            owner=F("activity__owner_id"),
            month=TruncMonth("checked_in_at", tzinfo=tz),
        )
        .annotate(
            n=Sum(
                ExpressionWrapper(
                    F("checked_out_at") - F("checked_in_at"), output_field=DurationField()
                )
            )
        ),
    )
    figures.communities = dict(
        Area.objects.filter(pk__in=list(figures.by_community)).values_list("pk", "name")
    )
    for row in [
        figures.total,
        *figures.by_kind.values(),
        *figures.by_community.values(),
        *figures.by_month.values(),
    ]:
        row.volunteer_hours = round(row.volunteer_hours, 1)
    return figures


def held_activities(*, user: Any, start: date, end: date, area: Area | None = None) -> Any:
    """The activities behind "activities held", latest first, each with its `held` sessions."""
    sessions = held_sessions(scope(user, area), start, end)
    return (
        Activity.objects.filter(pk__in=sessions.values("activity_id"))
        .select_related("owner")
        .annotate(held=Count("sessions", filter=Q(sessions__in=sessions.values("pk"))))
        .order_by("-created_at", "-id")
    )


def session_attendance(activity: Activity) -> Any:
    """The activity's sessions, each with `attended` and `registered` (confirmed, for the
    session or its term): one query."""
    return activity.sessions.select_related("venue", "term__course").annotate(
        attended=Count("attendances", distinct=True),
        registered=Count(
            "offering__registrations",
            filter=Q(offering__registrations__status=CONFIRMED),
            distinct=True,
        )
        + Count(
            "term__offering__registrations",
            filter=Q(term__offering__registrations__status=CONFIRMED),
            distinct=True,
        ),
    )


def stall_services(activity: Activity) -> Any:
    """The activity's stalls, each with `services` (their tallies summed): one query."""
    return (
        Stall.objects.filter(activity=activity)
        .select_related("provider")
        .annotate(services=Sum("tallies__count", default=0))
    )


def participations(*, user: Any, start: date, end: date, area: Area | None = None) -> Any:
    """The attendances behind "participants" (参与人次): one per person and session held."""
    sessions = held_sessions(scope(user, area), start, end)
    return (
        Attendance.objects.filter(session__in=sessions.values("pk"))
        .select_related("registration", "session__activity__owner")
        .order_by("-session__ends_at", "-id")
    )


def people_reached(*, user: Any, start: date, end: date, area: Area | None = None) -> Any:
    """The people behind "residents reached" (服务人数): for each distinct person key among
    those attendances, their first registration (so the rows count as the figure does)."""
    firsts = (
        participations(user=user, start=start, end=end, area=area)
        .order_by()
        .values("registration__person_key")
        .annotate(first=Min("registration_id"))
        .values("first")
    )
    return (
        Registration.objects.filter(pk__in=firsts)
        .select_related("community")
        .order_by("name", "id")
    )
