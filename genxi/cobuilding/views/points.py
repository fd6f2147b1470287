"""Co-building pages: service points (便民服务点), their home-visit slots and bookings.

Staff, leadership, pioneers and the provider's handlers see the points of their scope (the
list, a point's page with its hours, prices, coming slots and figures). Staff set points up;
staff and the provider add slots, take bookings on the phone and step bookings through; a
pioneer books on a visit; a resident books on their phone (`resident_points`) and may cancel
their own before the slot starts.
"""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from genxi.accounts.rules import require
from genxi.cobuilding.forms import points as forms
from genxi.cobuilding.models import (
    HOLDS_PLACE,
    POINT_BOOKING_MACHINE,
    BookingChannel,
    CollectedItem,
    PointBooking,
    PointBookingStatus,
    PointKind,
    ServicePoint,
    VisitSlot,
)
from genxi.cobuilding.services import points as services
from genxi.cobuilding.views.hub import tabs_for
from genxi.core.audit import log_action
from genxi.core.exports import xlsx_response
from genxi.core.services import ServiceError
from genxi.core.views import ScopedListView, guard_form, service_kwargs, show_refusal
from genxi.places.models import Resident

# ---------------------------------------------------------------- the list


class PointList(ScopedListView):
    model = ServicePoint
    page_perm = "cobuilding.open_points"
    template_name = "cobuilding/points/point_list.html"
    list_title = gettext_lazy("Service points")
    row_template = "cobuilding/points/row.html"
    search_placeholder: Any = gettext_lazy("Search by name or address")
    create_url_name = "cobuilding:point_create"
    create_permission = "cobuilding.manage"
    create_label = gettext_lazy("New service point")
    filters = {"kind": "kind"}
    select_related = ("community", "provider", "venue")
    export_columns = [
        (gettext_lazy("Name"), lambda p: p.name),
        (gettext_lazy("Kind"), lambda p: p.get_kind_display()),
        (gettext_lazy("Community"), lambda p: p.community.name),
        (gettext_lazy("Provider"), lambda p: p.provider.name),
        (gettext_lazy("Address"), lambda p: p.address or (p.venue.name if p.venue else "")),
        (gettext_lazy("Phone"), lambda p: p.phone),
        (gettext_lazy("Home visits"), lambda p: _("Yes") if p.home_visits else _("No")),
    ]
    export_name: Any = gettext_lazy("Service points")

    def search(self, queryset: Any, text: str) -> Any:
        return queryset.filter(Q(name__contains=text) | Q(address__contains=text))

    def get_queryset(self) -> Any:
        return (
            super()
            .get_queryset()
            .annotate(
                coming=Count(
                    "bookings",
                    filter=Q(
                        bookings__status__in=[
                            PointBookingStatus.CONFIRMED,
                            PointBookingStatus.ASSIGNED,
                        ],
                        bookings__slot__starts_at__gte=timezone.now(),
                    ),
                )
            )
            .order_by("community__path", "name", "id")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tabs"] = tabs_for(self.request.user, "cobuilding:point_list")
        context["kinds"] = PointKind.choices
        return context


# ---------------------------------------------------------------- create, edit


def _point(request: HttpRequest, pk: int) -> ServicePoint:
    require(request.user, "cobuilding.open_points")
    return get_object_or_404(
        ServicePoint.objects.visible_to(request.user).select_related(
            "community", "provider", "venue"
        ),
        pk=pk,
    )


def _form_page(request: HttpRequest, form: Any, title: str, cancel: str) -> HttpResponse:
    return render(
        request,
        "cobuilding/points/point_form.html",
        {"form": form, "title": title, "cancel_url": cancel},
        status=400 if form.is_bound else 200,
    )


@login_required
def point_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "cobuilding.open_points")
    require(request.user, "cobuilding.manage")
    form = forms.PointForm(request.POST or None, user=request.user)
    guard_form(form)
    if request.method == "POST" and form.is_valid():
        try:
            point = services.create_point(actor=request.user, **service_kwargs(form))
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(point)
    return _form_page(request, form, _("New service point"), reverse("cobuilding:point_list"))


@login_required
def point_edit(request: HttpRequest, pk: int) -> HttpResponse:
    point = _point(request, pk)
    require(request.user, "cobuilding.manage", point)
    form = forms.PointForm(request.POST or None, user=request.user, instance=point)
    guard_form(form, point)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_point(actor=request.user, point=point, **service_kwargs(form, point))
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(point)
    return _form_page(request, form, _("Edit the service point"), point.get_absolute_url())


# ---------------------------------------------------------------- the point's page


def _hours(point: ServicePoint) -> list[tuple[Any, Any, Any]]:
    return [(forms.WEEKDAYS[h.weekday], h.opens, h.closes) for h in point.hours.all()]


