"""On site: a group's scoring sheet on the phone, its findings with photos, and sending
the problem list; the printable problem list. Owner: helper E.

A group opens to `Group.objects.visible_to(user)` (street staff and leadership, the inspected
community, the inspecting communities while the round is open); scoring and recording ask
`inspections.inspect`. The inspected community sees the findings only once the list is sent
(`Finding.objects.visible_to`), and the scores from then on. Everything else: 404.
"""

from datetime import UTC, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from genxi.accounts.rules import require
from genxi.core.services import ServiceError
from genxi.core.views import guard_form, service_kwargs, show_refusal
from genxi.inspections.forms.onsite import FindingForm, ScoreForm
from genxi.inspections.forms.rounds import StampForm
from genxi.inspections.models import (
    Finding,
    FindingPhoto,
    FindingStatus,
    Group,
    GroupStatus,
    PhotoStage,
    RoundItem,
)
from genxi.inspections.services import onsite as services
from genxi.inspections.views.tabs import tabs_for


def _group(request: HttpRequest, pk: int, *, inspect: bool = False) -> Group:
    require(request.user, "inspections.open_inspections")
    group: Group = get_object_or_404(
        Group.objects.visible_to(request.user).select_related("round__street", "inspected"), pk=pk
    )
    if inspect:
        require(request.user, "inspections.inspect", group)
    return group


def _stamp(text: str) -> datetime | None:
    """The score's stamp from the sheet: None when it had no score; a mangled one is stale."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def _findings(request: HttpRequest, group: Group) -> list[Finding]:
    return list(
        Finding.objects.visible_to(request.user)
        .filter(group=group)
        .select_related("item")
        .prefetch_related("photos")
    )


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    user: Any = request.user
    can_inspect = user.has_perm("inspections.inspect", group)
    editable = (
        can_inspect
        and group.status == GroupStatus.SCORING
        and group.round.status in (services.OPEN_ROUND)
    )
    # Scores show to the inspectors and street staff, and to the inspected once the list is sent.
    show_scores = can_inspect or group.status == GroupStatus.SUBMITTED
    rows: list[dict[str, Any]] = []
    for item, score in services.sheet(group):
        form = None
        if editable:
            form = ScoreForm(
                item=item,
                prefix=f"i{item.pk}",
                initial={
                    "score": score.score if score else None,
                    "note": score.note if score else "",
                    "stamp": score.updated_at.isoformat() if score else "",
                },
            )
        rows.append({"item": item, "score": score if show_scores else None, "form": form})
    findings = _findings(request, group)
    scored = [r["score"] for r in rows if r["score"] is not None]
    return render(
        request,
        "inspections/onsite/group.html",
        {
            "tabs": tabs_for(user, "inspections:round_list"),
            "group": group,
            "round": group.round,
            "members": [m.community for m in group.members.select_related("community")],
            "rows": rows,
            "total": sum(s.score for s in scored) if scored else None,
            "full": sum(r["item"].max_score for r in rows),
            "unscored": sum(1 for r in rows if r["score"] is None),
            "findings": findings,
            "editable": editable,
            "show_scores": show_scores,
        },
    )


@login_required
@require_POST
def score_save(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    group = _group(request, pk, inspect=True)
    item = get_object_or_404(RoundItem, pk=item_pk, round_id=group.round_id)
    form = ScoreForm(request.POST, item=item, prefix=f"i{item.pk}")
    target = reverse("inspections:group_detail", args=[group.pk]) + f"#item-{item.pk}"
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, f"{item.title}：{e}")
        return redirect(target)
    try:
        services.save_score(
            actor=request.user,
            group=group,
            item=item,
            score=form.cleaned_data["score"],
            note=form.cleaned_data["note"],
            expected_updated_at=_stamp(form.cleaned_data["stamp"]),
        )
    except ServiceError as exc:
        messages.error(request, f"{item.title}：{exc.message}")
    else:
        messages.success(
            request,
            _("“%(item)s” scored %(n)s.") % {"item": item.title, "n": form.cleaned_data["score"]},
        )
    return redirect(target)


def _finding_page(request: HttpRequest, group: Group, finding: Finding | None) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = FindingForm(data, files, group=group, instance=finding)
    guard_form(form, finding)
    if data is not None and form.is_valid():
        kwargs = service_kwargs(form, finding)
        fields = {
            "item": kwargs["item"],
            "description": kwargs["description"],
            "suggestion": kwargs["suggestion"],
            "severity": kwargs["severity"],
            "mode": kwargs["mode"],
            "deadline": kwargs["deadline"],
            "photos": kwargs["photos"],
        }
        try:
            if finding is None:
                services.create_finding(
                    actor=request.user, group=group, token=kwargs["token"], **fields
                )
            else:
                services.update_finding(
                    actor=request.user,
                    finding=finding,
                    remove_photos=[int(p) for p in kwargs.get("remove_photos", [])],
                    expected_updated_at=kwargs["expected_updated_at"],
                    **fields,
                )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The finding is recorded."))
            return redirect(reverse("inspections:group_detail", args=[group.pk]) + "#findings")
    return render(
        request,
        "inspections/onsite/finding_form.html",
        {
            "tabs": tabs_for(request.user, "inspections:round_list"),
            "group": group,
            "form": form,
            "finding": finding,
        },
    )


def _writable(group: Group) -> None:
    if group.status != GroupStatus.SCORING or group.round.status not in services.OPEN_ROUND:
        raise Http404


@login_required
def finding_create(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk, inspect=True)
    _writable(group)
    return _finding_page(request, group, None)


def _draft(request: HttpRequest, pk: int) -> Finding:
    require(request.user, "inspections.open_inspections")
    finding: Finding = get_object_or_404(
        Finding.objects.visible_to(request.user).select_related("group__round", "group__inspected"),
        pk=pk,
    )
    require(request.user, "inspections.inspect", finding.group)
    if finding.status != FindingStatus.DRAFT:
        raise Http404
    return finding


@login_required
def finding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _draft(request, pk)
    _writable(finding.group)
    return _finding_page(request, finding.group, finding)


@login_required
def finding_delete(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _draft(request, pk)
    group = finding.group
    form = StampForm(request.POST if request.method == "POST" else None)
    guard_form(form, finding)  # the finding as the page showed it: a changed one is not deleted
    if request.method == "POST":
        form.is_valid()
        try:
            services.delete_finding(
                actor=request.user,
                finding=finding,
                expected_updated_at=service_kwargs(form, finding)["expected_updated_at"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The finding is deleted."))
        return redirect(reverse("inspections:group_detail", args=[group.pk]) + "#findings")
    return render(
        request,
        "inspections/onsite/finding_delete.html",
        {
            "tabs": tabs_for(request.user, "inspections:round_list"),
            "finding": finding,
            "form": form,
        },
    )


@login_required
def group_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first (GET: what is sent, what is not scored), then sends the problem list."""
    group = _group(request, pk, inspect=True)
    _writable(group)
    if request.method == "POST":
        try:
            count = services.send_list(actor=request.user, group=group)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("The problem list (%(n)s findings) is sent to %(name)s.")
                % {"n": count, "name": group.inspected.name},
            )
        return redirect("inspections:group_detail", pk=group.pk)
    sheet = services.sheet(group)
    return render(
        request,
        "inspections/onsite/send.html",
        {
            "tabs": tabs_for(request.user, "inspections:round_list"),
            "group": group,
            "findings": _findings(request, group),
            "unscored": [item for item, score in sheet if score is None],
        },
    )


