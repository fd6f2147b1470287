"""The month's visit plan (走访计划) and recording a visit on the phone.

A pioneer opens their plan (`my_plan`, phone first): the month's households in order, what is
done, and a tap on a household opens the visit form. Staff see the pioneers of their
communities with the month's progress (`plan_list`) and each plan (`plan_detail`), and the
visits made in their areas (`visit_list`, `visit_detail`); a pioneer sees their own visits.
"""

import re
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from genxi.accounts.rules import require
from genxi.core.params import parse_id
from genxi.core.services import ServiceError
from genxi.core.views import ScopedListView, guard_form, show_refusal
from genxi.demands.models import Demand, Visit
from genxi.demands.services import Ask, record_visit
from genxi.pioneers import plans
from genxi.pioneers.forms.visits import AskFormSet, VisitForm
from genxi.pioneers.models import VisitPlan
from genxi.pioneers.services.plans import month_start, next_month, plan_for
from genxi.pioneers.views.hub import tabs_for
from genxi.places.models import Area, AreaKind, Pioneer, Resident

# The first month one may open: earlier ones hold no plans, and date.min has no month before.
FIRST_MONTH = date(2000, 1, 1)


def _month(value: str) -> date | None:
    """ "2026-11" → 2026-11-01; None when it is not a month from 2000-01 to this month."""
    found = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", value)
    if found is None:
        return None
    try:
        month = date(int(found[1]), int(found[2]), 1)
    except ValueError:
        return None
    return month if FIRST_MONTH <= month <= month_start(timezone.localdate()) else None


def _may_see_visits(user: Any) -> bool:
    return bool(user.has_perm("pioneers.open_plan") or user.has_perm("pioneers.open_plans"))


# ---------------------------------------------------------------- the pioneer's plan


@login_required
def my_plan(request: HttpRequest) -> HttpResponse:
    require(request.user, "pioneers.open_plan")
    appointments = plans.appointments_of(request.user)
    if not appointments:
        return render(request, "pioneers/visits/my_plan.html", {"appointment": None})
    chosen = request.GET.get("pioneer", "")
    appointment = next((a for a in appointments if str(a.pk) == chosen), appointments[0])
    this_month = month_start(timezone.localdate())
    month = _month(request.GET.get("month", "")) or this_month
    if month > this_month:
        month = this_month
    if month == this_month:
        plan: VisitPlan | None = plan_for(appointment, month, actor=request.user)
    else:
        # A past month shows the plan made then; none is made now from today's records.
        plan = VisitPlan.objects.filter(pioneer=appointment, month=month).first()
    months = sorted(
        set(VisitPlan.objects.filter(pioneer=appointment).values_list("month", flat=True))
        | {this_month},
        reverse=True,
    )
    context: dict[str, Any] = {
        "appointment": appointment,
        "appointments": appointments if len(appointments) > 1 else [],
        "month": month,
        "months": months,
        "is_current": month == this_month,
        "plan": plan,
    }
    if plan is not None:
        plan.pioneer = appointment
        rows = plans.rows_of(plan)
        context["rows"] = rows
        context["progress"] = plans.Progress(len(rows), sum(r.done for r in rows))
    context["month_visits"] = Visit.objects.filter(
        pioneer_id=request.user.pk, visited_on__gte=month, visited_on__lt=next_month(month)
    ).count()
    return render(request, "pioneers/visits/my_plan.html", context)


