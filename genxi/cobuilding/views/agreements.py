"""Co-building pages: agreements (the list, a new one, its page with the commitment calendar,
joint meetings and versions, and the actions: sign, amend, renew, end), a due item's page
with its filings, and the scoped downloads of the signed document and the attachments.

Staff of the agreement's community (or street) manage it; leadership and the partner handlers
of a party read it. A due item is filed by its owner side: the partner's handlers for the
partner's side, the community's staff for ours."""

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from genxi.accounts import scoping
from genxi.accounts.rules import require
from genxi.cobuilding import schedule
from genxi.cobuilding.forms import agreements as forms
from genxi.cobuilding.models import (
    AGREEMENT_MACHINE,
    Agreement,
    AgreementStatus,
    Attachment,
    DueItem,
    MeetingCadence,
    ReportProblem,
    Side,
)
from genxi.cobuilding.rules import staffs
from genxi.cobuilding.services import agreements as services
from genxi.cobuilding.views.hub import tabs_for
from genxi.core.services import ServiceError
from genxi.core.views import ScopedListView, guard_form, service_kwargs, show_refusal
from genxi.places.models import Area, AreaKind

MANAGE = "cobuilding.manage"


def _agreement(request: HttpRequest, pk: int) -> Agreement:
    require(request.user, "cobuilding.open_agreements")
    return get_object_or_404(
        Agreement.objects.visible_to(request.user).select_related(
            "community", "party_org", "liaison", "renews"
        ),
        pk=pk,
    )


def _managed(request: HttpRequest, pk: int) -> Agreement:
    agreement = _agreement(request, pk)
    require(request.user, MANAGE, agreement)
    return agreement


def _item(request: HttpRequest, pk: int) -> DueItem:
    require(request.user, "cobuilding.open_agreements")
    return get_object_or_404(
        DueItem.objects.visible_to(request.user).select_related(
            "commitment__agreement__community", "commitment__owner_partner"
        ),
        pk=pk,
    )


def may_file(user: Any, item: DueItem) -> bool:
    """The owner side files: the partner's handlers for the partner's side, the community's
    staff for ours."""
    commitment = item.commitment
    if commitment.owner_side == Side.COMMUNITY:
        return bool(staffs(user, commitment.agreement))
    mine = set(scoping.partner_ids(user))
    if commitment.owner_partner_id:
        return commitment.owner_partner_id in mine
    return bool(mine & set(commitment.agreement.parties.values_list("partner_id", flat=True)))


# ---------------------------------------------------------------- the list


