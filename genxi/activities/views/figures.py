"""The activities' figures and what goes on paper or into Excel after (and before) the day.

- `/activities/figures/`: the figures of the user's street or community for a month, quarter,
  year or chosen days (genxi.activities.figures), tables by kind, community and month, a chart,
  and the same tables as an .xlsx.
- One activity's figures: attendance per session, services per stall, and the links to its
  exports and printables.
- Exports: an offering's roster, an activity's attendance (a term's as students × sessions).
  Phone numbers come out in full only to staff who serve the person; every export is logged.
- Printables: a session's sign-in sheet (the paper fallback at the door) and an offering's roster.
"""

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, STAFF_ROLES
from genxi.accounts.rules import require
from genxi.activities import figures
from genxi.activities.models import (
    Activity,
    ActivityKind,
    Attendance,
    Offering,
    Registration,
    RegistrationStatus,
    Session,
)
from genxi.core.audit import log_action
from genxi.core.exports import DATETIME, Column, xlsx_table_response
from genxi.core.forms import BoundedForm
from genxi.core.params import parse_id
from genxi.core.paths import path_range_q
from genxi.core.phones import mask_phone
from genxi.places.models import STREET_KINDS, Area, AreaKind

MAX_DAYS = 3 * 366  # the longest custom period
HELD_SHOWN = 100  # activities listed under the tables
SHEET_ROWS = 25  # rows on one printed page
WALK_IN_LINES = 8  # blank lines for walk-ins on a sign-in sheet
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


# The period picker.


