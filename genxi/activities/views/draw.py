"""The draw's pages: staff announce, freeze and run an offering's draw (one page, a form for
the step it is at); the public page (no login) shows everything needed to check it, with the
roster, the draw's JSON and the stand-alone script to download."""

import json
import shlex
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from genxi.accounts.rules import require
from genxi.activities import draw as rfc3797
from genxi.activities.models import (
    HOLDS_SEAT,
    Activity,
    ActivityStatus,
    Draw,
    DrawStatus,
    Offering,
    Registration,
    RegistrationStatus,
)
from genxi.activities.services import draw as services
from genxi.core.forms import BoundedForm
from genxi.core.services import ServiceError
from genxi.core.views import show_refusal

SCRIPT = Path(rfc3797.__file__).with_name("recompute_draw.py")
LOCAL = {"type": "datetime-local"}


class AnnounceForm(BoundedForm):
    sources = forms.CharField(
        label=gettext_lazy("Random sources"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": "福彩3D 2026年12月6日开奖号码\n抽签现场居民掷的五颗骰子",
            }
        ),
        help_text=gettext_lazy(
            "One a line, in the order their values will be entered: results nobody knows yet "
            "and nobody controls alone, such as a lottery drawn after the freeze and dice "
            "rolled by residents at the draw."
        ),
    )
    draw_at = forms.DateTimeField(
        label=gettext_lazy("The draw takes place at"),
        widget=forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M"),
    )


class FreezeForm(BoundedForm):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "Freeze the list of applicants now: nobody may apply after this, and the roster's "
            "hash is published."
        )
    )


class RunForm(BoundedForm):
    values = forms.CharField(
        label=gettext_lazy("The sources' values"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "9319\n2 5 12 8 10"}),
        help_text=gettext_lazy(
            "One line a source, in the announced order; a source's numbers separated by spaces."
        ),
    )

    def clean_values(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["values"].splitlines()]
        return [line for line in lines if line]


def _offering(request: HttpRequest, activity_id: int, offering_id: int) -> Offering:
    offering = get_object_or_404(
        Offering.objects.filter(
            activity__in=Activity.objects.visible_to(request.user)
        ).select_related("activity"),
        pk=offering_id,
        activity_id=activity_id,
    )
    require(request.user, "activities.manage", offering.activity)
    return offering


@login_required
def draw_manage(request: HttpRequest, activity_id: int, offering_id: int) -> HttpResponse:
    """Staff: the draw of one offering, at whichever step it is."""
    offering = _offering(request, activity_id, offering_id)
    draw = Draw.objects.filter(offering=offering).first()
    step = request.POST.get("step", "") if request.method == "POST" else ""
    data = request.POST if step else None
    announce = AnnounceForm(data if step == "announce" else None)
    freeze = FreezeForm(data if step == "freeze" else None)
    run = RunForm(data if step == "run" else None)
    form = {"announce": announce, "freeze": freeze, "run": run}.get(step)
    if form is not None and form.is_valid():
        try:
            if step == "announce":
                services.announce_draw(actor=request.user, offering=offering, **form.cleaned_data)
                messages.success(request, _("The draw is announced."))
            elif draw is not None and step == "freeze":
                services.freeze_roster(actor=request.user, draw=draw)
                messages.success(request, _("The roster is frozen and its hash published."))
            elif draw is not None:
                services.run_draw(actor=request.user, draw=draw, values=form.cleaned_data["values"])
                messages.success(request, _("The draw is made."))
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            return redirect(request.path)
    counts = Registration.objects.filter(offering=offering).aggregate(
        applied=Count("pk", filter=Q(status=RegistrationStatus.APPLIED)),
        seated=Count("pk", filter=Q(status__in=HOLDS_SEAT)),
        waiting=Count("pk", filter=Q(status=RegistrationStatus.WAITING)),
    )
    return render(
        request,
        "activities/draw/manage.html",
        {
            "offering": offering,
            "activity": offering.activity,
            "draw": draw,
            "counts": counts,
            "announce_form": announce,
            "freeze_form": freeze,
            "run_form": run,
        },
        status=400 if form is not None else 200,
    )


def _public_draw(pk: int) -> Draw:
    return get_object_or_404(
        Draw.objects.filter(
            offering__activity__status__in=(ActivityStatus.PUBLISHED, ActivityStatus.HELD)
        ).select_related("offering__activity"),
        pk=pk,
    )


def _published(draw: Draw) -> dict[str, Any]:
    """The draw as published: what the script reads."""
    return {
        "draw": draw.pk,
        "activity": draw.offering.activity.title,
        "offering": str(draw.offering),
        "sources": draw.sources,
        "draw_at": draw.draw_at.isoformat(),
        "roster_sha256": draw.roster_sha256,
        "roster": draw.roster,
        "values": draw.values,
        "key": draw.key,
        "ranking": draw.ranking,
    }


@require_GET
def draw_public(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone: the draw's sources, roster hash, roster, values, key and ranking."""
    draw = _public_draw(pk)
    roster: list[list[int]] = draw.roster
    admitted = set(
        Registration.objects.filter(
            offering_id=draw.offering_id, roster_number__isnull=False, status__in=HOLDS_SEAT
        ).values_list("roster_number", flat=True)
    )
    ranking = [(number, number in admitted) for number in draw.ranking]
    command = " ".join(
        ["python3 recompute_draw.py roster.json", *(shlex.quote(v) for v in draw.values)]
    )
    return render(
        request,
        "activities/draw/public.html",
        {
            "draw": draw,
            "offering": draw.offering,
            "activity": draw.offering.activity,
            "drawn": draw.status == DrawStatus.DRAWN,
            "frozen": draw.status != DrawStatus.ANNOUNCED,
            "roster_size": len(roster),
            "priority": [n for n, tier in roster if tier < 5],
            "lowered": [n for n, tier in roster if tier > 5],
            "ranking": ranking,
            "admitted": len(admitted),
            "command": command,
        },
    )


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def draw_roster(request: HttpRequest, pk: int) -> HttpResponse:
    """The frozen roster, byte for byte what its published SHA-256 was taken of."""
    draw = _public_draw(pk)
    if draw.status == DrawStatus.ANNOUNCED:
        return HttpResponse(status=404)
    return _download(rfc3797.roster_json(draw.roster), "roster.json", "application/json")


@require_GET
def draw_json(request: HttpRequest, pk: int) -> HttpResponse:
    content = json.dumps(_published(_public_draw(pk)), ensure_ascii=False, indent=1)
    return _download(content.encode(), "draw.json", "application/json; charset=utf-8")


@require_GET
def draw_script(request: HttpRequest) -> HttpResponse:
    return _download(SCRIPT.read_bytes(), "recompute_draw.py", "text/x-python; charset=utf-8")


urlpatterns: list[URLPattern] = [
    path(
        "activities/<int:activity_id>/offerings/<int:offering_id>/draw/",
        draw_manage,
        name="draw_manage",
    ),
    path("draws/<int:pk>/", draw_public, name="draw_public"),
    path("draws/<int:pk>/roster.json", draw_roster, name="draw_roster"),
    path("draws/<int:pk>/draw.json", draw_json, name="draw_json"),
    path("draws/recompute_draw.py", draw_script, name="draw_script"),
]
