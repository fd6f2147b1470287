"""The API's own writes: Open311 requests kept until staff place them, and placing them (which
records the demand through the intake service, as any other demand)."""

import uuid
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.api.models import UnplacedRequest
from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.paths import path_ids
from genxi.core.services import ServiceError
from genxi.demands import services as demands
from genxi.demands.models import Category, Channel, Demand
from genxi.places.models import Area, AreaKind, Resident

# Compounds and the areas above them. Anything else (a building, a common area, a grid) lies
# inside one, and its parent's name may come first in the text ("清嘉苑南门", "三花苑1幢").
OUTER_KINDS = frozenset(
    {AreaKind.COMPOUND, AreaKind.COMMUNITY, AreaKind.STREET, AreaKind.TOWN, AreaKind.DISTRICT}
)


def match_place(places: Any, text: str) -> Area | None:
    """The most specific of `places` whose name `text` contains: the longest name wins (a
    building's or common area's with its compound's), then the deepest place. None when nothing
    matches, or when two different places match equally well."""
    text = text.strip()[:500]
    if not text:
        return None
    found: list[Area] = list(
        places.exclude(name="")
        .annotate(text=Value(text), name_length=Length("name"))
        .filter(text__contains=F("name"))
        .select_related("parent")
        .order_by("-name_length", "-path")[:200]
    )

    def compound_name(area: Area) -> str | None:
        """The name that must come with a building's or common area's; None for the others."""
        parent = area.parent
        return parent.name if area.kind not in OUTER_KINDS and parent is not None else None

    def score(area: Area) -> tuple[int, int]:
        return len(area.name) + len(compound_name(area) or ""), len(path_ids(area.path))

    # A building or common area counts only with its compound named too: "1幢" alone is in
    # every compound.
    found = [a for a in found if (compound_name(a) or "") in text]
    if not found:
        return None
    ranked = sorted(found, key=score, reverse=True)
    if len(ranked) > 1 and score(ranked[0]) == score(ranked[1]):
        return None  # two places equally named: staff decide
    return ranked[0]


def reporters_by_phone(user: Any, phone: str) -> list[Resident]:
    """The resident behind a request, if the phone is one `user` already knows.
    Nobody new is registered from an API call."""
    phone = phone.strip()
    if len("".join(ch for ch in phone if ch.isdigit())) < 11:
        return []
    return list(Resident.objects.visible_to(user).search(phone, by_phone=True)[:1])


def home_area(user: Any) -> Area | None:
    """The community (or the street) where `user` records demands: the lowest area above every
    place they may report in, no lower than a community."""
    places = Area.objects.collected_by(user).order_by("path")
    first = places.values_list("path", flat=True).first()
    last = places.values_list("path", flat=True).last()
    if first is None or last is None:
        return None
    shared = []
    for a, b in zip(path_ids(first), path_ids(last), strict=False):
        if a != b:
            break
        shared.append(a)
    if not shared:
        return None
    area = Area.objects.get(pk=shared[-1])
    if area.kind in (AreaKind.STREET, AreaKind.TOWN, AreaKind.DISTRICT):
        return area
    return area.community() or area


def keep_unplaced(
    *,
    actor: Actor,
    token: uuid.UUID,
    category: Category,
    address: str,
    description: str,
    latitude: Decimal | None,
    longitude: Decimal | None,
    media_url: str,
    fields: dict[str, str],
) -> UnplacedRequest:
    """Keep an Open311 request whose address matched no place, for staff to place."""
    area = home_area(actor)
    if area is None:
        raise ServiceError(_("No place you may report in matches address_string."))
    with transaction.atomic():
        unplaced = UnplacedRequest.objects.create(
            token=token,
            submitted_by=acting_user(actor),
            area=area,
            category=category,
            address_string=address[:500],
            description=description,
            latitude=latitude,
            longitude=longitude,
            media_url=media_url,
            fields=fields,
        )
        log_action(
            actor=actor,
            action="unplacedrequest.create",
            obj=unplaced,
            changes={"address_string": address[:500], "category": category.pk},
        )
    return unplaced


def place_options(user: Any, unplaced: UnplacedRequest) -> Any:
    """Where staff may place it: places both they and the key's owner may record demands in."""
    return (
        Area.objects.collected_by(user)
        .filter(pk__in=Area.objects.collected_by(unplaced.submitted_by).values("pk"))
        .order_by("path")
    )


def place(*, actor: Actor, unplaced: UnplacedRequest, area: Area) -> Demand:
    """Staff chose where it is: the demand is recorded as the intake form records one, under
    the token the Open311 caller holds, so GET tokens/{token} now names it."""
    if not place_options(actor, unplaced).filter(pk=area.pk).exists():
        raise ServiceError(_("Choose one of the places listed."), field="area")
    with transaction.atomic():
        locked = UnplacedRequest.objects.select_for_update().get(pk=unplaced.pk)
        if locked.demand_id is not None:
            raise ServiceError(
                _("Someone else has already placed this request. Reload the page."),
                code="stale",
            )
        description = locked.description
        demand = demands.collect_demand(
            actor=actor,
            title=description.splitlines()[0][:100],
            description=description[:5000],
            category=locked.category,
            area=area,
            channel=Channel.WEB,
            reporters=reporters_by_phone(locked.submitted_by, locked.fields.get("phone", "")),
            latitude=locked.latitude,
            longitude=locked.longitude,
            media_url=locked.media_url,
            token=locked.token,
        )
        UnplacedRequest.objects.filter(pk=locked.pk).update(
            demand=demand, placed_by=acting_user(actor), placed_at=timezone.now()
        )
        log_action(
            actor=actor,
            action="unplacedrequest.place",
            obj=locked,
            changes={"area": area.pk, "demand": demand.pk},
        )
    unplaced.refresh_from_db()
    return demand
