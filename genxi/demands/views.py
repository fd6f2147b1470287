import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from genxi.accounts import scoping
from genxi.accounts.navigation import PAGE_ROLES
from genxi.core.params import parse_id
from genxi.core.phones import mask_phone
from genxi.core.services import ServiceError
from genxi.core.views import ScopedListView, ServiceFormView
from genxi.demands import actions, figures, forms, ledger, services
from genxi.demands.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Demand,
    DemandPhoto,
    HandlingPath,
    Status,
    category_tree,
)
from genxi.places.models import STREET_KINDS, Area, AreaKind, Partner, Resident
from genxi.triage import services as triage


@login_required
def category_list(request: HttpRequest) -> HttpResponse:
    if not scoping.has_role(request.user, *PAGE_ROLES["settings"]):
        raise Http404
    categories = category_tree(Category.objects.visible_to(request.user))
    return render(
        request,
        "demands/category_list.html",
        {
            "categories": categories,
            "can_change": request.user.has_perm("demands.change_category"),
        },
    )


class CategoryCreate(ServiceFormView):
    page = "settings"
    form_class = forms.CategoryForm
    permission = "demands.add_category"

    @property
    def title(self) -> str:
        from django.utils.translation import gettext as _

        return _("New demand category")

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        parent_id = self.request.GET.get("parent", "")
        parent = Category.objects.filter(pk=parse_id(parent_id) or 0).first()
        if parent is not None:
            # A child starts with its parent's deadlines.
            initial.update(
                parent=parent.pk,
                response_days=parent.response_days,
                resolution_days=parent.resolution_days,
            )
        return initial

    def perform(self, form: Any) -> Any:
        return services.create_category(actor=self.request.user, **self.service_kwargs(form))


class CategoryEdit(ServiceFormView):
    page = "settings"
    form_class = forms.CategoryForm
    permission = "demands.change_category"

    def get_object(self) -> Any:
        return get_object_or_404(
            Category.objects.visible_to(self.request.user), pk=self.kwargs["pk"]
        )

    @property
    def title(self) -> str:
        from django.utils.translation import gettext as _

        return _("Edit %(name)s") % {"name": self.object}

    def perform(self, form: Any) -> Any:
        services.update_category(
            actor=self.request.user, category=self.object, **self.service_kwargs(form)
        )
        return self.object


# ---------------------------------------------------------------- demands


