"""Work lists (今日待办): what a person must do today, each a filter of the demand ledger.

A work list is a condition on `Demand.objects.visible_to(user)` and the ledger parameters that
open the same rows: the home page's counts, the menu's badges and the ledger's `todo` filter all
read these definitions, so a count never disagrees with the list it opens. One aggregate query
counts every list of a user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from genxi.accounts import scoping
from genxi.accounts.models import STAFF_ROLES, Role
from genxi.core.workdays import WorkCalendar
from genxi.demands import figures
from genxi.demands.models import (
    OPEN_STATUSES,
    UNRESOLVED_STATUSES,
    Callback,
    Demand,
    DemandEvent,
    DemandReporter,
    EventKind,
    Status,
)
from genxi.places.models import Pioneer

# Still being worked on: accepted but not yet resolved (a resolved demand waits for call-backs).
UNRESOLVED = sorted(UNRESOLVED_STATUSES - {Status.COLLECTED})

# The ledger's `todo` values: lists that no status or overdue filter expresses alone.
CALLBACK = "callback"  # resolved, and some reporter not yet called back in this round
CLOSE = "close"  # everyone called back (or given up on), or resolved with nobody to call
DUE_SOON = "due_soon"  # its next deadline falls today or on the next working day
ESCALATED = "escalated"  # open, and once escalated to the street as overdue
MINE = "mine"  # recorded by the user
MY_CALLBACKS = "my_callbacks"  # to call back, in the grids the user covers as a pioneer
TODO_VALUES = (CALLBACK, CLOSE, DUE_SOON, ESCALATED, MINE, MY_CALLBACKS)
TODO_CHOICES = [
    (CALLBACK, _("To call back")),
    (CLOSE, _("To close out")),
    (DUE_SOON, _("Due within 1 working day")),
    (ESCALATED, _("Escalated to the street")),
    (MINE, _("Recorded by me")),
    (MY_CALLBACKS, _("Call-backs due to me")),
    ("handed_on", _("Referred elsewhere by us (read only)")),  # ledger.HANDED_ON
]


def next_workday(today: date) -> date:
    return WorkCalendar.load().add_workdays(today, 1).day


def to_call_back_q() -> Q:
    """Resolved, with a reporter not yet called back in the current round: fewer call-backs in
    the round than reporters, since each reporter is called back once a round (the constraint
    callback_once_per_round) and only reporters are (record_callback). Two counts per resolved
    demand, each by index, whatever the size of the tables."""

    def count(queryset: Any) -> Any:
        return Coalesce(
            Subquery(queryset.order_by().values("demand").annotate(n=Count("pk")).values("n")),
            0,
        )

    reporters = count(DemandReporter.objects.filter(demand=OuterRef("pk")))
    this_round = OuterRef("callback_round")
    answered = count(Callback.objects.filter(demand=OuterRef("pk"), round=this_round))
    return Q(status=Status.RESOLVED) & Q(GreaterThan(reporters, answered))


def todo_q(user: Any, key: str, today: date | None = None, *, until: date | None = None) -> Q:
    """The condition of the `todo` work list `key` (an unknown key matches nothing)."""
    day = today or timezone.localdate()
    if key == CALLBACK:
        return to_call_back_q()
    if key == CLOSE:  # close_out's rule: nobody left to call (genxi.demands.services)
        reporters = DemandReporter.objects.filter(demand=OuterRef("pk"))
        return Q(status=Status.CALLED_BACK) | Q(Q(status=Status.RESOLVED), ~Exists(reporters))
    if key == DUE_SOON:
        last = until or next_workday(day)
        return Q(status=Status.COLLECTED, response_due__gte=day, response_due__lte=last) | Q(
            status__in=UNRESOLVED, resolution_due__gte=day, resolution_due__lte=last
        )
    if key == ESCALATED:
        # By the events' (community, kind, at) index: the community's escalations only.
        escalated = DemandEvent.objects.filter(
            community=OuterRef("community"), kind=EventKind.ESCALATED, demand=OuterRef("pk")
        )
        return Q(status__in=sorted(UNRESOLVED_STATUSES)) & Q(Exists(escalated))
    if key == MINE and getattr(user, "is_authenticated", False):
        return Q(created_by=user)
    if key == MY_CALLBACKS:
        # demands.call_back_demand: his grids, what he recorded in his communities
        # (rules.recorded_it)
        grids = Q(area__grid__in=Pioneer.objects.grid_ids_of(user))
        if not getattr(user, "is_authenticated", False):
            return Q(pk__in=[])
        his = scoping.path_range_q("community__path", scoping.scope_paths(user, {Role.PIONEER}))
        return to_call_back_q() & (grids | (Q(created_by=user) & his))
    return Q(pk__in=[])


def overdue_q(today: date | None = None) -> Q:
    """The ledger's "overdue only" (DemandQuerySet.overdue), as a condition to count by: not
    accepted by its response deadline, or not resolved by its resolution deadline. (The same
    columns, so the count reads each row once; test_worklists checks both agree.)"""
    day = today or timezone.localdate()
    return Q(status=Status.COLLECTED, response_due__lt=day) | Q(
        status__in=sorted(UNRESOLVED_STATUSES), resolution_due__lt=day
    )


@dataclass(frozen=True)
class WorkItem:
    key: str
    label: str
    count: int
    url: str
    urgent: bool = False  # shown in red when not zero


# Each list: (key, label, ledger parameters). The condition is `_condition(key)`.
_LISTS: dict[str, tuple[Any, dict[str, str]]] = {
    "accept": (_("To accept"), {"status": Status.COLLECTED}),
    "verify": (_("To verify"), {"status": Status.ACCEPTED}),
    "assign": (_("To assign"), {"status": Status.VERIFIED}),
    "callback": (_("To call back"), {"todo": CALLBACK}),
    "close": (_("To close out"), {"todo": CLOSE}),
    "due_soon": (_("Due within 1 working day"), {"todo": DUE_SOON, "sort": "due"}),
    "overdue": (_("Overdue now"), {"overdue": "1", "sort": "due"}),
    "escalated": (_("Escalated to the street"), {"todo": ESCALATED, "sort": "due"}),
    "not_taken": (_("Assigned, not yet taken"), {"status": Status.ASSIGNED}),
    "my_callbacks": (_("Call-backs due to me"), {"todo": MY_CALLBACKS}),
    "mine": (_("Recorded by me, still open"), {"todo": MINE, "status": "open"}),
}
URGENT = {"overdue", "escalated", "due_soon"}
_LATE = frozenset(UNRESOLVED_STATUSES)
# The statuses each list can hold: the count reads only the demands in those (by index).
STATUSES: dict[str, frozenset[str]] = {
    "accept": frozenset({Status.COLLECTED}),
    "verify": frozenset({Status.ACCEPTED}),
    "assign": frozenset({Status.VERIFIED}),
    "callback": frozenset({Status.RESOLVED}),
    "close": frozenset({Status.CALLED_BACK, Status.RESOLVED}),
    "my_callbacks": frozenset({Status.RESOLVED}),
    "not_taken": frozenset({Status.ASSIGNED}),
    "due_soon": _LATE,
    "overdue": _LATE,
    "escalated": _LATE,
    "mine": OPEN_STATUSES,
}


def lists_for(user: Any) -> list[str]:
    """The work lists of the user's roles, in the order shown."""
    keys: list[str] = []
    if scoping.has_role(user, *STAFF_ROLES):
        keys += ["accept", "verify", "assign", "callback", "close", "due_soon", "overdue"]
    if scoping.has_role(user, Role.STREET_STAFF):
        keys += ["escalated"]
    if scoping.has_role(user, Role.PIONEER):
        keys += ["my_callbacks", "mine"]
    if scoping.has_role(user, Role.PARTNER):
        keys += ["not_taken", "due_soon"]
    return list(dict.fromkeys(keys))


