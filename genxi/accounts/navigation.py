"""The menu a user sees: one entry per page their roles open, nothing else."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, Role
from genxi.core.labels import pioneer_label

# Roles that open each list page. A page outside a user's roles is a 404, like an object outside
# their areas: the menu and the URL space agree.
PAGE_ROLES: dict[str, frozenset[str]] = {
    "areas": AREA_ROLES | {Role.PIONEER},
    "party_orgs": AREA_ROLES | {Role.PIONEER, Role.PARTNER},
    "partners": AREA_ROLES | {Role.PIONEER, Role.PARTNER},
    "venues": frozenset(Role),
    "residents": AREA_ROLES | {Role.PIONEER},
    "pioneers": AREA_ROLES | {Role.PIONEER},
    "settings": AREA_ROLES,
    "demands": AREA_ROLES | {Role.PIONEER, Role.PARTNER},
    "figures": AREA_ROLES,
    "projects": AREA_ROLES,
    "meetings": AREA_ROLES,
}


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str
    icon: str
    active: bool = False


def navigation_for(user: Any, path: str = "") -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    entries = [
        ("demands", _("Demands"), "demands:demand_list", "inbox"),
        ("figures", _("Figures"), "demands:figures", "chart"),
        ("areas", _("Areas"), "places:area_list", "map"),
        ("residents", _("Residents"), "places:resident_list", "users"),
        ("pioneers", pioneer_label(), "places:pioneer_list", "flag"),
        ("venues", _("Venues"), "places:venue_list", "pin"),
        ("party_orgs", _("Party organisations"), "places:partyorg_list", "star"),
        ("partners", _("Partner units"), "places:partner_list", "handshake"),
        ("settings", _("Settings"), "core:settings", "calendar"),
    ]
    items = [NavItem("home", str(_("Home")), reverse("core:home"), "home")]
    for key, label, url_name, icon in entries:
        if scoping.has_role(user, *PAGE_ROLES[key]):
            items.append(NavItem(key, str(label), reverse(url_name), icon))
    # The active entry is the one whose address is the longest start of the current path.
    matches = [i for i in items if path == i.url or (i.url != "/" and path.startswith(i.url))]
    if matches:
        best = max(matches, key=lambda i: len(i.url))
        items = [NavItem(i.key, i.label, i.url, i.icon, i is best) for i in items]
    return items
