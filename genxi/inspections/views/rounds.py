"""Rounds: the list, creating one (street staff), its communities and checklist, the
pairings (generated with a seed, in a typed order, or set by hand), opening it, moving it to
rectification and closing it; checklist templates. Owner: helper E.

Everyone on a street's staff side sees its rounds (`Round.objects.visible_to`); only street
staff of the round's street act (`inspections.manage_round`). Everything else: 404.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from genxi.accounts import scoping
from genxi.accounts.models import Role
from genxi.accounts.rules import require
from genxi.core.services import ServiceError
from genxi.core.views import guard_form, service_kwargs, show_refusal
from genxi.inspections import pairing
from genxi.inspections.forms.rounds import (
    ConfirmForm,
    PairingMethod,
    PairingsForm,
    RegenerateForm,
    RoundForm,
    StampForm,
    TemplateForm,
    item_formset,
    kept,
)
from genxi.inspections.models import (
    ChecklistTemplate,
    FindingStatus,
    Group,
    GroupStatus,
    Round,
    RoundStatus,
    Score,
    staffed_community_ids,
)
from genxi.inspections.services import rounds as services
from genxi.inspections.views.tabs import tabs_for
from genxi.places.models import STREET_KINDS, Area, AreaKind


def staffed_streets(user: Any) -> Any:
    """The streets where the user is street staff (where they may create rounds)."""
    areas = Area.objects.filter(kind__in=STREET_KINDS).order_by("path")
    if not scoping.is_superuser(user):
        areas = areas.filter(pk__in=[a.pk for a in scoping.scope_areas(user, {Role.STREET_STAFF})])
    return areas


def _round(request: HttpRequest, pk: int, *, manage: bool = False) -> Round:
    require(request.user, "inspections.open_inspections")
    round_: Round = get_object_or_404(
        Round.objects.visible_to(request.user).select_related("street", "template"), pk=pk
    )
    if manage:
        require(request.user, "inspections.manage_round", round_)
    return round_


# -- Rounds -------------------------------------------------------------------------------------


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "inspections.open_inspections")
    user = request.user
    rounds = Round.objects.visible_to(user).select_related("street")
    q = request.GET.get("q", "").strip()[:50]
    status = request.GET.get("status", "")
    if q:
        rounds = rounds.filter(title__contains=q)
    if status in RoundStatus.values:
        rounds = rounds.filter(status=status)
    rounds = rounds.annotate(
        n_groups=Count("groups", distinct=True),
        n_sent=Count("groups", filter=Q(groups__status="submitted"), distinct=True),
    ).order_by("-starts_on", "-id")
    page = Paginator(rounds, settings.GENXI_PAGE_SIZE).get_page(request.GET.get("page"))
    mine = staffed_community_ids(user)
    my_groups = (
        Group.objects.filter(members__community__in=mine, round__status=RoundStatus.ON_SITE)
        .select_related("round", "inspected")
        .distinct()
        if mine
        else Group.objects.none()
    )
    return render(
        request,
        "inspections/rounds/list.html",
        {
            "tabs": tabs_for(user, "inspections:round_list"),
            "rounds": page.object_list,
            "page_obj": page,
            "paginator": page.paginator,
            "is_paginated": page.has_other_pages(),
            "q": q,
            "status": status,
            "statuses": RoundStatus.choices,
            "can_create": user.has_perm("inspections.create_round"),
            "my_groups": list(my_groups),
        },
    )


def _create_form(request: HttpRequest, streets: list[Area]) -> RoundForm:
    templates = ChecklistTemplate.objects.visible_to(request.user).filter(street__in=streets)
    today = timezone.localdate()
    form = RoundForm(
        request.POST if request.method == "POST" else None,
        streets=streets,
        templates=templates,
        initial={
            "seed": pairing.new_seed(),
            "starts_on": today,
            "ends_on": today + timedelta(days=30),
            "template": templates.first(),
            "communities": list(
                Area.objects.filter(parent__in=streets, kind=AreaKind.COMMUNITY).values_list(
                    "pk", flat=True
                )
            ),
        },
    )
    guard_form(form)
    return form


def _order(form: Any, communities: list[Area]) -> list[int] | None:
    if form.cleaned_data.get("method") != PairingMethod.ORDER:
        return None
    return services.order_from_names(form.cleaned_data["order"], communities)


@login_required
def round_create(request: HttpRequest) -> HttpResponse:
    """The form; "preview" shows the groups the seed (or order) gives; "create" saves them."""
    require(request.user, "inspections.create_round")
    streets = staffed_streets(request.user)
    if not streets.exists():
        raise Http404
    form = _create_form(request, streets)
    preview: list[tuple[Area, list[Area]]] = []
    if request.method == "POST" and form.is_valid():
        data = service_kwargs(form)
        communities = list(data["communities"])
        try:
            order = _order(form, communities)
            if "preview" in request.POST:
                names = {c.pk: c for c in communities}
                groups = services.plan(
                    community_ids=[c.pk for c in communities],
                    k=data["group_size"],
                    seed=data["seed"],
                    order=order,
                )
                preview = [(names[t], [names[m] for m in ms]) for t, ms in groups]
            else:
                round_ = services.create_round(
                    actor=request.user,
                    street=data["street"],
                    title=data["title"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    communities=communities,
                    group_size=data["group_size"],
                    template=data["template"],
                    seed=data["seed"],
                    order=order,
                    token=data["token"],
                )
                messages.success(request, _("The round is set up. Check the groups, then open it."))
                return redirect(round_)
        except ServiceError as exc:
            show_refusal(form, exc)
    return render(
        request,
        "inspections/rounds/create.html",
        {
            "tabs": tabs_for(request.user, "inspections:round_list"),
            "form": form,
            "preview": preview,
        },
    )


def group_rows(round_: Round) -> list[Group]:
    return list(
        round_.groups.select_related("inspected")
        .prefetch_related("members__community")
        .annotate(
            all_findings=Count("findings", distinct=True),
            sent_findings=Count(
                "findings", filter=~Q(findings__status=FindingStatus.DRAFT), distinct=True
            ),
        )
    )


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    user: Any = request.user
    can_manage = user.has_perm("inspections.manage_round", round_)
    groups = group_rows(round_)
    totals = dict(
        Score.objects.filter(group__round=round_)
        .values("group")
        .annotate(t=Sum("score"))
        .values_list("group", "t")
    )
    mine = set(staffed_community_ids(user))
    visible = set(Group.objects.visible_to(user).filter(round=round_).values_list("pk", flat=True))
    sees_all = user.has_perm("inspections.view_results", round_)  # the street's side
    inspecting = round_.status not in (RoundStatus.DRAFT, RoundStatus.CLOSED)
    for g in groups:
        g.mine = any(m.community_id in mine for m in g.members.all())  # type: ignore[attr-defined]
        g.opens = g.pk in visible  # type: ignore[attr-defined]
        # A group's running score and its findings (drafts too) are for the street's side and
        # the group's inspectors (`inspections.inspect`, without a query per group); the
        # inspected community sees its own once the list is sent; others see neither.
        if sees_all or (inspecting and g.mine):  # type: ignore[attr-defined]
            g.total, g.n_findings = totals.get(g.pk), g.all_findings  # type: ignore[attr-defined]
        elif g.status == GroupStatus.SUBMITTED and g.inspected_id in mine:
            g.total, g.n_findings = totals.get(g.pk), g.sent_findings  # type: ignore[attr-defined]
        else:
            g.total = g.n_findings = None  # type: ignore[attr-defined]
    regenerate = open_form = None
    if can_manage and round_.status == RoundStatus.DRAFT:
        regenerate = RegenerateForm(
            initial={"method": PairingMethod.SEED, "seed": pairing.new_seed()}
        )
        guard_form(regenerate, round_)
        open_form = StampForm()
        guard_form(open_form, round_)
    items = list(round_.items.all())
    open_findings = round_.findings.exclude(
        status__in=[FindingStatus.DRAFT, FindingStatus.ACCEPTED]
    ).count()
    return render(
        request,
        "inspections/rounds/detail.html",
        {
            "tabs": tabs_for(user, "inspections:round_list"),
            "round": round_,
            "communities": list(round_.communities.order_by("path")),
            "groups": groups,
            "my_groups": [g for g in groups if g.mine],  # type: ignore[attr-defined]
            "items": items,
            "full": sum(i.max_score for i in items),
            "can_manage": can_manage,
            "unsent": [g for g in groups if g.status != "submitted"],
            "open_findings": open_findings,
            "regenerate": regenerate,
            "open_form": open_form,
        },
    )


@login_required
@require_POST
def round_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk, manage=True)
    form = RegenerateForm(request.POST)
    guard_form(form, round_)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
        return redirect(round_)
    try:
        order = None
        if form.cleaned_data["method"] == PairingMethod.ORDER:
            order = services.order_from_names(
                form.cleaned_data["order"], list(round_.communities.order_by("path"))
            )
        services.regenerate(
            actor=request.user,
            round=round_,
            seed=form.cleaned_data["seed"],
            order=order,
            expected_updated_at=service_kwargs(form, round_)["expected_updated_at"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("New groups are made."))
    return redirect(round_)


@login_required
def round_pairings(request: HttpRequest, pk: int) -> HttpResponse:
    """Groups set by hand: for each community, the communities that inspect it."""
    round_ = _round(request, pk, manage=True)
    if round_.status != RoundStatus.DRAFT:
        raise Http404
    communities = list(round_.communities.order_by("path"))
    current: dict[int, list[int]] = {}
    for g in round_.groups.prefetch_related("members"):
        current[g.inspected_id] = [m.community_id for m in g.members.all()]
    form = PairingsForm(
        request.POST if request.method == "POST" else None,
        communities=communities,
        current=current,
    )
    guard_form(form, round_)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_pairings(
                actor=request.user,
                round=round_,
                groups=form.groups(),
                expected_updated_at=service_kwargs(form, round_)["expected_updated_at"],
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The groups are saved."))
            return redirect(round_)
    return render(
        request,
        "inspections/rounds/pairings.html",
        {"tabs": tabs_for(request.user, "inspections:round_list"), "round": round_, "form": form},
    )


@login_required
@require_POST
def round_open(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk, manage=True)
    form = StampForm(request.POST)
    guard_form(form, round_)
    form.is_valid()
    try:
        services.open_round(
            actor=request.user,
            round=round_,
            expected_updated_at=service_kwargs(form, round_)["expected_updated_at"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The round is open: the groups can inspect."))
    return redirect(round_)


@login_required
def round_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first (GET; names the groups whose lists are missing), then moves the round on."""
    round_ = _round(request, pk, manage=True)
    if round_.status != RoundStatus.ON_SITE:
        raise Http404
    unsent = services.unsent_groups(round_)
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        force = form.is_valid() and form.cleaned_data["force"]
        try:
            services.start_rectifying(actor=request.user, round=round_, force=force)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The round is in rectification."))
            return redirect(round_)
    return render(
        request,
        "inspections/rounds/confirm.html",
        {
            "tabs": tabs_for(request.user, "inspections:round_list"),
            "round": round_,
            "step": "rectify",
            "unsent": unsent,
        },
    )