def _condition(user: Any, key: str, today: date, until: date) -> Q:
    params = _LISTS[key][1]
    q = Q()
    if "status" in params:
        status = params["status"]
        q &= Q(status__in=sorted(OPEN_STATUSES)) if status == "open" else Q(status=status)
    if "overdue" in params:
        q &= overdue_q(today)
    if "todo" in params:
        q &= todo_q(user, params["todo"], today, until=until)
    return q


def work_items(user: Any, today: date | None = None, *, only: Any = None) -> list[WorkItem]:
    """The user's work lists with their counts: one query for all of them (`only`: those
    lists alone)."""
    keys = [k for k in lists_for(user) if only is None or k in only]
    if not keys:
        return []
    day = today or timezone.localdate()
    until = next_workday(day) if ({"due_soon"} & set(keys)) else day
    # Only the demands in the statuses these lists can hold: by the (status, due) index.
    statuses = sorted(set().union(*(STATUSES[key] for key in keys)))
    counts = (
        Demand.objects.visible_to(user)
        .filter(status__in=statuses)
        .aggregate(**{key: Count("pk", filter=_condition(user, key, day, until)) for key in keys})
    )
    ledger = reverse("demands:demand_list")
    return [
        WorkItem(
            key=key,
            label=str(_LISTS[key][0]),
            count=counts[key] or 0,
            url=f"{ledger}?{urlencode(_LISTS[key][1])}",
            urgent=key in URGENT,
        )
        for key in keys
    ]


