"""Signing up. Residents, on their phones: the activities open to them, an activity's sessions,
terms and slots with a button each (for themselves, or a child where children may come), their
registrations with the check-in ticket, cancelling before the cut-off and accepting an offered
seat. Staff, at the desk: an offering's page with its counts and roster, registering someone who
phoned or walked in, a whole paper list at once, the capacity and the share kept for staff.

Every write is a call to services/registration.py; a refusal is shown on the page, in Chinese,
with nothing written.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Count, F, Min, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from genxi.accounts.rules import require
from genxi.activities import signup_forms as forms
from genxi.activities.codes import qr_svg
from genxi.activities.models import (
    ACTIVE,
    HOLDS_SEAT,
    Activity,
    Audience,
    Intake,
    Offering,
    Registration,
    RegistrationStatus,
)
from genxi.activities.services import registration as service
from genxi.core.models import SubmittedForm
from genxi.core.phones import mask_phone
from genxi.core.services import ServiceError, already_submitted
from genxi.core.views import guard_form, safe_next, show_refusal
from genxi.places.models import Resident

OFFERING_RELATED = ("activity", "session", "term__course", "slot__stall", "draw")


# ---------------------------------------------------------------------------------------------
# Shared: what an offering is and how full it is.


@dataclass
class Fill:
    """An offering's rows counted by status, and the places a resident could still take."""

    held: int = 0
    waiting: int = 0
    applied: int = 0
    left: int = 0  # for a resident signing up (outside the staff share)