class PeriodForm(BoundedForm):
    PERIODS = [
        ("month", pgettext_lazy("activity figures", "Month")),
        ("quarter", gettext_lazy("Quarter")),
        ("year", gettext_lazy("Year")),
        ("custom", gettext_lazy("Chosen days")),
    ]
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIODS, required=False)
    month = forms.CharField(
        label=pgettext_lazy("activity figures", "Month"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    quarter = forms.CharField(label=gettext_lazy("Quarter"), required=False, max_length=7)
    year = forms.IntegerField(
        label=gettext_lazy("Year"), required=False, min_value=2000, max_value=2100
    )
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data: Any, *, today: date) -> None:
        # The query string's names: from and to (as on the demands' figures page).
        renamed = {k: v for k, v in data.items() if k not in ("from", "to")}
        renamed["start"], renamed["end"] = data.get("from", ""), data.get("to", "")
        super().__init__(renamed)
        self.today = today
        # The choices offered: the last 3 years' months and quarters, latest first.
        this_quarter = (today.month - 1) // 3 + 1
        self.quarters = [
            f"{y}-Q{q}" for y in range(today.year, today.year - 4, -1) for q in range(4, 0, -1)
            if (y, q) <= (today.year, this_quarter)
        ][:12]  # fmt: skip
        self.months = [
            f"{y}-{m:02d}" for y in range(today.year, today.year - 4, -1) for m in range(12, 0, -1)
            if (y, m) <= (today.year, today.month)
        ][:36]  # fmt: skip

    def clean_month(self) -> tuple[int, int] | None:
        text = self.cleaned_data["month"].strip()
        if not text:
            return None
        match = MONTH.match(text)
        if not match or not 1 <= int(match[2]) <= 12:
            raise forms.ValidationError(_("Enter a month as 2026-10."))
        return int(match[1]), int(match[2])

    def clean_quarter(self) -> tuple[int, int] | None:
        text = self.cleaned_data["quarter"].strip().upper()
        if not text:
            return None
        match = QUARTER.match(text)
        if not match:
            raise forms.ValidationError(_("Enter a quarter as 2026-Q4."))
        return int(match[1]), int(match[2])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        today = self.today
        period = data.get("period") or "month"
        if period == "month":
            year, month = data.get("month") or (today.year, today.month)
            start = date(year, month, 1)
            end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        elif period == "quarter":
            year, quarter = data.get("quarter") or (today.year, (today.month - 1) // 3 + 1)
            start = date(year, 3 * quarter - 2, 1)
            end = (date(year, 3 * quarter, 1) + timedelta(days=32)).replace(day=1) - timedelta(
                days=1
            )
        elif period == "year":
            year = data.get("year") or today.year
            start, end = date(year, 1, 1), date(year, 12, 31)
        else:
            first, last = data.get("start"), data.get("end")
            if first is None or last is None:
                raise forms.ValidationError(_("Enter both the first and the last day."))
            start, end = first, last
            if end < start:
                raise forms.ValidationError(_("The end date is before the start date."))
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError(_("A period can be at most three years long."))
        data["period"], data["first"], data["last"] = period, start, end
        return data


def areas_for(user: Any) -> list[Area]:
    """The streets and communities where `user` is staff or leadership: the figures' choices."""
    return list(
        Area.objects.filter(
            path_range_q("path", scoping.scope_paths(user, AREA_ROLES)),
            kind__in=[*STREET_KINDS, AreaKind.COMMUNITY],
        ).order_by("path")
    )


def list_url(**filters: Any) -> str:
    """The activities list with its filters (kind, status, community, month), or "" while that
    page is not there."""
    try:
        base = reverse("activities:activity_list")
    except NoReverseMatch:
        return ""
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v not in (None, ""))
    return f"{base}?{query}" if query else base


def _chart(result: figures.Figures) -> dict[str, Any]:
    months = result.months()
    kinds = [(k, str(label)) for k, label in ActivityKind.choices if k in result.by_kind]
    return {
        "months": [m.strftime("%Y-%m") for m in months],
        "series": [
            {"name": label, "data": [result.month_kind.get((m, k), 0) for m in months]}
            for k, label in kinds
        ],
        "title": _("Participants by month"),
    }


@login_required
def figures_page(request: HttpRequest) -> HttpResponseBase:
    """The figures of a street or community for a period; `?format=xlsx` exports the tables."""
    require(request.user, "activities.open_figures")
    areas = areas_for(request.user)
    chosen = parse_id(request.GET.get("area"))
    area = next((a for a in areas if a.pk == chosen), None)
    if request.GET.get("area") and area is None:
        raise Http404
    form = PeriodForm(request.GET, today=timezone.localdate())
    result = None
    if form.is_valid():
        result = figures.compute(
            user=request.user,
            start=form.cleaned_data["first"],
            end=form.cleaned_data["last"],
            area=area,
        )
        if request.GET.get("format") == "xlsx":
            return _figures_xlsx(request, result)
    rows: list[tuple[str, str, Any, str]] = []
    if result is not None:
        month = (
            f"{result.start:%Y-%m}"
            if result.start.replace(day=1) == result.end.replace(day=1)
            else ""
        )
        community = area.pk if area else ""
        rows = [(k, label, row, list_url(kind=k, community=community, month=month))
                for k, label, row in result.kinds()]  # fmt: skip
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "activities/figures/figures.html",
        {
            "form": form,
            "figures": result,
            "areas": areas,
            "area": area,
            "kind_rows": rows,
            "community_rows": [
                (pk, name, row, list_url(community=pk))
                for pk, name, row in (result.community_rows() if result else [])
            ],
            "month_rows": [
                (
                    m,
                    f"{m:%Y-%m}",
                    row,
                    list_url(month=f"{m:%Y-%m}", community=area.pk if area else ""),
                )
                for m, row in (result.month_rows() if result else [])
            ],
            "held": figures.held_activities(
                user=request.user, start=result.start, end=result.end, area=area
            )[:HELD_SHOWN]
            if result
            else [],
            "held_url": list_url(status="held", community=area.pk if area else ""),
            "chart": _chart(result) if result else None,
            "quarters": form.quarters,
            "months": form.months,
            "year": timezone.localdate().year,
            "period": form.data.get("period") or "month",
            "export_query": query.urlencode(),
        },
    )


