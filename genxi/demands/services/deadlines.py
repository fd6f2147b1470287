"""The deadline rule, and deadlines recounted once a year's holidays are published.

The deadline rule, in force for referrals and corrections (docs/architecture.md, "Demands"):

- A demand's clock starts on its start day: the day it was collected, or the day of its latest
  referral (转办) to another community or the street, whose owner then gets the full time.
- The response deadline is the category's response days after the start day, the resolution
  deadline its resolution days after it (working days, genxi.core.workdays).
- A referral recounts both from the referral day (the demand awaits acceptance again).
- A correction of the category recounts them from the start day with the new category's days,
  but never moves the deadline of a step already done: the response deadline once the demand
  is accepted, the resolution deadline once it is resolved or when an approved request for
  more time set it. Correcting only the place moves no deadline.
"""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from genxi.core.audit import Actor, jsonable, log_action
from genxi.core.workdays import WorkCalendar
from genxi.demands.models import (
    Category,
    Demand,
    EventKind,
    Extension,
    ExtensionStatus,
    Status,
)
from genxi.demands.services.steps import _event


def start_day(demand: Demand) -> date:
    """The day the demand's clock started: collection, or its latest referral here."""
    moved = (
        demand.events.filter(kind=EventKind.TRANSFERRED)
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )
    return timezone.localdate(moved or demand.created_at)


def _recounted(demand: Demand, category: Category, changes: dict[str, list[Any]]) -> dict[str, Any]:
    """The deadlines under `category`, by the deadline rule; records what moved in `changes`."""
    calendar = WorkCalendar.load()
    start = start_day(demand)
    fields: dict[str, Any] = {}
    provisional = False
    kept = False
    if demand.accepted_at is None:
        response = calendar.add_workdays(start, category.response_days)
        fields["response_due"], provisional = response.day, response.provisional
    else:
        kept = True
    extended = demand.extensions.filter(status=ExtensionStatus.APPROVED).exists()
    if demand.resolved_at is None and demand.status != Status.RESOLVED and not extended:
        resolution = calendar.add_workdays(start, category.resolution_days)
        fields["resolution_due"] = resolution.day
        provisional |= resolution.provisional
    else:
        kept = True
    if not fields:
        return {}
    fields["due_provisional"] = provisional or (kept and demand.due_provisional)
    for name in ("response_due", "resolution_due"):
        if name in fields and fields[name] != getattr(demand, name):
            changes[name] = [getattr(demand, name).isoformat(), fields[name].isoformat()]
    return fields


def recompute_provisional_deadlines(*, actor: Actor, year: int) -> int:
    """Once `year`'s holidays are known (entered on 设置 › 工作日历), recount the deadlines of the
    open demands that were counted through it by the weekday rule: from each demand's start day
    (collection, or its latest referral), with its category's working days, as at intake. The
    deadline rule holds: a response deadline once accepted, and a resolution deadline once
    resolved or moved by an approved extension, stay where they were. Each changed demand
    gets a DUE_RECOMPUTED event (old and new deadlines) and an audit entry; it stays provisional
    only if its deadlines still run through another year nobody has published. Returns how many
    demands changed.

    Called by `genxi.home.services.set_year_schedule` inside its transaction.
    """
    calendar = WorkCalendar.load()
    extended = set(
        Extension.objects.filter(status=ExtensionStatus.APPROVED).values_list("demand", flat=True)
    )
    candidates = (
        Demand.objects.open()
        .filter(due_provisional=True, resolution_due__year__gte=year)
        .select_related("category")
        .order_by("pk")
    )
    changed = 0
    with transaction.atomic():
        for demand in candidates:
            start = start_day(demand)  # collection, or the latest referral (the deadline rule)
            if start.year > year:
                continue  # counted wholly after `year`: this year's holidays change nothing

            def still_provisional(day: date, start: date = start) -> bool:
                """A deadline left where it is: does it still count through an unknown year?"""
                years = range(start.year, day.year + 1)
                return any(calendar.status(date(y, 6, 1)).provisional for y in years)

            # The deadline rule: a step already done keeps its deadline (as `correct` does).
            if demand.accepted_at is not None:
                response_day = demand.response_due
                response_provisional = still_provisional(response_day)
            else:
                response = calendar.add_workdays(start, demand.category.response_days)
                response_day, response_provisional = response.day, response.provisional
            if demand.pk in extended or demand.status in (Status.RESOLVED, Status.CALLED_BACK):
                resolution_day = demand.resolution_due
                resolution_provisional = still_provisional(resolution_day)
            else:
                resolution = calendar.add_workdays(start, demand.category.resolution_days)
                resolution_day, resolution_provisional = resolution.day, resolution.provisional
            provisional = response_provisional or resolution_provisional
            new = {
                "response_due": response_day,
                "resolution_due": resolution_day,
                "due_provisional": provisional,
            }
            old = {
                "response_due": demand.response_due,
                "resolution_due": demand.resolution_due,
                "due_provisional": demand.due_provisional,
            }
            if new == old:
                continue
            # Compare-and-set on the deadlines read: a deadline moved meanwhile is left alone.
            if not Demand.objects.filter(pk=demand.pk, **old).update(
                updated_at=timezone.now(), **new
            ):
                continue
            data = {
                "year": year,
                **{f"old_{k}": jsonable(v) for k, v in old.items()},
                **{k: jsonable(v) for k, v in new.items()},
            }
            _event(demand, actor=actor, kind=EventKind.DUE_RECOMPUTED, data=data)
            log_action(
                actor=actor,
                action="demand.due_recomputed",
                obj=demand,
                changes={k: [jsonable(old[k]), jsonable(new[k])] for k in new},
            )
            changed += 1
    return changed
