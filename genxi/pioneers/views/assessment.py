"""Assessment (考核): the ranking, one pioneer's figures with how each was computed, the
community's rating, residents' stars, the scheme, export and print. Owner: helper C.

Staff and leadership open the ranking of their street or community (staff compute it); a
pioneer opens their own figures (phone); staff and leadership open any pioneer's in their scope
(404 outside), where community staff rate; street or community staff edit their area's scheme;
a resident rates the pioneer of their grid once a month.
"""

from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, STAFF_ROLES
from genxi.accounts.rules import require
from genxi.core.exports import Column, xlsx_table_response
from genxi.core.params import parse_id
from genxi.core.paths import path_range_q
from genxi.core.services import ServiceError
from genxi.core.views import guard_form, service_kwargs, show_refusal
from genxi.pioneers import assessment as engine
from genxi.pioneers.config import settings_for
from genxi.pioneers.forms.assessment import GRADE_ROWS, RatingForm, SchemeForm, StarsForm
from genxi.pioneers.models import (
    COUNTED_INDICATORS,
    Assessment,
    IndicatorKey,
    PeriodKind,
    Rating,
    ResidentRating,
    Scheme,
)
from genxi.pioneers.services import assessment as services
from genxi.pioneers.views.hub import tabs_for
from genxi.places.models import STREET_KINDS, Area, AreaKind, Pioneer

# ---------------------------------------------------------------- helpers


def areas_of(user: Any, roles: Any = AREA_ROLES) -> Any:
    """The streets and communities where the user holds one of `roles`, and those below."""
    areas = Area.objects.filter(kind__in=[*STREET_KINDS, AreaKind.COMMUNITY]).order_by("path")
    if scoping.is_superuser(user):
        return areas
    return areas.filter(path_range_q("path", scoping.scope_paths(user, roles)))


def picked_period(request: HttpRequest) -> engine.Period:
    """The period in the address (`kind`, `start`), else the current month; a period not yet
    started falls back to the current one with a message."""
    today = timezone.localdate()
    kind = request.GET.get("kind") or PeriodKind.MONTH
    if kind not in PeriodKind.values:
        kind = PeriodKind.MONTH
    try:
        start = date.fromisoformat(request.GET.get("start") or "")
    except ValueError:
        return engine.period_of(kind, today)
    period = engine.period_of(kind, start)
    if period.start > today:
        messages.warning(request, _("That period has not started yet: showing the current one."))
        return engine.period_of(kind, today)
    if period.start < engine.EARLIEST:
        messages.warning(
            request,
            _("Periods start in %(year)s: showing the current one.")
            % {"year": engine.EARLIEST.year},
        )
        return engine.period_of(kind, today)
    return period


def period_context(period: engine.Period) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "period": period,
        "kinds": PeriodKind.choices,
        "periods": engine.recent_periods(period.kind, today),
    }


def explained(
    figures: list[dict[str, Any]],
    pioneer: Pioneer | None,
    period: engine.Period,
    viewer: Any,
) -> list[dict[str, Any]]:
    """Stored or computed figures with their label, how they were computed and, when the
    pioneer is given, the records behind them."""
    days = settings_for(pioneer.community).callback_days if pioneer else 0
    out = []
    for f in figures:
        key = f["key"]
        how = str(engine.HOW[key])
        if key == IndicatorKey.CALLBACKS:
            how = how % {"days": days}
        out.append(
            {
                **f,
                "label": IndicatorKey(key).label,
                "how": how,
                "ratio": key in engine.RATIO_INDICATORS,
                "counted": key in COUNTED_INDICATORS,
                "records": (engine.records_behind(pioneer, key, period, viewer) if pioneer else []),
            }
        )
    return out


def live_result(pioneer: Pioneer, period: engine.Period) -> engine.Result:
    scheme = engine.scheme_for(pioneer.community)
    return engine.assess([pioneer], period, scheme)[0]