class DemandList(ScopedListView):
    """The ledger (台账): filters, search, sort, keyset pages, counts and the Excel export."""

    model = Demand
    page = "demands"
    list_title = gettext_lazy("Demands")
    row_template = "demands/rows/demand.html"
    filters_template = "demands/filters/demand.html"
    select_related = ("category", "community", "area", "handler_partner")
    search_placeholder = gettext_lazy("Words in the title or details, a place, or a tracking code")
    create_url_name = "demands:demand_create"
    create_permission = "demands.add_demand"
    create_label = gettext_lazy("Record a demand")
    # The export's columns; `export` below fills them from plain values, in this order.
    export_columns = [
        (title, None)
        for title in (
            gettext_lazy("Tracking code"),
            gettext_lazy("Title"),
            gettext_lazy("Category"),
            gettext_lazy("Community"),
            gettext_lazy("Place"),
            gettext_lazy("Channel"),
            gettext_lazy("Status"),
            gettext_lazy("Handler"),
            gettext_lazy("Recorded"),
            gettext_lazy("Accept by"),
            gettext_lazy("Resolve by"),
            gettext_lazy("Overdue"),
            gettext_lazy("Details"),
        )
    ]

    def export(self, queryset: Any) -> Any:
        """The export reads plain values, not model objects: one timestamp a row to parse and
        the labels translated once (about 3 times faster at 100,000 rows, docs/benchmarks.md)."""
        from genxi.core.exports import xlsx_response

        channels, statuses = dict(Channel.choices), dict(Status.choices)
        labels = {k: str(v) for k, v in (channels | statuses).items()}
        community, yes = _("The community"), _("yes")
        today = timezone.localdate()
        late = OPEN_STATUSES - {Status.RESOLVED}
        values = queryset.values_list(
            "code", "title", "category__name", "community__name", "area__name", "channel",
            "status", "handler_partner__name", "path", "created_at", "response_due",
            "resolution_due", "description",
        )  # fmt: skip

        def rows() -> Any:
            for row in values.iterator(5000):
                (code, title, category, community_name, place, channel, status, partner, path,
                 created, response_due, resolution_due, description) = row  # fmt: skip
                overdue = (status == Status.COLLECTED and response_due < today) or (
                    status in late and resolution_due < today
                )
                yield (
                    code, title, category, community_name, place, labels.get(channel, channel),
                    labels.get(status, status),
                    partner or (community if path == HandlingPath.COMMUNITY else ""),
                    timezone.localtime(created).strftime("%Y-%m-%d %H:%M"),
                    response_due.isoformat(), resolution_due.isoformat(), yes if overdue else "",
                    description,
                )  # fmt: skip

        return xlsx_response(
            filename=str(Demand._meta.verbose_name_plural),
            sheet=str(Demand._meta.verbose_name_plural),
            headers=[str(title) for title, _value in self.export_columns],
            rows=rows(),
        )

    def get_paginate_by(self, queryset: Any) -> None:  # type: ignore[override]
        return None  # keyset pagination (ledger.page): a deep page costs what the first one does

    def get_queryset(self) -> Any:
        return ledger.filtered(self.request.user, self.request.GET).select_related(
            *self.select_related
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        queryset = context["object_list"]
        rows, cursor, next_cursor = ledger.page(
            queryset,
            sort=self.request.GET.get("sort", ""),
            after=self.request.GET.get("after", ""),
            size=settings.GENXI_PAGE_SIZE,
        )
        params = self.request.GET.copy()
        params.pop("after", None)
        user = self.request.user
        get = self.request.GET.get
        context.update(
            object_list=rows,
            total=queryset.order_by().count(),
            keyset=True,
            cursor=cursor,
            next_cursor=next_cursor,
            querystring_without_cursor=params.urlencode(),
            # The export link takes every filtered row, not the rows after the cursor.
            querystring=params.urlencode(),
            statuses=Status.choices,
            open_filter=ledger.OPEN_FILTER,
            channels=Channel.choices,
            sorts=[(key, label) for key, (_f, _d, label) in ledger.SORTS.items()],
            categories=category_tree(Category.objects.all()),
            overdue_filter=bool(get("overdue")),
            chosen={k: get(k, "") for k in ledger.FILTERS},
            community_handler=ledger.COMMUNITY_HANDLER,
            handlers=Partner.objects.visible_to(user).filter(is_active=True).order_by("name"),
            areas=Area.objects.visible_to(user)
            .filter(kind__in=[*STREET_KINDS, AreaKind.COMMUNITY])
            .order_by("path"),
            compounds=ledger.compounds_of(user, get("area", "")),
        )
        from genxi.accounts.models import STAFF_ROLES

        context["can_import"] = scoping.has_role(user, *STAFF_ROLES)
        context["kept"] = {k: get(k, "") for k in ("from", "to", "event", "due")}
        return context


class DemandCreate(ServiceFormView):
    page = "demands"
    form_class = forms.DemandForm
    permission = "demands.add_demand"
    title = gettext_lazy("Record a demand")
    template_name = "demands/demand_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context["form"]
        picked = form["reporters"].value() or []
        context["picked"] = Resident.objects.visible_to(self.request.user).filter(
            pk__in=[p for p in picked if parse_id(str(p))]
        )
        return context

    def perform(self, form: Any) -> Any:
        demand = services.collect_demand(actor=self.request.user, **self.service_kwargs(form))
        # What triage suggested against the category chosen: its next lesson.
        triage.record_category_outcome(
            actor=self.request.user, demand=demand, shown=self.request.POST
        )
        return demand


def _render_demand(
    request: HttpRequest, demand: Demand, bound: Any = None, status: int = 200
) -> HttpResponse:
    user = request.user
    offered = []
    for name in actions.available(demand, user):
        form = (
            bound
            if bound is not None and bound.prefix == name
            else actions.make_form(name, demand, user)
        )
        offered.append(
            {
                "name": name,
                "label": actions.LABELS[name],
                "form": form,
                # Rare or final steps sit folded below the usual next step.
                "secondary": name in actions.SECONDARY,
            }
        )
    handler_guess = None
    if any(a["name"] == "assign" for a in offered):
        handler_guess = triage.likely_handler(user=user, category=demand.category, area=demand.area)
    reporters = list(demand.reporters.select_related("resident__area"))
    for reporter in reporters:
        reporter.masked_phone = mask_phone(reporter.resident.phone)  # type: ignore[attr-defined]
    return render(
        request,
        "demands/demand_detail.html",
        {
            "object": demand,
            "actions": offered,
            "reporters": reporters,
            "events": demand.events.select_related("actor"),
            "callbacks": demand.callbacks.select_related("resident"),
            "extensions": demand.extensions.select_related("requested_by", "decided_by"),
            "photos": demand.photos.all(),
            "handler_guess": handler_guess,
        },
        status=status,
    )


@login_required
def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_demand(request, actions.scoped_demand(request.user, pk))


@login_required
@require_POST
def demand_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in actions.ACTIONS:
        raise Http404
    demand = actions.scoped_demand(request.user, pk)
    _form_class, permission, _statuses, call = actions.ACTIONS[action]
    if not request.user.has_perm(permission, demand):
        raise Http404
    form = actions.make_form(action, demand, request.user, request.POST, request.FILES)
    if form.is_valid():
        guess = None
        if action == "assign":  # what the assign form suggested, before this assignment counts
            guess = triage.likely_handler(
                user=request.user, category=demand.category, area=demand.area
            )
        try:
            call(request.user, demand, form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            if exc.field not in form.fields:
                # The action may no longer be offered (someone moved the demand on): say why
                # at the top of the page, where it is seen.
                messages.error(request, exc.message)
        else:
            if action == "assign":
                demand.refresh_from_db(fields=["path", "handler_partner"])
                triage.record_handler_outcome(actor=request.user, demand=demand, guess=guess)
            messages.success(request, _("Done: %(action)s.") % {"action": actions.LABELS[action]})
            return redirect(demand)
    # Re-read: a refused step may have met a demand someone else just moved on.
    return _render_demand(request, actions.scoped_demand(request.user, pk), bound=form, status=400)


@login_required
def pick_resident(request: HttpRequest) -> HttpResponse:
    """The intake form's resident picker (htmx): matches by name, initials or phone."""
    if not request.user.has_perm("demands.add_demand"):
        raise Http404
    text = request.GET.get("q", "").strip()
    matches = (
        Resident.objects.visible_to(request.user)
        .search(text, by_phone=True)
        .select_related("area", "area__parent")[:8]
        if text
        else []
    )
    for resident in matches:
        resident.masked_phone = mask_phone(resident.phone)  # type: ignore[attr-defined]
    return render(request, "demands/includes/matches.html", {"matches": matches, "q": text})


def track(request: HttpRequest) -> HttpResponse:
    """Public tracking by code: status, public notes and dates — never anyone's details."""
    code = request.GET.get("code", "").strip().upper().replace(" ", "")
    demand = None
    if code:
        demand = (
            Demand.objects.select_related("category", "community", "merged_into")
            .filter(code=code)
            .first()
        )
        # Follow a merge to the demand that carries on.
        while demand is not None and demand.merged_into is not None:
            demand = Demand.objects.select_related("category", "community", "merged_into").get(
                pk=demand.merged_into.pk
            )
    events = (
        demand.events.public().only("kind", "at", "note", "public") if demand is not None else []
    )
    return render(
        request,
        "demands/track.html",
        {
            "code": code,
            "demand": demand,
            "events": events,
            "not_found": bool(code) and demand is None,
            "back": _back(request),
        },
    )


def _back(request: HttpRequest) -> str:
    """Where "back" leads: the page of this site the person came from, else the home page."""
    from urllib.parse import urlsplit

    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme

    # A look-up keeps where the first visit came from (the form carries it as `back`).
    for url in (request.GET.get("back", ""), request.headers.get("referer", "")):
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            came_from = urlsplit(url)
            if came_from.path.startswith("/") and came_from.path != request.path:
                return came_from.path + (f"?{came_from.query}" if came_from.query else "")
    return reverse("core:home")


@login_required
def demand_photo(request: HttpRequest, pk: int, photo: int) -> FileResponse:
    """A demand's photo, for those who may see the demand (photos are never public files)."""
    item = get_object_or_404(DemandPhoto, demand=actions.scoped_demand(request.user, pk), pk=photo)
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    """The figures of a community or street for a period, with charts; each links to its rows."""
    if not scoping.has_role(request.user, *PAGE_ROLES["figures"]):
        raise Http404
    areas = list(figures.areas_for(request.user))
    if not areas:
        raise Http404
    chosen = request.GET.get("area", "")
    embedded = bool(request.GET.get("panel"))  # the panel on a street's or community's page
    found = next((a for a in areas if str(a.pk) == chosen), None)
    if embedded and found is None:
        raise Http404
    area = found or areas[0]
    today = timezone.localdate()
    start = ledger.parse_day(request.GET.get("from")) or today.replace(day=1)
    end = ledger.parse_day(request.GET.get("to")) or today
    if end < start:
        start, end = end, start
    if (end - start).days > 366:
        start = end - timedelta(days=366)
    result = figures.compute(user=request.user, area=area, start=start, end=end)
    chart = {
        "days": [d.strftime("%m-%d") for d, _c, _r in result.by_day],
        "collected": [c for _d, c, _r in result.by_day],
        "resolved": [r for _d, _c, r in result.by_day],
        "categories": [name for name, _n in result.by_category[:10]][::-1],
        "category_counts": [n for _name, n in result.by_category[:10]][::-1],
        "labels": {"collected": _("Collected"), "resolved": pgettext("figure", "Resolved")},
    }
    period = f"area={area.pk}&from={start.isoformat()}&to={end.isoformat()}"
    return render(
        request,
        "demands/figures.html#panel" if embedded else "demands/figures.html",
        {
            "figures": result,
            "areas": areas,
            "area": area,
            "chart": chart,
            "period": period,
            "embedded": embedded,
        },
    )


def _import_path(user: Any, token: str) -> Path:
    # The user's id is part of the name: nobody can continue someone else's upload.
    return Path(settings.MEDIA_ROOT) / "imports" / f"{user.pk}-{uuid.UUID(token).hex}.xlsx"


@login_required
def import_ledger(request: HttpRequest) -> HttpResponse:
    """Upload an Excel ledger, match its columns, check every row, then record all or none."""
    from genxi.accounts.models import STAFF_ROLES
    from genxi.demands import imports
    from genxi.places.forms import staff_areas

    if not scoping.has_role(request.user, *STAFF_ROLES):
        raise Http404
    context: dict[str, Any] = {"fields": imports.FIELDS}
    token = request.POST.get("token", "")
    try:
        if request.method == "POST" and "file" in request.FILES:
            upload = request.FILES.get("file")
            assert isinstance(upload, UploadedFile)
            if upload.size and upload.size > imports.MAX_BYTES:
                raise imports.ImportFileError(
                    _("The file is larger than 20 MB. Split it into smaller files.")
                )
            data = upload.read()
            sheet = imports.read_sheet(data)
            token = uuid.uuid4().hex
            path = _import_path(request.user, token)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            context.update(
                token=token, sheet=sheet, mapping=imports.guess_mapping(sheet.headers), step="map"
            )
        elif request.method == "POST" and token:
            try:
                path = _import_path(request.user, token)
                data = path.read_bytes()
            except (ValueError, OSError) as exc:
                raise imports.ImportFileError(
                    _("The uploaded file is gone. Upload it again.")
                ) from exc
            sheet = imports.read_sheet(data)
            mapping = {name: parse_id(request.POST.get(name)) for name in imports.FIELDS}
            missing = [
                str(label)
                for name, (label, required, _a) in imports.FIELDS.items()
                if required and mapping[name] is None
            ]
            context.update(token=token, sheet=sheet, mapping=mapping, step="map")
            if missing:
                context["missing"] = missing
            else:
                communities = list(staff_areas(request.user, AreaKind.COMMUNITY))
                checked = imports.check(
                    sheet,
                    mapping,
                    communities=communities,
                    residents=Resident.objects.visible_to(request.user),
                )
                if checked.errors:
                    context.update(errors=checked.errors[:200], error_count=len(checked.errors))
                else:
                    made = imports.write(actor=request.user, rows=checked.rows)
                    path.unlink(missing_ok=True)
                    messages.success(request, _("%(n)s demands imported.") % {"n": made})
                    return redirect("demands:demand_list")
    except imports.ImportFileError as exc:
        context["file_error"] = str(exc)
    return render(request, "demands/import.html", context)