def _figure_columns() -> list[Column]:
    return [
        Column(_("Grouped by"), 10),
        Column(_("Group"), 16),
        Column(_("Activities held"), 10),
        Column(_("Sessions held"), 10),
        Column(_("Participants"), 10),
        Column(_("Residents reached"), 10),
        Column(_("Registered"), 10),
        Column(_("No-shows"), 10),
        Column(pgettext("activity figures", "Services delivered"), 10),
        Column(_("Volunteer hours"), 10),
    ]


def _figures_xlsx(request: HttpRequest, result: figures.Figures) -> HttpResponseBase:
    def values(row: figures.Row) -> list[Any]:
        return [
            row.activities, row.sessions, row.participants, row.reached, row.registered,
            row.no_shows, row.services, row.volunteer_hours,
        ]  # fmt: skip

    def rows() -> Iterator[list[Any]]:
        yield [_("Total"), f"{result.start:%Y-%m-%d}～{result.end:%Y-%m-%d}", *values(result.total)]
        for _k, label, row in result.kinds():
            yield [_("Kind"), label, *values(row)]
        for _pk, name, row in result.community_rows():
            yield [_("Community"), name, *values(row)]
        for month, row in result.month_rows():
            yield [pgettext("activity figures", "Month"), f"{month:%Y-%m}", *values(row)]

    log_action(
        actor=request.user,
        action="activity.figures_export",
        changes={"query": request.GET.urlencode()},
    )
    return xlsx_table_response(
        filename=_("Activity figures"),
        sheet=_("Activity figures"),
        columns=_figure_columns(),
        rows=rows(),
    )


# One activity.


def _activity(request: HttpRequest, pk: int) -> Activity:
    return get_object_or_404(
        Activity.objects.visible_to(request.user).select_related("owner", "venue"), pk=pk
    )


def _may_read(user: Any, activity: Activity) -> bool:
    """Those who help at the activity, and staff and leadership who see it (the figures)."""
    return bool(
        user.has_perm("activities.check_in", activity) or user.has_perm("activities.open_figures")
    )


@login_required
def activity_figures(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    if not _may_read(request.user, activity):
        raise Http404
    user = request.user
    try:
        detail_url = activity.get_absolute_url()
    except NoReverseMatch:
        detail_url = ""
    return render(
        request,
        "activities/figures/activity.html",
        {
            "activity": activity,
            "detail_url": detail_url,
            "sessions": figures.session_attendance(activity),
            "stalls": figures.stall_services(activity),
            "offerings": activity.offerings.select_related(
                "session", "term__course", "slot__stall"
            ),
            "can_check_in": user.has_perm("activities.check_in", activity),
            "can_manage": user.has_perm("activities.manage", activity),
            "see_roster": user.has_perm("activities.see_roster", activity),
        },
    )


# Phones: in full to staff who serve the person, masked to everyone else.


def _person_path(registration: Registration) -> str:
    if registration.resident_id is not None:
        return str(registration.resident.area.path)  # type: ignore[union-attr]
    if registration.community_id is not None:
        return str(registration.community.path)  # type: ignore[union-attr]
    return str(registration.activity.owner.path)


def shown_phone(user: Any, registration: Registration) -> str:
    if scoping.covers(user, _person_path(registration), STAFF_ROLES):
        return registration.phone
    return mask_phone(registration.phone)


def _household(registration: Registration) -> str:
    resident = registration.resident or registration.guardian
    if resident is None:
        return ""
    area = resident.area
    parent = area.parent.name if area.parent and area.kind == AreaKind.BUILDING else ""
    return f"{parent}{area.name}{resident.room}"


def _registrations(offering: Offering) -> Any:
    return (
        offering.registrations.exclude(status=RegistrationStatus.CANCELLED)
        .select_related(
            "resident__area__parent", "guardian__area__parent", "community", "activity__owner"
        )
        .order_by("seat", "tier", "position", "id")
    )


def _offering(request: HttpRequest, activity: Activity, oid: int) -> Offering:
    return get_object_or_404(
        activity.offerings.select_related("session__venue", "term__course", "slot__stall"),
        pk=oid,
    )


def session_label(session: Session) -> str:
    when = f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}"
    return f"{when} {session.title}" if session.title else when


