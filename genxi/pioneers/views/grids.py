"""Grids: households and residents per grid, moving buildings between grids, the pioneer
settings page (with the duties templates).

The grid list holds the grids the user sees (`Area.objects.visible_to`, kind GRID; a pioneer
their own grids); staff of the grid's community move its buildings."""

from typing import Any

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES
from genxi.accounts.rules import require
from genxi.core.params import parse_id
from genxi.core.services import ServiceError
from genxi.core.views import guard_form, service_kwargs, show_refusal
from genxi.pioneers.config import settings_for
from genxi.pioneers.forms.grids import MoveBuildingForm, SettingsForm
from genxi.pioneers.households import households_in
from genxi.pioneers.models import DutyTemplate, Settings
from genxi.pioneers.services.grids import grid_sizes, save_settings
from genxi.pioneers.views.appointments import warn_over_limit
from genxi.pioneers.views.hub import tabs_for
from genxi.places import services as places
from genxi.places.models import Area, AreaKind, Pioneer, Resident

MANAGE = "pioneers.manage"


def _grids(user: Any) -> Any:
    """The grids the user sees: staff and leadership those under their areas, a pioneer only
    the grids they cover (not the whole community their role opens)."""
    qs = Area.objects.of_kind(AreaKind.GRID)
    if scoping.is_superuser(user) or scoping.has_role(user, *AREA_ROLES):
        return qs.visible_to(user)
    return qs.filter(pk__in=Pioneer.objects.grid_ids_of(user))


def _serving() -> Any:
    return Prefetch(
        "pioneers_covering",
        queryset=Pioneer.objects.active().order_by("name"),
        to_attr="serving",
    )


@login_required
def grid_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "pioneers.open_grids")
    grids = _grids(request.user).select_related("parent").prefetch_related(_serving())
    text = request.GET.get("q", "").strip()
    if text:
        grids = grids.filter(Q(name__contains=text) | Q(parent__name__contains=text))
    community = request.GET.get("community", "")
    if (community_id := parse_id(community)) is not None:
        grids = grids.filter(parent_id=community_id)
    page = Paginator(grids.order_by("path"), django_settings.GENXI_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    sizes = grid_sizes(page.object_list)
    residents = dict(
        Resident.objects.filter(area__grid__in=[s.grid.pk for s in sizes])
        .values("area__grid")
        .annotate(n=Count("id"))
        .values_list("area__grid", "n")
    )
    rows = [{"size": s, "residents": residents.get(s.grid.pk, 0)} for s in sizes]
    only_over = request.GET.get("over") == "1"
    if only_over:
        rows = [r for r in rows if r["size"].over]
    return render(
        request,
        "pioneers/grids/list.html",
        {
            "rows": rows,
            "page_obj": page,
            "q": text,
            "over": only_over,
            "community": community,
            "communities": Area.objects.visible_to(request.user)
            .of_kind(AreaKind.COMMUNITY)
            .order_by("path"),
            "tabs": tabs_for(request.user, "pioneers:grid_list"),
        },
    )


def _grid(request: HttpRequest, pk: int) -> Area:
    require(request.user, "pioneers.open_grids")
    grid: Area = get_object_or_404(_grids(request.user).select_related("parent"), pk=pk)
    return grid


@login_required
def grid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grid = _grid(request, pk)
    community = grid.parent
    assert community is not None  # a grid sits under a community
    can_move = request.user.has_perm(MANAGE, grid)
    form = MoveBuildingForm(
        request.POST if request.method == "POST" else None, grid=grid, community=community
    )
    if request.method == "POST":
        if not can_move:
            raise Http404
        if form.is_valid():
            try:
                places.move_building(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                show_refusal(form, exc)
            else:
                target = form.cleaned_data["grid"]
                messages.success(
                    request,
                    _("%(building)s moved to %(grid)s.")
                    % {"building": form.cleaned_data["building"].name, "grid": target.name},
                )
                warn_over_limit(request, [target])
                return redirect("pioneers:grid_detail", pk=grid.pk)
    buildings = list(
        grid.grid_buildings.select_related("parent").annotate(n=Count("residents")).order_by("path")
    )
    households = households_in([grid.pk])
    page = Paginator(households, django_settings.GENXI_PAGE_SIZE).get_page(request.GET.get("page"))
    size = grid_sizes([grid])[0]
    return render(
        request,
        "pioneers/grids/detail.html",
        {
            "grid": grid,
            "size": size,
            "residents": sum(len(h.residents) for h in households),
            "buildings": buildings,
            "page_obj": page,
            "pioneers": Pioneer.objects.visible_to(request.user)
            .filter(grids=grid)
            .order_by("status", "name"),
            "form": form if can_move and form.fields["building"].queryset.exists() else None,  # type: ignore[attr-defined]
            "tabs": tabs_for(request.user, "pioneers:grid_list"),
        },
        status=400 if form.is_bound else 200,
    )


# ---------------------------------------------------------------- settings


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    require(request.user, "pioneers.open_settings")
    areas = list(
        Area.objects.staffed_by(request.user)
        .of_kind(AreaKind.STREET, AreaKind.TOWN, AreaKind.COMMUNITY)
        .order_by("path")
    )
    if not areas:
        raise Http404
    chosen = request.POST.get("area") or request.GET.get("area") or ""
    area = next((a for a in areas if str(a.pk) == chosen), areas[0])
    current = settings_for(area)
    own = current.pk is not None and current.area_id == area.pk
    form = SettingsForm(
        request.POST if request.method == "POST" else None,
        instance=current
        if own
        else Settings(
            grid_households_limit=current.grid_households_limit,
            revisit_days=current.revisit_days,
            priority_tags=current.priority_tags,
            callback_days=current.callback_days,
        ),
    )
    if own:
        guard_form(form, current)
    if request.method == "POST" and form.is_valid():
        require(request.user, MANAGE, area)
        expected = service_kwargs(form, current)["expected_updated_at"] if own else None
        try:
            save_settings(
                actor=request.user,
                area=area,
                expected_updated_at=expected,
                **{name: form.cleaned_data[name] for name in SettingsForm.Meta.fields},
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The settings of %(area)s are saved.") % {"area": area})
            return redirect(f"{request.path}?area={area.pk}")
    # A community's staff read their street's templates; only the street's staff edit them.
    templates = list(DutyTemplate.objects.visible_to(request.user).select_related("area"))
    for template in templates:
        template.editable = request.user.has_perm(MANAGE, template)
    return render(
        request,
        "pioneers/settings.html",
        {
            "form": form,
            "area": area,
            "areas": areas,
            "inherited": None if own else (current.area if current.pk else None),
            "templates": templates,
            "can_manage": request.user.has_perm(MANAGE),
            "tabs": tabs_for(request.user, "pioneers:settings"),
        },
        status=400 if form.is_bound else 200,
    )


urlpatterns: list[URLPattern] = [
    path("pioneers/grids/", grid_list, name="grid_list"),
    path("pioneers/grids/<int:pk>/", grid_detail, name="grid_detail"),
    path("pioneers/settings/", settings_page, name="settings"),
]