def figures_of(point: ServicePoint) -> dict[str, Any]:
    """Bookings by status, kg by material per month, amount paid, households served."""
    by_status = dict(
        PointBooking.objects.filter(point=point)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    statuses = [(label, by_status.get(value, 0)) for value, label in PointBookingStatus.choices]
    done = PointBooking.objects.filter(point=point, status=PointBookingStatus.DONE).order_by()
    paid = done.aggregate(total=Sum("amount_paid"))["total"] or Decimal(0)
    households = done.values("address").distinct().count()
    rows = (
        CollectedItem.objects.filter(booking__in=done)
        .annotate(month=TruncMonth("booking__slot__starts_at"))
        .order_by()
        .values("month", "material")
        .annotate(kg=Sum("kg"), amount=Sum("amount"))
        .order_by("month", "material")
    )
    months: list[str] = []
    table: dict[str, dict[str, Decimal]] = defaultdict(dict)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        month = f"{row['month']:%Y-%m}"
        if month not in months:
            months.append(month)
        table[row["material"]][month] = row["kg"]
        totals[row["material"]] += row["kg"]
    materials = sorted(table, key=lambda m: -totals[m])
    chart = {
        "months": months,
        "series": [
            {"name": m, "data": [float(table[m].get(month, 0)) for month in months]}
            for m in materials
        ],
    }
    month_rows = [
        {"month": month, "cells": [table[m].get(month, Decimal(0)) for m in materials]}
        for month in months
    ]
    return {
        "statuses": statuses,
        "bookings": sum(by_status.values()),
        "paid": paid,
        "households": households,
        "kg": sum(totals.values(), Decimal(0)),
        "materials": materials,
        "month_rows": month_rows,
        "material_totals": [totals[m] for m in materials],
        "chart": chart,
    }


def _export(user: Any, point: ServicePoint) -> HttpResponseBase:
    """Every booking of the point, with names and addresses: for those who run it, logged."""
    bookings = (
        PointBooking.objects.filter(point=point)
        .select_related("slot", "worker")
        .prefetch_related("collected")
        .order_by("slot__starts_at", "place")
    )
    log_action(
        actor=user, action="pointbooking.export", obj=point, changes={"rows": bookings.count()}
    )

    def row(b: PointBooking) -> list[Any]:
        items = list(b.collected.all())
        return [
            f"{timezone.localtime(b.slot.starts_at):%Y-%m-%d %H:%M}",
            b.name,
            b.address,
            b.get_channel_display(),
            b.get_status_display(),
            str(b.worker) if b.worker else "",
            "、".join(f"{i.material} {i.kg}kg" for i in items),
            float(sum((i.kg for i in items), Decimal(0))),
            float(b.amount_paid) if b.amount_paid is not None else "",
        ]

    return xlsx_response(
        filename=f"{point.name}-{_('bookings')}",
        sheet=str(_("Bookings")),
        headers=[
            str(h)
            for h in (
                _("Slot"),
                _("Name"),
                _("Address"),
                _("Booked"),
                _("Status"),
                _("Worker"),
                _("Collected"),
                _("kg"),
                _("Paid (yuan)"),
            )
        ],
        rows=(row(b) for b in bookings),
    )


@login_required
def point_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    point = _point(request, pk)
    user: Any = request.user
    runs = services.runs_point(user, point)
    if request.GET.get("format") == "xlsx":
        if not runs:  # names and addresses of every household: only for those who run it
            raise Http404
        return _export(user, point)
    slots = list(
        VisitSlot.objects.filter(point=point, ends_at__gte=timezone.now())
        .annotate(held=Count("bookings", filter=Q(bookings__status__in=HOLDS_PLACE)))
        .order_by("starts_at")[:40]
    )
    bookings: dict[int, list[PointBooking]] = defaultdict(list)
    # Places are counted over all bookings (`held`); names only of the bookings the user may
    # see (a pioneer: those they made and those of their grids' residents).
    for b in (
        PointBooking.objects.visible_to(user)
        .filter(slot__in=slots)
        .exclude(status=PointBookingStatus.CANCELLED)
        .select_related("worker")
        .order_by("place")
    ):
        bookings[b.slot_id].append(b)
    for s in slots:
        s.the_bookings = bookings.get(s.pk, [])  # type: ignore[attr-defined]
        shown = len([b for b in bookings.get(s.pk, []) if b.status in HOLDS_PLACE])
        s.others = max(0, s.held - shown)  # type: ignore[attr-defined]
        s.free = max(0, s.capacity - s.held)  # type: ignore[attr-defined]
    figures = figures_of(point)
    return render(
        request,
        "cobuilding/points/point_detail.html",
        {
            "point": point,
            "tabs": tabs_for(user, "cobuilding:point_list"),
            "hours": _hours(point),
            "prices": list(point.prices.filter(is_active=True)),
            "slots": slots,
            "figures": figures,
            "can_manage": user.has_perm("cobuilding.manage", point),
            "runs": runs,
            "can_book": point.home_visits and services.books_for_others(user, point),
            "can_export": runs,
        },
    )


# ---------------------------------------------------------------- slots


@login_required
def slot_add(request: HttpRequest, pk: int) -> HttpResponse:
    point = _point(request, pk)
    if not services.runs_point(request.user, point):
        raise Http404
    form = forms.SlotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.add_slots(actor=request.user, point=point, **form.cleaned_data)
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("%(n)s slot(s) added.") % {"n": len(made)})
            return redirect(point)
    return render(
        request,
        "cobuilding/points/slot_form.html",
        {"form": form, "point": point, "hours": _hours(point)},
        status=400 if form.is_bound else 200,
    )


