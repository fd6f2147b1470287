"""The dashboards' figures of an area, /api/v1/dashboards/{area}/figures: the same numbers the
dashboard page, the report and the exports show, read from the same snapshot
(`genxi.dashboards.snapshot.values`, each figure's one definition in its panel). Scoped like the
page: districts, streets and communities wholly under the caller's staff or leadership roles;
anything else 404."""

from datetime import datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from genxi.accounts.rules import require
from genxi.core.params import parse_id
from genxi.dashboards import periods, registry, snapshot
from genxi.dashboards.scope import dashboard_area

router = Router(tags=["dashboards"])


class DashboardFiguresQuery(Schema):
    period: Literal["month", "quarter", "year", "all"] = Field(
        "month", description="this month, quarter or year to date, or everything so far"
    )
    last_year: bool = Field(False, description="the same days a year earlier instead")


class DashboardFigureOut(Schema):
    key: str
    label: str
    unit: str = Field(description="count, money (yuan), rate, days, hours or list")
    value: float | None = Field(description="a count, yuan, days or hours; a rate's numerator")
    denominator: float | None = Field(None, description="a rate's denominator")
    percent: float | None = None
    items: list[list[Any]] = Field(default_factory=list, description="a breakdown: [label, n]")


class DashboardFiguresOut(Schema):
    area_id: int
    area: str
    start: str
    end: str
    computed_at: datetime | None = Field(description="when the oldest of these was worked out")
    figures: list[DashboardFigureOut]


@router.get(
    "/dashboards/{area_id}/figures",
    response=DashboardFiguresOut,
    summary="Every dashboard figure of a district, street or community over a period",
)
def figures(
    request: HttpRequest, area_id: str, query: Query[DashboardFiguresQuery]
) -> dict[str, Any]:
    pk = parse_id(area_id)  # an id as the other routes take it: anything else is 404
    if pk is None:
        raise Http404
    require(request.user, "dashboards.open_dashboard")
    area = dashboard_area(request.user, pk)
    today = timezone.localdate()
    period = periods.named(query.period, today, last_year=query.last_year)
    got = snapshot.load([(area, period)], today=today)
    values = got.get(area, period)
    out = []
    for figure in registry.figures():
        value = values.get(figure.key, registry.Value())
        out.append(
            {
                "key": figure.key,
                "label": str(figure.label),
                "unit": figure.unit,
                "value": None if value.value is None else float(value.value),
                "denominator": None if value.denominator is None else float(value.denominator),
                "percent": value.percent,
                "items": [[str(label), n] for label, n in value.items],
            }
        )
    return {
        "area_id": area.pk,
        "area": area.name,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "computed_at": got.stamp(area, period),
        "figures": out,
    }
