"""Staff pages for activities: the list, creating and editing one, its page (sessions, courses
and terms, stalls and slots, offerings, the report), the small forms that add to it, the actions
by status, a term's attendance grid and the report's photos."""

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from genxi.accounts.rules import require
from genxi.activities import classes, forms
from genxi.activities.models import (
    HOLDS_SEAT,
    Activity,
    ActivityKind,
    ActivityPhoto,
    ActivityStatus,
    Course,
    Offering,
    Session,
    Stall,
    Term,
)
from genxi.activities.services import activities as services
from genxi.core.services import ServiceError
from genxi.core.views import ScopedListView, guard_form, service_kwargs, show_refusal
from genxi.places.models import Area, AreaKind


def _activity(request: HttpRequest, pk: int) -> Activity:
    require(request.user, "activities.open_activities")
    return get_object_or_404(
        Activity.objects.visible_to(request.user).select_related("owner", "street", "venue"),
        pk=pk,
    )


def _managed(request: HttpRequest, pk: int) -> Activity:
    activity = _activity(request, pk)
    require(request.user, "activities.manage", activity)
    return activity


# ---------------------------------------------------------------- the list


class ActivityList(ScopedListView):
    model = Activity
    page_perm = "activities.open_activities"
    list_title = gettext_lazy("Activities")
    row_template = "activities/rows/activity.html"
    filters_template = "activities/filters/activity.html"
    search_placeholder = gettext_lazy("Search by title")
    create_url_name = "activities:activity_create"
    create_permission = "activities.manage"
    create_label = gettext_lazy("New activity")
    filters = {"kind": "kind", "status": "status"}
    select_related = ("owner",)

    def search(self, queryset: Any, text: str) -> Any:
        return queryset.filter(title__contains=text)

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        community = self.request.GET.get("community", "").strip()
        if community.isascii() and community.isdigit() and len(community) < 12:
            qs = qs.filter(Q(owner_id=community) | Q(organisers=community)).distinct()
        month = self.request.GET.get("month", "").strip()
        try:
            year, number = (int(part) for part in month.split("-"))
            first = date(year, number, 1)
        except ValueError:
            first = None
        if first is not None:
            qs = qs.filter(
                sessions__starts_at__year=first.year, sessions__starts_at__month=first.month
            ).distinct()
        return qs.annotate(session_count=Count("sessions", distinct=True)).order_by(
            "-created_at", "-id"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["kinds"] = ActivityKind.choices
        context["statuses"] = ActivityStatus.choices
        context["communities"] = (
            Area.objects.visible_to(self.request.user).of_kind(AreaKind.COMMUNITY).order_by("path")
        )
        context["active_filters"].update(
            community=self.request.GET.get("community", ""),
            month=self.request.GET.get("month", ""),
        )
        return context


# ---------------------------------------------------------------- create, edit


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "activities.open_activities")
    require(request.user, "activities.manage")
    form = forms.ActivityForm(request.POST or None, user=request.user)
    guard_form(form)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.create_activity(actor=request.user, **service_kwargs(form))
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(activity)
    return render(
        request,
        "activities/activity_form.html",
        {
            "form": form,
            "title": _("New activity"),
            "cancel_url": reverse("activities:activity_list"),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    form = forms.ActivityForm(request.POST or None, user=request.user, instance=activity)
    guard_form(form, activity)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_activity(
                actor=request.user, activity=activity, **service_kwargs(form, activity)
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(activity)
    return render(
        request,
        "activities/activity_form.html",
        {"form": form, "title": _("Edit the activity"), "cancel_url": activity.get_absolute_url()},
        status=400 if form.is_bound else 200,
    )


# ---------------------------------------------------------------- the activity's page


def _offerings(activity: Activity) -> dict[tuple[str, int], Offering]:
    """The activity's offerings by target, with the seats held and the quotas (two queries)."""
    rows = (
        Offering.objects.filter(activity=activity)
        .annotate(held=Count("registrations", filter=Q(registrations__status__in=HOLDS_SEAT)))
        .prefetch_related("quotas__community")
    )
    out: dict[tuple[str, int], Offering] = {}
    for offering in rows:
        if offering.session_id:
            out["session", offering.session_id] = offering
        elif offering.term_id:
            out["term", offering.term_id] = offering
        elif offering.slot_id:
            out["slot", offering.slot_id] = offering
    return out


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    offerings = _offerings(activity)
    sessions = list(activity.sessions.filter(term=None).select_related("venue"))
    for s in sessions:
        s.the_offering = offerings.get(("session", s.pk))  # type: ignore[attr-defined]
    courses = list(
        Course.objects.filter(activity=activity).prefetch_related(
            Prefetch("terms", queryset=Term.objects.prefetch_related("sessions__venue"))
        )
    )
    for course in courses:
        for term in course.terms.all():
            term.the_offering = offerings.get(("term", term.pk))  # type: ignore[attr-defined]
    stalls = list(
        Stall.objects.filter(activity=activity)
        .select_related("provider")
        .annotate(delivered=Sum("tallies__count"))
        .prefetch_related("slots")
    )
    for stall in stalls:
        for slot in stall.slots.all():
            slot.the_offering = offerings.get(("slot", slot.pk))  # type: ignore[attr-defined]
    can_manage = request.user.has_perm("activities.manage", activity)
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "sessions": sessions,
            "courses": courses,
            "stalls": stalls,
            "photos": activity.photos.all(),
            "organisers": activity.organisers.all(),
            "partners": activity.partners.all(),
            "open_to": activity.open_to.all(),
            "audience": [
                label for value, label in forms.AUDIENCE_CHOICES if value in activity.audience
            ],
            "can_manage": can_manage,
            "editable": can_manage
            and activity.status in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED),
            "can_check_in": request.user.has_perm("activities.check_in", activity),
            "see_roster": request.user.has_perm("activities.see_roster", activity),
            "now": timezone.now(),
        },
    )


