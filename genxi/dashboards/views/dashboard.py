"""The dashboard of a district, street or community, the records behind each figure, and the
Excel export.

Every number comes from the snapshot (`dashboards.snapshot`), which the scheduler refreshes
every 15 minutes; the page says when its numbers were worked out. Outside the user's areas
every page answers 404 (`dashboards.scope`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from genxi.accounts.models import STAFF_ROLES
from genxi.accounts.rules import require
from genxi.accounts.scoping import covers
from genxi.core.audit import log_action
from genxi.dashboards import export, headlines, lag, periods, registry, snapshot
from genxi.dashboards.periods import Period
from genxi.dashboards.registry import DASHBOARD_KINDS, LIST, Figure, Scope
from genxi.dashboards.scope import dashboard_area, dashboard_areas
from genxi.dashboards.views.compare import can_compare
from genxi.places.models import Area, AreaKind

TABS = ("month", "quarter", "year")
PER_PAGE = 50


def _area(request: HttpRequest, pk: int) -> Area:
    require(request.user, "dashboards.open_dashboard")
    return dashboard_area(request.user, pk)


def _period(request: HttpRequest, today: Any, *, allow_all: bool = False) -> Period:
    kind = request.GET.get("period", "month")
    if kind == "all" and not allow_all:
        kind = "month"
    return periods.named(kind, today, last_year=request.GET.get("last_year") == "1")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard of the user's widest area; a chooser when there are several."""
    require(request.user, "dashboards.open_dashboard")
    areas = list(dashboard_areas(request.user).order_by("path"))
    # The widest: those not under another one of the list.
    widest = [a for a in areas if not any(a.path.startswith(b.path) and a != b for b in areas)]
    if not widest:
        raise Http404
    if len(widest) == 1:
        return redirect("dashboards:area", pk=widest[0].pk)
    return render(request, "dashboards/home.html", {"areas": widest})


def _children(area: Area) -> list[Area]:
    if area.kind == AreaKind.COMMUNITY:
        return []
    return list(Area.objects.filter(parent=area, kind__in=DASHBOARD_KINDS).order_by("name"))


@login_required
def area_page(request: HttpRequest, pk: int) -> HttpResponse:
    area = _area(request, pk)
    today = timezone.localdate()
    kind = request.GET.get("period", "month")
    kind = kind if kind in TABS else "month"
    period = periods.to_date(kind, today)
    last = period.last_year()
    so_far = periods.so_far(today)
    children = _children(area)
    parent = area.parent if area.kind == AreaKind.COMMUNITY else None
    pairs = [(area, period), (area, last), (area, so_far)]
    pairs += [(a, p) for a in children for p in (period, last)]
    if parent is not None:
        pairs.append((parent, period))
    snap = snapshot.load(pairs, today=today)
    months = periods.months_back(today)
    trend = snapshot.load([(area, m) for m in months], today=today, panel_keys=["demands"])

    now, before = snap.get(area, period), snap.get(area, last)
    compared = lag.compare(now, before)
    scope_now, scope_before = Scope(area, period, today), Scope(area, last, today)
    panels = []
    charts: list[dict[str, Any]] = []
    for p in registry.panels():
        figures = []
        for f in p.figures:
            v, c = now.get(f.key), compared.get(f.key)
            figures.append(
                {
                    "figure": f,
                    "value": v,
                    "compared": c,
                    "href": _figure_href(area, f, scope_now, kind),
                    # last year's number is a list too, when there is one
                    "href_before": _figure_href(area, f, scope_before, kind, last_year=True)
                    if c is not None and c.before is not None and c.before.value is not None
                    else "",
                }
            )
            if f.unit == LIST and v is not None and any(i[1] for i in v.items):
                chart_id = f"chart-{f.key.replace('.', '-')}"
                charts.append(
                    {
                        "id": chart_id,
                        "title": str(f.label),
                        "labels": [str(i[0]) for i in v.items[:10]][::-1],
                        "numbers": [i[1] for i in v.items[:10]][::-1],
                    }
                )
                figures[-1]["chart"] = chart_id
        panels.append({"panel": p, "figures": figures})
    collected = [_plain(trend.get(area, m), "demands.collected") for m in months]
    resolved = [_plain(trend.get(area, m), "demands.resolved") for m in months]
    trend_data = {
        "months": [m.start.strftime("%Y-%m") for m in months],
        "collected": collected,
        "resolved": resolved,
        "labels": {"collected": _("Collected"), "resolved": pgettext("figure", "Resolved")},
    }
    has_trend = any(x for x in collected + resolved)
    if area.kind == AreaKind.COMMUNITY:
        lag_own = lag.own_lagging(now, before, snap.get(parent, period) if parent else None)
        lag_children = []
    else:
        lag_own = []
        lag_children = lag.children_lagging(
            now, [(c, snap.get(c, period), snap.get(c, last)) for c in children]
        )
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "area": area,
            "kind": kind,
            "tabs": [(k, periods.KINDS[k]) for k in TABS],
            "period": period,
            "last": last,
            "panels": panels,
            "headlines": headlines.sentences(snap.get(area, so_far)),
            "computed_at": snap.stamp(area, period),
            "refresh_minutes": snapshot.REFRESH_MINUTES,
            "can_refresh": covers(request.user, area.path, STAFF_ROLES),
            "can_compare": can_compare(request.user, area),
            "can_report": request.user.has_perm("dashboards.open_reports"),
            "children": children,
            "lag_children": lag_children,
            "lag_own": lag_own,
            "chart_data": {"trend": trend_data if has_trend else None, "lists": charts},
        },
    )