class AgreementList(ScopedListView):
    model = Agreement
    header_template = "cobuilding/includes/tabs.html"
    page_perm = "cobuilding.open_agreements"
    list_title: Any = gettext_lazy("Co-building agreements")
    row_template = "cobuilding/agreements/row.html"
    filters_template = "cobuilding/agreements/filters.html"
    search_placeholder = gettext_lazy("Search by title or partner")
    create_url_name = "cobuilding:agreement_create"
    create_permission = MANAGE
    create_label = gettext_lazy("New agreement")
    filters = {"status": "status", "community": "community_id"}
    select_related = ("community",)
    export_name: Any = gettext_lazy("co-building agreements")

    export_columns = [
        (gettext_lazy("Title"), lambda a: a.title),
        (gettext_lazy("Community"), lambda a: a.community.name),
        (gettext_lazy("Partner units"), lambda a: "、".join(p.name for p in a.partners.all())),
        (gettext_lazy("Starts on"), lambda a: a.starts_on),
        (gettext_lazy("Ends on"), lambda a: a.ends_on),
        (gettext_lazy("Status"), lambda a: a.get_status_display()),
        (gettext_lazy("Version"), lambda a: a.version),
        (gettext_lazy("Commitments"), lambda a: a.commitment_count),
    ]

    def search(self, queryset: Any, text: str) -> Any:
        return queryset.filter(
            Q(title__contains=text) | Q(partners__name__contains=text)
        ).distinct()

    def get_queryset(self) -> Any:
        return (
            super()
            .get_queryset()
            .prefetch_related("partners")
            .annotate(commitment_count=Count("commitments", distinct=True))
            .order_by("-starts_on", "-id")
        )

    def export(self, queryset: Any) -> Any:
        return super().export(queryset.prefetch_related(None).prefetch_related("partners"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tabs"] = tabs_for(self.request.user, "cobuilding:agreement_list")
        context["statuses"] = AgreementStatus.choices
        context["communities"] = (
            Area.objects.visible_to(self.request.user)
            .filter(kind__in=[AreaKind.COMMUNITY, AreaKind.STREET])
            .order_by("path")
        )
        return context


# ---------------------------------------------------------------- a new agreement


@login_required
def agreement_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "cobuilding.open_agreements")
    require(request.user, MANAGE)
    form = forms.AgreementForm(request.POST or None, request.FILES or None, user=request.user)
    guard_form(form)
    if request.method == "POST" and form.is_valid():
        data = service_kwargs(form)
        for key in list(data):
            if key.rsplit("_", 1)[-1].isdigit():
                data.pop(key)
        try:
            agreement = services.create_agreement(
                actor=request.user, parties=form.parties(), **data
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved. Add its commitments, then sign it."))
            return redirect(agreement)
    return render(
        request,
        "cobuilding/agreements/form.html",
        {
            "form": form,
            "title": _("New co-building agreement"),
            "cancel_url": reverse("cobuilding:agreement_list"),
        },
        status=400 if form.is_bound else 200,
    )


# ---------------------------------------------------------------- the agreement's page


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


MEETING_MONTHS = {
    MeetingCadence.MONTHLY: 1,
    MeetingCadence.QUARTERLY: 3,
    MeetingCadence.HALF_YEARLY: 6,
    MeetingCadence.YEARLY: 12,
}


def meetings_expected(agreement: Agreement, today: date) -> int | None:
    """How many joint meetings the cadence asks for by today (each period begun counts)."""
    step = MEETING_MONTHS.get(agreement.meeting_cadence)  # type: ignore[call-overload]
    if step is None or today < agreement.starts_on:
        return None if step is None else 0
    last = min(today, agreement.ended_on or agreement.ends_on)
    months = (last.year - agreement.starts_on.year) * 12 + last.month - agreement.starts_on.month
    return int(months // step + 1)


def calendar(agreement: Agreement, today: date) -> list[dict[str, Any]]:
    """Each commitment with its items (cells coloured by outcome) and the counts this quarter
    and since the start."""
    since = quarter_start(today)
    rows = []
    commitments = agreement.commitments.select_related("owner_partner").prefetch_related(
        Prefetch("items", queryset=DueItem.objects.order_by("period_start", "id"))
    )
    for commitment in commitments:
        cells = []
        total = {o.value: 0 for o in schedule.Outcome}
        quarter = {o.value: 0 for o in schedule.Outcome}
        for item in commitment.items.all():
            outcome = schedule.outcome(item, today)
            cells.append({"item": item, "outcome": outcome.value})
            total[outcome.value] += 1
            if item.due_on >= since:
                quarter[outcome.value] += 1
        rows.append({"commitment": commitment, "cells": cells, "total": total, "quarter": quarter})
    return rows


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    if agreement.status == AgreementStatus.ACTIVE:
        schedule.materialise(agreement)  # an ended one owes nothing more (see end_agreement)
    today = timezone.localdate()
    can_manage = request.user.has_perm(MANAGE, agreement)
    context: dict[str, Any] = {
        "agreement": agreement,
        "tabs": tabs_for(request.user, "cobuilding:agreement_list"),
        "parties": agreement.parties.select_related("partner", "branch"),
        "calendar": calendar(agreement, today),
        "quarter_from": quarter_start(today),
        "today": today,
        "meetings": agreement.meetings.order_by("-starts_at"),
        "meetings_expected": meetings_expected(agreement, today),
        "versions": agreement.versions.select_related("created_by"),
        "renewed_by": Agreement.objects.filter(renews=agreement).first(),
        "can_manage": can_manage,
        "can_sign": can_manage and AGREEMENT_MACHINE.can(agreement.status, AgreementStatus.ACTIVE),
        "can_end": can_manage and AGREEMENT_MACHINE.can(agreement.status, AgreementStatus.ENDED),
    }
    if can_manage and agreement.status != AgreementStatus.ENDED:
        commitment_form = forms.CommitmentForm(agreement=agreement)
        guard_form(commitment_form)
        context["commitment_form"] = commitment_form
        context["meeting_form"] = _meeting_form(request, agreement)
    return render(request, "cobuilding/agreements/detail.html", context)


def _meeting_form(request: HttpRequest, agreement: Agreement, data: Any = None) -> Any:
    from genxi.meetings.models import Meeting

    meetings = (
        Meeting.objects.visible_to(request.user)
        .filter(community=agreement.community)
        .exclude(pk__in=agreement.meetings.values("pk"))
        .order_by("-starts_at")
    )
    return forms.MeetingLinkForm(data, meetings=meetings)


@login_required
def agreement_document(request: HttpRequest, pk: int) -> FileResponse:
    """The signed agreement, for those who see it (never a public file)."""
    agreement = _agreement(request, pk)
    if not agreement.document:
        raise Http404
    return _file(agreement.document, agreement.document_name)


def _file(field: Any, name: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    is_pdf = str(field.name).endswith(".pdf")
    response = FileResponse(
        handle,
        content_type="application/pdf" if is_pdf else "image/jpeg",
        filename=name or "document",
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def commitment_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _managed(request, pk)
    form = forms.CommitmentForm(request.POST, agreement=agreement)
    guard_form(form)
    if form.is_valid():
        try:
            services.add_commitment(actor=request.user, agreement=agreement, **service_kwargs(form))
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The commitment is added."))
            return redirect(agreement)
    return render(
        request,
        "cobuilding/agreements/action.html",
        {
            "agreement": agreement,
            "form": form,
            "title": _("Add a commitment"),
            "button": _("Add"),
        },
        status=400,
    )


@login_required
@require_POST
def meeting_link(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _managed(request, pk)
    form = _meeting_form(request, agreement, request.POST)
    if form.is_valid():
        try:
            services.link_meeting(
                actor=request.user, agreement=agreement, meeting=form.cleaned_data["meeting"]
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The joint meeting is linked."))
    else:
        messages.error(request, _("Choose a meeting of the community."))
    return redirect(agreement)


@login_required
@require_POST
def agreement_activate(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _managed(request, pk)
    try:
        services.activate_agreement(actor=request.user, agreement=agreement)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The agreement is signed and in force."))
    return redirect(agreement)


def _action(
    request: HttpRequest,
    agreement: Agreement,
    form: Any,
    title: Any,
    button: Any,
    perform: Any,
    intro: Any = "",
    danger: bool = False,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            target = perform(form)
        except (ServiceError, ValidationError) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(target)
    return render(
        request,
        "cobuilding/agreements/action.html",
        {
            "agreement": agreement,
            "form": form,
            "title": title,
            "button": button,
            "intro": intro,
            "danger": danger,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def agreement_amend(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _managed(request, pk)
    form = forms.AmendForm(
        request.POST or None,
        request.FILES or None,
        initial={"ends_on": agreement.ends_on, "summary": agreement.summary},
    )
    guard_form(form)  # a one-time token: a retried submission amends once
    guard_form(form, agreement)  # the agreement as the form saw it: a later change is not lost

    def amend(f: Any) -> Agreement:
        return services.amend_agreement(
            actor=request.user,
            agreement=agreement,
            token=f.cleaned_data.get("form_token"),
            **service_kwargs(f, agreement),
        )

    return _action(
        request,
        agreement,
        form,
        _("Amend the agreement"),
        _("Save as version %(n)s") % {"n": agreement.version + 1},
        amend,
        intro=_("What it says now is kept as version %(n)s.") % {"n": agreement.version},
    )


def renewal_dates(agreement: Agreement) -> dict[str, date]:
    """The renewal's dates the form suggests: from the day after the end, as long again (none
    when that falls past the last day a date can hold)."""
    try:
        starts = agreement.ends_on + timedelta(days=1)
        return {"starts_on": starts, "ends_on": starts + (agreement.ends_on - agreement.starts_on)}
    except OverflowError:
        return {}


@login_required
def agreement_renew(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _managed(request, pk)
    form = forms.RenewForm(request.POST or None, initial=renewal_dates(agreement))
    guard_form(form)
    return _action(
        request,
        agreement,
        form,
        _("Renew the agreement"),
        _("Renew"),
        lambda f: services.renew_agreement(
            actor=request.user, agreement=agreement, **service_kwargs(f)
        ),
        intro=_(
            "The renewal is a new agreement with the same parties and commitments; "
            "sign it when it is signed."
        ),
    )


@login_required
def agreement_end(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _managed(request, pk)
    form = forms.EndForm(request.POST or None)
    return _action(
        request,
        agreement,
        form,
        _("End the agreement"),
        _("End it"),
        lambda f: services.end_agreement(actor=request.user, agreement=agreement, **f.cleaned_data),
        intro=_(
            "Ending it stops its commitments from falling due. What was filed stays. "
            "This cannot be undone; a new agreement can be entered later."
        ),
        danger=True,
    )


# ---------------------------------------------------------------- a due item


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    commitment = item.commitment
    agreement = commitment.agreement
    can_file = may_file(request.user, item) and agreement.status == AgreementStatus.ACTIVE
    form = None
    if can_file:
        form = forms.FilingForm(
            request.POST or None,
            request.FILES or None,
            item=item,
        )
        guard_form(form)
        if request.method == "POST" and form.is_valid():
            try:
                filing = services.file_item(
                    actor=request.user,
                    item=item,
                    **{"problems": [], **service_kwargs(form)},
                )
            except ServiceError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("Filed.")
                    if filing.version == 1
                    else _("Amended: this is version %(n)s.") % {"n": filing.version},
                )
                return redirect("cobuilding:item_detail", pk=item.pk)
    elif request.method == "POST":
        raise Http404
    filings = list(
        item.filings.select_related("filed_by")
        .prefetch_related("attachments", "problems__area", "problems__demand")
        .order_by("-version")
    )
    return render(
        request,
        "cobuilding/agreements/item.html",
        {
            "item": item,
            "commitment": commitment,
            "agreement": agreement,
            "tabs": tabs_for(request.user, "cobuilding:agreement_list"),
            "outcome": schedule.outcome(item).value,
            "filings": filings,
            "form": form,
            "amending": bool(filings),
            "can_convert": request.user.has_perm(MANAGE, agreement),
            "demand_form": forms.DemandForm(),
        },
        status=400 if form is not None and form.is_bound else 200,
    )


@login_required
def attachment(request: HttpRequest, pk: int, attachment: int) -> FileResponse:
    """A filing's photo or PDF, for those who see the item (never a public file)."""
    item = _item(request, pk)
    found = get_object_or_404(Attachment, filing__item=item, pk=attachment)
    return _file(found.file, found.name)


@login_required
@require_POST
def problem_demand(request: HttpRequest, pk: int, problem: int) -> HttpResponse:
    """One step: the problem becomes a demand on the ledger (staff of the community)."""
    item = _item(request, pk)
    require(request.user, MANAGE, item.commitment.agreement)
    found = get_object_or_404(ReportProblem, filing__item=item, pk=problem)
    form = forms.DemandForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the demand's category."))
        return redirect("cobuilding:item_detail", pk=item.pk)
    try:
        demand = services.problem_to_demand(
            actor=request.user, problem=found, category=form.cleaned_data["category"]
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("It is on the ledger as demand %(number)s.") % {"number": demand.pk}
        )
    return redirect("cobuilding:item_detail", pk=item.pk)


urlpatterns: list[URLPattern] = [
    path("cobuilding/agreements/", login_required(AgreementList.as_view()), name="agreement_list"),
    path("cobuilding/agreements/new/", agreement_create, name="agreement_create"),
    path("cobuilding/agreements/<int:pk>/", agreement_detail, name="agreement_detail"),
    path("cobuilding/agreements/<int:pk>/document/", agreement_document, name="agreement_document"),
    path("cobuilding/agreements/<int:pk>/commitments/", commitment_add, name="commitment_add"),
    path("cobuilding/agreements/<int:pk>/meetings/", meeting_link, name="agreement_meeting"),
    path("cobuilding/agreements/<int:pk>/sign/", agreement_activate, name="agreement_activate"),
    path("cobuilding/agreements/<int:pk>/amend/", agreement_amend, name="agreement_amend"),
    path("cobuilding/agreements/<int:pk>/renew/", agreement_renew, name="agreement_renew"),
    path("cobuilding/agreements/<int:pk>/end/", agreement_end, name="agreement_end"),
    path("cobuilding/items/<int:pk>/", item_detail, name="item_detail"),
    path("cobuilding/items/<int:pk>/files/<int:attachment>/", attachment, name="item_attachment"),
    path(
        "cobuilding/items/<int:pk>/problems/<int:problem>/demand/",
        problem_demand,
        name="problem_demand",
    ),
]