def offering_label(offering: Offering) -> str:
    if offering.term_id is not None:
        return str(offering.term)
    if offering.slot is not None:  # local times (Slot.__str__ formats them as stored, in UTC)
        slot = offering.slot
        return (
            f"{slot.stall.service} {timezone.localtime(slot.starts_at):%Y-%m-%d %H:%M}"
            f"–{timezone.localtime(slot.ends_at):%H:%M}"
        )
    session: Session = offering.session  # type: ignore[assignment]
    return f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}"


@login_required
def roster_export(request: HttpRequest, pk: int, oid: int) -> HttpResponseBase:
    activity = _activity(request, pk)
    require(request.user, "activities.see_roster", activity)
    offering = _offering(request, activity, oid)
    registrations = list(_registrations(offering))
    yes, no = _("Yes"), _("No")
    user = request.user
    log_action(
        actor=user,
        action="activity.roster_export",
        obj=offering,
        changes={"rows": len(registrations)},
    )
    columns = [
        Column(pgettext("person", "Name"), 12),
        Column(_("Phone"), 14),
        Column(_("Household"), 22),
        Column(_("Community"), 12),
        Column(_("Status"), 14),
        Column(pgettext("activity sheet", "Seat"), 6),
        Column(_("Registered by staff"), 8),
        Column(pgettext("activity sheet", "Check-in code"), 10),
        Column(_("Registered at"), 16, DATETIME),
    ]
    rows = (
        [
            r.name, shown_phone(user, r), _household(r),
            r.community.name if r.community else "", r.get_status_display(),
            r.seat or "", yes if r.by_staff else no, r.code, r.created_at,
        ]
        for r in registrations
    )  # fmt: skip
    name = f"{activity.title} {offering_label(offering)}"
    return xlsx_table_response(
        filename=name, sheet=pgettext("activity sheet", "Roster"), columns=columns, rows=rows
    )


