"""Deliberation meetings for staff: the list, convening one, and the meeting's page where the
attendance, opinions, plan versions, minutes and follow-up actions are kept; a printable page."""

import itertools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from genxi.accounts.rules import require
from genxi.core.services import ServiceError
from genxi.core.views import show_refusal
from genxi.meetings import forms, services
from genxi.meetings.models import FollowUp, Invitee, Meeting


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("community", "venue"), pk=pk
    )


def _manage(request: HttpRequest, meeting: Any) -> None:
    require(request.user, "meetings.manage", meeting)


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "meetings.open_meetings")
    meetings = Meeting.objects.visible_to(request.user).select_related("community", "venue")
    if request.GET.get("when") == "coming":  # the home page's "coming meetings"
        meetings = meetings.filter(starts_at__gte=timezone.now()).order_by("starts_at")
    return render(
        request,
        "meetings/meeting_list.html",
        {"meetings": meetings[:200], "can_create": request.user.has_perm("meetings.manage")},
    )


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    _manage(request, None)
    form = forms.MeetingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.convene(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(meeting)
    return render(
        request,
        "includes/object_form.html",
        {
            "form": form,
            "title": _("Convene a deliberation meeting"),
            "cancel_url": reverse("meetings:meeting_list"),
        },
        status=400 if form.is_bound else 200,
    )


def _page(
    request: HttpRequest, meeting: Meeting, bound: dict[str, Any] | None = None
) -> HttpResponse:
    bound = bound or {}
    plans = list(meeting.plans.prefetch_related("opinions__speaker"))
    changes = [(new, services.plan_diff(old, new)) for old, new in itertools.pairwise(plans)]
    agenda = list(meeting.agenda.prefetch_related("opinions__speaker"))
    current = plans[-1] if plans else None
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": agenda,
            "invitees": meeting.invitees.all(),
            "present": meeting.invitees.filter(attended=True).count(),
            "plans": plans,
            "current": current,
            "changes": changes,
            "actions": meeting.actions.select_related("demand", "project"),
            "can_manage": request.user.has_perm("meetings.manage", meeting),
            "opinion_form": bound.get("opinion") or forms.OpinionForm(meeting=meeting),
            "plan_form": bound.get("plan")
            or forms.PlanForm(meeting=meeting, initial={"text": current.text if current else ""}),
            "minutes_form": bound.get("minutes")
            or forms.MinutesForm(initial={"minutes": meeting.minutes, "outcome": meeting.outcome}),
            "follow_up_form": bound.get("follow_up") or forms.FollowUpForm(),
            "to_demand_form": forms.ToDemandForm(),
            "to_project_form": forms.ToProjectForm(meeting=meeting, user=request.user),
        },
        status=400 if bound else 200,
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _meeting(request, pk))


@login_required
def meeting_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the meeting to another time or venue: the venue is booked again for it."""
    meeting = _meeting(request, pk)
    _manage(request, meeting)
    initial = {"venue": meeting.venue, "starts_at": meeting.starts_at, "ends_at": meeting.ends_at}
    form = forms.RescheduleForm(request.POST or None, meeting=meeting, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.reschedule(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(meeting)
    return render(
        request,
        "includes/object_form.html",
        {
            "form": form,
            "title": _("Move “%(topic)s”") % {"topic": meeting.topic},
            "cancel_url": meeting.get_absolute_url(),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def meeting_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice and minutes as one printable page (the browser prints it, Chinese fonts and
    all)."""
    meeting = _meeting(request, pk)
    plans = list(meeting.plans.all())
    return render(
        request,
        "meetings/meeting_print.html",
        {
            "meeting": meeting,
            "agenda": meeting.agenda.prefetch_related("opinions__speaker"),
            "invitees": meeting.invitees.all(),
            "current": plans[-1] if plans else None,
            "actions": meeting.actions.all(),
        },
    )


@login_required
@require_POST
def attendance(request: HttpRequest, pk: int, invitee: int) -> HttpResponse:
    """At the door, on a phone: one tap marks a person present (or not); htmx swaps the row."""
    meeting = _meeting(request, pk)
    _manage(request, meeting)
    person = get_object_or_404(Invitee, pk=invitee, meeting=meeting)
    services.mark_attendance(
        actor=request.user, invitee=person, present=request.POST.get("present") == "1"
    )
    if request.htmx:  # type: ignore[attr-defined]
        # The row, and the count beside the heading (out of band).
        return render(
            request,
            "meetings/invitee_row.html",
            {
                "i": person,
                "meeting": meeting,
                "oob": True,
                "present": meeting.invitees.filter(attended=True).count(),
                "invited": meeting.invitees.count(),
            },
        )
    return redirect(meeting)


def _post(request: HttpRequest, pk: int, name: str, make: Any, act: Any) -> HttpResponse:
    meeting = _meeting(request, pk)
    _manage(request, meeting)
    form = make(meeting, request.POST)
    if form.is_valid():
        try:
            act(meeting, form.cleaned_data)
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{meeting.get_absolute_url()}#{name}")
    return _page(request, meeting, {name: form})


@login_required
@require_POST
def opinion(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        "opinion",
        lambda m, data: forms.OpinionForm(data, meeting=m),
        lambda m, d: services.record_opinion(actor=request.user, **d),
    )


@login_required
@require_POST
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        "plan",
        lambda m, data: forms.PlanForm(data, meeting=m),
        lambda m, d: services.revise_plan(actor=request.user, meeting=m, **d),
    )


@login_required
@require_POST
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        "minutes",
        lambda m, data: forms.MinutesForm(data),
        lambda m, d: services.record_minutes(actor=request.user, meeting=m, **d),
    )


@login_required
@require_POST
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        "follow_up",
        lambda m, data: forms.FollowUpForm(data),
        lambda m, d: services.add_follow_up(actor=request.user, meeting=m, **d),
    )


@login_required
@require_POST
def to_demand(request: HttpRequest, pk: int, action: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    _manage(request, meeting)
    item = get_object_or_404(FollowUp, pk=action, meeting=meeting)
    form = forms.ToDemandForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the demand's category."))
        return redirect(meeting)
    try:
        demand = services.follow_up_to_demand(
            actor=request.user, action=item, category=form.cleaned_data["category"]
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(meeting)
    messages.success(request, _("On the demand ledger as %(code)s.") % {"code": demand.code})
    return redirect(meeting)


@login_required
@require_POST
def to_project(request: HttpRequest, pk: int, action: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    _manage(request, meeting)
    item = get_object_or_404(FollowUp, pk=action, meeting=meeting)
    form = forms.ToProjectForm(request.POST, meeting=meeting, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose the fund and give the estimated cost."))
        return redirect(meeting)
    try:
        project = services.follow_up_to_project(
            actor=request.user, action=item, **form.cleaned_data
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(meeting)
    messages.success(request, _("Drafted as a candidate project."))
    return redirect("projects:project_detail", pk=project.pk)