# ---------------------------------------------------------------- staff: the plans


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "pioneers.open_plans")
    this_month = month_start(timezone.localdate())
    month = min(_month(request.GET.get("month", "")) or this_month, this_month)
    pioneers = list(
        Pioneer.objects.visible_to(request.user)
        .active()
        .select_related("community")
        .order_by("community__path", "name")
    )
    found = {
        p.pioneer_id: p
        for p in VisitPlan.objects.filter(pioneer__in=pioneers, month=month).select_related(
            "pioneer"
        )
    }
    if month == this_month:
        # Staff opening the month make the plans not made yet; leadership only reads.
        for pioneer in pioneers:
            if pioneer.pk not in found and request.user.has_perm("pioneers.manage", pioneer):
                found[pioneer.pk] = plan_for(pioneer, month, actor=request.user)
    progress = plans.progress_of(list(found.values()))
    rows: list[dict[str, Any]] = []
    for pioneer in pioneers:
        plan = found.get(pioneer.pk)
        rows.append(
            {"pioneer": pioneer, "plan": plan, "progress": progress.get(plan.pk) if plan else None}
        )
    planned = sum(p.planned for p in progress.values())
    done = sum(p.done for p in progress.values())
    previous = (month - date.resolution).replace(day=1) if month > FIRST_MONTH else None
    return render(
        request,
        "pioneers/visits/plan_list.html",
        {
            "tabs": tabs_for(request.user, "pioneers:plan_list"),
            "rows": rows,
            "month": month,
            "previous": previous,
            "following": next_month(month) if month < this_month else None,
            "total": plans.Progress(planned, done),
        },
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "pioneers.open_plans")
    plan = get_object_or_404(
        VisitPlan.objects.visible_to(request.user).select_related("pioneer__community"), pk=pk
    )
    rows = plans.rows_of(plan)
    return render(
        request,
        "pioneers/visits/plan_detail.html",
        {
            "tabs": tabs_for(request.user, "pioneers:plan_list"),
            "plan": plan,
            "rows": rows,
            "progress": plans.Progress(len(rows), sum(r.done for r in rows)),
        },
    )


# ---------------------------------------------------------------- recording a visit


def _household(request: HttpRequest) -> tuple[Area, str, list[Resident]]:
    """The building and room of ?area=&room=, which the user may visit (else 404)."""
    pk = parse_id(request.GET.get("area"))
    if pk is None:
        raise Http404
    area = get_object_or_404(
        Area.objects.visible_to(request.user)
        .filter(kind=AreaKind.BUILDING)
        .select_related("parent"),
        pk=pk,
    )
    require(request.user, "pioneers.record_visit", area)
    room = request.GET.get("room", "").strip()
    if len(room) > 30:
        raise Http404
    residents = list(Resident.objects.filter(area=area, room=room).order_by("id"))
    if not residents and not request.user.has_perm("pioneers.manage", area):
        raise Http404  # a room nobody lives in: nothing to visit
    return area, room, residents


@login_required
def visit_create(request: HttpRequest) -> HttpResponse:
    if not _may_see_visits(request.user):
        raise Http404
    area, room, residents = _household(request)
    household_demands = (
        Demand.objects.visible_to(request.user)
        .filter(reporters__resident__area=area, reporters__resident__room=room)
        .distinct()
    )
    data = request.POST if request.method == "POST" else None
    form = VisitForm(
        data,
        residents=Resident.objects.filter(area=area, room=room),
        demands=household_demands,
    )
    guard_form(form)
    asks = AskFormSet(data, prefix="ask")
    open_demands = list(household_demands.open().select_related("category").order_by("-id"))
    if request.method == "POST" and form.is_valid() and asks.is_valid():
        given = [
            Ask(title=f.cleaned_data["title"], category=f.cleaned_data["category"])
            for f in asks.forms
            if f.cleaned_data.get("title")
        ]
        data_ = form.cleaned_data
        try:
            visit = record_visit(
                actor=request.user,
                area=area,
                room=room,
                visited_on=data_["visited_on"],
                met=data_["met"],
                nobody_home=data_["nobody_home"],
                notes=data_["notes"],
                asks=given,
                follow_ups=data_["follow_ups"],
                token=data_.get("form_token"),
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _recorded_message(visit, area, room))
            if request.user.has_perm("pioneers.open_plan") and plans.appointments_of(request.user):
                return redirect(reverse("pioneers:my_plan") + f"?month={visit.visited_on:%Y-%m}")
            return redirect("pioneers:visit_detail", pk=visit.pk)
    label = " ".join(p for p in [area.parent.name if area.parent else "", area.name, room] if p)
    return render(
        request,
        "pioneers/visits/visit_form.html",
        {
            "form": form,
            "asks": asks,
            "area": area,
            "room": room,
            "label": label,
            "residents": residents,
            "open_demands": open_demands,
            "chosen_follow_ups": {str(v) for v in (data.getlist("follow_ups") if data else [])},
            "chosen_met": {str(v) for v in (data.getlist("met") if data else [])},
            "cancel_url": reverse("pioneers:my_plan")
            if request.user.has_perm("pioneers.open_plan")
            else reverse("pioneers:visit_list"),
        },
        status=400 if request.method == "POST" else 200,
    )


