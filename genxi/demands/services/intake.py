"""Intake: a demand recorded, and the residents who raise it."""

import secrets
import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.services import ServiceError, create_object
from genxi.demands.intake import DeadlineCounter, collected_event
from genxi.demands.models import (
    UNRESOLVED_STATUSES,
    Category,
    Channel,
    Demand,
    DemandReporter,
    EventKind,
    PhotoKind,
    Visit,
)
from genxi.demands.services.steps import Photo, _attach_photos, _event, _required
from genxi.places.models import Area, Resident, Venue

# No 0/O, 1/I/L: a code read out over the phone must not be misheard.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def collect_demand(
    *,
    actor: Actor,
    title: str,
    category: Category,
    area: Area | None = None,
    channel: str,
    reporters: Iterable[Resident] = (),
    venue: Venue | None = None,
    description: str = "",
    visit: Visit | None = None,
    token: uuid.UUID | None = None,
    today: date | None = None,
    photos: Iterable[Photo] = (),
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    media_url: str = "",
) -> Demand:
    """Record a demand from a visit, a call, a walk-in, the web or an inspection.

    Its deadlines are the category's working days from today. A retried submission (the same
    `token`) returns the demand the first one made.

    The place is an area (a community, compound, building or common area) or a `venue`, whose
    own area it then takes. Who may record where is `demands.add_demand` with the place
    (`Area.objects.collected_by`: staff in their communities, a pioneer anywhere in the
    communities they serve), which the intake form, the REST API and Open311 apply by offering
    only those places.
    """
    area = area or (venue.area if venue is not None else None)
    if area is None:
        raise ServiceError(_("Choose where: a place, or a venue."), field="area")
    community = area.community()
    if community is None:
        raise ServiceError(_("Choose a place inside a community."), field="area")
    if not category.is_active:
        raise ServiceError(
            _("This category is no longer in use; choose another."), field="category"
        )
    if channel not in Channel.values:
        raise ServiceError(_("Choose how the demand came in."), field="channel")
    title = _required(title, "title")
    deadlines = DeadlineCounter().count(
        today or timezone.localdate(), category.response_days, category.resolution_days
    )
    people = list(dict.fromkeys(reporters))

    def attach(demand: Demand) -> None:
        DemandReporter.objects.bulk_create(
            [DemandReporter(demand=demand, resident=r) for r in people]
        )
        _attach_photos(demand, actor=actor, photos=photos, kind=PhotoKind.INTAKE)
        _event(demand, actor=actor, **collected_event(channel, len(people)))

    return create_object(
        actor=actor,
        model=Demand,
        fields={
            "code": new_code(),
            "title": title,
            "description": description.strip(),
            "category": category,
            "community": community,
            "street_id": community.parent_id,
            "area": area,
            "venue": venue,
            "channel": channel,
            "visit": visit,
            "created_by": acting_user(actor),
            **deadlines._asdict(),
            "latitude": latitude,
            "longitude": longitude,
            "media_url": media_url,
        },
        token=token,
        after_insert=attach,
    )


def add_reporter(*, actor: Actor, demand: Demand, resident: Resident) -> bool:
    """ "Me too": one more resident raised the same thing. False when they already had.
    Not once it is resolved: a reporter who joins then would never be called back."""
    if demand.status not in UNRESOLVED_STATUSES:
        raise ServiceError(
            _("This demand is no longer open; record a new one instead."), code="closed"
        )
    try:
        with transaction.atomic():
            _reporter, created = DemandReporter.objects.get_or_create(
                demand=demand, resident=resident
            )
            if created:
                _event(
                    demand,
                    actor=actor,
                    kind=EventKind.REPORTER_ADDED,
                    data={"resident": resident.pk},
                )
                log_action(
                    actor=actor,
                    action="demand.reporter_added",
                    obj=demand,
                    changes={"resident": resident.pk},
                )
    except IntegrityError:
        return False  # the same resident added twice at once: the other request did it
    return created