def _figures_page(
    request: HttpRequest, pioneer: Pioneer, period: engine.Period, **extra: Any
) -> HttpResponse:
    """One pioneer's figures, computed now from the records (the ranking stores the same)."""
    result = live_result(pioneer, period)
    scheme = engine.scheme_for(pioneer.community)
    stored = Assessment.objects.filter(
        pioneer=pioneer, period_kind=period.kind, period_start=period.start
    ).first()
    return render(
        request,
        "pioneers/assessment/figures.html",
        {
            **period_context(period),
            "pioneer": pioneer,
            "result": result,
            "scheme": scheme,
            "figures": explained(
                [f.as_json() for f in result.figures], pioneer, period, request.user
            ),
            "stored": stored,
            **extra,
        },
    )


# ---------------------------------------------------------------- the ranking


def _ranking_scope(request: HttpRequest) -> tuple[Any, Area, Area | None, engine.Period]:
    require(request.user, "pioneers.open_ranking")
    areas = areas_of(request.user)
    top = areas.first()
    if top is None:
        raise Http404
    area = top
    community = None
    wanted = parse_id(request.GET.get("community") or request.POST.get("community"))
    if wanted is not None:
        community = areas.filter(pk=wanted, kind=AreaKind.COMMUNITY).first()
        if community is None:
            raise Http404
        area = community
    return areas, area, community, picked_period(request)


def _ranking_rows(area: Area, period: engine.Period) -> list[Assessment]:
    rows = list(
        Assessment.objects.filter(
            pioneer__in=engine.pioneers_in(area, period).values("pk"),
            period_kind=period.kind,
            period_start=period.start,
        )
        .select_related("pioneer__community")
        .order_by("-total", "pioneer__name", "pk")
    )
    rank = 0
    last = None
    for n, row in enumerate(rows, start=1):
        if row.total != last:
            rank, last = n, row.total
        row.rank = rank
    return rows


