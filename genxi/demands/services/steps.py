"""What every step of a demand's lifecycle shares: its guard, its event, and who hears of it.

A step that changes the status goes through `_move`: the demand machine's compare-and-set
(`DEMAND_MACHINE.swap`, the TRANSITIONS map as its guard), then a DemandEvent (what the figures
are computed from) and an audit entry, in one transaction. Notifications are queued with
`genxi.core.notify`, which sends them only once that transaction has committed.
"""

from collections.abc import Iterable
from typing import Any, TypeAlias

from django.core.files.base import File
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from genxi.accounts.models import Role, User
from genxi.core.audit import Actor, acting_user, jsonable, log_action
from genxi.core.notify import notify
from genxi.core.services import ServiceError
from genxi.demands.models import (
    DEMAND_MACHINE,
    Demand,
    DemandEvent,
    DemandPhoto,
    HandlingPath,
)
from genxi.places.models import STREET_KINDS, Area, Resident

# A photo as genxi.core.images.clean_photo returns it: re-encoded, without metadata.
Photo: TypeAlias = File[Any]


def _required(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(_("Please write the reason or the findings."), field=field)
    return value


def _attach_photos(demand: Demand, *, actor: Actor, photos: Iterable[Photo], kind: str) -> int:
    """Store photos already cleaned by genxi.core.images.clean_photo (re-encoded, no EXIF)."""
    rows = [
        DemandPhoto(demand=demand, kind=kind, image=photo, uploaded_by=acting_user(actor))
        for photo in photos
    ]
    for row in rows:
        row.save()
    return len(rows)


def _event(
    demand: Demand,
    *,
    actor: Actor,
    kind: str,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> DemandEvent:
    return DemandEvent.objects.create(
        demand=demand,
        community_id=demand.community_id,
        kind=kind,
        actor=acting_user(actor),
        note=note,
        from_status=from_status,
        to_status=to_status,
        public=public,
        data=data or {},
    )


def _move(
    demand: Demand,
    *,
    actor: Actor,
    to: str,
    kind: str,
    note: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
    **values: Any,
) -> None:
    """Move `demand` to status `to` if the map allows it and nobody moved it first.

    `values` are the demand's columns the step sets with the status (`accepted_at`, `path`...),
    written by the same UPDATE, as `Machine.swap` takes them.
    """
    with transaction.atomic():
        old = DEMAND_MACHINE.swap(demand, to, **values)
        demand.refresh_from_db()
        _event(
            demand,
            actor=actor,
            kind=kind,
            note=note,
            from_status=old,
            to_status=to,
            public=public,
            data=data or {},
        )
        log_action(
            actor=actor,
            action=f"demand.{kind}",
            obj=demand,
            changes={"status": [old, to], **{k: jsonable(v) for k, v in values.items()}},
        )


# ------------------------------------------------------------------ who hears


def _staff_of(area: Area) -> QuerySet[User]:
    role = Role.STREET_STAFF if area.kind in STREET_KINDS else Role.COMMUNITY_STAFF
    return User.objects.filter(is_active=True, memberships__role=role, memberships__area=area)


def _handlers_of_community(demand: Demand) -> QuerySet[User]:
    """The staff of whoever holds the demand: its community's, or the street's when it was
    referred to the street."""
    return _staff_of(demand.community)


def _handlers_of(demand: Demand) -> QuerySet[User]:
    """Who handles it now: the partner's handlers, or the community's staff."""
    if demand.path == HandlingPath.PARTNER and demand.handler_partner_id:
        return User.objects.filter(
            is_active=True,
            memberships__role=Role.PARTNER,
            memberships__partner_id=demand.handler_partner_id,
        )
    return _handlers_of_community(demand)


def _tell_reporters(demand: Demand, title: str, people: list[Resident] | None = None) -> None:
    """Reporters (all, or `people`) with an account get it in their inbox; those who agreed to
    be contacted, a text."""
    if people is None:
        people = [r.resident for r in demand.reporters.select_related("resident")]
    notify(
        users=[p.user for p in people if p.user_id],
        phones=[p.phone for p in people if p.phone and p.consent_to_contact],
        title=title,
        body=_("Tracking code %(code)s") % {"code": demand.code},
        url=f"{reverse('demands:track')}?code={demand.code}",
    )


def _tell_handlers(demand: Demand) -> None:
    notify(
        users=_handlers_of(demand),
        title=_("New demand assigned to you: %(title)s") % {"title": demand.title},
        body=_("Resolve by %(day)s") % {"day": demand.resolution_due.isoformat()},
        url=demand.get_absolute_url(),
    )
