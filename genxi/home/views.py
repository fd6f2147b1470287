"""The home page (each role's work lists and counts) and the settings pages (the working-day
calendar). The pages above every app: they read what the apps below them offer."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from genxi.accounts import scoping
from genxi.accounts.models import Role
from genxi.accounts.rules import require
from genxi.cobuilding.views.portal import portal_context
from genxi.core.forms import YearScheduleForm
from genxi.core.services import ServiceError, clear_year_schedule
from genxi.core.workdays import WorkCalendar
from genxi.demands import worklists
from genxi.home.navigation import badges_for
from genxi.home.services import set_year_schedule
from genxi.meetings.models import Meeting
from genxi.pioneers import assessment as pioneer_assessment
from genxi.pioneers import plans as pioneer_plans
from genxi.pioneers import points as pioneer_points
from genxi.places.models import Area, AreaKind, Partner, Pioneer, Resident, Venue
from genxi.places.views import subtree_counts
from genxi.projects.models import Fund, Project, Vote, VoteStatus


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    memberships = user.active_memberships() if user.is_authenticated else []
    communities: list[Any] = []
    counts: dict[int, dict[str, int]] = {}
    if scoping.has_role(user, Role.STREET_STAFF, Role.LEADERSHIP, Role.COMMUNITY_STAFF):
        # A street has tens of communities; a district-wide leader sees the first 60 here
        # and the rest through the area browser.
        communities = list(Area.objects.visible_to(user).of_kind(AreaKind.COMMUNITY)[:60])
        counts = subtree_counts(user, communities)
    return render(
        request,
        "home/home.html",
        {
            "cards": cards(user),
            "memberships": memberships,
            "communities": communities,
            "counts": counts,
            **home_work(user),
        },
    )


def cards(user: Any) -> list[tuple[str, int, str]]:
    """The home page's counts, one per page the user may open (and the projects a partner
    implements, and the votes they may see, if any)."""
    found: list[tuple[str, int, str]] = []
    if user.has_perm("places.open_areas"):
        areas = Area.objects.visible_to(user)
        found.append(
            (_("Communities"), areas.of_kind(AreaKind.COMMUNITY).count(), "places:area_list")
        )
    if user.has_perm("places.open_residents"):
        found.append(
            (_("Residents"), Resident.objects.visible_to(user).count(), "places:resident_list")
        )
    if user.has_perm("places.open_pioneers"):
        found.append(
            (
                str(_("Pioneers on duty")),
                Pioneer.objects.visible_to(user).active().count(),
                "pioneers:appointment_list",
            )
        )
    found.append((_("Venues"), Venue.objects.visible_to(user).count(), "places:venue_list"))
    if user.has_perm("places.open_partners"):
        found.append(
            (_("Partner units"), Partner.objects.visible_to(user).count(), "places:partner_list")
        )
    if user.has_perm("projects.open_funds"):
        funds = Fund.objects.visible_to(user).count()
        found.append((_("Service funds"), funds, "projects:fund_list"))
    if scoping.has_role(user, Role.PARTNER):
        mine = Project.objects.filter(implementer__in=scoping.partner_ids(user)).count()
        found.append((_("Projects we implement"), mine, "projects:project_list"))
    if votes := Vote.objects.visible_to(user).count():
        found.append((_("Votes"), votes, "projects:vote_list"))
    if user.has_perm("meetings.open_meetings"):
        meetings = Meeting.objects.visible_to(user).count()
        found.append((_("Deliberation meetings"), meetings, "meetings:meeting_list"))
    return found


def home_work(user: Any) -> dict[str, Any]:
    """What the user must do today, by role: the work lists (each opening the filtered ledger),
    and what each role adds (docs/architecture.md, "Home pages")."""
    context: dict[str, Any] = {"work": worklists.cached_work_items(user)}
    if scoping.has_role(user, Role.COMMUNITY_STAFF, Role.STREET_STAFF):
        badges = badges_for(user)
        # The same counts as the menu's badges, and the lists they open filtered alike.
        votes = reverse("projects:vote_list") + "?status=open"
        meetings = reverse("meetings:meeting_list") + "?when=coming"
        context["agenda"] = [
            (_("Open votes"), badges.get("votes", 0), votes),
            (_("Coming meetings"), badges.get("meetings", 0), meetings),
        ]
    if scoping.has_role(user, Role.STREET_STAFF):
        context["by_community"] = worklists.overdue_by_community(user)
    if scoping.has_role(user, Role.PIONEER):
        context["recorded"] = worklists.my_recorded_by_status(user)
        context["visit_plan"] = pioneer_plans.home_card(user)
    if scoping.has_role(user, Role.LEADERSHIP):
        context["summaries"] = worklists.figures_summary(user)
    if scoping.has_role(user, Role.RESIDENT):
        context.update(resident_home(user))
        context["my_pioneer"] = pioneer_assessment.resident_card(user)
        context["my_points"] = pioneer_points.resident_card(user)
    if scoping.partner_ids(user):
        # A partner unit's handler: the partner portal's sections (cobuilding:portal).
        context.update(portal_context(user))
    return context


def resident_home(user: Any) -> dict[str, Any]:
    """A resident's page: raise a demand, their demands, the call-backs waiting for their
    answer, and the votes and meetings open to them."""
    residents = list(Resident.objects.filter(user=user).select_related("area__parent"))
    communities = [c.pk for c in (r.area.community() for r in residents) if c is not None]
    return {
        "is_resident": True,
        "resident": residents[0] if residents else None,
        "my_demands": worklists.my_demands(user).select_related("area")[:10],
        "to_answer": list(worklists.awaiting_my_answer(user)[:10]),
        "open_votes": Vote.objects.visible_to(user)
        .filter(status=VoteStatus.OPEN)
        .select_related("community")[:10],
        # Meetings are announced to the community: topic, time and place (their pages are
        # the staff's).
        "coming_meetings": Meeting.objects.filter(
            community__in=communities, starts_at__gte=timezone.now()
        )
        .select_related("venue")
        .order_by("starts_at")[:10],
    }


def _can_edit_calendar(user: Any) -> bool:
    return scoping.has_role(user, Role.STREET_STAFF)


@login_required
def settings_index(request: HttpRequest) -> HttpResponse:
    """What a deployment configures: the working-day calendar and the demand categories."""
    require(request.user, "accounts.open_settings")
    return render(request, "home/settings.html")


@login_required
def calendar_index(request: HttpRequest) -> HttpResponse:
    require(request.user, "accounts.open_settings")
    calendar = WorkCalendar.load()
    this_year = timezone.localdate().year
    # The years around now, and every year staff entered.
    shown = sorted(set(range(this_year - 1, this_year + 3)) | calendar.complete_years)
    years = [calendar.year_summary(y) for y in shown]
    return render(request, "home/calendar_index.html", {"years": years})


@login_required
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    require(request.user, "accounts.open_settings")
    if not 2000 <= year <= 2100:
        raise Http404
    can_edit = _can_edit_calendar(request.user)
    summary = WorkCalendar.load().year_summary(year)
    form = YearScheduleForm(
        initial={
            "holidays": "\n".join(d.isoformat() for d in summary["holidays"]),  # type: ignore[attr-defined]
            "makeup_workdays": "\n".join(d.isoformat() for d in summary["makeup"]),  # type: ignore[attr-defined]
        }
    )
    if request.method == "POST":
        if not can_edit:
            raise Http404
        if "clear" in request.POST:
            clear_year_schedule(actor=request.user, year=year)
            messages.success(
                request, _("The entered days of %(year)s were removed.") % {"year": year}
            )
            return redirect("home:calendar_year", year=year)
        form = YearScheduleForm(request.POST)
        if form.is_valid():
            try:
                recomputed = set_year_schedule(
                    actor=request.user,
                    year=year,
                    holidays=form.cleaned_data["holidays"],
                    makeup_workdays=form.cleaned_data["makeup_workdays"],
                )
            except ServiceError as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(
                    request, _("The working days of %(year)s are saved.") % {"year": year}
                )
                if recomputed:
                    messages.info(
                        request,
                        ngettext(
                            "The deadlines of %(n)s open demand were recomputed with them.",
                            "The deadlines of %(n)s open demands were recomputed with them.",
                            recomputed,
                        )
                        % {"n": recomputed},
                    )
                return redirect("home:calendar_year", year=year)
    return render(
        request,
        "home/calendar_year.html",
        {"summary": summary, "form": form, "can_edit": can_edit, "year": year},
    )