def _distribution(area: Area, rows: list[Assessment]) -> dict[str, Any]:
    scheme = engine.scheme_for(area)
    names = [name for name, _floor in scheme.grades]
    counts = {name: 0 for name in names}
    for row in rows:
        counts[row.grade] = counts.get(row.grade, 0) + 1
    return {"grades": list(counts), "counts": list(counts.values())}


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    areas, area, community, period = _ranking_scope(request)
    top = areas.first()
    can_compute = scoping.covers(request.user, area.path, STAFF_ROLES)
    if request.method == "POST":
        if not can_compute:
            raise Http404
        try:
            start = date.fromisoformat(request.POST.get("start") or "")
        except ValueError:
            start = date.min
        kind = request.POST.get("kind") or ""
        try:
            count = services.compute(
                actor=request.user, area=area, period_kind=kind, period_start=start
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Assessed %(n)s pioneers.") % {"n": count})
        query = f"?kind={kind}&start={start.isoformat()}"
        if community:
            query += f"&community={community.pk}"
        return redirect(reverse("pioneers:ranking") + query)
    rows = _ranking_rows(area, period)
    communities = areas.filter(kind=AreaKind.COMMUNITY, path__startswith=top.path)
    return render(
        request,
        "pioneers/assessment/ranking.html",
        {
            **period_context(period),
            "tabs": tabs_for(request.user, "pioneers:ranking"),
            "area": area,
            "community": community,
            "communities": communities,
            "rows": rows,
            "computed_at": max((r.computed_at for r in rows), default=None),
            "in_scope": engine.pioneers_in(area, period).count(),
            "serving": list(engine.pioneers_in(area, period)[:300]),
            "can_compute": can_compute,
            "can_edit_scheme": scoping.covers(request.user, top.path, STAFF_ROLES),
            "chart": _distribution(area, rows),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def ranking_export(request: HttpRequest) -> HttpResponseBase:
    _areas, area, _community, period = _ranking_scope(request)
    rows = _ranking_rows(area, period)
    columns = [
        Column(_("Rank"), 6),
        Column(_("Pioneer"), 14),
        Column(_("Community"), 16),
        Column(_("Indicators' score"), 12),
        Column(_("Community's rating"), 12),
        Column(_("Residents' rating"), 12),
        Column(_("Total"), 10),
        Column(_("Grade"), 10),
    ]
    for _key, label in IndicatorKey.choices:
        columns.append(Column(str(label), 18))

    def line(row: Assessment) -> list[Any]:
        by_key = {f["key"]: f for f in row.indicators}
        cells = [
            row.rank,  # type: ignore[attr-defined]
            row.pioneer.name,
            row.pioneer.community.name,
            row.street_score,
            row.community_score if row.community_score is not None else "—",
            row.resident_score if row.resident_score is not None else "—",
            row.total,
            row.grade,
        ]
        for key in IndicatorKey.values:
            f = by_key.get(key)
            if f is None:
                cells.append("")
            elif not f["applicable"]:
                cells.append(_("not applicable"))
            else:
                cells.append(f"{f['score']} ({f['numerator']}/{f['denominator']})")
        return cells

    return xlsx_table_response(
        filename=f"assessment-{period.start:%Y%m}",
        sheet=period.label,
        columns=columns,
        rows=(line(r) for r in rows),
    )


@login_required
def ranking_print(request: HttpRequest) -> HttpResponse:
    _areas, area, _community, period = _ranking_scope(request)
    rows = _ranking_rows(area, period)
    return render(
        request,
        "pioneers/assessment/print.html",
        {
            "area": area,
            "period": period,
            "rows": rows,
            "scheme": engine.scheme_for(area),
            "computed_at": max((r.computed_at for r in rows), default=None),
            "today": timezone.localdate(),
        },
    )


# ---------------------------------------------------------------- one pioneer


@login_required
def my_assessment(request: HttpRequest) -> HttpResponse:
    require(request.user, "pioneers.open_my_assessment")
    mine = list(Pioneer.objects.active().filter(user=request.user.pk).select_related("community"))
    if not mine:
        raise Http404
    return _figures_page(request, mine[0], picked_period(request), mine=True)


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pioneer: Pioneer = get_object_or_404(
        Pioneer.objects.visible_to(request.user).select_related("community"), pk=pk
    )
    require(request.user, "pioneers.view_assessment", pioneer)
    period = picked_period(request)
    can_rate = scoping.covers(request.user, pioneer.community.path, STAFF_ROLES)
    form = None
    if can_rate:
        rating = Rating.objects.filter(
            pioneer=pioneer, period_kind=period.kind, period_start=period.start
        ).first()
        form = RatingForm(
            request.POST if request.method == "POST" else None,
            initial={
                "score": rating.score if rating else None,
                "comment": rating.comment if rating else "",
                "updated_at": rating.updated_at.isoformat() if rating else "",
            },
        )
        if request.method == "POST" and form.is_valid():
            stamp = form.cleaned_data.get("updated_at") or ""
            try:
                expected = datetime.fromisoformat(stamp) if stamp else None
            except ValueError:
                expected = datetime.min.replace(tzinfo=timezone.get_current_timezone())
            try:
                services.rate(
                    actor=request.user,
                    pioneer=pioneer,
                    period_kind=period.kind,
                    period_start=period.start,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                    expected_updated_at=expected,
                )
            except ServiceError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("The community's rating is saved."))
                return redirect(request.get_full_path())
    elif request.method == "POST":
        raise Http404
    return _figures_page(
        request,
        pioneer,
        period,
        form=form,
        tabs=tabs_for(request.user, "pioneers:ranking"),
    )


# ---------------------------------------------------------------- the scheme


def _scheme_initial(area: Area) -> tuple[dict[str, Any], Scheme | None]:
    scheme = engine.scheme_for(area)
    initial: dict[str, Any] = dict(
        zip(("street_share", "community_share", "resident_share"), scheme.shares, strict=True)
    )
    for rule in scheme.indicators:
        initial[f"use_{rule.key}"] = True
        initial[f"weight_{rule.key}"] = rule.weight
        initial[f"target_{rule.key}"] = rule.monthly_target
    for n, (name, floor) in enumerate(scheme.grades[:GRADE_ROWS]):
        initial[f"grade_name_{n}"] = name
        initial[f"grade_min_{n}"] = floor
    own = scheme.scheme if scheme.scheme is not None and scheme.scheme.area_id == area.pk else None
    return initial, own


@login_required
def scheme(request: HttpRequest) -> HttpResponse:
    require(request.user, "pioneers.open_ranking")
    areas = areas_of(request.user, STAFF_ROLES)
    wanted = parse_id(request.GET.get("area") or request.POST.get("area"))
    area = areas.filter(pk=wanted).first() if wanted is not None else areas.first()
    if area is None:
        raise Http404
    initial, own = _scheme_initial(area)
    form = SchemeForm(request.POST if request.method == "POST" else None, initial=initial)
    guard_form(form, own if own is not None else None)
    if own is None:
        form.fields.pop("form_token", None)  # a first save is refused as stale if beaten
    if request.method == "POST" and form.is_valid():
        expected = service_kwargs(form, own)["expected_updated_at"] if own else None
        try:
            services.save_scheme(
                actor=request.user, area=area, expected_updated_at=expected, **form.service_data()
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The assessment scheme is saved."))
            return redirect(reverse("pioneers:ranking"))
    return render(
        request,
        "pioneers/assessment/scheme.html",
        {
            "tabs": tabs_for(request.user, "pioneers:ranking"),
            "form": form,
            "area": area,
            "areas": areas.filter(kind__in=[*STREET_KINDS, AreaKind.COMMUNITY]),
            "own": own,
            "inherited": engine.scheme_for(area).scheme,
        },
    )


# ---------------------------------------------------------------- residents' stars


@login_required
def rate_my_pioneer(request: HttpRequest) -> HttpResponse:
    require(request.user, "pioneers.open_my_points")  # residents
    found = engine.grid_pioneers(request.user)
    if not found:
        raise Http404
    resident, pioneer = found[0]
    if (wanted := request.GET.get("pioneer")) and wanted != str(pioneer.pk):
        raise Http404  # only the pioneer of their own grid
    month = timezone.localdate().replace(day=1)
    given = ResidentRating.objects.filter(pioneer=pioneer, resident=resident, month=month).first()
    form = StarsForm(request.POST if request.method == "POST" and not given else None)
    guard_form(form)
    if request.method == "POST" and given is None and form.is_valid():
        data = service_kwargs(form)
        try:
            services.rate_pioneer(
                actor=request.user,
                resident=resident,
                pioneer=pioneer,
                stars=data["stars"],
                comment=data["comment"],
                token=data["token"],
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Thank you. Your stars are recorded for this month."))
            return redirect("pioneers:rate_my_pioneer")
    elif request.method == "POST" and given is not None:
        messages.error(
            request,
            _("You have already rated your pioneer this month. You can rate again next month."),
        )
    return render(
        request,
        "pioneers/assessment/rate.html",
        {"pioneer": pioneer, "resident": resident, "given": given, "form": form},
    )


urlpatterns: list[URLPattern] = [
    path("pioneers/assessment/", ranking, name="ranking"),
    path("pioneers/assessment/export/", ranking_export, name="ranking_export"),
    path("pioneers/assessment/print/", ranking_print, name="ranking_print"),
    path("pioneers/assessment/mine/", my_assessment, name="my_assessment"),
    path("pioneers/assessment/<int:pk>/", assessment_detail, name="assessment_detail"),
    path("pioneers/assessment/scheme/", scheme, name="scheme"),
    path("pioneers/rate/", rate_my_pioneer, name="rate_my_pioneer"),
]
