"""Co-building pages: the three lists. Needs (with the resources suggested for each, and the
claim), resources (with the needs each could meet), claims (with the delivery), the
contributions ledger, and the small staff actions that put demands and meeting follow-ups on
the needs list.

Staff and leadership see the needs of their communities; a partner handler sees the needs their
unit claimed and the open needs it may claim, their own resources and claims, and their own
lines of the ledger. Anything else is a 404.
"""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from genxi.accounts import scoping
from genxi.accounts.models import STAFF_ROLES
from genxi.accounts.rules import require
from genxi.cobuilding import matching
from genxi.cobuilding.forms import lists as forms
from genxi.cobuilding.models import (
    Attachment,
    Claim,
    Contribution,
    ContributionKind,
    Need,
    NeedClaimStatus,
    NeedRule,
    NeedSource,
    NeedStatus,
    Resource,
    ResourceKind,
)
from genxi.cobuilding.services import lists as services
from genxi.cobuilding.views.hub import tabs_for
from genxi.core.services import ServiceError
from genxi.core.views import ScopedListView, guard_form, service_kwargs, show_refusal
from genxi.demands.models import Category, Demand
from genxi.meetings.models import FollowUp, Meeting
from genxi.places.models import Area, AreaKind, Partner

OPEN_LISTS = "cobuilding.open_lists"


def _tabs(request: HttpRequest) -> list[dict[str, Any]]:
    return tabs_for(request.user, "cobuilding:need_list")


def _is_staff(user: Any) -> bool:
    return scoping.has_role(user, *STAFF_ROLES)


def _need(request: HttpRequest, pk: int) -> Need:
    require(request.user, OPEN_LISTS)
    return get_object_or_404(
        Need.objects.visible_to(request.user).select_related(
            "community", "area", "category", "demand", "follow_up__meeting", "created_by"
        ),
        pk=pk,
    )


def _managed_need(request: HttpRequest, pk: int) -> Need:
    need = _need(request, pk)
    require(request.user, "cobuilding.manage", need)
    return need


# ---------------------------------------------------------------------------- needs