@login_required
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk, manage=True)
    if round_.status != RoundStatus.RECTIFYING:
        raise Http404
    if request.method == "POST":
        try:
            services.close_round(actor=request.user, round=round_)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The round is closed."))
            return redirect(round_)
    unfinished = round_.findings.exclude(
        status__in=[FindingStatus.DRAFT, FindingStatus.ACCEPTED]
    ).count()
    return render(
        request,
        "inspections/rounds/confirm.html",
        {
            "tabs": tabs_for(request.user, "inspections:round_list"),
            "round": round_,
            "step": "close",
            "unfinished": unfinished,
        },
    )


# -- Checklist templates -----------------------------------------------------------------------


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "inspections.create_round")
    templates = (
        ChecklistTemplate.objects.visible_to(request.user)
        .select_related("street")
        .annotate(n_items=Count("items"), full=Sum("items__max_score"))
    )
    return render(
        request,
        "inspections/rounds/template_list.html",
        {"tabs": tabs_for(request.user, "inspections:template_list"), "templates": templates},
    )


def _template_page(request: HttpRequest, template: ChecklistTemplate | None) -> HttpResponse:
    streets = staffed_streets(request.user)
    if not streets.exists():
        raise Http404
    data = request.POST if request.method == "POST" else None
    initial = {"name": template.name, "street": template.street_id} if template else {}
    form = TemplateForm(data, streets=streets, initial=initial)
    if template is not None:
        form.fields["street"].disabled = True
    guard_form(form, template)
    items = item_formset(template, data)
    if data is not None and form.is_valid() and items.is_valid():
        rows = [
            services.ItemSpec(r["title"], r["max_score"], r.get("how_to_check", ""))
            for r in kept(items)
        ]
        kwargs = service_kwargs(form, template)
        try:
            if template is None:
                services.create_template(
                    actor=request.user,
                    street=kwargs["street"],
                    name=kwargs["name"],
                    items=rows,
                    token=kwargs["token"],
                )
            else:
                services.update_template(
                    actor=request.user,
                    template=template,
                    name=kwargs["name"],
                    items=rows,
                    expected_updated_at=kwargs["expected_updated_at"],
                )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The checklist is saved."))
            return redirect("inspections:template_list")
    return render(
        request,
        "inspections/rounds/template_form.html",
        {
            "tabs": tabs_for(request.user, "inspections:template_list"),
            "form": form,
            "items": items,
            "template": template,
        },
    )


@login_required
def template_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "inspections.create_round")
    return _template_page(request, None)


@login_required
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "inspections.create_round")
    template = get_object_or_404(ChecklistTemplate.objects.visible_to(request.user), pk=pk)
    if template.street_id not in {s.pk for s in staffed_streets(request.user)}:
        raise Http404
    return _template_page(request, template)


urlpatterns: list[URLPattern] = [
    path("inspections/", round_list, name="round_list"),
    path("inspections/new/", round_create, name="round_create"),
    path("inspections/<int:pk>/", round_detail, name="round_detail"),
    path("inspections/<int:pk>/regenerate/", round_regenerate, name="round_regenerate"),
    path("inspections/<int:pk>/pairings/", round_pairings, name="round_pairings"),
    path("inspections/<int:pk>/open/", round_open, name="round_open"),
    path("inspections/<int:pk>/rectify/", round_rectify, name="round_rectify"),
    path("inspections/<int:pk>/close/", round_close, name="round_close"),
    path("inspections/checklists/", template_list, name="template_list"),
    path("inspections/checklists/new/", template_create, name="template_create"),
    path("inspections/checklists/<int:pk>/", template_edit, name="template_edit"),
]
