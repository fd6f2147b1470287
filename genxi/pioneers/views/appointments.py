"""Appointments (聘用): the list, appoint, edit, renew, suspend, resume, end, the printable
certificate (聘书), the duties templates.

Staff over the pioneer's community manage (`pioneers.manage`); leadership reads; a pioneer
reads their own appointment and certificate. Outside that, a 404."""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from genxi.accounts.rules import require
from genxi.core.labels import pioneer_label
from genxi.core.services import ServiceError
from genxi.core.views import ScopedListView, guard_form, history_of, service_kwargs, show_refusal
from genxi.pioneers.forms import appointments as forms
from genxi.pioneers.models import DutyTemplate
from genxi.pioneers.services import appointments as services
from genxi.pioneers.services.grids import grid_sizes
from genxi.pioneers.views.hub import tabs_for
from genxi.places.models import PIONEER_MACHINE, Area, AreaKind, Pioneer, PioneerStatus

MANAGE = "pioneers.manage"
OPEN = "pioneers.open_pioneers"
ENDING_DAYS = 30


def _pioneer(request: HttpRequest, pk: int) -> Pioneer:
    require(request.user, OPEN)
    return get_object_or_404(
        Pioneer.objects.visible_to(request.user).select_related(
            "community__parent", "party_org", "resident", "user"
        ),
        pk=pk,
    )


def _managed(request: HttpRequest, pk: int) -> Pioneer:
    pioneer = _pioneer(request, pk)
    require(request.user, MANAGE, pioneer)
    return pioneer


def warn_over_limit(request: HttpRequest, grids: Any) -> None:
    """A grid over its community's limit is a warning on the next page, never a refusal."""
    for size in grid_sizes(grids):
        if size.over:
            messages.warning(
                request,
                _(
                    "%(grid)s holds %(n)s households, more than the limit of %(limit)s: "
                    "consider moving a building to another grid."
                )
                % {"grid": size.grid.name, "n": size.households, "limit": size.limit},
            )


# ---------------------------------------------------------------- the list


class AppointmentList(ScopedListView):
    model = Pioneer
    header_template = "pioneers/includes/tabs.html"
    page_perm = OPEN
    row_template = "pioneers/appointments/row.html"
    filters_template = "pioneers/appointments/filters.html"
    create_url_name = "pioneers:appointment_create"
    create_permission = MANAGE
    create_label = gettext_lazy("Appoint")
    filters = {"status": "status", "community": "community_id"}
    select_related = ("community", "party_org")
    export_name: Any = gettext_lazy("appointments")
    export_columns = [
        (gettext_lazy("Name"), lambda p: p.name),
        (gettext_lazy("Community"), lambda p: p.community.name),
        (gettext_lazy("Grids"), lambda p: "、".join(g.name for g in p.grids.all())),
        (gettext_lazy("Appointed by"), lambda p: p.party_org.name if p.party_org else ""),
        (gettext_lazy("Term starts on"), lambda p: p.appointed_on),
        (gettext_lazy("Term ends on"), lambda p: p.term_ends_on),
        (gettext_lazy("Status"), lambda p: p.get_status_display()),
    ]

    @property
    def list_title(self) -> str:
        return _("%(label)s appointments") % {"label": pioneer_label()}

    def get_queryset(self) -> Any:
        qs = super().get_queryset().prefetch_related("grids")
        if self.request.GET.get("ending"):
            today = timezone.localdate()
            qs = qs.filter(
                status=PioneerStatus.ACTIVE,
                term_ends_on__gte=today,
                term_ends_on__lte=today + timedelta(days=ENDING_DAYS),
            )
        return qs.order_by("community__path", "name", "id")

    def search(self, queryset: Any, text: str) -> Any:
        return queryset.filter(Q(name__contains=text) | Q(grids__name__contains=text)).distinct()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        context["tabs"] = tabs_for(user, "pioneers:appointment_list")
        context["statuses"] = PioneerStatus.choices
        context["communities"] = (
            Area.objects.visible_to(user).of_kind(AreaKind.COMMUNITY).order_by("path")
        )
        context["ending"] = self.request.GET.get("ending", "")
        context["ending_days"] = ENDING_DAYS
        context["soon"] = today + timedelta(days=ENDING_DAYS)
        context["today"] = today
        return context


# ---------------------------------------------------------------- appoint, edit


