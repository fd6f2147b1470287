"""The menu a user sees: one entry per page they may open, nothing else.

Each entry names its page's permission (`<app>.open_<page>`, registered in that app's
`rules.py`): the page asks the same one, so a menu entry and its page can never disagree.
Two lists have no gate of their own and show each user only what `visible_to` gives them: the
votes (an elector may hold no role) and the projects; their entries show to the permission's
holders.
"""

from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from genxi.accounts import scoping
from genxi.accounts.models import Role
from genxi.cobuilding import todo as cobuilding_todo
from genxi.core.labels import pioneer_label
from genxi.demands import worklists
from genxi.inspections import todo as inspections_todo
from genxi.meetings.models import Meeting
from genxi.pioneers import plans as pioneer_plans
from genxi.places.models import Area, BookingStatus, VenueBooking
from genxi.projects.models import Vote, VoteStatus


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str
    icon: str
    active: bool = False
    badge: int = 0  # what waits for the user there (work lists, open votes, coming meetings)


def badges_for(user: Any) -> dict[str, int]:
    """The menu's badges, counted once per request (kept on the user object of the request)
    and, for `GENXI_MENU_BADGE_SECONDS` (default 60), kept in the cache: counting a street's
    work list on every page cost a dashboard 140 ms of its 185 at a million demands
    (bench/dashboards.py). The lists themselves are always counted live."""
    cached = getattr(user, "_genxi_badges", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    seconds = getattr(settings, "GENXI_MENU_BADGE_SECONDS", 60)
    key = f"genxi:badges:{user.pk}"
    if seconds:
        stored = cache.get(key)
        if stored is not None:
            user._genxi_badges = stored
            return stored  # type: ignore[no-any-return]
    badges = _count_badges(user)
    if seconds:
        cache.set(key, badges, seconds)
    user._genxi_badges = badges
    return badges


def _count_badges(user: Any) -> dict[str, int]:
    badges: dict[str, int] = {}
    if user.has_perm("demands.open_ledger"):
        badges["demands"] = worklists.badge_for(user)
    if scoping.has_role(user, Role.RESIDENT):
        badges["my_demands"] = worklists.awaiting_my_answer(user).count()
    if user.has_perm("projects.open_votes"):
        badges["votes"] = Vote.objects.visible_to(user).filter(status=VoteStatus.OPEN).count()
    if user.has_perm("meetings.open_meetings"):
        badges["meetings"] = (
            Meeting.objects.visible_to(user).filter(starts_at__gte=timezone.now()).count()
        )
    if user.has_perm("places.change_venuebooking"):
        badges["booking_requests"] = VenueBooking.objects.filter(
            status=BookingStatus.REQUESTED, venue__area__in=Area.objects.staffed_by(user)
        ).count()
    if user.has_perm("cobuilding.open_cobuilding"):
        badges["cobuilding"] = cobuilding_todo.badge(user)
    if user.has_perm("pioneers.open_plan"):
        badges["visit_plan"] = pioneer_plans.badge(user)
    if user.has_perm("inspections.open_inspections"):
        badges["inspections"] = inspections_todo.badge(user)
    return badges


def navigation_for(user: Any, path: str = "") -> list[NavItem]:
    """Every page the user may open, most used first: a phone shows the first four in its
    tab bar and the rest under "More"; a desk shows them all."""
    if not getattr(user, "is_authenticated", False):
        return []
    entries = [  # key (of the badges), label, page, its permission, icon
        ("demands", _("Demands"), "demands:demand_list", "demands.open_ledger", "inbox"),
        ("my_demands", _("My demands"), "demands:my_demands", "demands.open_my_demands", "inbox"),
        ("visit_plan", _("Visit plan"), "pioneers:my_plan", "pioneers.open_plan", "home"),
        (
            "my_assessment",
            _("My assessment"),
            "pioneers:my_assessment",
            "pioneers.open_my_assessment",
            "chart",
        ),
        (
            "signup",
            _("Sign up for activities"),
            "activities:open_list",
            "activities.open_signup",
            "ticket",
        ),
        (
            "my_registrations",
            _("My registrations"),
            "activities:my_registrations",
            "activities.open_signup",
            "event",
        ),
        ("my_points", _("My points"), "pioneers:my_points", "pioneers.open_my_points", "coin"),
        (
            "dashboard",
            _("Dashboard"),
            "dashboards:home",
            "dashboards.open_dashboard",
            "chart",
        ),
        ("figures", _("Figures"), "demands:figures", "demands.open_figures", "chart"),
        ("areas", _("Areas"), "places:area_list", "places.open_areas", "map"),
        ("residents", _("Residents"), "places:resident_list", "places.open_residents", "users"),
        ("pioneers", pioneer_label(), "pioneers:hub", "pioneers.open_pioneers", "flag"),
        (
            "activities",
            _("Activities"),
            "activities:activity_list",
            "activities.open_activities",
            "event",
        ),
        (
            "door",
            _("Check-in at the door"),
            "activities:door_list",
            "activities.check_in",
            "ticket",
        ),
        (
            "meetings",
            _("Deliberation meetings"),
            "meetings:meeting_list",
            "meetings.open_meetings",
            "chat",
        ),
        (
            "inspections",
            _("Peer inspections"),
            "inspections:round_list",
            "inspections.open_inspections",
            "star",
        ),
        ("votes", _("Votes"), "projects:vote_list", "projects.open_votes", "ballot"),
        (
            "service_projects",
            _("Projects"),
            "projects:project_list",
            "projects.open_projects",
            "tools",
        ),
        ("projects", _("Service funds"), "projects:fund_list", "projects.open_funds", "coin"),
        (
            "cobuilding",
            _("Co-building"),
            "cobuilding:hub",
            "cobuilding.open_cobuilding",
            "handshake",
        ),
        (
            "community_services",
            _("Community services"),
            "cobuilding:resident_home",
            "cobuilding.open_member_signup",
            "handshake",
        ),
        ("venues", _("Venues"), "places:venue_list", "places.open_venues", "pin"),
        (
            "booking_requests",
            _("Venue booking requests"),
            "places:booking_requests",
            "places.change_venuebooking",
            "calendar",
        ),
        (
            "activity_figures",
            _("Activity figures"),
            "activities:figures",
            "activities.open_figures",
            "chart",
        ),
        (
            "party_orgs",
            _("Party organisations"),
            "places:partyorg_list",
            "places.open_party_orgs",
            "star",
        ),
        (
            "partners",
            _("Partner units"),
            "places:partner_list",
            "places.open_partners",
            "handshake",
        ),
        ("settings", _("Settings"), "home:settings", "accounts.open_settings", "calendar"),
    ]
    badges = badges_for(user)
    items = [NavItem("home", str(_("Home")), reverse("home:home"), "home")]
    for key, label, url_name, perm, icon in entries:
        if user.has_perm(perm):
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