def _recorded_message(visit: Visit, area: Area, room: str) -> str:
    codes = list(visit.demands.order_by("id").values_list("code", flat=True))
    follow = visit.follow_ups.count()
    parts = [area.parent.name if area.parent else "", area.name, room]
    where = " ".join(p for p in parts if p)
    text = _("Visit to %(where)s recorded.") % {"where": where}
    if codes:
        text += " " + _("New demands: %(codes)s.") % {"codes": "、".join(codes)}
    if follow:
        text += " " + _("%(n)s open demands followed up.") % {"n": follow}
    return text


# ---------------------------------------------------------------- visits


class VisitList(ScopedListView):
    model = Visit
    header_template = "pioneers/visits/tabs_header.html"
    list_title = gettext_lazy("Home visits")
    row_template = "pioneers/visits/row.html"
    filters_template = "pioneers/visits/filters.html"
    search_placeholder: Any = gettext_lazy("Search by building, room or note")
    filters = {"pioneer": "pioneer_id"}
    select_related = ("area__parent", "pioneer")
    export_columns = [
        (gettext_lazy("Visited on"), lambda v: v.visited_on),
        (gettext_lazy("Visited by"), lambda v: str(v.pioneer)),
        (gettext_lazy("Building"), lambda v: str(v.area)),
        (gettext_lazy("Room"), lambda v: v.room),
        (gettext_lazy("Nobody at home"), lambda v: _("Yes") if v.nobody_home else ""),
        (gettext_lazy("Note"), lambda v: v.notes),
    ]
    export_name: Any = gettext_lazy("Home visits")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not _may_see_visits(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def search(self, queryset: Any, text: str) -> Any:
        return queryset.filter(
            Q(room__contains=text) | Q(notes__contains=text) | Q(area__name__contains=text)
        )

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        month = _month(self.request.GET.get("month", ""))
        if month is not None:
            qs = qs.filter(visited_on__gte=month, visited_on__lt=next_month(month))
        return qs.order_by("-visited_on", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if user.has_perm("pioneers.open_plans"):
            context["tabs"] = tabs_for(user, "pioneers:plan_list")
            context["visitors"] = (
                Visit.objects.visible_to(user)
                .order_by()
                .values_list("pioneer_id", "pioneer__name")
                .distinct()
            )
        context["month"] = self.request.GET.get("month", "")
        context["active_filters"]["month"] = context["month"]
        return context


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not _may_see_visits(request.user):
        raise Http404
    visit = get_object_or_404(
        Visit.objects.visible_to(request.user).select_related("area__parent", "pioneer"), pk=pk
    )
    return render(
        request,
        "pioneers/visits/visit_detail.html",
        {
            "visit": visit,
            "met": list(visit.met.order_by("id")),
            "raised": list(visit.demands.select_related("category").order_by("id")),
            "followed": list(visit.follow_ups.select_related("category").order_by("id")),
            "tabs": tabs_for(request.user, "pioneers:plan_list")
            if request.user.has_perm("pioneers.open_plans")
            else [],
        },
    )


urlpatterns: list[URLPattern] = [
    path("pioneers/plan/", my_plan, name="my_plan"),
    path("pioneers/plans/", plan_list, name="plan_list"),
    path("pioneers/plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("pioneers/visits/new/", visit_create, name="visit_create"),
    path("pioneers/visits/", VisitList.as_view(), name="visit_list"),
    path("pioneers/visits/<int:pk>/", visit_detail, name="visit_detail"),
]
