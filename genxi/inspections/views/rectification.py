"""Rectification: the inspected community's list to answer, a finding's plan and
result with photos, the re-check (回头看), overdue flags. Owner: helper F.

Who sees a finding is `Finding.objects.visible_to` (404 outside): the inspected community's
staff, the inspecting communities' staff while the round is open, street staff and leadership.
Who acts is `inspections.rectify` (the inspected community's staff) and `inspections.recheck`
(the inspecting group while the round is open, or street staff); leadership only reads.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy

from genxi.accounts.rules import require
from genxi.core.services import ServiceError
from genxi.core.views import guard_form, history_of, service_kwargs, show_refusal
from genxi.inspections import todo
from genxi.inspections.forms.rectification import OnSpotForm, PlanForm, RecheckForm, ResultForm
from genxi.inspections.models import (
    UNFINISHED_FINDINGS,
    Finding,
    FindingStatus,
    FixMode,
    PhotoStage,
    RoundStatus,
    staffed_community_ids,
)
from genxi.inspections.services import rectification as services

# The order a community works through its findings: sent back first, then to plan, to fix.
STATUS_ORDER = [
    FindingStatus.RETURNED,
    FindingStatus.OPEN,
    FindingStatus.PLANNED,
    FindingStatus.FIXED,
    FindingStatus.ACCEPTED,
]
STEP_LABELS = {
    "create": gettext_lazy("recorded the finding"),
    "update": gettext_lazy("changed the finding"),
    "plan": gettext_lazy("recorded the plan"),
    "fix": gettext_lazy("recorded the result"),
    "fix_on_spot": gettext_lazy("fixed it on the spot"),
    "accept": gettext_lazy("accepted the result"),
    "return": gettext_lazy("sent it back"),
    "remind": gettext_lazy("overdue reminder sent"),
}


def ordered(findings: Any) -> Any:
    """Overdue first, then by the order of work, then by deadline."""
    today = timezone.localdate()
    return findings.annotate(
        overdue_first=Case(
            When(Q(status__in=UNFINISHED_FINDINGS, deadline__lt=today), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        step=Case(
            *[When(status=s, then=Value(n)) for n, s in enumerate(STATUS_ORDER)],
            default=Value(9),
            output_field=IntegerField(),
        ),
    ).order_by("overdue_first", "step", "deadline", "id")


@login_required
def rectify_list(request: HttpRequest) -> HttpResponse:
    """The user's findings to answer (their community was inspected) and to re-check, in the
    rounds still open; on a phone."""
    require(request.user, "inspections.open_inspections")
    visible = (
        Finding.objects.visible_to(request.user)
        .exclude(round__status=RoundStatus.CLOSED)
        .exclude(status=FindingStatus.DRAFT)
        .select_related("round", "item", "community", "group")
    )
    mine = ordered(visible.filter(community__in=staffed_community_ids(request.user)))
    status = request.GET.get("status", "")
    if status in FindingStatus.values:
        mine = mine.filter(status=status)
    page = Paginator(mine, settings.GENXI_PAGE_SIZE).get_page(request.GET.get("page"))
    to_recheck = ordered(
        todo.findings_waiting(request.user).filter(status=FindingStatus.FIXED)
    ).select_related("round", "item", "community", "group")[: settings.GENXI_PAGE_SIZE]
    return render(
        request,
        "inspections/rectification/rectify_list.html",
        {
            "page_obj": page,
            "to_recheck": list(to_recheck),
            "statuses": [(v, label) for v, label in FindingStatus.choices if v != "draft"],
            "status": status,
            "is_paginated": page.has_other_pages(),
            "paginator": page.paginator,
        },
    )


def _finding(request: HttpRequest, pk: int) -> Finding:
    require(request.user, "inspections.open_inspections")
    return get_object_or_404(
        Finding.objects.visible_to(request.user).select_related(
            "round__street", "group", "item", "community", "rechecked_by", "created_by"
        ),
        pk=pk,
    )


def _forms_for(request: HttpRequest, finding: Finding, data: Any = None) -> dict[str, Any]:
    """The forms the user may use on this finding now ({action: form})."""
    user, status = request.user, finding.status
    forms: dict[str, Any] = {}
    if finding.round.status == RoundStatus.CLOSED:
        return forms
    if user.has_perm("inspections.rectify", finding) and status in UNFINISHED_FINDINGS:
        if finding.mode == FixMode.ON_SPOT:
            forms["on_spot"] = OnSpotForm(
                data, initial={"plan": finding.plan, "result": finding.result}
            )
        else:
            forms["plan"] = PlanForm(data, initial={"plan": finding.plan})
            if status != FindingStatus.OPEN:
                forms["result"] = ResultForm(data, initial={"result": finding.result})
    if user.has_perm("inspections.recheck", finding) and status == FindingStatus.FIXED:
        forms["recheck"] = RecheckForm(data)
    for form in forms.values():
        guard_form(form, finding)
    return forms


ACTIONS = {
    "plan": ("inspections.rectify", PlanForm),
    "result": ("inspections.rectify", ResultForm),
    "on_spot": ("inspections.rectify", OnSpotForm),
    "recheck": ("inspections.recheck", RecheckForm),
}


def _perform(request: HttpRequest, finding: Finding, action: str, form: Any) -> Finding:
    kwargs = service_kwargs(form, finding)
    actor = request.user
    if action == "plan":
        return services.record_plan(actor=actor, finding=finding, **kwargs)
    if action == "result":
        return services.record_result(actor=actor, finding=finding, **kwargs)
    if action == "on_spot":
        return services.fix_on_spot(actor=actor, finding=finding, **kwargs)
    decision = kwargs.pop("decision")
    return services.recheck(
        actor=actor, finding=finding, accepted=decision == RecheckForm.ACCEPT, **kwargs
    )


DONE = {
    "plan": gettext_lazy("The plan is recorded."),
    "result": gettext_lazy("The result is recorded; the inspectors will re-check it."),
    "on_spot": gettext_lazy("Fixed on the spot; the inspectors will re-check it."),
    "recheck": gettext_lazy("The re-check is recorded."),
}


@login_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A finding with its photos, its steps so far, and the form for the next step."""
    finding = _finding(request, pk)
    forms = _forms_for(request, finding)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            return redirect(finding)
        perm, form_class = ACTIONS[action]
        require(request.user, perm, finding)
        form = form_class(request.POST, request.FILES)
        guard_form(form, finding)
        if form.is_valid():
            try:
                _perform(request, finding, action, form)
            except ServiceError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, str(DONE[action]))
                return redirect(finding)
        forms[action] = form
        status = 400
    return render(
        request,
        "inspections/rectification/finding_detail.html",
        {
            "finding": finding,
            "forms": forms,
            "found_photos": [p for p in finding.photos.all() if p.stage == PhotoStage.FINDING],
            "result_photos": [p for p in finding.photos.all() if p.stage == PhotoStage.RESULT],
            "members": [m.community for m in finding.group.members.select_related("community")],
            "history": _steps(finding),
            "can_results": request.user.has_perm("inspections.view_results", finding.round),
        },
        status=status,
    )


def _steps(finding: Finding) -> list[Any]:
    entries = history_of(finding, limit=30)
    for entry in entries:
        verb = entry.action.split(".", 1)[-1]
        entry.label = STEP_LABELS.get(verb, entry.label)
    return entries


urlpatterns: list[URLPattern] = [
    path("inspections/rectify/", rectify_list, name="rectify_list"),
    path("inspections/findings/<int:pk>/", finding_detail, name="finding_detail"),
]