def _plain(values: dict[str, registry.Value], key: str) -> int | float | None:
    v = values.get(key)
    return None if v is None or v.value is None else float(v.value)


def _figure_href(
    area: Area, figure: Figure, scope: Scope, kind: str, *, last_year: bool = False
) -> str:
    if figure.link is not None:
        return figure.link(scope)
    if figure.rows is None:
        return ""
    url = reverse("dashboards:rows", kwargs={"pk": area.pk, "key": figure.key})
    query = {"period": kind, "last_year": "1"} if last_year else {"period": kind}
    return f"{url}?{urlencode(query)}"


@login_required
@require_POST
def refresh_page(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Update now": staff of the area recompute its current figures."""
    area = _area(request, pk)
    if not covers(request.user, area.path, STAFF_ROLES):
        raise Http404
    snapshot.refresh(areas=[area])
    messages.success(request, _("The figures were updated."))
    return redirect(
        f"{reverse('dashboards:area', kwargs={'pk': area.pk})}?{request.GET.urlencode()}"
    )


def _rows_figure(key: str) -> Figure:
    try:
        figure = registry.figure(key)
    except (KeyError, StopIteration):
        raise Http404 from None
    if figure.rows is None or figure.unit == LIST:
        raise Http404
    return figure


@login_required
def rows_page(request: HttpRequest, pk: int, key: str) -> HttpResponse | FileResponse:
    """The records behind one figure, for a period of the dashboard (or last year's)."""
    area = _area(request, pk)
    figure = _rows_figure(key)
    today = timezone.localdate()
    period = _period(request, today, allow_all=True)
    scope = Scope(area, period, today)
    assert figure.rows is not None
    qs = figure.rows(scope)
    joins = export.related(qs.model, figure.columns)
    if joins:
        qs = qs.select_related(*joins)
    q = request.GET.get("q", "").strip()[:100]
    qs = export.search(qs, figure.columns, q)
    if request.GET.get("format") == "xlsx":
        # Records of people: every export is logged (who, which figure, how many rows).
        log_action(
            actor=request.user,
            action="dashboards.rows_export",
            obj=area,
            changes={"figure": figure.key, "period": period.key, "rows": qs.count()},
        )
        return export.rows_response(figure=figure, qs=qs, filename=f"{figure.key}-{area.pk}")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    lines = [[export.cell(obj, p) for _h, p in figure.columns] for obj in page.object_list]
    keep = {k: request.GET[k] for k in ("period", "last_year", "q") if request.GET.get(k)}
    return render(
        request,
        "dashboards/rows.html",
        {
            "area": area,
            "figure": figure,
            "period": period,
            "kind": request.GET.get("period", "month"),
            "last_year": request.GET.get("last_year") == "1",
            "count": page.paginator.count,
            "page_obj": page,
            "paginator": page.paginator,
            "is_paginated": page.has_other_pages(),
            "lines": lines,
            "q": q,
            "searchable": export.searchable(qs.model, figure.columns),
            "querystring": urlencode(keep),
            "export_query": urlencode({**keep, "format": "xlsx"}),
        },
    )


@login_required
def export_page(request: HttpRequest, pk: int) -> FileResponse:
    """The dashboard as an Excel workbook: one sheet per panel, and the definitions."""
    area = _area(request, pk)
    today = timezone.localdate()
    period = _period(request, today)
    last = period.last_year()
    snap = snapshot.load([(area, period), (area, last)], today=today)
    log_action(
        actor=request.user,
        action="dashboards.export",
        obj=area,
        changes={"period": period.key},
    )
    return export.dashboard_response(
        area=area, period=period, now=snap.get(area, period), before=snap.get(area, last)
    )


urlpatterns: list[URLPattern] = [
    path("dashboards/", home, name="home"),
    path("dashboards/<pk64:pk>/", area_page, name="area"),
    path("dashboards/<pk64:pk>/refresh/", refresh_page, name="refresh"),
    path("dashboards/<pk64:pk>/figures/<str:key>/", rows_page, name="rows"),
    path("dashboards/<pk64:pk>/export/", export_page, name="export"),
]