@login_required
def group_list_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The problem list (问题清单) on paper: the group, the findings, their photos."""
    group = _group(request, pk)
    return render(
        request,
        "inspections/onsite/print.html",
        {
            "group": group,
            "members": [m.community for m in group.members.select_related("community")],
            "findings": _findings(request, group),
            "stage": PhotoStage.FINDING,
        },
    )


@login_required
def finding_photo(request: HttpRequest, pk: int, photo: int) -> FileResponse:
    """A finding's photo (as found or after rectification), for those who may see the finding
    (photos are never public files)."""
    require(request.user, "inspections.open_inspections")
    finding = get_object_or_404(Finding.objects.visible_to(request.user), pk=pk)
    item = get_object_or_404(FindingPhoto, finding=finding, pk=photo)
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


urlpatterns: list[URLPattern] = [
    path("inspections/groups/<int:pk>/", group_detail, name="group_detail"),
    path("inspections/groups/<int:pk>/items/<int:item_pk>/score/", score_save, name="score_save"),
    path("inspections/groups/<int:pk>/findings/new/", finding_create, name="finding_create"),
    path("inspections/groups/<int:pk>/send/", group_send, name="group_send"),
    path("inspections/groups/<int:pk>/list/", group_list_print, name="group_list"),
    path("inspections/findings/<int:pk>/edit/", finding_edit, name="finding_edit"),
    path("inspections/findings/<int:pk>/photos/<int:photo>/", finding_photo, name="finding_photo"),
    path("inspections/findings/<int:pk>/delete/", finding_delete, name="finding_delete"),
]
