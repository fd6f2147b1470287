"""A pioneer's home visit (走访) recorded in one go: whom they met, a note, each ask made a
demand raised on the visit, and the household's open demands followed up.

The visit and everything it raises are one transaction: a refused follow-up or ask leaves
nothing behind. A retried submission (the same `token`, a phone on a bad network, or two
phones sending the same form at once) returns the first visit and records nothing twice.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.accounts import scoping
from genxi.accounts.models import STAFF_ROLES
from genxi.core.audit import Actor, acting_user
from genxi.core.services import ServiceError, already_submitted, create_object
from genxi.demands.models import OPEN_STATUSES, Category, Channel, Demand, Visit
from genxi.demands.services.intake import collect_demand
from genxi.places.models import Area, AreaKind, Resident

# What one visit may carry: more is a form gone wrong, not a visit.
MAX_ASKS = 10
MAX_NOTES = 2000


@dataclass(frozen=True)
class Ask:
    """Something a resident asked on the visit: it becomes a demand."""

    title: str
    category: Category
    description: str = ""


def _is_staff_over(user: object, area: Area) -> bool:
    return scoping.covers(user, str(area.path), STAFF_ROLES)


def record_visit(
    *,
    actor: Actor,
    area: Area,
    room: str,
    visited_on: date,
    met: Iterable[Resident] = (),
    nobody_home: bool = False,
    notes: str = "",
    asks: Sequence[Ask] = (),
    follow_ups: Iterable[Demand] = (),
    token: uuid.UUID | None = None,
    today: date | None = None,
) -> Visit:
    """Record a visit to the household `room` of the building `area` by the acting user.

    Each ask becomes a demand (channel "visit", raised on this visit) reported by the
    residents met or, when nobody was met, by the household's residents. `follow_ups` are
    open demands the household raised that the user may see, linked to the visit. Who may
    record where is `pioneers.record_visit` (the pioneer of the building's grid, or staff over
    it), which the page asks before it calls this.
    """
    if (existing := already_submitted(token, Visit)) is not None:
        return existing
    user = acting_user(actor)
    if user is None:
        raise ServiceError(_("A visit is recorded by the person who made it."))
    day = today or timezone.localdate()
    if visited_on > day:
        raise ServiceError(
            _("A visit cannot be in the future: choose today or an earlier day."),
            field="visited_on",
        )
    if area.kind != AreaKind.BUILDING:
        raise ServiceError(_("Choose a building."), field="area")
    room = room.strip()
    notes = notes.strip()
    if len(notes) > MAX_NOTES:
        raise ServiceError(
            _("The note is too long: keep it under %(n)s characters.") % {"n": MAX_NOTES},
            field="notes",
        )
    if len(asks) > MAX_ASKS:
        raise ServiceError(
            _("At most %(n)s asks on one visit: record the others as demands.") % {"n": MAX_ASKS},
            field="asks",
        )
    household = list(Resident.objects.filter(area=area, room=room).order_by("id"))
    if not household and not _is_staff_over(user, area):
        raise ServiceError(
            _("Nobody is registered in this room: check the building and the room."),
            field="room",
        )
    met = list(dict.fromkeys(met))
    members = {r.pk for r in household}
    if any(r.pk not in members for r in met):
        raise ServiceError(_("Only residents of this household can be marked as met."), field="met")
    if nobody_home and met:
        raise ServiceError(
            _("Either nobody was at home or you met someone: not both."), field="nobody_home"
        )
    for ask in asks:
        if not ask.title.strip():
            raise ServiceError(_("Write what was asked."), field="asks")
        if not ask.category.is_active:
            raise ServiceError(
                _("The category %(name)s is no longer in use; choose another.")
                % {"name": ask.category.name},
                field="asks",
            )
    reporters = met or household
    wanted = list(dict.fromkeys(d.pk for d in follow_ups))

    with transaction.atomic():
        # Locked, so a follow-up cannot be closed out between the check and the link.
        locked = list(Demand.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
        ours = set(
            Demand.objects.filter(
                pk__in=wanted, reporters__resident__area=area, reporters__resident__room=room
            ).values_list("pk", flat=True)
        )
        seen = set(
            Demand.objects.visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True)
        )
        for demand in locked:
            if demand.pk not in seen:
                raise ServiceError(
                    _("%(code)s is outside your area: it cannot be followed up here.")
                    % {"code": demand.code},
                    field="follow_ups",
                )
            if demand.pk not in ours:
                raise ServiceError(
                    _("%(code)s was not raised by this household.") % {"code": demand.code},
                    field="follow_ups",
                )
            if demand.status not in OPEN_STATUSES:
                raise ServiceError(
                    _("%(code)s is already %(status)s: it cannot be followed up on a visit.")
                    % {"code": demand.code, "status": demand.get_status_display()},
                    field="follow_ups",
                )
        if len(locked) != len(wanted):
            raise ServiceError(_("A demand to follow up no longer exists."), field="follow_ups")

        def raise_asks(visit: Visit) -> None:
            for ask in asks:
                collect_demand(
                    actor=actor,
                    title=ask.title,
                    category=ask.category,
                    area=area,
                    channel=Channel.VISIT,
                    reporters=reporters,
                    description=ask.description,
                    visit=visit,
                    today=day,
                )

        return create_object(
            actor=actor,
            model=Visit,
            fields={
                "pioneer": user,
                "area": area,
                "room": room,
                "visited_on": visited_on,
                "notes": notes,
                "nobody_home": nobody_home,
            },
            m2m={"met": met, "follow_ups": locked},
            token=token,
            after_insert=raise_asks,
        )
