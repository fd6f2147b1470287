"""The peer inspections' tabs: rounds, checklists and the good-practice library."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TABS: list[tuple[str, Any, str]] = [
    ("inspections:round_list", _("Rounds"), "inspections.open_inspections"),
    ("inspections:template_list", _("Checklists"), "inspections.create_round"),
    ("inspections:practice_list", _("Good practices"), "inspections.open_practices"),
]


def tabs_for(user: Any, current: str = "") -> list[dict[str, Any]]:
    return [
        {"url": reverse(name), "label": label, "key": name.split(":")[1], "active": name == current}
        for name, label, perm in TABS
        if user.has_perm(perm)
    ]
