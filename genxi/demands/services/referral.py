"""Referral (转办) to another community of the street or to the street, and corrections of a
demand's place or category after intake: both under the deadline rule (see `deadlines`)."""

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.core.audit import Actor, log_action
from genxi.core.notify import notify
from genxi.core.services import ServiceError
from genxi.core.workdays import WorkCalendar
from genxi.demands.models import (
    OPEN_STATUSES,
    REFUSED,
    Category,
    Demand,
    EventKind,
    StaleDemand,
    Status,
)
from genxi.demands.services.deadlines import _recounted
from genxi.demands.services.steps import _event, _required, _staff_of
from genxi.places.models import Area, AreaKind


def transfer_destinations(demand: Demand) -> QuerySet[Area]:
    """Where a demand can be referred within Genxi: the other communities of its street, and
    the street itself (a demand the street holds can go to any of its communities)."""
    street_id = demand.street_id
    return (
        Area.objects.filter(Q(kind=AreaKind.COMMUNITY, parent_id=street_id) | Q(pk=street_id))
        .exclude(pk=demand.community_id)
        .order_by("path")
    )


def transfer(
    *, actor: Actor, demand: Demand, to: Area, reason: str, today: date | None = None
) -> None:
    """Refer (转办) the demand to another community of its street, or to the street itself.

    It moves there with its history: its community, street and place become the destination's
    (whose staff narrow the place down with a correction), it awaits acceptance again, and both
    deadlines are recounted from today (the deadline rule, see `deadlines`). Its events stay as
    they were, each with the community that took the step; the referral's own event is the old
    community's, which therefore keeps reading the demand (`Demand.objects.visible_to`) but can
    no longer act on it. The destination's staff are told.
    """
    reason = _required(reason, "reason")
    if not transfer_destinations(demand).filter(pk=to.pk).exists():
        raise ServiceError(
            _("Refer it to another community of the same street, or to the street."), field="to"
        )
    old_status = demand.status
    if old_status not in (Status.COLLECTED, Status.ACCEPTED):
        raise ServiceError(
            str(REFUSED) % {"status": Status(old_status).label}, code="invalid_transition"
        )
    day = today or timezone.localdate()
    calendar = WorkCalendar.load()
    response = calendar.add_workdays(day, demand.category.response_days)
    resolution = calendar.add_workdays(day, demand.category.resolution_days)
    old = demand.community
    fields: dict[str, Any] = {
        "community": to,
        "street_id": demand.street_id,
        "area": to,
        "venue": None,  # a venue of the old community's
        "status": Status.COLLECTED,
        "accepted_at": None,
        "response_due": response.day,
        "resolution_due": resolution.day,
        "due_provisional": response.provisional or resolution.provisional,
    }
    changes = {
        "status": [old_status, Status.COLLECTED],
        "community": [old.pk, to.pk],
        "area": [demand.area_id, to.pk],
        "response_due": [demand.response_due.isoformat(), response.day.isoformat()],
        "resolution_due": [demand.resolution_due.isoformat(), resolution.day.isoformat()],
    }
    with transaction.atomic():
        changed = Demand.objects.filter(
            pk=demand.pk, status=old_status, community_id=old.pk
        ).update(updated_at=timezone.now(), **fields)
        if changed != 1:
            raise StaleDemand(
                Demand.objects.filter(pk=demand.pk).values_list("status", flat=True).first()
            )
        # The old community's step, in its own history and figures.
        _event(
            demand,
            actor=actor,
            kind=EventKind.TRANSFERRED,
            note=reason,
            from_status=old_status,
            to_status=Status.COLLECTED,
            data={"from": old.pk, "from_name": old.name, "to": to.pk, "to_name": to.name},
        )
        demand.refresh_from_db()
        log_action(actor=actor, action="demand.transferred", obj=demand, changes=changes)
        notify(
            users=_staff_of(to),
            title=_("Referred to you by %(community)s: %(title)s")
            % {"community": old.name, "title": demand.title},
            body=_("Accept by %(day)s") % {"day": demand.response_due.isoformat()},
            url=demand.get_absolute_url(),
        )


def correct(
    *,
    actor: Actor,
    demand: Demand,
    reason: str,
    area: Area | None = None,
    category: Category | None = None,
) -> dict[str, list[Any]]:
    """Correct the demand's place (within its community) or category after intake, with a reason.

    Deadlines follow the deadline rule above: a new category recounts them from the start day,
    except those of steps already done. Returns what changed (also in the event and the audit).
    """
    reason = _required(reason, "reason")
    if demand.status not in OPEN_STATUSES:
        raise ServiceError(_("This demand is no longer open."), code="closed")
    area = area or demand.area
    category = category or demand.category
    if area.pk != demand.area_id and not _in_community(area, demand.community):
        raise ServiceError(
            _("Choose a place in %(community)s; to move it to another community, refer it.")
            % {"community": demand.community.name},
            field="area",
        )
    if category.pk != demand.category_id and not category.is_active:
        raise ServiceError(
            _("This category is no longer in use; choose another."), field="category"
        )
    changes: dict[str, list[Any]] = {}
    fields: dict[str, Any] = {}
    old_area, old_category = demand.area, demand.category
    if area.pk != demand.area_id:
        changes["area"] = [demand.area_id, area.pk]
        fields["area"] = area
        fields["venue"] = None  # the corrected place stands alone
    if category.pk != demand.category_id:
        changes["category"] = [demand.category_id, category.pk]
        fields["category"] = category
        fields.update(_recounted(demand, category, changes))
    if not changes:
        raise ServiceError(_("Change the place or the category, or leave it as it is."))
    with transaction.atomic():
        changed = Demand.objects.filter(
            pk=demand.pk, status=demand.status, updated_at=demand.updated_at
        ).update(updated_at=timezone.now(), **fields)
        if changed != 1:
            raise StaleDemand(
                Demand.objects.filter(pk=demand.pk).values_list("status", flat=True).first()
            )
        demand.refresh_from_db()
        # What the history shows: each change by name or date, old → new.
        shown = {
            "area": [str(old_area), str(area)] if "area" in changes else None,
            "category": [old_category.name, category.name] if "category" in changes else None,
        }
        _event(
            demand,
            actor=actor,
            kind=EventKind.CORRECTED,
            note=reason,
            data={**changes, "shown": {k: v for k, v in shown.items() if v}},
        )
        log_action(actor=actor, action="demand.corrected", obj=demand, changes=changes)
    return changes


def _in_community(area: Area, community: Area) -> bool:
    return (
        area.kind != AreaKind.GRID
        and community.kind == AreaKind.COMMUNITY
        and community.contains(area)
    )
