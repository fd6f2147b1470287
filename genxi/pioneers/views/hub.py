"""The pioneers' hub: one menu entry opens it, with a tab for each part the user may open."""

from typing import Any

from django.urls import URLPattern, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, permission): the hub's tabs.
TABS: list[tuple[str, Any, str]] = [
    ("pioneers:appointment_list", _("Appointments"), "pioneers.open_pioneers"),
    ("pioneers:grid_list", _("Grids"), "pioneers.open_grids"),
    ("pioneers:plan_list", _("Visit plans"), "pioneers.open_plans"),
    ("pioneers:ranking", _("Assessment"), "pioneers.open_ranking"),
    ("pioneers:points_home", _("Points"), "pioneers.open_points"),
    ("pioneers:settings", _("Settings"), "pioneers.open_settings"),
]


def tabs_for(user: Any, current: str = "") -> list[dict[str, Any]]:
    """The tabs `user` may open; `current` is the url name of the page showing them."""
    return [
        {"url": reverse(name), "label": label, "key": name.split(":")[1], "active": name == current}
        for name, label, perm in TABS
        if user.has_perm(perm)
    ]


# The menu's 先锋 entry opens `pioneers:hub` (/pioneers/): the appointments list itself, the
# first tab for everyone who opens the hub (views/appointments.py), so every page under
# /pioneers/ keeps the menu entry lit.
urlpatterns: list[URLPattern] = []
