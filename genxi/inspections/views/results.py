"""Results: scores per community, the ranking, the most common problems, the printable
round report and the Excel export; the good-practice library. Owner: helper F.

Results, report and export compare the communities and quote their findings: street staff and
leadership of the round's street only (`inspections.view_results`); anyone else gets a 404. The
good-practice library is for the street's staff side (`GoodPractice.objects.visible_to`).
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from genxi.accounts.rules import require
from genxi.core.exports import DATE, DATETIME, Column, xlsx_table_response
from genxi.core.services import ServiceError
from genxi.core.views import guard_form, service_kwargs, show_refusal
from genxi.inspections import results
from genxi.inspections.forms.practices import PracticeForm
from genxi.inspections.models import GoodPractice, Group, Round, RoundStatus
from genxi.inspections.services import practices as services


def _round(request: HttpRequest, pk: int) -> Round:
    require(request.user, "inspections.open_inspections")
    round_ = get_object_or_404(
        Round.objects.visible_to(request.user).select_related("street"), pk=pk
    )
    require(request.user, "inspections.view_results", round_)
    return round_  # type: ignore[no-any-return]


@login_required
def round_results(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    rows = results.ranking(round_)
    return render(
        request,
        "inspections/results/round_results.html",
        {
            "round": round_,
            "rows": rows,
            "chart": results.chart(rows),
            "problems": results.common_problems(round_),
            "statuses": results.status_counts(round_),
        },
    )


@login_required
def round_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The round on A4: pairings, scores, ranking, and the whole problem list with each
    finding's rectification and re-check."""
    round_ = _round(request, pk)
    rows = results.ranking(round_)
    items, table = results.score_table(round_)
    groups = sorted((r.group for r in rows), key=lambda g: g.number)
    score_rows = [
        (g, [table.get(g.pk, {}).get(item.pk) for item in items], sum(table.get(g.pk, {}).values()))
        for g in groups
    ]
    return render(
        request,
        "inspections/results/round_report.html",
        {
            "round": round_,
            "rows": rows,
            "groups": groups,
            "items": items,
            "score_rows": score_rows,
            "findings": results.findings_for_report(round_),
            "problems": results.common_problems(round_),
            "statuses": results.status_counts(round_),
        },
    )


@login_required
def round_export(request: HttpRequest, pk: int) -> FileResponse:
    """The problem list as one flat sheet: each finding with its community's score and rank,
    its rectification and re-check."""
    round_ = _round(request, pk)
    rows = {r.group.pk: r for r in results.ranking(round_)}
    columns = [
        Column(_("Group"), 6),
        Column(_("Inspected community"), 16),
        Column(_("Score"), 8),
        Column(_("Score rate"), 8),
        Column(_("Rank"), 6),
        Column(_("Checklist item"), 18),
        Column(_("Problem"), 40),
        Column(_("Suggestion"), 30),
        Column(_("Severity"), 8),
        Column(_("How it is fixed"), 14),
        Column(_("Fix by"), 11, DATE),
        Column(_("Status"), 12),
        Column(_("Overdue"), 6),
        Column(_("Rectification plan"), 40),
        Column(_("Planned at"), 16, DATETIME),
        Column(_("Rectification result"), 40),
        Column(_("Fixed at"), 16, DATETIME),
        Column(_("Re-check note"), 30),
        Column(_("Re-checked at"), 16, DATETIME),
    ]

    def lines() -> Any:
        for f in results.findings_for_report(round_):
            r = rows[f.group_id]
            yield [
                f.group.number,
                f.community.name,
                f"{r.score}/{r.full}",
                f"{r.percent}%",
                r.rank,
                f.item.title if f.item else "",
                f.description,
                f.suggestion,
                f.get_severity_display(),
                f.get_mode_display(),
                f.deadline,
                f.get_status_display(),
                _("Yes") if f.is_overdue else "",
                f.plan,
                f.planned_at,
                f.result,
                f.fixed_at,
                f.recheck_note,
                f.rechecked_at,
            ]

    return xlsx_table_response(
        filename=round_.title, sheet=_("Problem list"), columns=columns, rows=lines()
    )


# ---------------------------------------------------------------- good practices