class NeedList(ScopedListView):
    model = Need
    page_perm = OPEN_LISTS
    list_title = gettext_lazy("Needs")
    template_name = "cobuilding/lists/need_list.html"
    row_template = "cobuilding/lists/rows/need.html"
    filters_template = "cobuilding/lists/filters/need.html"
    search_placeholder = gettext_lazy("Search by need")
    create_url_name = "cobuilding:need_create"
    create_permission = "cobuilding.manage"
    create_label = gettext_lazy("New need")
    filters = {
        "status": "status",
        "source": "source",
        "community": "community_id",
        "category": "category_id",
    }
    select_related = ("community", "category")
    export_columns = [
        (gettext_lazy("Need"), lambda n: n.title),
        (gettext_lazy("Community"), lambda n: n.community.name),
        (gettext_lazy("Category"), lambda n: n.category.name if n.category else ""),
        (gettext_lazy("From"), lambda n: n.get_source_display()),
        (gettext_lazy("Status"), lambda n: n.get_status_display()),
        (gettext_lazy("How much"), lambda n: n.quantity),
        (gettext_lazy("Money needed (yuan)"), lambda n: n.amount),
        (gettext_lazy("Wanted by"), lambda n: n.wanted_by),
        (gettext_lazy("Recorded"), lambda n: timezone.localtime(n.created_at).date()),
        (gettext_lazy("Met at"), lambda n: n.met_at and timezone.localtime(n.met_at).date()),
    ]

    def search(self, queryset: Any, text: str) -> Any:
        return queryset.filter(Q(title__contains=text) | Q(description__contains=text))

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("-created_at", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["tabs"] = _tabs(self.request)
        context["statuses"] = NeedStatus.choices
        context["sources"] = NeedSource.choices
        context["communities"] = Area.objects.visible_to(user).of_kind(AreaKind.COMMUNITY)
        context["categories"] = Category.objects.active().order_by("name")
        context["is_staff"] = _is_staff(user)
        context["is_street_staff"] = (
            Area.objects.staffed_by(user).filter(kind=AreaKind.STREET).exists()
        )
        context["section"] = "needs"
        return context


@login_required
def need_create(request: HttpRequest) -> HttpResponse:
    require(request.user, OPEN_LISTS)
    require(request.user, "cobuilding.manage")
    form = forms.NeedForm(request.POST or None, user=request.user)
    guard_form(form)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.create_need(actor=request.user, **service_kwargs(form))
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The need is on the list."))
            return redirect(need)
    return render(
        request,
        "cobuilding/lists/form.html",
        {"form": form, "title": _("New need"), "cancel_url": reverse("cobuilding:need_list")},
        status=400 if form.is_bound else 200,
    )


def _claim_state(request: HttpRequest, need: Need) -> dict[str, Any]:
    """Whether the user's unit may claim the need now, and if not yet, from when."""
    user = request.user
    mine = scoping.partner_ids(user)
    if not mine or need.status != NeedStatus.OPEN:
        return {"can_claim": False}
    if not Need.objects.claimable_by(user).filter(pk=need.pk).exists():
        return {"can_claim": False}
    paired = services.paired_partner_ids(need.community)
    waiting = (
        need.exclusive_until is not None
        and timezone.now() < need.exclusive_until
        and not paired.intersection(mine)
    )
    return {
        "can_claim": True,
        "window_closed_to_us": waiting,
        "claim_form": forms.ClaimForm(user=user),
    }


@login_required
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    user = request.user
    mine = scoping.partner_ids(user)
    claims = list(
        Claim.objects.visible_to(user)
        .filter(need=need)
        .select_related("partner", "resource", "delivery")
        .order_by("-claimed_at")
    )
    resources = Resource.objects.visible_to(user)
    suggestions = (
        matching.resources_for(need, limit=5, queryset=resources)
        if need.status == NeedStatus.OPEN
        else []
    )
    context: dict[str, Any] = {
        "need": need,
        "tabs": _tabs(request),
        "claims": claims,
        "suggestions": suggestions,
        "can_manage": user.has_perm("cobuilding.manage", need),
        "is_partner": bool(mine),
        "live_claim": next((c for c in claims if c.status != NeedClaimStatus.WITHDRAWN), None),
        "in_window": need.exclusive_until is not None and timezone.now() < need.exclusive_until,
    }
    context.update(_claim_state(request, need))
    return render(request, "cobuilding/lists/need_detail.html", context)


@login_required
@require_POST
def need_claim(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    form = forms.ClaimForm(request.POST, user=request.user)
    if not scoping.partner_ids(request.user):
        raise Http404
    if form.is_valid():
        try:
            claim = services.claim_need(
                actor=request.user,
                need=need,
                partner=form.cleaned_data["partner"],
                resource=form.cleaned_data["resource"],
                note=form.cleaned_data["note"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Claimed. Record the delivery here when it is done."))
            return redirect("cobuilding:claim_detail", pk=claim.pk)
    else:
        messages.error(request, _("Choose your unit and, if you like, one of its resources."))
    return redirect(need)


@login_required
@require_POST
def need_close(request: HttpRequest, pk: int) -> HttpResponse:
    need = _managed_need(request, pk)
    try:
        if need.status == NeedStatus.CLOSED:
            services.reopen_need(actor=request.user, need=need)
            messages.success(request, _("The need is open again."))
        else:
            services.close_need(actor=request.user, need=need)
            messages.success(request, _("The need is closed."))
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(need)


@login_required
@require_POST
def need_from_demand(request: HttpRequest, demand_pk: int) -> HttpResponse:
    require(request.user, OPEN_LISTS)
    demand = get_object_or_404(
        Demand.objects.visible_to(request.user).select_related("community", "area", "category"),
        pk=demand_pk,
    )
    require(request.user, "cobuilding.manage", demand)
    try:
        need = services.need_from_demand(actor=request.user, demand=demand)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(demand)
    messages.success(request, _("The demand is on the needs list."))
    return redirect(need)


@login_required
@require_POST
def need_from_follow_up(request: HttpRequest, follow_up_pk: int) -> HttpResponse:
    require(request.user, OPEN_LISTS)
    follow_up = get_object_or_404(
        FollowUp.objects.filter(
            meeting__in=Meeting.objects.visible_to(request.user)
        ).select_related("meeting__community"),
        pk=follow_up_pk,
    )
    require(request.user, "cobuilding.manage", follow_up.meeting)
    need = services.need_from_follow_up(actor=request.user, follow_up=follow_up)
    messages.success(request, _("The follow-up action is on the needs list."))
    return redirect(need)


@login_required
@require_POST
def needs_collect(request: HttpRequest) -> HttpResponse:
    """Make needs of the demands whose category is marked as a need, in the staff's areas."""
    require(request.user, OPEN_LISTS)
    require(request.user, "cobuilding.manage")
    made = 0
    for area in scoping.scope_areas(request.user, STAFF_ROLES):
        made += services.collect_needs(actor=request.user, area=area)
    messages.success(
        request,
        _("%(n)s new needs from demands.") % {"n": made}
        if made
        else _("No new need from demands."),
    )
    return redirect("cobuilding:need_list")


@login_required
def lists_settings(request: HttpRequest) -> HttpResponse:
    """Street staff set the exclusive window (and mark categories as needs)."""
    require(request.user, OPEN_LISTS)
    areas = Area.objects.staffed_by(request.user).filter(kind=AreaKind.STREET)
    if not areas.exists():
        raise Http404
    form = forms.SettingsForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_settings(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("cobuilding:lists_settings")
    if not form.is_bound:
        first = areas.order_by("path").first()
        assert first is not None
        form.initial = {"area": first, "exclusive_days": services.exclusive_days(first)}
    return render(
        request,
        "cobuilding/lists/settings.html",
        {
            "form": form,
            "rule_form": forms.NeedRuleForm(user=request.user),
            "rules": _rules(request.user),
            "tabs": _tabs(request),
            "section": "needs",
        },
        status=400 if form.is_bound else 200,
    )


def _rules(user: Any) -> Any:
    staffed = Area.objects.staffed_by(user).of_kind(AreaKind.STREET, AreaKind.COMMUNITY)
    return (
        NeedRule.objects.filter(area__in=staffed)
        .select_related("area", "category")
        .order_by("area__path", "category__name")
    )


@login_required
@require_POST
def need_rule_add(request: HttpRequest) -> HttpResponse:
    """Mark a category as a need in a street or community: its demands there become needs
    when staff collect them."""
    require(request.user, OPEN_LISTS)
    form = forms.NeedRuleForm(request.POST, user=request.user)
    if not Area.objects.staffed_by(request.user).filter(kind=AreaKind.STREET).exists():
        raise Http404
    if form.is_valid():
        try:
            services.add_need_rule(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Choose a street or community and a category."))
    return redirect("cobuilding:lists_settings")


@login_required
@require_POST
def need_rule_remove(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, OPEN_LISTS)
    if not Area.objects.staffed_by(request.user).filter(kind=AreaKind.STREET).exists():
        raise Http404
    rule = get_object_or_404(_rules(request.user), pk=pk)
    services.remove_need_rule(actor=request.user, rule=rule)
    messages.success(request, _("Removed."))
    return redirect("cobuilding:lists_settings")


# ---------------------------------------------------------------------------- resources


class ResourceList(ScopedListView):
    model = Resource
    page_perm = OPEN_LISTS
    list_title = gettext_lazy("Resources")
    template_name = "cobuilding/lists/need_list.html"
    row_template = "cobuilding/lists/rows/resource.html"
    filters_template = "cobuilding/lists/filters/resource.html"
    search_placeholder = gettext_lazy("Search by what is offered")
    create_url_name = "cobuilding:resource_create"
    create_permission = OPEN_LISTS
    create_label = gettext_lazy("New resource")
    filters = {"kind": "kind", "partner": "partner_id", "category": "category_id"}
    select_related = ("partner", "category")
    export_columns = [
        (gettext_lazy("What"), lambda r: r.title),
        (gettext_lazy("Partner unit"), lambda r: r.partner.name),
        (gettext_lazy("Kind"), lambda r: r.get_kind_display()),
        (gettext_lazy("Category"), lambda r: r.category.name if r.category else ""),
        (gettext_lazy("How much"), lambda r: r.quantity),
        (gettext_lazy("Money or value (yuan)"), lambda r: r.amount),
        (gettext_lazy("When"), lambda r: r.when),
        (gettext_lazy("For whom"), lambda r: r.audience),
        (gettext_lazy("Offered"), lambda r: _("yes") if r.is_active else _("no")),
    ]

    def search(self, queryset: Any, text: str) -> Any:
        return queryset.filter(Q(title__contains=text) | Q(description__contains=text))

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        if self.request.GET.get("withdrawn") != "1":
            qs = qs.filter(is_active=True)
        return qs.order_by("-created_at", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tabs"] = _tabs(self.request)
        context["kinds"] = ResourceKind.choices
        context["partners"] = Partner.objects.visible_to(self.request.user).order_by("name")
        context["categories"] = Category.objects.active().order_by("name")
        context["active_filters"]["withdrawn"] = self.request.GET.get("withdrawn", "")
        context["section"] = "resources"
        return context


def _resource(request: HttpRequest, pk: int) -> Resource:
    require(request.user, OPEN_LISTS)
    return get_object_or_404(
        Resource.objects.visible_to(request.user).select_related(
            "partner__area", "category", "area"
        ),
        pk=pk,
    )


def _own_resource(request: HttpRequest, pk: int) -> Resource:
    resource = _resource(request, pk)
    if not services.may_act_for(request.user, resource.partner):
        raise Http404
    return resource


@login_required
def resource_create(request: HttpRequest) -> HttpResponse:
    require(request.user, OPEN_LISTS)
    if not scoping.partner_ids(request.user) and not _is_staff(request.user):
        raise Http404
    form = forms.ResourceForm(request.POST or None, user=request.user)
    guard_form(form)
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.create_resource(actor=request.user, **service_kwargs(form))
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The resource is on the list."))
            return redirect(resource)
    return render(
        request,
        "cobuilding/lists/form.html",
        {
            "form": form,
            "title": _("New resource"),
            "cancel_url": reverse("cobuilding:resource_list"),
            "multipart": False,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _own_resource(request, pk)
    form = forms.ResourceForm(request.POST or None, user=request.user, instance=resource)
    guard_form(form, resource)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_resource(
                actor=request.user, resource=resource, **service_kwargs(form, resource)
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(resource)
    return render(
        request,
        "cobuilding/lists/form.html",
        {
            "form": form,
            "title": _("Edit the resource"),
            "cancel_url": resource.get_absolute_url(),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def resource_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _own_resource(request, pk)
    services.withdraw_resource(actor=request.user, resource=resource)
    messages.success(request, _("The resource is no longer offered."))
    return redirect(resource)


@login_required
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _resource(request, pk)
    user = request.user
    suggestions = (
        matching.needs_for(resource, limit=8, queryset=Need.objects.visible_to(user))
        if resource.is_active
        else []
    )
    claims = (
        Claim.objects.visible_to(user)
        .filter(resource=resource)
        .select_related("need__community", "partner")
        .order_by("-claimed_at")[:20]
    )
    return render(
        request,
        "cobuilding/lists/resource_detail.html",
        {
            "resource": resource,
            "tabs": _tabs(request),
            "suggestions": suggestions,
            "claims": claims,
            "can_edit": services.may_act_for(user, resource.partner),
        },
    )


# ---------------------------------------------------------------------------- claims


def _claim(request: HttpRequest, pk: int) -> Claim:
    require(request.user, OPEN_LISTS)
    return get_object_or_404(
        Claim.objects.visible_to(request.user).select_related(
            "need__community", "need__category", "partner__area", "resource", "claimed_by"
        ),
        pk=pk,
    )


def _may_deliver(user: Any, claim: Claim) -> bool:
    return services.may_act_for(user, claim.partner) or scoping.covers(
        user, claim.need.community.path, STAFF_ROLES
    )


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    user = request.user
    may_act = claim.status == NeedClaimStatus.CLAIMED and _may_deliver(user, claim)
    form = None
    if may_act:
        form = forms.DeliveryForm(
            request.POST or None, request.FILES or None, user=user, community=claim.need.community
        )
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.record_delivery(
                    actor=user,
                    claim=claim,
                    what=data["what"],
                    delivered_on=data["delivered_on"],
                    hours=data["hours"],
                    amount=data["amount"],
                    kind=data["kind"],
                    project=data["project"],
                    files=data["evidence"],
                )
            except (ServiceError, ValidationError) as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("The delivery is recorded: the need is met."))
                return redirect("cobuilding:claim_detail", pk=claim.pk)
    elif request.method == "POST":
        raise Http404
    delivery = getattr(claim, "delivery", None) if claim.status == "delivered" else None
    return render(
        request,
        "cobuilding/lists/claim_detail.html",
        {
            "claim": claim,
            "need": claim.need,
            "tabs": _tabs(request),
            "form": form,
            "may_act": may_act,
            "delivery": delivery,
            "contribution": getattr(delivery, "contribution", None) if delivery else None,
            "attachments": list(delivery.attachments.all()) if delivery else [],
        },
        status=400 if form is not None and form.is_bound else 200,
    )


@login_required
@require_POST
def claim_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    if not _may_deliver(request.user, claim):
        raise Http404
    try:
        services.withdraw_claim(actor=request.user, claim=claim)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("cobuilding:claim_detail", pk=claim.pk)
    messages.success(request, _("The claim is withdrawn; the need is open again."))
    return redirect("cobuilding:claim_detail", pk=claim.pk)


@login_required
def delivery_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    claim = _claim(request, pk)
    attachment = get_object_or_404(Attachment, pk=file_pk, delivery__claim=claim)
    return FileResponse(
        attachment.file.open("rb"),
        filename=attachment.name,
        content_type="application/pdf" if attachment.is_pdf else "image/jpeg",
    )


# ---------------------------------------------------------------------------- contributions


class ContributionList(ScopedListView):
    model = Contribution
    page_perm = OPEN_LISTS
    list_title = gettext_lazy("Contributions")
    template_name = "cobuilding/lists/contribution_list.html"
    row_template = "cobuilding/lists/rows/contribution.html"
    filters_template = "cobuilding/lists/filters/contribution.html"
    search_placeholder = gettext_lazy("Search by what was given")
    create_url_name = "cobuilding:contribution_create"
    create_permission = "cobuilding.manage"
    create_label = gettext_lazy("Enter a contribution")
    filters = {
        "partner": "partner_id",
        "community": "community_id",
        "kind": "kind",
        "year": "on__year",
    }
    select_related = ("partner", "community", "project")
    export_columns = [
        (gettext_lazy("Date"), lambda c: c.on),
        (gettext_lazy("Partner unit"), lambda c: c.partner.name),
        (gettext_lazy("Community"), lambda c: c.community.name),
        (gettext_lazy("Kind"), lambda c: c.get_kind_display()),
        (gettext_lazy("What"), lambda c: c.description),
        (gettext_lazy("Hours"), lambda c: c.hours),
        (gettext_lazy("Money or value (yuan)"), lambda c: c.amount),
        (gettext_lazy("For the project"), lambda c: c.project.title if c.project else ""),
    ]

    def search(self, queryset: Any, text: str) -> Any:
        return queryset.filter(description__contains=text)

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("-on", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        shown: Any = self.object_list
        totals = shown.order_by().aggregate(
            hours=Sum("hours"), amount=Sum("amount"), lines=Count("id")
        )
        context["totals"] = {
            "hours": totals["hours"] or Decimal(0),
            "amount": totals["amount"] or Decimal(0),
            "lines": totals["lines"],
        }
        context["tabs"] = _tabs(self.request)
        context["kinds"] = ContributionKind.choices
        context["partners"] = Partner.objects.visible_to(user).order_by("name")
        context["communities"] = Area.objects.visible_to(user).of_kind(AreaKind.COMMUNITY)
        this_year = timezone.localdate().year
        context["years"] = [str(y) for y in range(this_year, this_year - 6, -1)]
        context["section"] = "contributions"
        return context


@login_required
def contribution_create(request: HttpRequest) -> HttpResponse:
    require(request.user, OPEN_LISTS)
    require(request.user, "cobuilding.manage")
    form = forms.ContributionForm(request.POST or None, user=request.user)
    guard_form(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_contribution(actor=request.user, **service_kwargs(form))
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The contribution is on the ledger."))
            return redirect("cobuilding:contribution_list")
    return render(
        request,
        "cobuilding/lists/form.html",
        {
            "form": form,
            "title": _("Enter a contribution"),
            "cancel_url": reverse("cobuilding:contribution_list"),
        },
        status=400 if form.is_bound else 200,
    )


urlpatterns: list[URLPattern] = [
    path("cobuilding/needs/", NeedList.as_view(), name="need_list"),
    path("cobuilding/needs/new/", need_create, name="need_create"),
    path("cobuilding/needs/collect/", needs_collect, name="needs_collect"),
    path("cobuilding/needs/settings/", lists_settings, name="lists_settings"),
    path("cobuilding/needs/rules/", need_rule_add, name="need_rule_add"),
    path("cobuilding/needs/rules/<int:pk>/remove/", need_rule_remove, name="need_rule_remove"),
    path("cobuilding/needs/<int:pk>/", need_detail, name="need_detail"),
    path("cobuilding/needs/<int:pk>/claim/", need_claim, name="need_claim"),
    path("cobuilding/needs/<int:pk>/close/", need_close, name="need_close"),
    path(
        "cobuilding/needs/from-demand/<int:demand_pk>/",
        need_from_demand,
        name="need_from_demand",
    ),
    path(
        "cobuilding/needs/from-follow-up/<int:follow_up_pk>/",
        need_from_follow_up,
        name="need_from_follow_up",
    ),
    path("cobuilding/resources/", ResourceList.as_view(), name="resource_list"),
    path("cobuilding/resources/new/", resource_create, name="resource_create"),
    path("cobuilding/resources/<int:pk>/", resource_detail, name="resource_detail"),
    path("cobuilding/resources/<int:pk>/edit/", resource_edit, name="resource_edit"),
    path("cobuilding/resources/<int:pk>/withdraw/", resource_withdraw, name="resource_withdraw"),
    path("cobuilding/claims/<int:pk>/", claim_detail, name="claim_detail"),
    path("cobuilding/claims/<int:pk>/withdraw/", claim_withdraw, name="claim_withdraw"),
    path("cobuilding/claims/<int:pk>/files/<int:file_pk>/", delivery_file, name="delivery_file"),
    path("cobuilding/contributions/", ContributionList.as_view(), name="contribution_list"),
    path("cobuilding/contributions/new/", contribution_create, name="contribution_create"),
]
