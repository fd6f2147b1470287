"""The door: today's sessions a helper can check people in at, and one session's door page on
a phone — the camera scanner and the typed code (checkin.js posts both to the API, and queues
them on the phone while offline), the count, walk-ins and volunteers in and out."""

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from genxi.accounts.rules import require
from genxi.activities.models import Activity, ActivityStatus, CheckInSource, Session, VolunteerShift
from genxi.activities.services import checkin
from genxi.core.services import ServiceError
from genxi.core.views import show_refusal


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Check-in code"),
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "ABCD EFGH",
            }
        ),
    )


class WalkInForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50)
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )


class VolunteerForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Volunteer's name"), max_length=50)


def _door_url(session: Session, anchor: str = "") -> str:
    url = reverse("activities:door", args=[session.pk])
    return f"{url}#{anchor}" if anchor else url


@login_required
def door_list(request: HttpRequest) -> HttpResponse:
    """Sessions of today and tomorrow where the user may check people in.

    A session belongs to today while any of it falls on today: an evening session that
    runs past midnight stays on the list until it ends, since people still arrive late.
    """
    require(request.user, "activities.check_in")
    today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    sessions = [
        s
        for s in Session.objects.filter(
            activity__in=Activity.objects.visible_to(request.user).values("pk"),
            activity__status=ActivityStatus.PUBLISHED,
            ends_at__gt=today,
            starts_at__lt=today + timedelta(days=2),
        )
        .select_related("activity", "venue")
        .order_by("starts_at", "id")[:100]
        if request.user.has_perm("activities.check_in", s.activity)
    ]
    return render(request, "activities/checkin/door_list.html", {"sessions": sessions})


def _page(
    request: HttpRequest, session: Session, bound: dict[str, Any] | None = None
) -> HttpResponse:
    bound = bound or {}
    count, registered = checkin.counts(session)
    shifts = VolunteerShift.objects.filter(activity_id=session.activity_id)
    return render(
        request,
        "activities/checkin/door.html",
        {
            "session": session,
            "activity": session.activity,
            "count": count,
            "registered": registered,
            "code_form": bound.get("code") or CodeForm(),
            "walk_in_form": bound.get("walk_in") or WalkInForm(),
            "volunteer_form": bound.get("volunteer") or VolunteerForm(),
            "volunteers": checkin.volunteer_hours(shifts),
            "recent": session.attendances.select_related("registration").order_by(
                "-checked_in_at", "-id"
            )[:10],
            "api_check_in": reverse("api:post_check_in", args=[session.pk]),
        },
        status=400 if bound else 200,
    )


@login_required
def door(request: HttpRequest, pk: str) -> HttpResponse:
    return _page(request, checkin.door_session(request.user, pk))


@login_required
@require_POST
def door_code(request: HttpRequest, pk: str) -> HttpResponse:
    """A typed code without the script (the script posts to the API instead)."""
    session = checkin.door_session(request.user, pk)
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            attendance, created = checkin.check_in(
                actor=request.user,
                session=session,
                text=form.cleaned_data["code"],
                source=CheckInSource.CODE,
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            outcome = checkin.describe(attendance, created)
            (messages.success if created else messages.warning)(request, outcome.message)
            return redirect(_door_url(session))
    return _page(request, session, {"code": form})


@login_required
@require_POST
def door_walk_in(request: HttpRequest, pk: str) -> HttpResponse:
    session = checkin.door_session(request.user, pk)
    form = WalkInForm(request.POST)
    if form.is_valid():
        try:
            reg, _attendance = checkin.walk_in(
                actor=request.user, session=session, **form.cleaned_data
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s registered at the door (seat %(seat)s) and checked in.")
                % {"name": reg.name, "seat": reg.seat},
            )
            return redirect(_door_url(session))
    return _page(request, session, {"walk_in": form})


@login_required
@require_POST
def volunteer_in(request: HttpRequest, pk: str) -> HttpResponse:
    session = checkin.door_session(request.user, pk)
    form = VolunteerForm(request.POST)
    if form.is_valid():
        try:
            checkin.volunteer_check_in(
                actor=request.user, session=session, name=form.cleaned_data["name"]
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            return redirect(_door_url(session, "volunteers"))
    return _page(request, session, {"volunteer": form})


@login_required
@require_POST
def volunteer_out(request: HttpRequest, pk: str, shift: int) -> HttpResponse:
    session = checkin.door_session(request.user, pk)
    row = get_object_or_404(VolunteerShift, pk=shift, activity_id=session.activity_id)
    try:
        checkin.volunteer_check_out(actor=request.user, shift=row)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(_door_url(session, "volunteers"))


urlpatterns: list[URLPattern] = [
    path("activities/door/", door_list, name="door_list"),
    path("activities/sessions/<str:pk>/door/", door, name="door"),
    path("activities/sessions/<str:pk>/door/code/", door_code, name="door_code"),
    path("activities/sessions/<str:pk>/door/walk-in/", door_walk_in, name="door_walk_in"),
    path("activities/sessions/<str:pk>/door/volunteers/", volunteer_in, name="volunteer_in"),
    path(
        "activities/sessions/<str:pk>/door/volunteers/<int:shift>/out/",
        volunteer_out,
        name="volunteer_out",
    ),
]
