"""Generic scoped views every app builds on, and the notifications inbox.

A list or detail view reads `Model.objects.visible_to(user)`: what is outside the user's areas
is a 404. A page outside the user's roles is a 404 too. Edit views validate a form and call a
service; a ServiceError becomes a form error in the person's language.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView

from genxi.core.exports import xlsx_response
from genxi.core.models import AuditEntry, Notification
from genxi.core.services import ServiceError


class RoleRequiredMixin(LoginRequiredMixin):
    """`page_perm` names the page's gate (`<app>.open_<page>`, registered in the app's
    rules.py); users without it get a 404, like an object outside their areas."""

    page_perm: str = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if (
            request.user.is_authenticated
            and self.page_perm
            and not request.user.has_perm(self.page_perm)
        ):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class ScopedListView(RoleRequiredMixin, ListView):  # type: ignore[type-arg]
    """A searchable, filterable, paginated list; htmx requests get only the results partial.

    Every list shares one page (includes/list_page.html); a list names its row template (which
    renders the header row when `head` is set), its filter controls and its create button, and
    may put something between the title and the search bar (`header_template`, e.g. a
    section's tabs).
    """

    template_name = "includes/list_page.html"
    filters: dict[str, str] = {}  # GET parameter → queryset lookup
    select_related: tuple[str, ...] = ()
    list_title: Any = ""
    row_template = ""
    filters_template = ""
    header_template = ""
    search_placeholder: Any = gettext_lazy("Search by name")
    create_url_name = ""
    create_permission = ""
    create_label: Any = gettext_lazy("New")

    def get_paginate_by(self, queryset: Any) -> int:
        return settings.GENXI_PAGE_SIZE

    def base_queryset(self) -> Any:
        return self.model._default_manager.visible_to(self.request.user)  # type: ignore[union-attr]

    def search(self, queryset: Any, text: str) -> Any:
        return queryset.filter(name__contains=text)

    def get_queryset(self) -> Any:
        qs = self.base_queryset()
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        for param, lookup in self.filters.items():
            value = self.request.GET.get(param, "").strip()
            if value:
                if value.isascii() and value.isdigit() and int(value) > 2**63 - 1:
                    qs = qs.none()  # no id is that large; the database would refuse the number
                    continue
                try:
                    qs = qs.filter(**{lookup: value})
                except (ValueError, ValidationError):
                    qs = qs.none()
        text = self.request.GET.get("q", "").strip()
        if text:
            qs = self.search(qs, text)
        return qs

    # Excel export of exactly what the list shows (?format=xlsx): (header, row → value) pairs.
    export_columns: list[tuple[Any, Any]] = []
    export_name = ""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]  # a file for ?format=xlsx
        if request.GET.get("format") == "xlsx" and self.export_columns:
            return self.export(self.get_queryset())
        return super().get(request, *args, **kwargs)

    def export(self, queryset: Any) -> HttpResponseBase:
        columns = self.export_columns
        meta = queryset.model._meta
        return xlsx_response(
            filename=str(self.export_name or meta.verbose_name_plural),
            sheet=str(meta.verbose_name_plural),
            headers=[str(title) for title, _ in columns],
            rows=([value(obj) for _, value in columns] for obj in queryset.iterator(2000)),
        )

    def get_template_names(self) -> list[str]:
        names = super().get_template_names()
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:  # type: ignore[attr-defined]
            return [f"{names[0]}#results"]
        return names

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        context["querystring"] = params.urlencode()
        context["q"] = self.request.GET.get("q", "")
        context["active_filters"] = {p: self.request.GET.get(p, "") for p in self.filters}
        context["can_export"] = bool(self.export_columns)
        paginator = context.get("paginator")
        context.setdefault("total", paginator.count if paginator is not None else 0)
        context["list_title"] = self.list_title
        context["row_template"] = self.row_template
        context["filters_template"] = self.filters_template
        context["header_template"] = self.header_template
        context["search_placeholder"] = self.search_placeholder
        context["create_label"] = self.create_label
        if self.create_url_name and self.request.user.has_perm(self.create_permission, None):
            context["create_url"] = reverse(self.create_url_name)
        return context


class ScopedDetailView(RoleRequiredMixin, DetailView):  # type: ignore[type-arg]
    select_related: tuple[str, ...] = ()

    def get_queryset(self) -> Any:
        qs = self.model._default_manager.visible_to(self.request.user)
        return qs.select_related(*self.select_related) if self.select_related else qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        meta = self.object._meta
        context["can_change"] = self.request.user.has_perm(
            f"{meta.app_label}.change_{meta.model_name}", self.object
        )
        if context["can_change"]:
            context["history"] = history_of(self.object)
        return context


ACTION_LABELS = {
    "create": gettext_lazy("created"),
    "update": gettext_lazy("changed"),
    "admin_create": gettext_lazy("created in the administration"),
    "admin_update": gettext_lazy("changed in the administration"),
    "view_phone": gettext_lazy("viewed the phone number"),
    "add_contact": gettext_lazy("added a contact"),
    "remove_contact": gettext_lazy("removed a contact"),
}


def history_of(obj: models.Model, limit: int = 10) -> list[Any]:
    """The latest audit entries of `obj`, labelled for people: who, when, what, which fields."""
    entries = list(AuditEntry.objects.for_object(obj).select_related("actor")[:limit])
    names = {f.name: f.verbose_name for f in obj._meta.get_fields() if hasattr(f, "verbose_name")}
    for entry in entries:
        verb = entry.action.split(".", 1)[-1]
        entry.label = ACTION_LABELS.get(verb, verb)  # type: ignore[attr-defined]
        changed = entry.changes.get("fields") or (list(entry.changes) if verb == "update" else [])
        entry.fields = [str(names.get(f, f)) for f in changed]  # type: ignore[attr-defined]
    return entries


class TokenField(forms.UUIDField):
    widget = forms.HiddenInput


# A form that hands its data to a service, as a class view (ServiceFormView) or a function view:
# guard_form() when it is built, service_kwargs() for the call, show_refusal() when the service
# says no, safe_next() for where "Cancel" leads.


def guard_form(form: forms.BaseForm, obj: Any = None) -> None:
    """A create form gets a one-time token, so a retried submission makes nothing twice; an edit
    form carries the record's `updated_at`, so a concurrent edit is refused, not overwritten."""
    if obj is None:
        form.fields["form_token"] = TokenField(required=False, initial=uuid.uuid4)
    elif hasattr(obj, "updated_at"):
        form.fields["updated_at"] = forms.CharField(
            widget=forms.HiddenInput, required=False, initial=obj.updated_at.isoformat()
        )


def service_kwargs(form: forms.BaseForm, obj: Any = None) -> dict[str, Any]:
    """The form's data for the service, with the `token` (create) or the
    `expected_updated_at` (edit) that guard_form() put on it."""
    data = {k: v for k, v in form.cleaned_data.items() if k not in ("form_token", "updated_at")}
    if obj is None:
        data["token"] = form.cleaned_data.get("form_token")
    else:
        try:
            stamp = datetime.fromisoformat(form.cleaned_data.get("updated_at") or "")
        except ValueError:
            # A missing or mangled hidden field: refuse as stale rather than overwrite blindly.
            stamp = datetime.min.replace(tzinfo=UTC)
        data["expected_updated_at"] = stamp
    return data


def show_refusal(form: forms.BaseForm, exc: ServiceError | ValidationError) -> None:
    """A refused write as the form's error: on its field when it names one of the form's."""
    if isinstance(exc, ValidationError):
        form.add_error(None, exc)
    else:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def safe_next(request: HttpRequest, url: str) -> str:
    """`url` if it is a page of this site (it comes from the address bar), else ""."""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and safe else ""


class ServiceFormView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    """Validate a form, then hand its data to a service. Subclasses set `permission` and `perform`.

    Create forms carry a one-time token so a retried submission makes nothing twice; edit forms
    carry the record's `updated_at` so a concurrent edit is refused instead of overwritten.
    """

    template_name = "includes/object_form.html"
    permission = ""
    title: Any = ""
    object: Any = None

    def get_object(self) -> Any:
        return None

    def permission_object(self) -> Any:
        return self.object

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.object = self.get_object()
        if not request.user.has_perm(self.permission, self.permission_object()):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class: Any = None) -> forms.Form:
        form: forms.Form = super().get_form(form_class)
        guard_form(form, self.object)
        return form

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if isinstance(self.object, models.Model):
            kwargs["instance"] = self.object
        return kwargs

    def service_kwargs(self, form: forms.Form) -> dict[str, Any]:
        return service_kwargs(form, self.object)

    def perform(self, form: forms.Form) -> Any:
        raise NotImplementedError

    def form_valid(self, form: forms.Form) -> HttpResponse:
        try:
            obj = self.perform(form)
        except (ServiceError, ValidationError) as exc:
            show_refusal(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        target = obj if obj is not None and hasattr(obj, "get_absolute_url") else self.object
        return HttpResponseRedirect(target.get_absolute_url())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["object"] = self.object
        if self.object is not None:
            context["cancel_url"] = self.object.get_absolute_url()
        else:
            context["cancel_url"] = safe_next(self.request, self.request.GET.get("next", ""))
        return context


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first; opening the page marks them read."""
    assert request.user.is_authenticated
    mine = Notification.objects.filter(user=request.user)
    page = Paginator(mine, settings.GENXI_PAGE_SIZE).get_page(request.GET.get("page"))
    unread = [n.pk for n in page.object_list if n.read_at is None]
    response = render(request, "core/inbox.html", {"page_obj": page, "unread": set(unread)})
    if unread:
        mine.filter(pk__in=unread).update(read_at=timezone.now())
    return response