# ---------------------------------------------------------------- actions by status


def _act(
    request: HttpRequest, activity: Activity, act: Callable[[], Any], done: str
) -> HttpResponse:
    try:
        act()
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(activity)


@login_required
@require_POST
def activity_publish(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    return _act(
        request,
        activity,
        lambda: services.publish_activity(actor=request.user, activity=activity),
        _("Published: residents can see it and register."),
    )


@login_required
@require_POST
def activity_held(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    return _act(
        request,
        activity,
        lambda: services.mark_held(actor=request.user, activity=activity),
        _("Marked as held. Record the services and write the report."),
    )


def _form_page(
    request: HttpRequest,
    activity: Activity,
    form: django_forms.Form,
    title: Any,
    act: Callable[[dict[str, Any]], Any],
    *,
    anchor: str = "",
    confirm: str = "",
    template: str = "activities/step_form.html",
    once: bool = False,
) -> HttpResponse:
    """A small form that adds to the activity: on success, back to the activity's page. With
    `once`, the form carries a one-time token and `act` gets it as `token`: a retried
    submission adds nothing twice."""
    if once:
        guard_form(form)
    if request.method == "POST" and form.is_valid():
        try:
            act(service_kwargs(form) if once else form.cleaned_data)
        except (ServiceError, ValidationError) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(activity.get_absolute_url() + (f"#{anchor}" if anchor else ""))
    return render(
        request,
        template,
        {
            "form": form,
            "title": title,
            "activity": activity,
            "confirm": confirm,
            "cancel_url": activity.get_absolute_url(),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    return _form_page(
        request,
        activity,
        forms.CancelForm(request.POST or None),
        _("Cancel “%(title)s”") % {"title": activity.title},
        lambda d: services.cancel_activity(actor=request.user, activity=activity, **d),
        confirm=_("Cancel the activity and tell everyone registered?"),
    )


# ---------------------------------------------------------------- sessions


@login_required
def session_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    return _form_page(
        request,
        activity,
        forms.SessionForm(request.POST or None, user=request.user),
        _("Add a session"),
        lambda d: services.add_session(actor=request.user, activity=activity, **d),
        anchor="sessions",
    )


@login_required
def session_move(request: HttpRequest, pk: int, session: int) -> HttpResponse:
    activity = _managed(request, pk)
    item = get_object_or_404(Session, pk=session, activity=activity)
    return _form_page(
        request,
        activity,
        forms.MoveSessionForm(request.POST or None, user=request.user, session=item),
        _("Move the session"),
        lambda d: services.move_session(actor=request.user, session=item, **d),
        anchor="sessions",
    )


@login_required
@require_POST
def session_remove(request: HttpRequest, pk: int, session: int) -> HttpResponse:
    activity = _managed(request, pk)
    item = get_object_or_404(Session, pk=session, activity=activity)
    return _act(
        request,
        activity,
        lambda: services.remove_session(actor=request.user, session=item),
        _("The session is removed."),
    )


# ---------------------------------------------------------------- classes


@login_required
def course_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    return _form_page(
        request,
        activity,
        forms.CourseForm(request.POST or None),
        _("Add a course"),
        lambda d: services.add_course(actor=request.user, activity=activity, **d),
        anchor="courses",
    )


@login_required
def term_add(request: HttpRequest, pk: int, course: int) -> HttpResponse:
    activity = _managed(request, pk)
    item = get_object_or_404(Course, pk=course, activity=activity)
    return _form_page(
        request,
        activity,
        forms.TermForm(request.POST or None, user=request.user),
        _("Add a term of %(course)s") % {"course": item.name},
        lambda d: services.add_term(actor=request.user, course=item, **d),
        anchor="courses",
    )


@login_required
def quota_set(request: HttpRequest, pk: int, offering: int) -> HttpResponse:
    activity = _managed(request, pk)
    item = get_object_or_404(Offering, pk=offering, activity=activity, term__isnull=False)
    return _form_page(
        request,
        activity,
        forms.QuotaForm(request.POST or None, activity=activity),
        _("Places for one community: %(term)s") % {"term": str(item)},
        lambda d: services.set_quota(actor=request.user, offering=item, **d),
        anchor="courses",
    )


@login_required
def term_attendance(request: HttpRequest, pk: int, term: int) -> HttpResponse:
    """Students × sessions with ✓ for each check-in, and whether they completed the term."""
    activity = _activity(request, pk)
    require(request.user, "activities.see_roster", activity)
    item = get_object_or_404(
        Term.objects.select_related("course"), pk=term, course__activity=activity
    )
    return render(
        request,
        "activities/term_attendance.html",
        {"activity": activity, "grid": classes.term_progress(item), "now": timezone.now()},
    )


# ---------------------------------------------------------------- fairs


@login_required
def stall_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    return _form_page(
        request,
        activity,
        forms.StallForm(request.POST or None, user=request.user),
        _("Add a stall"),
        lambda d: services.add_stall(actor=request.user, activity=activity, **d),
        once=True,
        anchor="stalls",
    )


@login_required
def slot_add(request: HttpRequest, pk: int, stall: int) -> HttpResponse:
    activity = _managed(request, pk)
    item = get_object_or_404(Stall, pk=stall, activity=activity)
    return _form_page(
        request,
        activity,
        forms.SlotForm(request.POST or None),
        _("Add a time slot to %(stall)s") % {"stall": item.service},
        lambda d: services.add_slot(actor=request.user, stall=item, **d),
        once=True,
        anchor="stalls",
    )


@login_required
def services_record(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    return _form_page(
        request,
        activity,
        forms.TallyForm(request.POST or None, activity=activity),
        _("Record services delivered"),
        lambda d: services.record_services(actor=request.user, **d),
        once=True,
        anchor="stalls",
    )


# ---------------------------------------------------------------- offerings


@login_required
def offering_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    form = forms.OfferingForm(request.POST or None, activity=activity)
    guard_form(form)

    def act(data: dict[str, Any]) -> Any:
        data = dict(data)
        target = data.pop("target")
        data.pop("form_token", None)
        return services.create_offering(
            actor=request.user,
            activity=activity,
            token=form.cleaned_data.get("form_token"),
            **target,
            **data,
        )

    return _form_page(request, activity, form, _("Open places for registration"), act)


# ---------------------------------------------------------------- the report


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """The report and its photos (two forms on one page, each posting here)."""
    activity = _managed(request, pk)
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if posted else None
    text_form = forms.ReportForm(
        posted if which == "report" else None, initial={"report": activity.report}
    )
    guard_form(text_form, activity)
    photo_form = forms.PhotoForm(
        posted if which == "photos" else None, request.FILES if which == "photos" else None
    )
    bound = text_form if which == "report" else photo_form if which == "photos" else None
    if bound is not None and bound.is_valid():
        try:
            if bound is text_form:
                services.write_report(
                    actor=request.user,
                    activity=activity,
                    report=text_form.cleaned_data["report"],
                    expected_updated_at=service_kwargs(text_form, activity)["expected_updated_at"],
                )
            else:
                services.add_photos(actor=request.user, activity=activity, **bound.cleaned_data)
        except (ServiceError, ValidationError) as exc:
            show_refusal(bound, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(activity.get_absolute_url() + "#report")
    return render(
        request,
        "activities/report_form.html",
        {
            "activity": activity,
            "text_form": text_form,
            "photo_form": photo_form,
            "photos": activity.photos.all(),
        },
        status=400 if bound is not None else 200,
    )


@login_required
def photo(request: HttpRequest, pk: int, photo: int) -> FileResponse:
    """A report photo, for those who see the activity (never a public file)."""
    item = get_object_or_404(ActivityPhoto, activity=_activity(request, pk), pk=photo)
    try:
        handle = item.image.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


urlpatterns: list[URLPattern] = [
    path("activities/", login_required(ActivityList.as_view()), name="activity_list"),
    path("activities/new/", activity_create, name="activity_create"),
    path("activities/<int:pk>/", activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", activity_edit, name="activity_edit"),
    path("activities/<int:pk>/publish/", activity_publish, name="activity_publish"),
    path("activities/<int:pk>/held/", activity_held, name="activity_held"),
    path("activities/<int:pk>/cancel/", activity_cancel, name="activity_cancel"),
    path("activities/<int:pk>/sessions/new/", session_add, name="session_add"),
    path("activities/<int:pk>/sessions/<int:session>/move/", session_move, name="session_move"),
    path(
        "activities/<int:pk>/sessions/<int:session>/remove/",
        session_remove,
        name="session_remove",
    ),
    path("activities/<int:pk>/courses/new/", course_add, name="course_add"),
    path("activities/<int:pk>/courses/<int:course>/terms/new/", term_add, name="term_add"),
    path(
        "activities/<int:pk>/terms/<int:term>/attendance/",
        term_attendance,
        name="term_attendance",
    ),
    path("activities/<int:pk>/quotas/<int:offering>/", quota_set, name="quota_set"),
    path("activities/<int:pk>/stalls/new/", stall_add, name="stall_add"),
    path("activities/<int:pk>/stalls/<int:stall>/slots/new/", slot_add, name="slot_add"),
    path("activities/<int:pk>/services/", services_record, name="services_record"),
    path("activities/<int:pk>/offerings/new/", offering_add, name="offering_add"),
    path("activities/<int:pk>/report/", report, name="report"),
    path("activities/<int:pk>/photos/<int:photo>/", photo, name="photo"),
]
