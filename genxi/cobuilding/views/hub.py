"""The co-building hub: one menu entry opens it, with a tab for each part the user may open
(agreements, 双报到, the three lists, service points, figures) and what waits in each."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from genxi.accounts.rules import require
from genxi.cobuilding import todo
from genxi.cobuilding.models import MemberRegistration, PointBooking

# (url name, label, permission): the hub's tabs, in the order a community works them.
TABS: list[tuple[str, Any, str]] = [
    ("cobuilding:agreement_list", _("Agreements"), "cobuilding.open_agreements"),
    ("cobuilding:member_list", _("双报到"), "cobuilding.open_members"),
    ("cobuilding:need_list", _("Needs and resources"), "cobuilding.open_lists"),
    ("cobuilding:point_list", _("Service points"), "cobuilding.open_points"),
    ("cobuilding:evaluation_list", _("Evaluations"), "cobuilding.open_evaluations"),
    ("cobuilding:figures", _("Co-building figures"), "cobuilding.open_figures"),
]


def tabs_for(user: Any, current: str = "") -> list[dict[str, Any]]:
    return [
        {"url": reverse(name), "label": label, "key": name.split(":")[1], "active": name == current}
        for name, label, perm in TABS
        if user.has_perm(perm)
    ]


@login_required
def hub(request: HttpRequest) -> HttpResponse:
    require(request.user, "cobuilding.open_cobuilding")
    return render(
        request,
        "cobuilding/hub.html",
        {
            "tabs": tabs_for(request.user),
            "due": list(todo.due_items(request.user)[:20]),
            "to_confirm": todo.to_confirm(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
def resident_home(request: HttpRequest) -> HttpResponse:
    """A resident's community services: report as an in-service party member (双报到), book a
    service point's home visit, and what they have registered and booked."""
    require(request.user, "cobuilding.open_member_signup")
    user: Any = request.user
    return render(
        request,
        "cobuilding/resident_home.html",
        {
            "registrations": MemberRegistration.objects.filter(user=user)
            .select_related("community")
            .order_by("-created_at"),
            "bookings": PointBooking.objects.filter(resident__user=user)
            .select_related("point", "slot")
            .order_by("-slot__starts_at")[:20],
        },
    )


urlpatterns: list[URLPattern] = [
    path("cobuilding/", hub, name="hub"),
    path("services/", resident_home, name="resident_home"),
]
