"""Communities side by side with a weighted score and a ranking, the street's settings (weights,
the public dashboard), and the public dashboard itself.

The comparison: street staff and leadership, of a street (its communities) or a district (its
streets) under their roles; a community answers 404. The settings: street staff of the street
edit, leadership reads; everyone else 404. The public dashboard: no log-in, 404 unless the
street switched it on.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from genxi.accounts import scoping
from genxi.accounts.models import Role
from genxi.accounts.rules import require
from genxi.core.audit import log_action
from genxi.core.exports import Column, xlsx_table_response
from genxi.core.services import ServiceError
from genxi.core.views import guard_form, service_kwargs, show_refusal
from genxi.dashboards import ranking, registry
from genxi.dashboards.forms import SettingsForm
from genxi.dashboards.models import DashboardSettings
from genxi.dashboards.periods import EARLIEST, KINDS, Period, month_end, to_date
from genxi.dashboards.public import (
    CACHE_SECONDS,
    MIN_RECORDS,
    public_cache_key,
    public_settings,
    public_tables,
)
from genxi.dashboards.registry import RATE, Figure
from genxi.dashboards.scope import dashboard_area
from genxi.dashboards.services import save_settings
from genxi.places.models import STREET_KINDS, Area, AreaKind

COMPARE_ROLES = (Role.STREET_STAFF, Role.LEADERSHIP)


def can_compare(user: Any, area: Area) -> bool:
    """Whether `area`'s dashboard links its comparison: a street or district that the user's
    street-staff or leadership role covers (for the dashboard page's 社区对比 link)."""
    return (
        area.kind != AreaKind.COMMUNITY
        and user.has_perm("dashboards.open_comparison")
        and scoping.covers(user, area.path, COMPARE_ROLES)
    )


def comparison_area(user: Any, pk: int) -> Area:
    """The street or district `pk` if the user compares there (street staff, leadership)."""
    require(user, "dashboards.open_comparison")
    area = dashboard_area(user, pk)
    if not can_compare(user, area):
        raise Http404
    return area


def picked_period(request: HttpRequest, today: date) -> tuple[str, Period]:
    """This month, quarter or year to date, or a picked month (`period=2026-10`)."""
    choice = request.GET.get("period") or "month"
    if choice in KINDS:
        return choice, to_date(choice, today)
    try:
        first = date.fromisoformat(choice + "-01")
    except ValueError:
        first = None
    if first is not None and EARLIEST <= first <= today:
        return f"{first:%Y-%m}", Period("month", first, min(month_end(first), today))
    messages.warning(request, _("Choose a month up to this one: showing this month."))
    return "month", to_date("month", today)


def _months(today: date, count: int = 24) -> list[date]:
    first, months = today.replace(day=1), []
    for _i in range(count):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return months


def _columns(request: HttpRequest, weights: list[tuple[str, int]]) -> tuple[list[Figure], set[str]]:
    """The figures shown: the weighted ones and those ticked (rates, counts, money, ...)."""
    weighted = {k for k, _w in weights}
    chosen = set(request.GET.getlist("figures")) if "shown" in request.GET else set()
    figures = [
        f
        for f in registry.figures()
        if ranking.weighable(f) and (f.key in weighted or f.key in chosen)
    ]
    return figures, chosen | weighted


@login_required
def compare(request: HttpRequest, pk: int) -> HttpResponseBase:
    area = comparison_area(request.user, pk)
    today = timezone.localdate()
    choice, period = picked_period(request, today)
    weights = ranking.weights_for(area)
    columns, ticked = _columns(request, weights)
    rows, before = ranking.compare(area, period, today)
    weight_of = dict(weights)
    if request.GET.get("format") == "xlsx":
        log_action(
            actor=request.user,
            action="dashboards.compare_export",
            obj=area,
            changes={"period": period.key, "rows": len(rows)},
        )
        return _export(area, period, rows, columns, weight_of)
    table = [
        {
            "row": r,
            "cells": [
                {
                    "key": f.key,
                    "text": ranking.formatted(f, r.values.get(f.key)),
                    "of": _of(f, r.values.get(f.key)),
                    "score": r.items.get(f.key),
                }
                for f in columns
            ],
        }
        for r in rows
    ]
    query = request.GET.copy()
    query.pop("format", None)
    query["format"] = "xlsx"
    return render(
        request,
        "dashboards/compare.html",
        {
            "area": area,
            "period": period,
            "before": before,
            "choice": choice,
            "kinds": KINDS,
            "months": [f"{m:%Y-%m}" for m in _months(today)],
            "columns": [(f, weight_of.get(f.key)) for f in columns],
            "weights": [(ranking.known_figure(k), k, w) for k, w in weights],
            "choices": [
                (f, f.key in ticked, f.key in weight_of)
                for f in registry.figures()
                if ranking.weighable(f)
            ],
            "table": table,
            "spread": any(r.spread for r in rows),
            "chart": {
                "names": [r.area.name for r in rows],
                "scores": [r.score for r in rows],
                "label": _("Score"),
            },
            "export_query": query.urlencode(),
            "can_edit_settings": area.kind in STREET_KINDS
            and scoping.covers(request.user, area.path, COMPARE_ROLES),
            "tie_rule": ranking.TIE_RULE,
            "spread_rule": ranking.SPREAD_RULE,
            "score_rule": ranking.SCORE_RULE,
        },
    )


def _of(figure: Figure, value: Any) -> str:
    """A rate's records: 18/20 (the snapshot keeps them as decimals, 18.00)."""
    if figure.unit == RATE and value is not None and value.denominator:
        return f"{_whole(value.value)}/{_whole(value.denominator)}"
    return ""


def _whole(number: Any) -> str:
    return str(int(number)) if number is not None and number == int(number) else str(number)


def _export(
    area: Area,
    period: Period,
    rows: list[ranking.Row],
    columns: list[Figure],
    weight_of: dict[str, int],
) -> HttpResponseBase:
    heads = [
        Column(_("Rank"), 6),
        Column(pgettext("rank", "Change"), 8),
        Column(_("Name"), 16),
        Column(_("Score"), 8),
        Column(_("Previous score"), 10),
    ]
    for f in columns:
        heads.append(Column(str(f.label), 14))
        if f.key in weight_of:
            heads.append(
                Column(
                    _("%(label)s: score (weight %(w)s%%)")
                    % {"label": f.label, "w": weight_of[f.key]},
                    14,
                )
            )

    def line(r: ranking.Row) -> list[Any]:
        cells: list[Any] = [
            r.rank,
            r.arrow,
            r.area.name,
            r.score if r.score is not None else "—",
            r.previous_score if r.previous_score is not None else "—",
        ]
        for f in columns:
            text = ranking.formatted(f, r.values.get(f.key))
            of = _of(f, r.values.get(f.key))
            cells.append(f"{text} ({of})" if of else text)
            if f.key in weight_of:
                s = r.items.get(f.key)
                cells.append(s if s is not None else "—")
        return cells

    return xlsx_table_response(
        filename=f"compare-{period.start:%Y%m%d}-{period.end:%Y%m%d}",
        sheet=f"{area.name} {period.start:%Y-%m-%d}~{period.end:%Y-%m-%d}",
        columns=heads,
        rows=(line(r) for r in rows),
    )


# ---------------------------------------------------------------- settings


@login_required
def settings_page(request: HttpRequest, pk: int) -> HttpResponse:
    area = comparison_area(request.user, pk)
    if area.kind not in STREET_KINDS:
        raise Http404
    can_edit = scoping.covers(request.user, area.path, (Role.STREET_STAFF,))
    if request.method == "POST" and not can_edit:
        raise Http404
    found = DashboardSettings.objects.filter(area=area).first()
    initial = SettingsForm.initial_from(
        ranking.weights_for(area),
        found.public if found else False,
        list(found.public_figures) if found else [],
    )
    form = SettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    guard_form(form, found)
    if found is None:
        form.fields.pop("form_token", None)  # a first save beaten by another is refused as stale
    if request.method == "POST" and form.is_valid():
        expected = service_kwargs(form, found)["expected_updated_at"] if found else None
        try:
            save_settings(
                actor=request.user, area=area, expected_updated_at=expected, **form.service_data()
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The dashboard settings are saved."))
            return redirect(reverse("dashboards:settings", args=[area.pk]))
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "dashboards/settings.html",
        {
            "area": area,
            "form": form,
            "can_edit": can_edit,
            "found": found,
            "min_records": MIN_RECORDS,
        },
    )


# ---------------------------------------------------------------- the public dashboard


@cache_control(public=True, max_age=CACHE_SECONDS)
def public(request: HttpRequest, pk: int) -> HttpResponse:
    """Kept CACHE_SECONDS per street and language (never per query string): however often it
    is asked for, the street's figures are read at most that often."""
    key = public_cache_key(pk, get_language())
    html = cache.get(key)
    if html is not None:
        return HttpResponse(html)
    settings = public_settings(pk)
    if settings is None:
        raise Http404
    today = timezone.localdate()
    headings, tables = public_tables(settings, today)
    # Rendered without the request: no session, no cookie, nothing of a visitor in the page.
    html = render_to_string(
        "dashboards/public.html",
        {
            "area": settings.area,
            "headings": headings,
            "tables": tables,
            "today": today,
            "min_records": MIN_RECORDS,
        },
    )
    cache.set(key, html, CACHE_SECONDS)
    return HttpResponse(html)


urlpatterns = [
    path("dashboards/<pk64:pk>/compare/", compare, name="compare"),
    path("dashboards/<pk64:pk>/settings/", settings_page, name="settings"),
    path("public/dashboards/<pk64:pk>/", public, name="public"),
]