def fill_of(offerings: list[Offering]) -> dict[int, Fill]:
    """Counts for many offerings in one query."""
    fills = {o.pk: Fill() for o in offerings}
    rows = (
        Registration.objects.filter(offering__in=list(fills), status__in=ACTIVE)
        .values("offering_id", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        fill = fills[row["offering_id"]]
        if row["status"] in HOLDS_SEAT:
            fill.held += row["n"]
        elif row["status"] == RegistrationStatus.WAITING:
            fill.waiting += row["n"]
        elif row["status"] == RegistrationStatus.APPLIED:
            fill.applied += row["n"]
    for offering in offerings:
        fill = fills[offering.pk]
        fill.left = max(0, offering.capacity - offering.staff_share - fill.held)
    return fills


def decorate(offerings: list[Offering], now: datetime) -> list[Offering]:
    """Each offering with its fill, its start, its cut-off and whether it is still open."""
    fills = fill_of(offerings)
    for offering in offerings:
        offering.fill = fills[offering.pk]  # type: ignore[attr-defined]
        offering.begins = service.starts_at(offering)  # type: ignore[attr-defined]
        begins = offering.begins  # type: ignore[attr-defined]
        offering.is_draw = offering.intake == Intake.DRAW  # type: ignore[attr-defined]
        offering.is_open = (  # type: ignore[attr-defined]
            (begins is None or begins > now)
            and (offering.opens_at is None or offering.opens_at <= now)
            and (offering.closes_at is None or offering.closes_at > now)
        )
        offering.waitlist_full = (  # type: ignore[attr-defined]
            offering.waitlist_size is not None
            and fills[offering.pk].waiting >= offering.waitlist_size
        )
    return offerings


def waiting_rank(registration: Registration) -> int:
    """The registration's place in its waiting line (1: next to get a seat)."""
    ahead = Registration.objects.filter(
        offering_id=registration.offering_id, status=RegistrationStatus.WAITING
    ).filter(
        Q(tier__lt=registration.tier)
        | Q(tier=registration.tier, position__lt=registration.position)
        | Q(tier=registration.tier, position=registration.position, id__lt=registration.pk)
    )
    return ahead.count() + 1


def with_ticket(registration: Registration) -> Registration:
    """The registration with what its ticket shows: the QR code (inline SVG made here from the
    code, nothing from the user) and the code in two groups of four, for reading it out."""
    code = registration.code
    registration.ticket_svg = mark_safe(qr_svg(code, scale=5))  # type: ignore[attr-defined]
    registration.code_display = f"{code[:4]} {code[4:]}"  # type: ignore[attr-defined]
    return registration


def outcome_message(registration: Registration) -> str:
    if registration.status == RegistrationStatus.CONFIRMED:
        return _("%(name)s is registered: seat %(seat)s.") % {
            "name": registration.name,
            "seat": registration.seat,
        }
    if registration.status == RegistrationStatus.APPLIED:
        return _("%(name)s has applied; the draw decides who gets a place.") % {
            "name": registration.name
        }
    return _("The places are taken: %(name)s is number %(n)s on the waiting list.") % {
        "name": registration.name,
        "n": waiting_rank(registration),
    }


# ---------------------------------------------------------------------------------------------
# Residents, on their phones.


def _me(request: HttpRequest) -> Resident:
    """The resident record of the signed-in resident (404 for anyone else)."""
    require(request.user, "activities.open_signup")
    user = request.user
    assert user.is_authenticated  # login_required
    resident = Resident.objects.filter(user=user).select_related("area").first()
    if resident is None:
        raise Http404
    return resident


def _mine(request: HttpRequest) -> QuerySet[Registration]:
    """The user's own registrations and their children's."""
    return Registration.objects.filter(
        Q(resident__user=request.user) | Q(guardian__user=request.user)
    ).select_related(*(f"offering__{name}" for name in OFFERING_RELATED))


@login_required
def open_list(request: HttpRequest) -> HttpResponse:
    """活动报名: what the resident may sign up for, the next ones first."""
    _me(request)
    now = timezone.now()
    activities = (
        Activity.objects.open_to(request.user)
        .select_related("venue")
        .annotate(next_start=Min("sessions__starts_at", filter=Q(sessions__starts_at__gt=now)))
        .filter(Q(next_start__isnull=False) | Q(offerings__slot__starts_at__gt=now))
        .distinct()
        .order_by(F("next_start").asc(nulls_last=True), "-id")
    )
    q = request.GET.get("q", "").strip()[:50]
    if q:
        activities = activities.filter(title__contains=q)
    page = Paginator(activities, settings.GENXI_PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    offerings = list(Offering.objects.filter(activity__in=items).select_related(*OFFERING_RELATED))
    decorate(offerings, now)
    by_activity: dict[int, list[Offering]] = {}
    for offering in offerings:
        by_activity.setdefault(offering.activity_id, []).append(offering)
    for activity in items:
        own = [o for o in by_activity.get(activity.pk, []) if o.is_open]  # type: ignore[attr-defined]
        activity.draw = any(o.is_draw for o in own)  # type: ignore[attr-defined]
        activity.left = sum(o.fill.left for o in own if not o.is_draw)  # type: ignore[attr-defined]
        activity.waitlist = bool(own) and not all(o.waitlist_full for o in own)  # type: ignore[attr-defined]
        activity.any_open = bool(own)
    querystring = urlencode({"q": q}) if q else ""
    return render(
        request,
        "activities/signup/open_list.html",
        {"page_obj": page, "activities": items, "q": q, "querystring": querystring},
    )


def _audience(activity: Activity) -> list[str]:
    labels = dict(Audience.choices)
    return [str(labels[a]) for a in activity.audience or [] if a in labels]


def _open_page(
    request: HttpRequest,
    activity: Activity,
    me: Resident,
    refused: tuple[int, forms.SelfRegisterForm] | None = None,
) -> HttpResponse:
    now = timezone.now()
    offerings = decorate(
        list(activity.offerings.select_related(*OFFERING_RELATED).order_by("id")), now
    )
    mine = list(
        _mine(request).filter(offering__activity=activity, status__in=ACTIVE).order_by("id")
    )
    for offering in offerings:
        offering.mine = [r for r in mine if r.offering_id == offering.pk]  # type: ignore[attr-defined]
        offering.registered_myself = any(  # type: ignore[attr-defined]
            r.resident_id == me.pk
            for r in offering.mine  # type: ignore[attr-defined]
        )
        if refused is not None and refused[0] == offering.pk:
            form = refused[1]
        else:
            form = forms.SelfRegisterForm(prefix=f"o{offering.pk}")
            guard_form(form)
        offering.form = form  # type: ignore[attr-defined]
        if offering.term is not None:
            offering.term_sessions = list(offering.term.sessions.all())  # type: ignore[attr-defined]
    return render(
        request,
        "activities/signup/open_detail.html",
        {
            "activity": activity,
            "offerings": offerings,
            "audience": _audience(activity),
            "children": Audience.CHILDREN in (activity.audience or []),
        },
        status=400 if refused else 200,
    )


def _open_activity(request: HttpRequest, pk: int) -> Activity:
    return get_object_or_404(
        Activity.objects.open_to(request.user).select_related("venue", "owner"), pk=pk
    )


@login_required
def open_detail(request: HttpRequest, pk: int) -> HttpResponse:
    me = _me(request)
    return _open_page(request, _open_activity(request, pk), me)


@login_required
@require_POST
def open_register(request: HttpRequest, pk: int, offering: int) -> HttpResponse:
    """Register myself (button "me") or my child (button "child", with the child's name)."""
    me = _me(request)
    activity = _open_activity(request, pk)
    target = get_object_or_404(activity.offerings.select_related(*OFFERING_RELATED), pk=offering)
    form = forms.SelfRegisterForm(request.POST, prefix=f"o{target.pk}")
    guard_form(form)
    if form.is_valid():
        child = request.POST.get("for") == "child"
        try:
            registration = service.register(
                actor=request.user,
                offering=target,
                resident=None if child else me,
                guardian=me if child else None,
                child_name=form.cleaned_data["child_name"] if child else "",
                token=form.cleaned_data.get("form_token"),
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, outcome_message(registration))
            return redirect("activities:my_registrations")
    return _open_page(request, activity, me, refused=(target.pk, form))


@login_required
def my_registrations(request: HttpRequest) -> HttpResponse:
    """我的报名: the resident's and their children's registrations, the coming ones with their
    tickets; the cancelled ones last."""
    _me(request)
    now = timezone.now()
    active = list(_mine(request).filter(status__in=ACTIVE))
    for registration in active:
        offering = registration.offering
        registration.begins = service.starts_at(offering)  # type: ignore[attr-defined]
        registration.cutoff = service.cancel_cutoff(registration)  # type: ignore[attr-defined]
        cutoff = registration.cutoff  # type: ignore[attr-defined]
        registration.can_cancel = cutoff is None or now < cutoff  # type: ignore[attr-defined]
        if registration.status == RegistrationStatus.CONFIRMED:
            with_ticket(registration)
        elif registration.status == RegistrationStatus.WAITING:
            registration.rank = waiting_rank(registration)  # type: ignore[attr-defined]
    never = datetime.max.replace(tzinfo=now.tzinfo)
    active.sort(key=lambda r: (r.begins or never, r.pk))  # type: ignore[attr-defined]
    coming = [r for r in active if r.begins is None or r.begins > now]  # type: ignore[attr-defined]
    cancelled = list(
        _mine(request).filter(status=RegistrationStatus.CANCELLED).order_by("-cancelled_at")[:10]
    )
    return render(
        request,
        "activities/signup/mine.html",
        {"registrations": coming, "cancelled": cancelled},
    )


def _my_registration(request: HttpRequest, pk: int) -> Registration:
    _me(request)
    return get_object_or_404(_mine(request).filter(status__in=ACTIVE), pk=pk)


@login_required
def my_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel my (or my child's) registration: a confirmation with the cut-off, then the
    cancellation; after the cut-off the page says to call the office."""
    registration = _my_registration(request, pk)
    cutoff = service.cancel_cutoff(registration)
    error = ""
    if request.method == "POST":
        try:
            service.cancel(actor=request.user, registration=registration)
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("The registration of %(name)s is cancelled.") % {"name": registration.name},
            )
            return redirect("activities:my_registrations")
    return render(
        request,
        "activities/signup/cancel.html",
        {
            "registration": registration,
            "begins": service.starts_at(registration.offering),
            "cutoff": cutoff,
            "too_late": cutoff is not None and timezone.now() >= cutoff,
            "error": error,
            "back": reverse("activities:my_registrations"),
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def my_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept a seat offered from the waiting list, before its deadline."""
    registration = _my_registration(request, pk)
    try:
        service.accept_offer(actor=request.user, registration=registration)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The seat is yours: %(name)s is registered.") % {"name": registration.name}
        )
    return redirect("activities:my_registrations")


# ---------------------------------------------------------------------------------------------
# Staff, at the desk.

ROSTER_TABS = {
    "confirmed": (HOLDS_SEAT, ("seat", "id")),
    "waiting": ((RegistrationStatus.WAITING,), ("tier", "position", "id")),
    "applied": ((RegistrationStatus.APPLIED,), ("position", "id")),
    "cancelled": ((RegistrationStatus.CANCELLED,), ("-cancelled_at", "-id")),
}


def _offering(request: HttpRequest, activity: int, pk: int) -> Offering:
    """The offering of an activity the user sees (404 otherwise)."""
    require(request.user, "activities.open_activities")
    seen = get_object_or_404(Activity.objects.visible_to(request.user), pk=activity)
    return get_object_or_404(
        Offering.objects.select_related(*OFFERING_RELATED).filter(activity=seen), pk=pk
    )


def _managed(request: HttpRequest, activity: int, pk: int) -> Offering:
    offering = _offering(request, activity, pk)
    require(request.user, "activities.manage", offering.activity)
    return offering


def _register_form(request: HttpRequest, data: Any = None) -> forms.StaffRegisterForm:
    form = forms.StaffRegisterForm(data, user=request.user, prefix="walk_in")
    guard_form(form)
    return form


def _capacity_form(offering: Offering, data: Any = None) -> forms.CapacityForm:
    return forms.CapacityForm(
        data,
        prefix="cap",
        initial={"capacity": offering.capacity, "staff_share": offering.staff_share},
    )


def _desk_page(
    request: HttpRequest,
    offering: Offering,
    *,
    register_form: forms.StaffRegisterForm | None = None,
    capacity_form: forms.CapacityForm | None = None,
) -> HttpResponse:
    can_manage = request.user.has_perm("activities.manage", offering.activity)
    see_roster = request.user.has_perm("activities.see_roster", offering.activity)
    tab = request.GET.get("list", "confirmed")
    if tab not in ROSTER_TABS:
        tab = "confirmed"
    statuses, order = ROSTER_TABS[tab]
    roster = Registration.objects.filter(offering=offering, status__in=statuses).order_by(*order)
    if not see_roster:
        roster = roster.none()  # the counts only
    q = request.GET.get("q", "").strip()[:50]
    if q:
        roster = roster.filter(name__contains=q)
    page = Paginator(roster, settings.GENXI_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for number, row in enumerate(rows, start=page.start_index()):
        row.line = number
        row.shown_phone = mask_phone(row.phone)
    tally = service.counts(offering)
    tally["staff_share"] = offering.staff_share
    found: list[Resident] = []
    find = request.GET.get("find", "").strip()[:50]
    if can_manage and find:
        found = list(
            Resident.objects.visible_to(request.user)
            .search(find, by_phone=True)
            .select_related("area")[:10]
        )
        for resident in found:
            resident.shown_phone = mask_phone(resident.phone)  # type: ignore[attr-defined]
            resident.token = uuid.uuid4()  # type: ignore[attr-defined]
    params = request.GET.copy()
    params.pop("page", None)
    bound = register_form is not None or capacity_form is not None
    return render(
        request,
        "activities/signup/offering_detail.html",
        {
            "offering": offering,
            "activity": offering.activity,
            "begins": service.starts_at(offering),
            "counts": tally,
            "tab": tab,
            "tabs": [
                (
                    "confirmed",
                    pgettext("signup", "Confirmed"),
                    tally["confirmed"] + tally["offered"],
                ),
                ("waiting", pgettext("signup", "Waiting"), tally["waiting"]),
                ("applied", pgettext("signup", "Applied"), tally["applied"]),
                ("cancelled", pgettext("signup", "Cancelled"), tally["cancelled"]),
            ],
            "page_obj": page,
            "rows": rows,
            "q": q,
            "querystring": params.urlencode(),
            "can_manage": can_manage,
            "see_roster": see_roster,
            "find": find,
            "found": found,
            "register_form": register_form or _register_form(request),
            "capacity_form": capacity_form or _capacity_form(offering),
        },
        status=400 if bound else 200,
    )


@login_required
def offering_detail(request: HttpRequest, activity: int, pk: int) -> HttpResponse:
    return _desk_page(request, _offering(request, activity, pk))


@login_required
@require_POST
def desk_register(request: HttpRequest, activity: int, pk: int) -> HttpResponse:
    """Register someone who phoned or walked in: a resident found by the search, or a name and
    a phone number. Recorded as done by staff."""
    offering = _managed(request, activity, pk)
    form = _register_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            registration = service.register(
                actor=request.user,
                offering=offering,
                resident=data["resident"],
                name=data["name"],
                phone=data["phone"],
                by_staff=True,
                token=data.get("form_token"),
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, outcome_message(registration))
            return redirect(offering)
    return _desk_page(request, offering, register_form=form)


@login_required
@require_POST
def desk_capacity(request: HttpRequest, activity: int, pk: int) -> HttpResponse:
    """Change the places and the staff share; raising them seats people from the waiting list."""
    offering = _managed(request, activity, pk)
    form = _capacity_form(offering, request.POST)
    if form.is_valid():
        try:
            moved = service.change_capacity(
                actor=request.user,
                offering=offering,
                capacity=form.cleaned_data["capacity"],
                staff_share=form.cleaned_data["staff_share"],
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            text = _("Saved.")
            if moved:
                text = _("Saved. %(n)s people on the waiting list got a place.") % {"n": len(moved)}
            messages.success(request, text)
            return redirect(offering)
    return _desk_page(request, offering, capacity_form=form)


@login_required
def desk_cancel(request: HttpRequest, activity: int, pk: int, registration: int) -> HttpResponse:
    """Cancel a registration for someone (staff may until it begins): confirm, then cancel."""
    offering = _managed(request, activity, pk)
    target = get_object_or_404(
        Registration.objects.filter(offering=offering, status__in=ACTIVE), pk=registration
    )
    target.offering = offering
    error = ""
    if request.method == "POST":
        try:
            moved = service.cancel(actor=request.user, registration=target, by_staff=True)
        except ServiceError as exc:
            error = exc.message
        else:
            text = _("The registration of %(name)s is cancelled.") % {"name": target.name}
            if moved:
                text += " " + _("%(names)s got the place.") % {
                    "names": "、".join(r.name for r in moved)
                }
            messages.success(request, text)
            return redirect(offering)
    back = safe_next(request, request.GET.get("next", "")) or offering.get_absolute_url()
    return render(
        request,
        "activities/signup/cancel.html",
        {
            "registration": target,
            "begins": service.starts_at(offering),
            "cutoff": None,
            "too_late": False,
            "error": error,
            "back": back,
            "desk": True,
        },
        status=400 if error else 200,
    )


# Lines registered per request: a clinic's list of 400 goes in eight requests of a few seconds
# each (htmx sends the next one as soon as a chunk is done; without it, a "continue" button).
PAPER_CHUNK = 50


@login_required
def desk_paper_list(request: HttpRequest, activity: int, pk: int) -> HttpResponse:
    """A paper list typed or pasted in: first a preview of every line (who it is, or what is
    wrong), then the valid lines registered a chunk at a time with the progress shown, then a
    summary.

    Sent again (a retried request, a chunk sent twice), it registers nobody twice: each line's
    registration carries a token made from the batch's token, the line's number and its text."""
    offering = _managed(request, activity, pk)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    form = forms.PaperListForm(request.POST or None)
    guard_form(form)
    context: dict[str, Any] = {"offering": offering, "activity": offering.activity, "form": form}
    if step and form.is_valid():
        lines = forms.parse_paper_list(
            form.cleaned_data["lines"], offering=offering, user=request.user
        )
        batch = form.cleaned_data.get("form_token") or uuid.uuid4()
        context.update(lines=lines, batch=batch, counts=service.counts(offering))
        if step == "register":
            return _register_chunk(request, offering, lines, batch, context)
        context["valid"] = sum(1 for line in lines if line.ok)
        context["invalid"] = len(lines) - context["valid"]
    return render(
        request,
        "activities/signup/paper_list.html",
        context,
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _line_token(batch: uuid.UUID, line: forms.PaperLine) -> uuid.UUID:
    # The line's text is part of its token: a list corrected and sent again registers the
    # changed lines anew.
    return uuid.uuid5(batch, f"{line.number}:{line.text}")


def _carried_refusals(values: list[str]) -> dict[int, str]:
    """Refusals of earlier chunks, carried in the form as "<line number>|<reason>"."""
    refused: dict[int, str] = {}
    for value in values[: forms.PAPER_MAX_LINES]:
        number, _bar, reason = value.partition("|")
        if number.isdigit() and len(number) < 6:
            refused[int(number)] = reason[:300]
    return refused


def _register_chunk(
    request: HttpRequest,
    offering: Offering,
    lines: list[forms.PaperLine],
    batch: uuid.UUID,
    context: dict[str, Any],
) -> HttpResponse:
    start = request.POST.get("start", "0")
    begin = min(int(start), len(lines)) if start.isdigit() and len(start) < 6 else 0
    refused = _carried_refusals(request.POST.getlist("refused"))
    for line in lines[begin : begin + PAPER_CHUNK]:
        token = _line_token(batch, line)
        if not line.ok or already_submitted(token, Registration) is not None:
            continue
        try:
            service.register(
                actor=request.user,
                offering=offering,
                resident=line.resident,
                name=line.name,
                phone=line.phone,
                by_staff=True,
                token=token,
            )
        except ServiceError as exc:
            refused[line.number] = exc.message
    done = min(begin + PAPER_CHUNK, len(lines))
    context.update(done=done, total=len(lines), refused=refused)
    if done >= len(lines):
        context["summary"] = _summarise(lines, batch, refused)
        context["counts"] = service.counts(offering)
    return render(request, "activities/signup/paper_done.html", context)


@dataclass
class PaperSummary:
    confirmed: int = 0
    waiting: int = 0
    applied: int = 0
    refused: list[tuple[forms.PaperLine, str]] = field(default_factory=list)
    skipped: list[forms.PaperLine] = field(default_factory=list)

    @property
    def registered(self) -> int:
        return self.confirmed + self.waiting + self.applied


def _summarise(
    lines: list[forms.PaperLine], batch: uuid.UUID, refused: dict[int, str]
) -> PaperSummary:
    """What became of each line, read back from the registrations the batch made (two
    queries), so a chunk sent twice is not counted twice."""
    tokens = {_line_token(batch, line): line for line in lines}
    made = dict(
        SubmittedForm.objects.filter(
            token__in=list(tokens),
            content_type=ContentType.objects.get_for_model(Registration),
        ).values_list("token", "object_id")
    )
    statuses = dict(
        Registration.objects.filter(pk__in=[int(pk) for pk in made.values()]).values_list(
            "pk", "status"
        )
    )
    summary = PaperSummary()
    for token, line in tokens.items():
        status = statuses.get(int(made[token])) if token in made else None
        if status in HOLDS_SEAT:
            summary.confirmed += 1
        elif status == RegistrationStatus.WAITING:
            summary.waiting += 1
        elif status is not None:
            summary.applied += 1
        elif not line.ok:
            summary.skipped.append(line)
        else:
            summary.refused.append((line, refused.get(line.number, _("Not registered."))))
    return summary


urlpatterns: list[URLPattern] = [
    path("activities/open/", open_list, name="open_list"),
    path("activities/open/<int:pk>/", open_detail, name="open_detail"),
    path(
        "activities/open/<int:pk>/offerings/<int:offering>/register/",
        open_register,
        name="open_register",
    ),
    path("activities/mine/", my_registrations, name="my_registrations"),
    path("activities/mine/<int:pk>/cancel/", my_cancel, name="my_cancel"),
    path("activities/mine/<int:pk>/accept/", my_accept, name="my_accept"),
    path("activities/<int:activity>/offerings/<int:pk>/", offering_detail, name="offering_detail"),
    path(
        "activities/<int:activity>/offerings/<int:pk>/register/",
        desk_register,
        name="desk_register",
    ),
    path(
        "activities/<int:activity>/offerings/<int:pk>/capacity/",
        desk_capacity,
        name="desk_capacity",
    ),
    path(
        "activities/<int:activity>/offerings/<int:pk>/paper/",
        desk_paper_list,
        name="desk_paper_list",
    ),
    path(
        "activities/<int:activity>/offerings/<int:pk>/registrations/<int:registration>/cancel/",
        desk_cancel,
        name="desk_cancel",
    ),
]
