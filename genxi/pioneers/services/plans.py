"""Making a month's visit plan (走访计划): once per appointment and month, then fixed.

The plan is made the first time the month is opened (by the pioneer or by staff). It is
computed as the month began: a household is due when it was never visited or its last visit
before the month is more than `revisit_days` old; a household with a priority tag (独居老人,
残疾人: the settings' `priority_tags`) or with open demands is always in it. Priority
households come first, then the longest unvisited (never visited first). What is done is read
from the visits, never stored.

Building a plan is a fixed number of queries whatever the number of households.
"""

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.core.audit import Actor, log_action
from genxi.core.services import ServiceError
from genxi.demands.models import OPEN_STATUSES, DemandReporter, Visit
from genxi.pioneers.config import settings_for
from genxi.pioneers.households import Household, households_in
from genxi.pioneers.models import PlanItem, VisitPlan
from genxi.places.models import Pioneer


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def plan_for(pioneer: Pioneer, month: date, *, actor: Actor = None) -> VisitPlan:
    """The appointment's plan for the month of `month`, made now if there is none yet.

    Two requests opening the month at once meet the unique constraint (pioneer, month): the
    loser returns the winner's plan. A month that has not begun is refused.
    """
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise ServiceError(_("A month that has not begun has no plan yet."), field="month")
    found = VisitPlan.objects.filter(pioneer=pioneer, month=month).first()
    if found is not None:
        return found
    items = _ranked_items(pioneer, month)
    try:
        with transaction.atomic():
            plan = VisitPlan.objects.create(pioneer=pioneer, month=month)
            for item in items:
                item.plan = plan
            PlanItem.objects.bulk_create(items, batch_size=500)
            log_action(
                actor=actor,
                action="visitplan.create",
                obj=plan,
                changes={"month": month.isoformat(), "households": len(items)},
            )
    except IntegrityError:
        # Made by another request meanwhile (the constraint's loser): theirs is the plan.
        return VisitPlan.objects.get(pioneer=pioneer, month=month)
    return plan


def _ranked_items(pioneer: Pioneer, month: date) -> list[PlanItem]:
    """The households due or raised first, ranked, as unsaved PlanItems (five queries)."""
    config = settings_for(pioneer.community)
    priority = set(config.priority_tag_names())
    grid_ids = list(pioneer.grids.values_list("pk", flat=True))
    households = households_in(grid_ids)
    if not households:
        return []
    buildings = {h.building.pk for h in households}
    last_visits: dict[tuple[int, str], date] = {
        (row["area"], row["room"]): row["last"]
        for row in Visit.objects.filter(area__in=buildings, visited_on__lt=month)
        .order_by()
        .values("area", "room")
        .annotate(last=Max("visited_on"))
    }
    open_counts: dict[tuple[int, str], int] = {
        (row["resident__area"], row["resident__room"]): row["n"]
        for row in DemandReporter.objects.filter(
            resident__area__in=buildings, demand__status__in=sorted(OPEN_STATUSES)
        )
        .order_by()
        .values("resident__area", "resident__room")
        .annotate(n=Count("demand", distinct=True))
    }
    due_before = month - timedelta(days=config.revisit_days)
    chosen: list[tuple[tuple[Any, ...], Household, list[str], int, date | None]] = []
    for household in households:
        tags = sorted(
            {t.name for r in household.residents for t in r.tags.all() if t.name in priority}
        )
        demands = open_counts.get(household.key, 0)
        last = last_visits.get(household.key)
        is_priority = bool(tags) or demands > 0
        due = last is None or last < due_before
        if not (is_priority or due):
            continue
        order = (
            0 if is_priority else 1,
            last or date.min,  # never visited first, then the longest ago
            str(household.building.path),
            household.room,
        )
        chosen.append((order, household, tags, demands, last))
    chosen.sort(key=lambda row: row[0])
    return [
        PlanItem(
            area=household.building,
            room=household.room,
            rank=rank,
            tags=tags,
            open_demands=min(demands, 32767),
            last_visited_on=last,
        )
        for rank, (_order, household, tags, demands, last) in enumerate(chosen, start=1)
    ]