@login_required
def appointment_create(request: HttpRequest) -> HttpResponse:
    require(request.user, OPEN)
    require(request.user, MANAGE)
    form = forms.AppointForm(request.POST if request.method == "POST" else None, user=request.user)
    guard_form(form)
    if request.method == "POST" and form.is_valid():
        try:
            pioneer = services.appoint(actor=request.user, **service_kwargs(form))
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Appointed. Print the certificate for the ceremony."))
            warn_over_limit(request, pioneer.grids.all())
            return redirect(pioneer)
    return render(
        request,
        "pioneers/appointments/form.html",
        {
            "form": form,
            "title": _("Appoint a %(label)s") % {"label": pioneer_label()},
            "cancel_url": reverse("pioneers:appointment_list"),
            "tabs": tabs_for(request.user, "pioneers:appointment_list"),
            "templates": DutyTemplate.objects.visible_to(request.user),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def appointment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pioneer = _managed(request, pk)
    form = forms.EditForm(
        request.POST if request.method == "POST" else None, user=request.user, pioneer=pioneer
    )
    guard_form(form, pioneer)
    if request.method == "POST" and form.is_valid():
        try:
            diff = services.edit(
                actor=request.user, pioneer=pioneer, **service_kwargs(form, pioneer)
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            if "grids" in diff:
                warn_over_limit(request, pioneer.grids.all())
            return redirect(pioneer)
    return render(
        request,
        "pioneers/appointments/form.html",
        {
            "form": form,
            "title": _("Edit the appointment of %(name)s") % {"name": pioneer.name},
            "cancel_url": pioneer.get_absolute_url(),
            "tabs": tabs_for(request.user, "pioneers:appointment_list"),
        },
        status=400 if form.is_bound else 200,
    )


# ---------------------------------------------------------------- the appointment's page


@login_required
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pioneer = _pioneer(request, pk)
    can_manage = request.user.has_perm(MANAGE, pioneer)
    grids = list(pioneer.grids.select_related("parent").order_by("path"))
    status = pioneer.status
    return render(
        request,
        "pioneers/appointments/detail.html",
        {
            "pioneer": pioneer,
            "pioneer_label": pioneer_label(),
            "tabs": tabs_for(request.user, "pioneers:appointment_list"),
            "sizes": grid_sizes(grids),
            "events": pioneer.events.select_related("by"),
            "can_manage": can_manage,
            "can_edit": can_manage and status != PioneerStatus.ENDED,
            "can_suspend": can_manage and PIONEER_MACHINE.can(status, PioneerStatus.SUSPENDED),
            "can_resume": can_manage and status == PioneerStatus.SUSPENDED,
            "can_end": can_manage and PIONEER_MACHINE.can(status, PioneerStatus.ENDED),
            "history": history_of(pioneer) if can_manage else [],
        },
    )


def _action(
    request: HttpRequest,
    pioneer: Pioneer,
    form: Any,
    *,
    title: str,
    button: str,
    intro: str = "",
    danger: bool = False,
) -> HttpResponse:
    return render(
        request,
        "pioneers/appointments/action.html",
        {
            "pioneer": pioneer,
            "form": form,
            "title": title,
            "button": button,
            "intro": intro,
            "danger": danger,
            "tabs": tabs_for(request.user, "pioneers:appointment_list"),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def appointment_renew(request: HttpRequest, pk: int) -> HttpResponse:
    pioneer = _managed(request, pk)
    initial = {}
    if pioneer.term_ends_on:
        end = pioneer.term_ends_on
        try:
            initial["term_ends_on"] = end.replace(year=end.year + 3)
        except ValueError:  # 29 February
            initial["term_ends_on"] = end + timedelta(days=365 * 3)
    form = forms.RenewForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.renew(actor=request.user, pioneer=pioneer, **form.cleaned_data)
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The term is renewed."))
            return redirect(pioneer)
    return _action(
        request,
        pioneer,
        form,
        title=_("Renew the appointment of %(name)s") % {"name": pioneer.name},
        button=_("Renew"),
        intro=_("The term now ends on %(day)s.")
        % {"day": pioneer.term_ends_on.isoformat() if pioneer.term_ends_on else "—"},
    )


STEPS: dict[str, dict[str, Any]] = {
    "suspend": {
        "service": services.suspend,
        "title": gettext_lazy("Suspend the appointment of %(name)s"),
        "button": gettext_lazy("Suspend"),
        "intro": gettext_lazy(
            "The pioneer's pages close at once, until the appointment is resumed."
        ),
        "done": gettext_lazy("The appointment is suspended."),
        "required": True,
        "danger": True,
    },
    "resume": {
        "service": services.resume,
        "title": gettext_lazy("Resume the appointment of %(name)s"),
        "button": gettext_lazy("Resume"),
        "intro": gettext_lazy("The pioneer's pages open again."),
        "done": gettext_lazy("The appointment is resumed."),
        "required": False,
        "danger": False,
    },
    "end": {
        "service": services.end,
        "title": gettext_lazy("End the appointment of %(name)s"),
        "button": gettext_lazy("End the appointment"),
        "intro": gettext_lazy(
            "Ending is final: the pioneer loses access today. The record and its history stay; "
            "a new term is a new appointment."
        ),
        "done": gettext_lazy("The appointment has ended."),
        "required": True,
        "danger": True,
    },
}


def _step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    pioneer = _managed(request, pk)
    spec = STEPS[step]
    form = forms.ReasonForm(
        request.POST if request.method == "POST" else None, required=spec["required"]
    )
    if request.method == "POST" and form.is_valid():
        try:
            spec["service"](actor=request.user, pioneer=pioneer, **form.cleaned_data)
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, str(spec["done"]))
            return redirect(pioneer)
    return _action(
        request,
        pioneer,
        form,
        title=str(spec["title"]) % {"name": pioneer.name},
        button=str(spec["button"]),
        intro=str(spec["intro"]),
        danger=spec["danger"],
    )


@login_required
def appointment_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "suspend")


@login_required
def appointment_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "resume")


@login_required
def appointment_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "end")


# ---------------------------------------------------------------- the certificate


def certificate_number(pioneer: Pioneer) -> str:
    """聘字〔2026〕第0012号: the year of the appointment and the appointment's id."""
    return _("Appointment No. %(year)s-%(number)s") % {
        "year": pioneer.appointed_on.year,
        "number": f"{pioneer.pk:04d}",
    }


@login_required
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    pioneer = _pioneer(request, pk)
    return render(
        request,
        "pioneers/appointments/certificate.html",
        {
            "pioneer": pioneer,
            "pioneer_label": pioneer_label(),
            "grids": pioneer.grids.order_by("path"),
            "number": certificate_number(pioneer),
            "issuer": pioneer.party_org.name if pioneer.party_org else pioneer.community.name,
        },
    )


# ---------------------------------------------------------------- duties templates


@login_required
def template_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "pioneers.open_settings")
    require(request.user, MANAGE)
    form = forms.DutyTemplateForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    guard_form(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_template(actor=request.user, **service_kwargs(form))
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The duties template is saved."))
            return redirect("pioneers:settings")
    return _template_page(request, form, _("New duties template"))


@login_required
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "pioneers.open_settings")
    template = get_object_or_404(
        DutyTemplate.objects.visible_to(request.user).select_related("area"), pk=pk
    )
    require(request.user, MANAGE, template)
    form = forms.DutyTemplateForm(
        request.POST if request.method == "POST" else None, instance=template, user=request.user
    )
    guard_form(form, template)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_template(
                actor=request.user, template=template, **service_kwargs(form, template)
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The duties template is saved."))
            return redirect("pioneers:settings")
    return _template_page(request, form, _("Edit the duties template"))


def _template_page(request: HttpRequest, form: Any, title: str) -> HttpResponse:
    return render(
        request,
        "pioneers/appointments/form.html",
        {
            "form": form,
            "title": title,
            "cancel_url": reverse("pioneers:settings"),
            "tabs": tabs_for(request.user, "pioneers:settings"),
        },
        status=400 if form.is_bound else 200,
    )


urlpatterns: list[URLPattern] = [
    path("pioneers/", AppointmentList.as_view(), name="hub"),
    path("pioneers/appointments/", AppointmentList.as_view(), name="appointment_list"),
    path("pioneers/appointments/new/", appointment_create, name="appointment_create"),
    path("pioneers/appointments/<int:pk>/", appointment_detail, name="appointment_detail"),
    path("pioneers/appointments/<int:pk>/edit/", appointment_edit, name="appointment_edit"),
    path("pioneers/appointments/<int:pk>/renew/", appointment_renew, name="appointment_renew"),
    path(
        "pioneers/appointments/<int:pk>/suspend/", appointment_suspend, name="appointment_suspend"
    ),
    path("pioneers/appointments/<int:pk>/resume/", appointment_resume, name="appointment_resume"),
    path("pioneers/appointments/<int:pk>/end/", appointment_end, name="appointment_end"),
    path("pioneers/appointments/<int:pk>/certificate/", certificate, name="certificate"),
    path("pioneers/templates/new/", template_create, name="template_create"),
    path("pioneers/templates/<int:pk>/edit/", template_edit, name="template_edit"),
]
