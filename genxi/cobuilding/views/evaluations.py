"""The yearly evaluations (评议, a tab of the hub): the schemes of the user's areas; a scheme's
items, grades and ranking (the tie-break rule written under it); its set-up (staff of its area,
until the results are sent); a result's manual scores; "send results", which closes it; the
printable letter to each unit or member; and the Excel export.

Staff and leadership see the schemes of their areas and below; staff of the scheme's area act.
The letter also opens to its own unit's handlers and to the member it is about (they are told
when it is sent). Everything else: 404.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, STAFF_ROLES
from genxi.accounts.rules import require
from genxi.cobuilding import evaluation as ev
from genxi.cobuilding.forms.evaluations import (
    SchemeForm,
    ScoresForm,
    grade_formset,
    item_formset,
    kept,
)
from genxi.cobuilding.models import Evaluation, EvaluationScheme
from genxi.cobuilding.services import evaluations as services
from genxi.cobuilding.views.hub import tabs_for
from genxi.core.audit import log_action
from genxi.core.exports import Column, xlsx_table_response
from genxi.core.paths import path_range_q
from genxi.core.services import ServiceError
from genxi.core.views import guard_form, service_kwargs, show_refusal
from genxi.places.models import STREET_KINDS, Area, AreaKind


def schemes_for(user: Any) -> Any:
    """The schemes of the areas where the user is staff or leadership, and below."""
    schemes = EvaluationScheme.objects.select_related("area")
    if scoping.is_superuser(user):
        return schemes
    return schemes.filter(path_range_q("area__path", scoping.scope_paths(user, AREA_ROLES)))


def manages(user: Any, scheme: EvaluationScheme) -> bool:
    return scoping.covers(user, scheme.area.path, STAFF_ROLES)


def staffed_areas(user: Any) -> Any:
    """Where the user may set up a scheme: the streets and communities they staff."""
    areas = Area.objects.filter(kind__in=[*STREET_KINDS, AreaKind.COMMUNITY]).order_by("path")
    if scoping.is_superuser(user):
        return areas
    return areas.filter(path_range_q("path", scoping.scope_paths(user, STAFF_ROLES)))


def _scheme(request: HttpRequest, pk: int, *, manage: bool = False) -> EvaluationScheme:
    require(request.user, "cobuilding.open_evaluations")
    scheme: EvaluationScheme = get_object_or_404(schemes_for(request.user), pk=pk)
    if manage and not manages(request.user, scheme):
        raise Http404
    return scheme


@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "cobuilding.open_evaluations")
    user = request.user
    areas = staffed_areas(user)
    can_create = areas.exists()
    form = None
    if can_create:
        form = SchemeForm(
            request.POST if request.method == "POST" else None,
            areas=areas,
            initial={"year": timezone.localdate().year},
        )
        guard_form(form)
        if request.method == "POST" and form.is_valid():
            try:
                scheme = services.create_scheme(actor=user, **service_kwargs(form))
            except ServiceError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request, _("The evaluation is set up. Check its items and weights.")
                )
                return redirect("cobuilding:scheme_edit", pk=scheme.pk)
    elif request.method == "POST":
        raise Http404
    schemes = schemes_for(user).order_by("-year", "area__path", "subject", "pk")
    page = Paginator(schemes, settings.GENXI_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cobuilding/evaluations/list.html",
        {
            "tabs": tabs_for(user, "cobuilding:evaluation_list"),
            "schemes": page.object_list,
            "page_obj": page,
            "paginator": page.paginator,
            "is_paginated": page.has_other_pages(),
            "form": form,
        },
    )


@login_required
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(request, pk)
    results = list(scheme.results.select_related("partner", "member__community"))
    return render(
        request,
        "cobuilding/evaluations/detail.html",
        {
            "tabs": tabs_for(request.user, "cobuilding:evaluation_list"),
            "scheme": scheme,
            "ranking": ev.ranking(scheme, results),
            "items": [{**i, "indicator": ev.INDICATORS.get(i["source"])} for i in scheme.items],
            "can_manage": manages(request.user, scheme) and scheme.closed_at is None,
        },
    )


@login_required
def scheme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(request, pk, manage=True)
    if scheme.closed_at is not None:
        raise Http404
    data = request.POST if request.method == "POST" else None
    items, grades = item_formset(scheme, data), grade_formset(scheme, data)
    error = ""
    if data is not None and items.is_valid() and grades.is_valid():
        try:
            services.update_scheme(
                actor=request.user,
                scheme=scheme,
                items=kept(items),
                grades=[[g["name"], g["lowest"]] for g in kept(grades)],
            )
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, _("The items and grades are saved."))
            return redirect("cobuilding:scheme_detail", pk=scheme.pk)
    return render(
        request,
        "cobuilding/evaluations/edit.html",
        {
            "tabs": tabs_for(request.user, "cobuilding:evaluation_list"),
            "scheme": scheme,
            "items": items,
            "grades": grades,
            "error": error,
        },
    )


@login_required
@require_POST
def scheme_compute(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(request, pk, manage=True)
    try:
        count = services.compute_scheme(actor=request.user, scheme=scheme)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Scores worked out for %(n)s.") % {"n": count})
    return redirect("cobuilding:scheme_detail", pk=scheme.pk)


@login_required
def scheme_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first (GET), then closes the scheme and tells everyone evaluated (POST)."""
    scheme = _scheme(request, pk, manage=True)
    if scheme.closed_at is not None:
        raise Http404
    if request.method == "POST":
        try:
            count = services.send_results(actor=request.user, scheme=scheme)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The results were sent to %(n)s.") % {"n": count})
        return redirect("cobuilding:scheme_detail", pk=scheme.pk)
    return render(
        request,
        "cobuilding/evaluations/send.html",
        {"tabs": tabs_for(request.user, "cobuilding:evaluation_list"), "scheme": scheme},
    )


