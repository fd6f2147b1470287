"""Demand categories and demands: the ledger with every filter, keyset pages, one demand with
its event log. Reads go through `genxi.demands.ledger` and `visible_to`, as the pages do."""

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from genxi.demands import ledger
from genxi.demands.models import Category, Demand, EventKind

router = Router(tags=["demands"])


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    depth: int
    response_days: int = Field(description="working days to accept")
    resolution_days: int = Field(description="working days to resolve")
    is_active: bool


@router.get("/categories", response=list[CategoryOut], summary="The demand category tree")
def list_categories(request: HttpRequest) -> Any:
    return Category.objects.visible_to(request.user).order_by("depth", "name")


class DemandOut(Schema):
    id: int
    code: str = Field(description="the tracking code given to reporters")
    title: str
    description: str
    category_id: int
    category: str = Field(alias="category.name")
    community_id: int
    community: str = Field(alias="community.name")
    street_id: int
    area_id: int
    area: str = Field(alias="area.name")
    channel: str
    status: str
    path: str = Field(description="how it is handled, once decided")
    handler_partner_id: int | None
    created_at: datetime
    response_due: date
    resolution_due: date
    due_provisional: bool = Field(description="counted through a year whose holidays are unknown")
    overdue: bool = Field(alias="is_overdue")
    reporters: int = Field(alias="reporter_count")


class EventOut(Schema):
    kind: EventKind
    at: datetime
    from_status: str
    to_status: str
    note: str
    public: bool
    actor: str | None

    @staticmethod
    def resolve_actor(event: Any) -> str | None:
        return str(event.actor) if event.actor_id else None


class DemandDetail(DemandOut):
    events: list[EventOut]

    @staticmethod
    def resolve_events(demand: Demand) -> Any:
        return list(demand.events.select_related("actor"))


class DemandFilters(Schema):
    status: str = Field("", description="a status, or `open` for all still open")
    category: str = Field("", description="a category id: it and everything under it")
    channel: str = ""
    handler: str = Field("", description="a partner id, or `community`")
    area: str = Field("", description="a street, community, compound, building or grid id")
    place: str = Field("", description="a compound within `area`")
    overdue: bool = False
    q: str = Field("", description="words in the title, details or place; or a tracking code")
    from_: str = Field("", alias="from", description="YYYY-MM-DD")
    to: str = Field("", description="YYYY-MM-DD")
    event: str = Field("", description="with from/to: when this step happened")
    due: str = Field("", description="with from/to: `response` or `resolution` deadline")
    sort: str = Field("new", description="`new`, `old` or `due`")
    after: str = Field("", description="the `next` cursor of the previous page")
    limit: int = Field(settings.GENXI_PAGE_SIZE, ge=1, le=200)


class DemandPage(Schema):
    items: list[DemandOut]
    total: int
    next: str = Field(description="pass as `after` for the next page; empty on the last")


@router.get("/demands", response=DemandPage, summary="The ledger, filtered, in keyset pages")
def list_demands(request: HttpRequest, filters: Query[DemandFilters]) -> dict[str, Any]:
    params = {k: v for k, v in filters.dict(by_alias=True).items() if v not in ("", None, False)}
    qs = ledger.filtered(request.user, {k: str(v) for k, v in params.items()}).select_related(
        "category", "community", "area"
    )
    rows, _cursor, next_cursor = ledger.page(
        qs, sort=filters.sort, after=filters.after, size=filters.limit
    )
    return {"items": rows, "total": qs.order_by().count(), "next": next_cursor}


@router.get("/demands/{demand_id}", response=DemandDetail, summary="One demand and its history")
def get_demand(request: HttpRequest, demand_id: str) -> Any:
    return get_object_or_404(
        ledger.filtered(request.user, {}).select_related("category", "community", "area"),
        pk=ledger.parse_id(demand_id),
    )