@login_required
def practice_list(request: HttpRequest) -> HttpResponse:
    """The library: every good practice of the user's street, across rounds; search by text,
    filter by checklist item, community or round."""
    require(request.user, "inspections.open_practices")
    practices = GoodPractice.objects.visible_to(request.user).select_related(
        "round", "community", "item"
    )
    rounds = Round.objects.visible_to(request.user).filter(pk__in=practices.values("round"))
    q = request.GET.get("q", "").strip()[:50]
    if q:
        practices = practices.filter(
            Q(title__contains=q) | Q(description__contains=q) | Q(community__name__contains=q)
        )
    item = request.GET.get("item", "").strip()[:100]
    if item:
        practices = practices.filter(item__title=item)
    filters = {"community": "community_id", "round": "round_id"}
    chosen: dict[str, str] = {}
    for param, lookup in filters.items():
        value = request.GET.get(param, "")
        if value:
            chosen[param] = value
            if value.isascii() and value.isdigit() and int(value) < 2**63:
                practices = practices.filter(**{lookup: int(value)})
            else:
                practices = practices.none()
    page = Paginator(practices, settings.GENXI_PAGE_SIZE).get_page(request.GET.get("page"))
    visible = GoodPractice.objects.visible_to(request.user)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "inspections/practices/practice_list.html",
        {
            "page_obj": page,
            "q": q,
            "item": item,
            "chosen": chosen,
            "querystring": params.urlencode(),
            "rounds": rounds.order_by("-starts_on"),
            "communities": sorted(
                {(p.community_id, p.community.name) for p in visible.select_related("community")},
                key=lambda c: c[1],
            ),
            "items": sorted(set(visible.exclude(item=None).values_list("item__title", flat=True))),
            "recordable": [
                r
                for r in Round.objects.visible_to(request.user)
                .exclude(status__in=[RoundStatus.DRAFT, RoundStatus.CLOSED])
                .select_related("street")
                if _may_record(request.user, r)
            ],
            "is_paginated": page.has_other_pages(),
            "paginator": page.paginator,
        },
    )


def _may_record(user: Any, round_: Round) -> bool:
    return any(
        user.has_perm("inspections.record_practice", g)
        for g in Group.objects.filter(round=round_).select_related("round__street")
    )


@login_required
def practice_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "inspections.open_practices")
    round_ = get_object_or_404(
        Round.objects.visible_to(request.user).select_related("street"), pk=pk
    )
    if not _may_record(request.user, round_):
        raise Http404
    form = PracticeForm(
        request.POST or None, request.FILES or None, round=round_, user=request.user
    )
    guard_form(form)
    if request.method == "POST" and form.is_valid():
        try:
            practice = services.create_practice(
                actor=request.user, round=round_, **service_kwargs(form)
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("inspections:practice_detail", practice.pk)
    return render(
        request,
        "inspections/practices/practice_form.html",
        {"form": form, "round": round_, "cancel_url": reverse("inspections:practice_list")},
        status=400 if form.is_bound else 200,
    )


def _practice(request: HttpRequest, pk: int) -> GoodPractice:
    require(request.user, "inspections.open_practices")
    return get_object_or_404(
        GoodPractice.objects.visible_to(request.user).select_related(
            "round", "community", "item", "group", "created_by"
        ),
        pk=pk,
    )


@login_required
def practice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _practice(request, pk)
    return render(request, "inspections/practices/practice_detail.html", {"practice": practice})


@login_required
def practice_photo(request: HttpRequest, pk: int) -> FileResponse:
    practice = _practice(request, pk)
    if not practice.photo:
        raise Http404
    response = FileResponse(practice.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


urlpatterns: list[URLPattern] = [
    path("inspections/<int:pk>/results/", round_results, name="round_results"),
    path("inspections/<int:pk>/report/", round_report, name="round_report"),
    path("inspections/<int:pk>/export/", round_export, name="round_export"),
    path("inspections/practices/", practice_list, name="practice_list"),
    path("inspections/<int:pk>/practices/new/", practice_create, name="practice_create"),
    path("inspections/practices/<int:pk>/", practice_detail, name="practice_detail"),
    path("inspections/practices/<int:pk>/photo/", practice_photo, name="practice_photo"),
]