@login_required
def evaluation_score(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "cobuilding.open_evaluations")
    result = get_object_or_404(
        Evaluation.objects.filter(scheme__in=schemes_for(request.user)).select_related(
            "scheme__area", "partner", "member"
        ),
        pk=pk,
    )
    scheme = result.scheme
    if not manages(request.user, scheme) or scheme.closed_at is not None:
        raise Http404
    form = ScoresForm(
        request.POST if request.method == "POST" else None,
        scheme=scheme,
        scores=result.scores,
        initial={"comment": result.comment},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        comment = data.pop("comment", "")
        try:
            services.score_evaluation(
                actor=request.user, evaluation=result, scores=data, comment=comment
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The scores are saved."))
            return redirect("cobuilding:scheme_detail", pk=scheme.pk)
    return render(
        request,
        "cobuilding/evaluations/score.html",
        {
            "tabs": tabs_for(request.user, "cobuilding:evaluation_list"),
            "scheme": scheme,
            "result": result,
            "name": ev.name_of(result),
            "form": form,
            "computed": [
                (i, result.scores.get(i["key"])) for i in scheme.items if i["source"] != ev.MANUAL
            ],
        },
    )


def _may_read_letter(user: Any, result: Evaluation) -> bool:
    scheme = result.scheme
    if scoping.covers(user, scheme.area.path, AREA_ROLES):
        return True
    if scheme.closed_at is None:
        return False  # the unit and the member read it once it is sent
    if result.partner_id is not None:
        return result.partner_id in scoping.partner_ids(user)
    return result.member is not None and result.member.user_id == getattr(user, "pk", None)


@login_required
def evaluation_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable letter: the result of the unit's (or member's) evaluation (评议)."""
    result = get_object_or_404(
        Evaluation.objects.select_related("scheme__area", "partner", "member__community"), pk=pk
    )
    if not _may_read_letter(request.user, result):
        raise Http404
    scheme = result.scheme
    ranked = ev.ranking(scheme, list(scheme.results.select_related("partner", "member")))
    rank = next(r.rank for r in ranked if r.evaluation.pk == result.pk)
    return render(
        request,
        "cobuilding/evaluations/letter.html",
        {
            "scheme": scheme,
            "result": result,
            "name": ev.name_of(result),
            "rank": rank,
            "staff": scoping.covers(request.user, scheme.area.path, AREA_ROLES),
            "of": len(ranked),
            "rows": [(i, result.scores.get(i["key"])) for i in scheme.items],
            "day": timezone.localtime(scheme.closed_at).date()
            if scheme.closed_at
            else timezone.localdate(),
        },
    )


@login_required
def scheme_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    scheme = _scheme(request, pk)
    ranked = ev.ranking(scheme, list(scheme.results.select_related("partner", "member__community")))
    columns = [
        Column(_("Rank"), 6),
        Column(_("Name"), 24),
        *(Column(f"{i['label']}（{i['weight']}%）", 14) for i in scheme.items),
        Column(_("Total"), 8),
        Column(_("Grade"), 8),
        Column(_("Comment"), 40),
    ]
    log_action(actor=request.user, action="evaluationscheme.export", obj=scheme)
    return xlsx_table_response(
        filename=str(scheme),
        sheet=_("Evaluation"),
        columns=columns,
        rows=(
            [
                r.rank,
                ev.name_of(r.evaluation),
                *(r.evaluation.scores.get(i["key"], "") for i in scheme.items),
                r.evaluation.total,
                r.evaluation.grade,
                r.evaluation.comment,
            ]
            for r in ranked
        ),
    )


urlpatterns: list[URLPattern] = [
    path("cobuilding/evaluations/", evaluation_list, name="evaluation_list"),
    path("cobuilding/evaluations/<int:pk>/", scheme_detail, name="scheme_detail"),
    path("cobuilding/evaluations/<int:pk>/edit/", scheme_edit, name="scheme_edit"),
    path("cobuilding/evaluations/<int:pk>/compute/", scheme_compute, name="scheme_compute"),
    path("cobuilding/evaluations/<int:pk>/send/", scheme_send, name="scheme_send"),
    path("cobuilding/evaluations/<int:pk>/export/", scheme_export, name="scheme_export"),
    path("cobuilding/evaluations/results/<int:pk>/", evaluation_score, name="evaluation_score"),
    path(
        "cobuilding/evaluations/results/<int:pk>/letter/",
        evaluation_letter,
        name="evaluation_letter",
    ),
]