# ---------------------------------------------------------------- booking for a resident


def _residents_for(user: Any, point: ServicePoint, text: str) -> Any:
    """The residents of the point's community the user may see, found by name, initials or
    (for those who may see numbers) phone."""
    if not text:
        return Resident.objects.none()
    return (
        Resident.objects.visible_to(user)
        .filter(area__path__startswith=point.community.path)
        .search(text, by_phone=True)
        .select_related("area__parent")[:20]
    )


@login_required
def point_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff or the provider taking a phone call, or a pioneer on a visit, book a home visit
    for a resident: found in the register (in their scope), or by name, phone and address."""
    point = _point(request, pk)
    user: Any = request.user
    if not point.home_visits or not services.books_for_others(user, point):
        raise Http404
    text = (request.POST.get("q") or request.GET.get("q") or "").strip()[:50]
    found = _residents_for(user, point, text)
    # A resident chosen on the form must be one the user may see in the point's community.
    allowed = Resident.objects.visible_to(user).filter(area__path__startswith=point.community.path)
    form = forms.BookForm(
        request.POST or None,
        point=point,
        residents=allowed if request.method == "POST" else found,
        initial={"slot": request.GET.get("slot")}
        if request.GET.get("slot", "").isdigit()
        else None,
    )
    guard_form(form)
    if request.method == "POST" and form.is_valid():
        data = service_kwargs(form)
        try:
            booking = services.book_visit(
                actor=user, channel=services.channel_for(user, point), **data
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Booked: place %(n)s.") % {"n": booking.place})
            return redirect("cobuilding:booking_detail", pk=booking.pk)
    return render(
        request,
        "cobuilding/points/book.html",
        {"form": form, "point": point, "q": text, "found": found},
        status=400 if form.is_bound else 200,
    )


# ---------------------------------------------------------------- a resident on their phone


def _resident_of(user: Any) -> Resident | None:
    return Resident.objects.filter(user=user).select_related("area").first()


def _open_slots_for(resident: Resident) -> Any:
    communities = [*resident.area.ancestor_ids(), resident.area.pk]
    return (
        VisitSlot.objects.filter(
            point__community__in=communities,
            point__home_visits=True,
            point__is_active=True,
            starts_at__gt=timezone.now(),
        )
        .annotate(held=Count("bookings", filter=Q(bookings__status__in=HOLDS_PLACE)))
        .filter(held__lt=F("capacity"))
        .select_related("point")
        .order_by("starts_at")
    )


@login_required
def resident_points(request: HttpRequest) -> HttpResponse:
    require(request.user, "cobuilding.open_point_booking")
    user: Any = request.user
    resident = _resident_of(user)
    slots: Any = _open_slots_for(resident) if resident is not None else VisitSlot.objects.none()
    form = forms.ResidentBookForm(request.POST or None, slots=slots)
    guard_form(form)
    if request.method == "POST" and resident is not None and form.is_valid():
        data = service_kwargs(form)
        try:
            booking = services.book_visit(
                actor=user,
                channel=BookingChannel.APP,
                resident=resident,
                slot=data["slot"],
                what=data["what"],
                token=data["token"],
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Booked. You will get a text the day before."))
            return redirect("cobuilding:booking_detail", pk=booking.pk)
    points: dict[int, dict[str, Any]] = {}
    for slot in slots[:60]:
        entry = points.setdefault(slot.point_id, {"point": slot.point, "slots": []})
        slot.free = slot.capacity - slot.held
        entry["slots"].append(slot)
    return render(
        request,
        "cobuilding/points/resident_points.html",
        {
            "resident": resident,
            "points": list(points.values()),
            "form": form,
            "token": form["form_token"].value() if "form_token" in form.fields else "",
        },
        status=400 if form.is_bound else 200,
    )


# ---------------------------------------------------------------- a booking


STEPS = {
    "assign": PointBookingStatus.ASSIGNED,
    "done": PointBookingStatus.DONE,
    "cancel": PointBookingStatus.CANCELLED,
    "missed": PointBookingStatus.MISSED,
}


def _booking(request: HttpRequest, pk: int) -> PointBooking:
    user: Any = request.user
    if not (
        user.has_perm("cobuilding.open_points") or user.has_perm("cobuilding.open_point_booking")
    ):
        raise Http404
    return get_object_or_404(
        PointBooking.objects.visible_to(user).select_related(
            "point__community", "point__provider", "slot", "worker", "resident", "booked_by"
        ),
        pk=pk,
    )


def _booking_page(
    request: HttpRequest, booking: PointBooking, status: int = 200, **forms_given: Any
) -> HttpResponse:
    user: Any = request.user
    runs = services.runs_point(user, booking.point)
    state = booking.status
    context: dict[str, Any] = {
        "booking": booking,
        "point": booking.point,
        "collected": list(booking.collected.all()),
        "runs": runs,
        "can_cancel": POINT_BOOKING_MACHINE.can(state, PointBookingStatus.CANCELLED)
        and services.may_cancel(user, booking),
        "started": booking.slot.starts_at <= timezone.now(),
        # The number is for those who make or arrange the visit, and the resident's own.
        "show_phone": runs
        or booking.booked_by_id == user.pk
        or (booking.resident is not None and booking.resident.user_id == user.pk),
    }
    if runs and POINT_BOOKING_MACHINE.can(state, PointBookingStatus.ASSIGNED):
        context["assign_form"] = forms_given.get("assign_form") or forms.AssignForm(
            partner_id=booking.point.provider_id,
            initial={"worker": booking.worker_id},
        )
    if runs and POINT_BOOKING_MACHINE.can(state, PointBookingStatus.DONE):
        context["done_form"] = forms_given.get("done_form") or forms.DoneForm(
            prices=booking.point.prices.filter(is_active=True)
        )
        context["can_miss"] = True
    if user.has_perm("cobuilding.open_points"):
        context["tabs"] = tabs_for(user, "cobuilding:point_list")
    context["error"] = forms_given.get("error")
    return render(request, "cobuilding/points/booking_detail.html", context, status=status)


@login_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _booking_page(request, _booking(request, pk))


@login_required
@require_POST
def booking_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    booking = _booking(request, pk)
    user: Any = request.user
    if step not in STEPS:
        raise Http404
    if step == "cancel":
        if not services.may_cancel(user, booking):
            raise Http404
    elif not services.runs_point(user, booking.point):
        raise Http404
    try:
        if step == "assign":
            assign_form = forms.AssignForm(request.POST, partner_id=booking.point.provider_id)
            if not assign_form.is_valid():
                return _booking_page(request, booking, 400, assign_form=assign_form)
            services.assign_booking(
                actor=user, booking=booking, worker=assign_form.cleaned_data["worker"]
            )
        elif step == "done":
            done_form = forms.DoneForm(
                request.POST, prices=booking.point.prices.filter(is_active=True)
            )
            if not done_form.is_valid():
                return _booking_page(request, booking, 400, done_form=done_form)
            try:
                services.complete_booking(
                    actor=user,
                    booking=booking,
                    items=done_form.cleaned_data["items"],
                    amount_paid=done_form.cleaned_data.get("amount_paid"),
                )
            except ServiceError as exc:
                show_refusal(done_form, exc)
                return _booking_page(request, booking, 400, done_form=done_form)
        elif step == "cancel":
            services.cancel_booking(
                actor=user, booking=booking, reason=request.POST.get("reason", "")
            )
        else:
            services.miss_booking(actor=user, booking=booking)
    except ServiceError as exc:
        return _booking_page(request, booking, 400, error=exc.message)
    messages.success(request, _("Saved."))
    return redirect("cobuilding:booking_detail", pk=booking.pk)


urlpatterns: list[URLPattern] = [
    path("cobuilding/points/", PointList.as_view(), name="point_list"),
    path("cobuilding/points/new/", point_create, name="point_create"),
    path("cobuilding/points/<int:pk>/", point_detail, name="point_detail"),
    path("cobuilding/points/<int:pk>/edit/", point_edit, name="point_edit"),
    path("cobuilding/points/<int:pk>/slots/", slot_add, name="slot_add"),
    path("cobuilding/points/<int:pk>/book/", point_book, name="point_book"),
    path("services/points/", resident_points, name="resident_points"),
    path("cobuilding/bookings/<int:pk>/", booking_detail, name="booking_detail"),
    path("cobuilding/bookings/<int:pk>/<str:step>/", booking_step, name="booking_step"),
]
