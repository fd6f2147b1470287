"""The month's visit plan: which households a pioneer is to visit, in what order, and what
is done (read from the visits: a visit by the plan's pioneer to the household in the month).

Making a plan is `services.plans.plan_for`; these are the reads the pages, the menu's badge
and the pioneer's home card share.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import timezone

from genxi.accounts import scoping
from genxi.accounts.models import Role
from genxi.demands.models import Visit
from genxi.pioneers.models import PlanItem, VisitPlan
from genxi.pioneers.services.plans import month_start, next_month, plan_for
from genxi.places.models import Pioneer, Resident


@dataclass
class Row:
    """A household of a plan as the pages show it."""

    item: PlanItem
    residents: list[Resident] = field(default_factory=list)
    visit_id: int | None = None  # the month's latest visit by the plan's pioneer
    nobody_home: bool = False

    @property
    def done(self) -> bool:
        return self.visit_id is not None

    @property
    def label(self) -> str:
        building = self.item.area
        parent = building.parent
        return " ".join(
            p for p in [parent.name if parent else "", building.name, self.item.room] if p
        )

    @property
    def visit_url(self) -> str:
        query = f"?area={self.item.area_id}&room={self.item.room}"
        return reverse("pioneers:visit_create") + query


@dataclass
class Progress:
    planned: int
    done: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.planned) if self.planned else 0


def _visits_in(user_ids: set[int], month: date) -> dict[tuple[int, int, str], tuple[int, bool]]:
    """(user, building, room) → (the latest visit's id, nobody home) for the month: one query."""
    found: dict[tuple[int, int, str], tuple[int, bool]] = {}
    rows = (
        Visit.objects.filter(
            pioneer_id__in=user_ids, visited_on__gte=month, visited_on__lt=next_month(month)
        )
        .order_by("visited_on", "id")
        .values_list("pioneer_id", "area_id", "room", "id", "nobody_home")
    )
    for user_id, area_id, room, visit_id, nobody in rows:
        found[(user_id, area_id, room)] = (visit_id, nobody)
    return found


def rows_of(plan: VisitPlan) -> list[Row]:
    """The plan's households in order, each with its residents and whether it is done (three
    queries)."""
    items = list(plan.items.select_related("area__parent").order_by("rank"))
    residents: dict[tuple[int, str], list[Resident]] = defaultdict(list)
    for resident in Resident.objects.filter(area__in={i.area_id for i in items}).order_by("id"):
        residents[(resident.area_id, resident.room)].append(resident)
    user_id = plan.pioneer.user_id
    visits = _visits_in({user_id}, plan.month) if user_id else {}
    rows = []
    for item in items:
        visit = visits.get((user_id or 0, item.area_id, item.room))
        rows.append(
            Row(
                item=item,
                residents=residents.get((item.area_id, item.room), []),
                visit_id=visit[0] if visit else None,
                nobody_home=visit[1] if visit else False,
            )
        )
    return rows


def progress_of(plans: list[VisitPlan]) -> dict[int, Progress]:
    """Plan id → households planned and visited (two queries for any number of plans)."""
    if not plans:
        return {}
    items: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for plan_id, area_id, room in PlanItem.objects.filter(plan__in=plans).values_list(
        "plan_id", "area_id", "room"
    ):
        items[plan_id].append((area_id, room))
    result: dict[int, Progress] = {}
    by_month: dict[date, list[VisitPlan]] = defaultdict(list)
    for plan in plans:
        by_month[plan.month].append(plan)
    for month, month_plans in by_month.items():
        users = {p.pioneer.user_id for p in month_plans if p.pioneer.user_id}
        visits = _visits_in(users, month) if users else {}
        for plan in month_plans:
            uid = plan.pioneer.user_id or 0
            households = items.get(plan.pk, [])
            done = sum(1 for a, r in households if (uid, a, r) in visits)
            result[plan.pk] = Progress(planned=len(households), done=done)
    return result


def appointments_of(user: Any) -> list[Pioneer]:
    """The user's serving appointments, the oldest first."""
    if not scoping.has_role(user, Role.PIONEER):
        return []
    return list(
        Pioneer.objects.active()
        .filter(user=user)
        .select_related("community")
        .order_by("appointed_on", "id")
    )


def badge(user: Any) -> int:
    """The households of the user's plans this month not visited yet (plans already made;
    opening the plan or the home page makes them)."""
    month = month_start(timezone.localdate())
    plans = list(
        VisitPlan.objects.filter(
            pioneer__in=Pioneer.objects.active().filter(user=user), month=month
        ).select_related("pioneer")
    )
    return sum(p.planned - p.done for p in progress_of(plans).values())


def home_card(user: Any) -> Any:
    """The pioneer's home page card (templates/pioneers/includes/pioneer_plan.html): this
    month's plan, how much is done, the next households. None hides the card."""
    appointments = appointments_of(user)
    if not appointments:
        return None
    month = month_start(timezone.localdate())
    plans = [plan_for(a, month, actor=user) for a in appointments]
    for plan, appointment in zip(plans, appointments, strict=True):
        plan.pioneer = appointment
    progress = progress_of(plans)
    cards = []
    for plan in plans:
        rows = [r for r in rows_of(plan) if not r.done]
        cards.append(
            {"plan": plan, "progress": progress[plan.pk], "next": rows[:3], "left": len(rows)}
        )
    return {"month": month, "cards": cards, "several": len(cards) > 1}
