"""The partner portal: what a partner unit's handler works on, on one page — the unit's
agreements, the commitment items due and overdue, the needs it may claim (and whether the
exclusive window lets it claim them now), its claims, the demands assigned to it and the
projects it implements. The same sections open the handler's home page (home.views.home_work).

Every list is the unit's own: read by the unit's id (`scoping.partner_ids`), never by a scope
wider than it; `?partner=` picks one of the handler's units when they act for several, and any
other unit is a 404. Each list shows its first `SHOWN` rows and links to the full list; the page
takes a bounded number of queries however many rows there are (tested).
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from genxi.accounts import scoping
from genxi.accounts.rules import require
from genxi.cobuilding import todo
from genxi.cobuilding.models import (
    Agreement,
    AgreementStatus,
    Claim,
    Need,
    NeedStatus,
    RegistrationStatus,
    UnitRegistration,
)
from genxi.cobuilding.views.hub import tabs_for
from genxi.core.params import parse_id
from genxi.core.paths import path_range_q
from genxi.demands.models import OPEN_STATUSES, Demand
from genxi.places.models import STREET_KINDS, Area, AreaKind, Partner
from genxi.projects.models import Project

SHOWN = 10  # rows shown in each section; the section links to the full list


@dataclass
class Section:
    rows: list[Any]
    count: int
    url: str

    @property
    def more(self) -> bool:
        return self.count > len(self.rows)


def _section(queryset: Any, url: str) -> Section:
    """The first SHOWN rows, and the count: a second query only when there are more."""
    rows = list(queryset[: SHOWN + 1])
    count = len(rows) if len(rows) <= SHOWN else queryset.count()
    return Section(rows=rows[:SHOWN], count=count, url=url)


def paired_paths(partner_ids: list[int]) -> set[str]:
    """The paths of the areas (a community, or a street and so all its communities) where the
    units are bound by an agreement in force: the definition `Need.objects.claimable_by` and
    `services.lists.paired_partner_ids` read."""
    return set(
        Agreement.objects.in_force()
        .filter(parties__partner__in=partner_ids)
        .values_list("community__path", flat=True)
    )


def claimable(partners: list[Partner], paired: set[str] | None = None) -> Any:
    """`Need.objects.claimable_by` for these units, by a list of the communities it reaches
    (their areas and below, where they reported, where they are paired — `paired`, the paths
    `paired_paths` gives for them, read here when not given): the same rows (test_portal
    checks), read by the (community, status) index; the OR of subqueries in `claimable_by`
    makes PostgreSQL scan every need (100 ms at 100,000 needs)."""
    active = [p for p in partners if p.is_active]
    if not active:
        return Need.objects.none()
    ids = [p.pk for p in active]
    if paired is None or len(active) < len(partners):
        paired = paired_paths(ids)
    served = set(
        Area.objects.filter(
            path_range_q("path", [p.area.path for p in active] + sorted(paired)),
            kind__in=[*STREET_KINDS, AreaKind.COMMUNITY],
        ).values_list("pk", flat=True)
    ) | set(
        UnitRegistration.objects.filter(
            partner__in=ids, status=RegistrationStatus.CONFIRMED
        ).values_list("community_id", flat=True)
    )
    return Need.objects.filter(status=NeedStatus.OPEN, community__in=sorted(served))


def portal_context(user: Any, partner_id: int | None = None) -> dict[str, Any]:
    """The portal's sections for the user's partner units (or the one of them given)."""
    mine = scoping.partner_ids(user)
    if partner_id is not None:
        if partner_id not in mine:
            raise Http404
        mine = [partner_id]
    partners = list(Partner.objects.filter(pk__in=mine).select_related("area").order_by("name"))
    ids = [p.pk for p in partners]
    now = timezone.now()
    today = timezone.localdate()

    agreements = (
        Agreement.objects.filter(parties__partner__in=ids)
        .exclude(status=AgreementStatus.DRAFT)
        .select_related("community")
        .distinct()
        .order_by("status", "-starts_on", "-id")
    )
    # Due items of the unit's agreements (both sides see each item), overdue ones first.
    due = todo.due_items(user).filter(commitment__agreement__parties__partner__in=ids).distinct()
    due_rows: list[Any] = list(due[: SHOWN + 1])
    overdue = sum(1 for item in due_rows if item.due_on < today)
    if len(due_rows) > SHOWN:
        overdue = due.filter(due_on__lt=today).count()
    for item in due_rows:
        item.overdue = item.due_on < today
        item.ours = item.commitment.owner_side == "partner"

    # Needs the unit may claim; in an exclusive window only the paired partners may claim now.
    paired = paired_paths([p.pk for p in partners if p.is_active])
    needs = _section(
        claimable(partners, paired)
        .select_related("community", "category")
        .order_by("-created_at", "-id"),
        reverse("cobuilding:need_list") + "?" + urlencode({"status": "open"}),
    )
    for need in needs.rows:
        need.in_window = need.exclusive_until is not None and need.exclusive_until > now
        need.claim_now = not need.in_window or any(
            need.community.path.startswith(path) for path in paired
        )
    claims = _section(
        Claim.objects.filter(partner__in=ids)
        .select_related("need__community", "partner")
        .order_by("-claimed_at", "-id"),
        reverse("cobuilding:need_list") + "?" + urlencode({"claimed": "mine"}),
    )
    demands = _section(
        Demand.objects.filter(handler_partner__in=ids, status__in=sorted(OPEN_STATUSES))
        .select_related("community")
        .order_by("resolution_due", "id"),
        reverse("demands:demand_list")
        + ("?" + urlencode({"handler": str(ids[0]), "status": "open"}) if len(ids) == 1 else ""),
    )
    projects = _section(
        Project.objects.filter(implementer__in=ids)
        .select_related("community")
        .order_by("-created_at", "-id"),
        reverse("projects:project_list"),
    )
    return {
        "portal": True,
        "portal_partners": partners,
        "portal_agreements": _section(agreements, reverse("cobuilding:agreement_list")),
        "portal_due": Section(
            rows=due_rows[:SHOWN],
            count=len(due_rows) if len(due_rows) <= SHOWN else due.count(),
            url=reverse("cobuilding:hub"),
        ),
        "portal_overdue": overdue,
        "portal_needs": needs,
        "portal_claims": claims,
        "portal_demands": demands,
        "portal_projects": projects,
        "today": today,
    }


@login_required
def portal(request: HttpRequest) -> HttpResponse:
    require(request.user, "cobuilding.open_portal")
    partner = parse_id(request.GET.get("partner"))
    if request.GET.get("partner") and partner is None:
        raise Http404
    return render(
        request,
        "cobuilding/portal/portal.html",
        {
            "tabs": tabs_for(request.user, "cobuilding:portal"),
            **portal_context(request.user, partner),
        },
    )


urlpatterns: list[URLPattern] = [
    path("cobuilding/portal/", portal, name="portal"),
]
