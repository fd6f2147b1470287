"""Areas, partner units, venues and residents the caller may see, each in pages by id.

Each list is the queryset of its page (`visible_to`), behind the same page gate (a 404 to
others); residents' phone numbers are masked as they are in the resident list.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from genxi.accounts import scoping
from genxi.accounts.models import STAFF_ROLES, Role
from genxi.accounts.rules import require
from genxi.core.params import parse_id
from genxi.core.phones import mask_phone
from genxi.places.models import Area, AreaKind, Partner, PartnerKind, Resident, Venue, VenueKind

areas = Router(tags=["areas"])
partners = Router(tags=["partners"])
venues = Router(tags=["venues"])
residents = Router(tags=["residents"])


class PageQuery(Schema):
    q: str = Field("", max_length=50, description="words in the name")
    after: int | None = Field(None, ge=0, le=2**63 - 1, description="`next_after` of the last page")
    limit: int = Field(100, ge=1, le=1000)


def id_page(qs: QuerySet[Any], query: PageQuery) -> dict[str, Any]:
    """One page of `qs` in id order, and the id to continue after (None on the last page)."""
    qs = qs.order_by("id")
    if query.after is not None:
        qs = qs.filter(id__gt=query.after)
    rows = list(qs[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return {"items": rows, "next_after": rows[-1].pk if more else None}


def _named(qs: QuerySet[Any], text: str) -> QuerySet[Any]:
    text = text.replace("\x00", "").strip()
    return qs.filter(name__contains=text) if text else qs


class AreaOut(Schema):
    id: int
    kind: AreaKind
    name: str
    parent_id: int | None
    address: str


class AreaQuery(PageQuery):
    kind: AreaKind | None = None
    parent: int | None = Field(None, ge=1, le=2**63 - 1, description="only its children")


class AreaPage(Schema):
    items: list[AreaOut]
    next_after: int | None = Field(description="pass as `after` for the next page")


@areas.get("/", response=AreaPage, summary="Areas the caller may see, by id")
def list_areas(request: HttpRequest, query: Query[AreaQuery]) -> dict[str, Any]:
    qs = _named(Area.objects.visible_to(request.user), query.q)
    if query.kind:
        qs = qs.filter(kind=query.kind)
    if query.parent is not None:
        qs = qs.filter(parent_id=query.parent)
    return id_page(qs, query)


@areas.get("/{area_id}", response=AreaOut, summary="One area")
def get_area(request: HttpRequest, area_id: str) -> Area:
    return get_object_or_404(Area.objects.visible_to(request.user), pk=parse_id(area_id))


class PartnerOut(Schema):
    id: int
    name: str
    kind: PartnerKind
    area_id: int = Field(description="the street or community it is registered with")
    address: str
    description: str
    is_active: bool


class PartnerPage(Schema):
    items: list[PartnerOut]
    next_after: int | None


@partners.get("/", response=PartnerPage, summary="Partner units (共建单位) the caller works with")
def list_partners(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    require(request.user, "places.open_partners")
    return id_page(_named(Partner.objects.visible_to(request.user), query.q), query)


@partners.get("/{partner_id}", response=PartnerOut, summary="One partner unit")
def get_partner(request: HttpRequest, partner_id: str) -> Partner:
    require(request.user, "places.open_partners")
    return get_object_or_404(Partner.objects.visible_to(request.user), pk=parse_id(partner_id))


class VenueOut(Schema):
    id: int
    name: str
    kind: VenueKind
    area_id: int
    address: str
    capacity: int | None
    opening_hours: str
    is_active: bool


class VenuePage(Schema):
    items: list[VenueOut]
    next_after: int | None


@venues.get("/", response=VenuePage, summary="Micro-venues (微阵地) in the caller's areas")
def list_venues(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    require(request.user, "places.open_venues")
    return id_page(_named(Venue.objects.visible_to(request.user), query.q), query)


@venues.get("/{venue_id}", response=VenueOut, summary="One venue")
def get_venue(request: HttpRequest, venue_id: str) -> Venue:
    require(request.user, "places.open_venues")
    return get_object_or_404(Venue.objects.visible_to(request.user), pk=parse_id(venue_id))


class ResidentOut(Schema):
    id: int
    name: str
    area_id: int
    area: str = Field(alias="area.name")
    room: str
    phone: str = Field(description="masked, as in the resident list")
    consent_to_contact: bool

    @staticmethod
    def resolve_phone(resident: Resident) -> str:
        return mask_phone(resident.phone)


class ResidentQuery(PageQuery):
    q: str = Field(
        "",
        max_length=50,
        description="name, pinyin or initials; staff and pioneers also a number or its last 4",
    )


class ResidentPage(Schema):
    items: list[ResidentOut]
    next_after: int | None


@residents.get("/", response=ResidentPage, summary="Residents the caller may see (phones masked)")
def list_residents(request: HttpRequest, query: Query[ResidentQuery]) -> dict[str, Any]:
    require(request.user, "places.open_residents")
    by_phone = scoping.has_role(request.user, *STAFF_ROLES, Role.PIONEER)
    qs = Resident.objects.visible_to(request.user).select_related("area")
    return id_page(qs.search(query.q.replace("\x00", ""), by_phone=by_phone), query)


@residents.get("/{resident_id}", response=ResidentOut, summary="One resident (phone masked)")
def get_resident(request: HttpRequest, resident_id: str) -> Resident:
    require(request.user, "places.open_residents")
    return get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("area"), pk=parse_id(resident_id)
    )