def params_of(key: str) -> dict[str, str]:
    """The ledger parameters that open work list `key`."""
    return dict(_LISTS[key][1])


# The lists that ask for a step; their statuses do not overlap, so their sum counts each
# demand once. Deadlines (due soon, overdue, escalated) are reminders about the same demands.
STEPS = ("accept", "verify", "assign", "callback", "close", "not_taken")


def badge_count(items: list[WorkItem]) -> int:
    """The menu's badge on the demands: the demands waiting for the user's next step."""
    keys = {i.key for i in items}
    counted = set(STEPS) | ({"my_callbacks"} if "callback" not in keys else set())
    return sum(i.count for i in items if i.key in counted)


def badge_for(user: Any) -> int:
    """The badge of any page: the home page's lists when this request counted them, else
    the step lists alone (no deadlines to count, so no calendar to read)."""
    items = getattr(user, "_genxi_work_items", None)
    if items is None:
        items = work_items(user, only={*STEPS, "my_callbacks"})
    return badge_count(items)


def cached_work_items(user: Any) -> list[WorkItem]:
    """`work_items`, counted once per request: the menu's badge and the home page share it."""
    cached = getattr(user, "_genxi_work_items", None)
    if cached is None:
        cached = work_items(user)
        user._genxi_work_items = cached
    return cached


# ---------------------------------------------------------------- residents


def my_demands(user: Any) -> Any:
    """The demands the user raised as a resident (a reporter), newest first."""
    if not getattr(user, "is_authenticated", False):
        return Demand.objects.none()
    mine = DemandReporter.objects.filter(resident__user=user).values("demand")
    return Demand.objects.filter(pk__in=mine)


def awaiting_my_answer(user: Any) -> Any:
    """The user's demands resolved and waiting for their own call-back answer."""
    answered = Callback.objects.filter(
        demand=OuterRef("pk"), round=OuterRef("callback_round"), resident__user=user
    )
    return my_demands(user).filter(status=Status.RESOLVED).exclude(Exists(answered))


# ---------------------------------------------------------------- what each home page adds


def ledger_url(**params: Any) -> str:
    return f"{reverse('demands:demand_list')}?{urlencode(params)}"


def my_recorded_by_status(user: Any) -> list[tuple[str, str, int, str]]:
    """A pioneer's demands, recorded by him, counted by status (one grouped query):
    (status, label, count, the ledger's link)."""
    rows = (
        Demand.objects.visible_to(user)
        .filter(todo_q(user, MINE))
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    counts = dict(rows)
    return [
        (value, str(label), counts[value], ledger_url(todo=MINE, status=value))
        for value, label in Status.choices
        if counts.get(value)
    ]


def overdue_by_community(user: Any, today: date | None = None) -> list[dict[str, Any]]:
    """Street staff: each community's overdue and escalated demands (one grouped query)."""
    day = today or timezone.localdate()
    rows = (
        Demand.objects.visible_to(user)
        .open()
        .order_by()
        .values("community", "community__name", "community__path")
        .annotate(
            overdue=Count("pk", filter=overdue_q(day)),
            escalated=Count("pk", filter=todo_q(user, ESCALATED, day)),
        )
        .filter(Q(overdue__gt=0) | Q(escalated__gt=0))
        .order_by("community__path")
    )
    return [
        {
            "name": row["community__name"],
            "overdue": row["overdue"],
            "escalated": row["escalated"],
            "overdue_url": ledger_url(area=row["community"], overdue="1", sort="due"),
            "escalated_url": ledger_url(area=row["community"], todo=ESCALATED, sort="due"),
        }
        for row in rows
    ]


SUMMARY_DAYS = 30


def figures_summary(user: Any, today: date | None = None) -> list[Any]:
    """Leadership: the figures of the last SUMMARY_DAYS days of each area it leads
    (genxi.demands.figures.compute, as on the figures page)."""
    day = today or timezone.localdate()
    start = day - timedelta(days=SUMMARY_DAYS - 1)
    summaries = []
    for area in scoping.scope_areas(user, {Role.LEADERSHIP})[:5]:
        result = figures.compute(user=user, area=area, start=start, end=day)
        params = urlencode({"area": area.pk, "from": start.isoformat(), "to": day.isoformat()})
        result.url = f"{reverse('demands:figures')}?{params}"  # type: ignore[attr-defined]
        summaries.append(result)
    return summaries
