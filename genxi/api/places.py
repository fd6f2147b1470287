"""Areas: the tree of streets, communities, compounds, buildings and grids the caller may see."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from genxi.demands.ledger import parse_id
from genxi.places.models import Area, AreaKind

router = Router(tags=["areas"])


class AreaOut(Schema):
    id: int
    kind: str
    name: str
    parent_id: int | None
    address: str


class AreaFilters(Schema):
    kind: AreaKind | None = None
    parent: int | None = Field(None, description="only the children of this area")
    after: int | None = Field(None, description="the last id of the previous page")
    limit: int = Field(100, ge=1, le=1000)


class AreaPage(Schema):
    items: list[AreaOut]
    next_after: int | None = Field(description="pass as `after` for the next page")


@router.get("/", response=AreaPage, summary="Areas the caller may see, by id")
def list_areas(request: HttpRequest, filters: Query[AreaFilters]) -> dict[str, object]:
    qs = Area.objects.visible_to(request.user).order_by("id")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.parent is not None:
        qs = qs.filter(parent_id=filters.parent)
    if filters.after is not None:
        qs = qs.filter(id__gt=filters.after)
    rows = list(qs[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {"items": rows, "next_after": rows[-1].pk if more else None}


@router.get("/{area_id}", response=AreaOut, summary="One area")
def get_area(request: HttpRequest, area_id: str) -> Area:
    return get_object_or_404(Area.objects.visible_to(request.user), pk=parse_id(area_id))
