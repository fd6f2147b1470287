"""The menu a user sees: one entry per page their roles open, nothing else."""

from dataclasses import dataclass, replace
from typing import Any

from django.urls import reverse
from django.utils import timezone
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
    # The service projects: staff and leadership see their communities', partners those they
    # implement. Votes: every role; each sees the votes it may (its communities', or those it
    # is an elector in).
    "service_projects": AREA_ROLES | {Role.PARTNER},
    "votes": frozenset(Role),
    "my_demands": frozenset({Role.RESIDENT}),
}


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str
    icon: str
    active: bool = False
    badge: int = 0  # what waits for the user there (work lists, open votes, coming meetings)


def badges_for(user: Any) -> dict[str, int]:
    """The menu's badges, counted once per request (kept on the user object of the request)."""
    cached = getattr(user, "_genxi_badges", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    from genxi.demands import worklists

    badges: dict[str, int] = {}
    if scoping.has_role(user, *PAGE_ROLES["demands"]):
        badges["demands"] = worklists.badge_for(user)
    if scoping.has_role(user, Role.RESIDENT):
        badges["my_demands"] = worklists.awaiting_my_answer(user).count()
    if scoping.has_role(user, *PAGE_ROLES["votes"]):
        from genxi.projects.models import Vote, VoteStatus

        badges["votes"] = Vote.objects.visible_to(user).filter(status=VoteStatus.OPEN).count()
    if scoping.has_role(user, *PAGE_ROLES["meetings"]):
        from genxi.meetings.models import Meeting

        badges["meetings"] = (
            Meeting.objects.visible_to(user).filter(starts_at__gte=timezone.now()).count()
        )
    user._genxi_badges = badges
    return badges


def navigation_for(user: Any, path: str = "") -> list[NavItem]:
    """Every page the user's roles open, most used first: a phone shows the first four in its
    tab bar and the rest under "More"; a desk shows them all."""
    if not getattr(user, "is_authenticated", False):
        return []
    entries = [
        ("demands", _("Demands"), "demands:demand_list", "inbox"),
        ("my_demands", _("My demands"), "demands:my_demands", "inbox"),
        ("figures", _("Figures"), "demands:figures", "chart"),
        ("areas", _("Areas"), "places:area_list", "map"),
        ("residents", _("Residents"), "places:resident_list", "users"),
        ("pioneers", pioneer_label(), "places:pioneer_list", "flag"),
        ("meetings", _("Deliberation meetings"), "meetings:meeting_list", "chat"),
        ("votes", _("Votes"), "projects:vote_list", "ballot"),
        ("service_projects", _("Projects"), "projects:project_list", "tools"),
        ("projects", _("Service funds"), "projects:fund_list", "coin"),
        ("venues", _("Venues"), "places:venue_list", "pin"),
        ("party_orgs", _("Party organisations"), "places:partyorg_list", "star"),
        ("partners", _("Partner units"), "places:partner_list", "handshake"),
        ("settings", _("Settings"), "core:settings", "calendar"),
    ]
    badges = badges_for(user)
    items = [NavItem("home", str(_("Home")), reverse("core:home"), "home")]
    for key, label, url_name, icon in entries:
        if scoping.has_role(user, *PAGE_ROLES[key]):
            badge = badges.get(key, 0)
            items.append(NavItem(key, str(label), reverse(url_name), icon, badge=badge))
    # The active entry is the one whose address is the longest start of the current path.
    matches = [i for i in items if path == i.url or (i.url != "/" and path.startswith(i.url))]
    if matches:
        best = max(matches, key=lambda i: len(i.url))
        items = [replace(i, active=i is best) for i in items]
    return items


# A phone's tab bar: this many entries, the last of them "More" when there are more entries.
TABS = 5


def split_for_phone(items: list[NavItem]) -> tuple[list[NavItem], list[NavItem], bool, bool]:
    """The tab bar's entries, those under "More" (none when all fit), and whether one of those
    has a badge or is the current page (the "More" tab then shows it)."""
    if len(items) <= TABS:
        return items, [], False, False
    tabs, more = items[: TABS - 1], items[TABS - 1 :]
    return tabs, more, any(i.badge for i in more), any(i.active for i in more)