@login_required
def attendance_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The activity's attendance: for `?offering=` a term, its students × its sessions; else one
    row per attendance."""
    activity = _activity(request, pk)
    require(request.user, "activities.see_roster", activity)
    user = request.user
    offering_id = parse_id(request.GET.get("offering"))
    offering = _offering(request, activity, offering_id) if offering_id else None
    if offering is not None and offering.term_id is not None:
        return _term_grid(request, activity, offering)
    attendances = Attendance.objects.filter(session__activity=activity).select_related(
        "session", "registration__resident__area", "registration__community",
        "registration__activity__owner",
    ).order_by("session__starts_at", "checked_in_at", "id")  # fmt: skip
    if offering is not None:
        attendances = attendances.filter(registration__offering=offering)
    rows = list(attendances)
    log_action(
        actor=user, action="activity.attendance_export", obj=activity, changes={"rows": len(rows)}
    )
    columns = [
        Column(_("Session"), 18),
        Column(pgettext("person", "Name"), 12),
        Column(_("Phone"), 14),
        Column(pgettext("activity sheet", "Seat"), 6),
        Column(_("Checked in at"), 16, DATETIME),
        Column(_("How"), 12),
    ]
    return xlsx_table_response(
        filename=f"{activity.title} {_('Attendance')}",
        sheet=_("Attendance"),
        columns=columns,
        rows=(
            [
                session_label(a.session),
                a.registration.name,
                shown_phone(user, a.registration),
                a.registration.seat or "",
                a.checked_in_at,
                a.get_source_display(),
            ]
            for a in rows
        ),
    )


def _term_grid(request: HttpRequest, activity: Activity, offering: Offering) -> HttpResponseBase:
    sessions = list(Session.objects.filter(term=offering.term).order_by("starts_at", "id"))
    students = list(_registrations(offering).filter(status=RegistrationStatus.CONFIRMED))
    came = set(
        Attendance.objects.filter(
            registration__offering=offering, session__in=sessions
        ).values_list("registration_id", "session_id")
    )
    held = sum(1 for s in sessions if s.ends_at <= timezone.now())
    log_action(
        actor=request.user,
        action="activity.attendance_export",
        obj=offering,
        changes={"rows": len(students)},
    )
    user = request.user
    columns = [
        Column(pgettext("person", "Name"), 12),
        Column(_("Phone"), 14),
        *(Column(f"{timezone.localtime(s.starts_at):%m-%d}", 7) for s in sessions),
        Column(pgettext("activity figures", "Attended"), 8),
        Column(_("Attendance rate"), 8),
    ]

    def rows() -> Iterator[list[Any]]:
        for r in students:
            marks = ["✓" if (r.pk, s.pk) in came else "" for s in sessions]
            n = marks.count("✓")
            rate = f"{round(100 * n / held)}%" if held else ""
            yield [r.name, shown_phone(user, r), *marks, n, rate]

    return xlsx_table_response(
        filename=f"{activity.title} {offering.term}",
        sheet=_("Attendance"),
        columns=columns,
        rows=rows(),
    )


# Printables.


def _pages(rows: list[Any], blank: int = 0) -> list[list[Any]]:
    """Rows numbered and cut into printed pages of SHEET_ROWS, with `blank` empty lines after."""
    numbered: list[Any] = [(n, r) for n, r in enumerate(rows, start=1)]
    numbered += [(len(rows) + i, None) for i in range(1, blank + 1)]
    return [numbered[i : i + SHEET_ROWS] for i in range(0, len(numbered), SHEET_ROWS)] or [[]]


@login_required
def sign_in_sheet(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    """The paper fallback at the door: the session's registered people in order, a box to sign,
    and blank lines for walk-ins."""
    activity = _activity(request, pk)
    require(request.user, "activities.check_in", activity)
    session = get_object_or_404(activity.sessions.select_related("venue", "term"), pk=sid)
    offering = Offering.objects.filter(session=session).first() or (
        Offering.objects.filter(term_id=session.term_id).first() if session.term_id else None
    )
    people = (
        list(_registrations(offering).filter(status=RegistrationStatus.CONFIRMED))
        if offering
        else []
    )
    for person in people:
        person.masked_phone = mask_phone(person.phone)
    return render(
        request,
        "activities/print/sign_in_sheet.html",
        {
            "activity": activity,
            "session": session,
            "venue": session.venue or activity.venue,
            "pages": _pages(people, WALK_IN_LINES),
        },
    )


@login_required
def roster_print(request: HttpRequest, pk: int, oid: int) -> HttpResponse:
    activity = _activity(request, pk)
    require(request.user, "activities.manage", activity)
    offering = _offering(request, activity, oid)
    people = list(_registrations(offering))
    for person in people:
        person.shown_phone = shown_phone(request.user, person)
        person.household = _household(person)
    log_action(
        actor=request.user,
        action="activity.roster_print",
        obj=offering,
        changes={"rows": len(people)},
    )
    return render(
        request,
        "activities/print/roster.html",
        {
            "activity": activity,
            "offering": offering,
            "label": offering_label(offering),
            "venue": (offering.session.venue if offering.session else None) or activity.venue,
            "pages": _pages(people),
        },
    )


urlpatterns = [
    path("activities/figures/", figures_page, name="figures"),
    path("activities/<int:pk>/figures/", activity_figures, name="activity_figures"),
    path(
        "activities/<int:pk>/offerings/<int:oid>/roster.xlsx", roster_export, name="roster_export"
    ),
    path("activities/<int:pk>/attendance.xlsx", attendance_export, name="attendance_export"),
    path(
        "activities/<int:pk>/sessions/<int:sid>/sign-in-sheet/",
        sign_in_sheet,
        name="sign_in_sheet",
    ),
    path(
        "activities/<int:pk>/offerings/<int:oid>/roster/print/", roster_print, name="roster_print"
    ),
]
