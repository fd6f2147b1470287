import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES
from genxi.accounts.navigation import PAGE_ROLES
from genxi.core.phones import mask_phone
from genxi.core.services import ServiceError
from genxi.core.views import ScopedListView, ServiceFormView
from genxi.demands import figures, forms, services
from genxi.demands.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Demand,
    DemandEvent,
    DemandPhoto,
    DemandReporter,
    EventKind,
    ExtensionStatus,
    HandlingPath,
    Status,
    category_tree,
)
from genxi.places.models import STREET_KINDS, Area, AreaKind, Partner, Resident


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
        parent = Category.objects.filter(pk=parent_id).first() if parent_id.isdigit() else None
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


# The ledger's sort orders: (field, descending, label). Each pages by keyset on (field, id).
SORTS: dict[str, tuple[str, bool, Any]] = {
    "new": ("created_at", True, gettext_lazy("Newest first")),
    "old": ("created_at", False, gettext_lazy("Oldest first")),
    "due": ("resolution_due", False, gettext_lazy("Due soonest")),
}
OPEN_FILTER = "open"
CHOSEN = ("status", "category", "channel", "handler", "area", "place", "sort")
COMMUNITY_HANDLER = "community"


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

    def search(self, queryset: Any, text: str) -> Any:
        """Every word (separated by spaces) in the title, the details or the place's name (or its
        compound's); or
        a tracking code. Plain substring matching: Chinese has no spaces between words, and
        the scope and filters have already narrowed the rows by index."""
        words = text.split()[:5]
        if len(words) == 1 and words[0].upper().isalnum() and len(words[0]) == 8:
            code = Q(code=words[0].upper())
        else:
            code = Q(pk__in=[])
        match = Q()
        for word in words:
            match &= (
                Q(title__contains=word)
                | Q(description__contains=word)
                | Q(area__name__contains=word)
                | Q(area__parent__name__contains=word)  # a building's compound
            )
        return queryset.filter(match | code)

    def get_paginate_by(self, queryset: Any) -> None:  # type: ignore[override]
        return None  # keyset pagination below: a deep page costs what the first one does

    @property
    def sort(self) -> tuple[str, bool]:
        field, descending, _label = SORTS.get(self.request.GET.get("sort", ""), SORTS["new"])
        return field, descending

    def keyset_page(self, queryset: Any) -> tuple[list[Demand], str, str]:
        """One page after the cursor `after` (the sort field's value and the id of the last row
        seen), in the ledger's order; returns (rows, this cursor, next cursor)."""
        field, descending = self.sort
        cursor = self.request.GET.get("after", "")
        qs = queryset
        text, _sep, last_id = cursor.rpartition("_")
        try:
            value: Any = (
                datetime.fromisoformat(text) if field == "created_at" else date.fromisoformat(text)
            )
            if isinstance(value, datetime) and value.tzinfo is None:
                raise ValueError("a cursor's time carries its offset")
            pk = _id(last_id)
            if pk is None:
                raise ValueError("a cursor ends with an id")
            if isinstance(value, datetime):  # at the calendar's edge this overflows: here, not
                value = value.astimezone(UTC)  # in the database layer
            op = "lt" if descending else "gt"
            qs = qs.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}))
        except (ValueError, OverflowError):
            cursor = ""  # a damaged cursor: start from the first page
        size = settings.GENXI_PAGE_SIZE
        rows = list(qs[: size + 1])
        next_cursor = ""
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            next_cursor = f"{getattr(last, field).isoformat()}_{last.pk}"
        return rows, cursor, next_cursor

    def get_queryset(self) -> Any:
        field, descending = self.sort
        sign = "-" if descending else ""
        qs = (
            super()
            .get_queryset()
            # Counted per row shown (a correlated subquery), not grouped over the whole scope.
            .annotate(
                reporter_count=Coalesce(
                    Subquery(
                        DemandReporter.objects.filter(demand=OuterRef("pk"))
                        .order_by()
                        .values("demand")
                        .annotate(n=Count("id"))
                        .values("n")
                    ),
                    0,
                )
            )
            .order_by(f"{sign}{field}", f"{sign}id")
        )
        get = self.request.GET.get
        status = get("status", "")
        if status == OPEN_FILTER:
            qs = qs.open()
        elif status in Status.values:
            qs = qs.filter(status=status)
        elif status:
            qs = qs.none()
        category = get("category", "")
        if category:
            qs = qs.filter(category__in=_with_descendants(category))
        channel = get("channel", "")
        if channel:
            qs = qs.filter(channel=channel) if channel in Channel.values else qs.none()
        handler = get("handler", "")
        if handler == COMMUNITY_HANDLER:
            qs = qs.filter(path=HandlingPath.COMMUNITY)
        elif handler:
            qs = qs.filter(handler_partner=_id(handler)) if _id(handler) else qs.none()
        if get("overdue"):
            qs = qs.overdue()
        for param in ("place", "area"):  # a compound chosen within a community wins
            if get(param, ""):
                qs = qs.filter(_in_area(self.request.user, get(param, "")))
                break
        return self.in_period(qs)

    def in_period(self, qs: Any) -> Any:
        """`from`/`to` bound when the demand was recorded — or, with `event=<kind>`, when that
        step happened, or with `due=response|resolution`, when it fell due. The figures page
        links here with the same parameters, so each figure opens the rows behind it."""
        start, end = _day(self.request.GET.get("from")), _day(self.request.GET.get("to"))
        if not (start or end):
            return qs
        start, end = start or date(2000, 1, 1), end or date(2100, 12, 31)
        lo, hi = figures.bounds(start, end)
        event, due = self.request.GET.get("event", ""), self.request.GET.get("due", "")
        if event in EventKind.values:
            matching = DemandEvent.objects.filter(kind=event, at__gte=lo, at__lt=hi)
            area = _area(self.request.user, self.request.GET.get("area", ""))
            if area is not None:  # the figures' links: the area's communities, by index
                matching = matching.filter(
                    community__in=Area.objects.subtree(area).filter(kind=AreaKind.COMMUNITY)
                )
            return qs.filter(pk__in=matching.values("demand"))
        if due in ("response", "resolution"):
            return qs.filter(**{f"{due}_due__gte": start, f"{due}_due__lte": end})
        return qs.filter(created_at__gte=lo, created_at__lt=hi)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        queryset = context["object_list"]
        rows, cursor, next_cursor = self.keyset_page(queryset)
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
            open_filter=OPEN_FILTER,
            channels=Channel.choices,
            sorts=[(key, label) for key, (_f, _d, label) in SORTS.items()],
            categories=category_tree(Category.objects.all()),
            overdue_filter=bool(get("overdue")),
            chosen={k: get(k, "") for k in CHOSEN},
            community_handler=COMMUNITY_HANDLER,
            handlers=Partner.objects.visible_to(user).filter(is_active=True).order_by("name"),
            areas=Area.objects.visible_to(user)
            .filter(kind__in=[*STREET_KINDS, AreaKind.COMMUNITY])
            .order_by("path"),
            compounds=_compounds_of(user, get("area", "")),
        )
        from genxi.accounts.models import STAFF_ROLES

        context["can_import"] = scoping.has_role(user, *STAFF_ROLES)
        context["kept"] = {k: get(k, "") for k in ("from", "to", "event", "due")}
        return context


def _id(text: str) -> int | None:
    """A primary key from a query parameter, or None: ASCII digits only ("²".isdigit() is
    True), and not so many that the database would refuse the number."""
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None


def _with_descendants(category_id: str) -> list[int]:
    """A category and everything under it (the tree is three levels at most)."""
    root = _id(category_id)
    if root is None:
        return []
    children: dict[int | None, list[int]] = {}
    for pk, parent in Category.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, frontier = [root], [root]
    while frontier:
        frontier = [c for p in frontier for c in children.get(p, [])]
        found += frontier
    return found


def _in_area(user: Any, area_id: str) -> Q:
    """Demands in an area the user may see: a street or a community by its own column (an
    index in ledger order), a compound, building or grid by the place's path."""
    area = _area(user, area_id)
    if area is None:
        return Q(pk__in=[])
    if area.kind in STREET_KINDS:
        return Q(street=area)
    if area.kind == AreaKind.COMMUNITY:
        return Q(community=area)
    if area.kind == AreaKind.GRID:
        return Q(area__grid=area)
    return scoping.path_range_q("area__path", [area.path])


def _area(user: Any, area_id: str) -> Area | None:
    pk = _id(area_id)
    return Area.objects.visible_to(user).filter(pk=pk).first() if pk else None


def _compounds_of(user: Any, area_id: str) -> Any:
    """The compounds offered once a community is chosen."""
    pk = _id(area_id)
    if pk is None:
        return Area.objects.none()
    return (
        Area.objects.visible_to(user)
        .filter(parent_id=pk, parent__kind=AreaKind.COMMUNITY, kind=AreaKind.COMPOUND)
        .order_by("name")
    )


def _day(text: str | None) -> date | None:
    """A date from a query parameter, within 2000–2100 (None otherwise)."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return day if day is not None and date(2000, 1, 1) <= day <= date(2100, 12, 31) else None


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
            pk__in=[p for p in picked if str(p).isdigit()]
        )
        return context

    def perform(self, form: Any) -> Any:
        return services.collect_demand(actor=self.request.user, **self.service_kwargs(form))


# What each action on the demand page needs: its form, the permission, the statuses it applies
# to, and the service call.
ACTIONS: dict[str, tuple[Any, str, frozenset[str], Any]] = {
    "accept": (
        forms.EmptyForm,
        "demands.manage_demand",
        frozenset({Status.COLLECTED}),
        lambda a, d, f: services.accept(actor=a, demand=d),
    ),
    "refer": (
        forms.ReasonForm,
        "demands.manage_demand",
        frozenset({Status.COLLECTED, Status.ACCEPTED}),
        lambda a, d, f: services.refer(actor=a, demand=d, reason=f["reason"]),
    ),
    "verify": (
        forms.FindingsForm,
        "demands.manage_demand",
        frozenset({Status.ACCEPTED}),
        lambda a, d, f: services.verify(
            actor=a, demand=d, findings=f["findings"], photos=f["photos"]
        ),
    ),
    "assign": (
        forms.AssignForm,
        "demands.manage_demand",
        frozenset({Status.VERIFIED}),
        lambda a, d, f: services.assign(
            actor=a, demand=d, path=f["path"], partner=f["partner"], note=f["note"]
        ),
    ),
    "start": (
        forms.StartForm,
        "demands.handle_demand",
        frozenset({Status.ASSIGNED}),
        lambda a, d, f: services.start_handling(actor=a, demand=d, expected_on=f["expected_on"]),
    ),
    "send_back": (
        forms.ReasonForm,
        "demands.handle_demand",
        frozenset({Status.ASSIGNED, Status.IN_PROGRESS}),
        lambda a, d, f: services.send_back(actor=a, demand=d, reason=f["reason"]),
    ),
    "update": (
        forms.UpdateForm,
        "demands.handle_demand",
        frozenset({Status.ASSIGNED, Status.IN_PROGRESS}),
        lambda a, d, f: services.post_update(actor=a, demand=d, text=f["text"], public=f["public"]),
    ),
    "resolve": (
        forms.ResolveForm,
        "demands.handle_demand",
        frozenset({Status.IN_PROGRESS}),
        lambda a, d, f: services.resolve(actor=a, demand=d, result=f["result"], photos=f["photos"]),
    ),
    "callback": (
        forms.CallbackForm,
        "demands.call_back_demand",
        frozenset({Status.RESOLVED}),
        lambda a, d, f: services.record_callback(
            actor=a, demand=d, resident=f["resident"], result=f["result"], comment=f["comment"]
        ),
    ),
    "close": (
        forms.EmptyForm,
        "demands.manage_demand",
        frozenset({Status.RESOLVED}),
        lambda a, d, f: services.close_out(actor=a, demand=d),
    ),
    "add_reporters": (
        forms.AddReportersForm,
        "demands.add_demand",
        frozenset(
            {
                Status.COLLECTED,
                Status.ACCEPTED,
                Status.VERIFIED,
                Status.ASSIGNED,
                Status.IN_PROGRESS,
            }
        ),
        lambda a, d, f: [
            services.add_reporter(actor=a, demand=d, resident=r) for r in f["reporters"]
        ],
    ),
    "merge": (
        forms.MergeForm,
        "demands.manage_demand",
        frozenset({Status.COLLECTED, Status.ACCEPTED, Status.VERIFIED}),
        lambda a, d, f: services.merge(actor=a, duplicate=d, into=f["into"]),
    ),
    "extend": (
        forms.ExtensionForm,
        "demands.handle_demand",
        frozenset({Status.ASSIGNED, Status.IN_PROGRESS}),
        lambda a, d, f: services.request_extension(
            actor=a, demand=d, new_due=f["new_due"], reason=f["reason"]
        ),
    ),
    "decide_extension": (
        forms.DecisionForm,
        "demands.manage_demand",
        frozenset({Status.ASSIGNED, Status.IN_PROGRESS}),
        lambda a, d, f: services.decide_extension(
            actor=a,
            extension=d.extensions.get(status=ExtensionStatus.PENDING),
            approve=f["decision"] == "approve",
            note=f["note"],
        ),
    ),
    "withdraw": (
        forms.ReasonForm,
        "demands.manage_demand",
        frozenset(
            {
                Status.COLLECTED,
                Status.ACCEPTED,
                Status.VERIFIED,
                Status.ASSIGNED,
                Status.IN_PROGRESS,
            }
        ),
        lambda a, d, f: services.withdraw(actor=a, demand=d, reason=f["reason"]),
    ),
}
ACTION_LABELS = {
    "accept": gettext_lazy("Accept"),
    "refer": gettext_lazy("Refer elsewhere"),
    "verify": gettext_lazy("Record the on-site check"),
    "assign": gettext_lazy("Decide who handles it"),
    "start": gettext_lazy("Take it on"),
    "send_back": gettext_lazy("Send back"),
    "update": gettext_lazy("Post progress"),
    "resolve": gettext_lazy("Mark resolved"),
    "callback": gettext_lazy("Record a call-back"),
    "close": gettext_lazy("Close out"),
    "add_reporters": gettext_lazy("Add residents who raised it too"),
    "merge": gettext_lazy("Merge into another demand"),
    "extend": gettext_lazy("Ask for more time"),
    "decide_extension": gettext_lazy("Decide on the request for more time"),
    "withdraw": gettext_lazy("Withdraw"),
}


SECONDARY_ACTIONS = frozenset({"refer", "send_back", "merge", "withdraw", "extend"})


def _make_form(name: str, demand: Demand, user: Any, data: Any = None, files: Any = None) -> Any:
    form_class = ACTIONS[name][0]
    if form_class in (forms.AssignForm, forms.AddReportersForm):
        return form_class(data, files, user=user, prefix=name)
    if form_class is forms.MergeForm:
        return form_class(data, files, user=user, demand=demand, prefix=name)
    if form_class is forms.CallbackForm:
        return form_class(data, files, demand=demand, prefix=name)
    return form_class(data, files, prefix=name)


def _available(demand: Demand, user: Any) -> list[str]:
    names = []
    pending = demand.extensions.filter(status=ExtensionStatus.PENDING).exists()
    for name, (_form, permission, statuses, _call) in ACTIONS.items():
        if demand.status not in statuses or not user.has_perm(permission, demand):
            continue
        if name == "send_back" and demand.path != HandlingPath.PARTNER:
            continue
        if (name == "decide_extension") != pending and name in ("extend", "decide_extension"):
            continue  # ask while none is pending; decide while one is
        names.append(name)
    return names


def _render_demand(
    request: HttpRequest, demand: Demand, bound: Any = None, status: int = 200
) -> HttpResponse:
    user = request.user
    actions = []
    for name in _available(demand, user):
        form = (
            bound if bound is not None and bound.prefix == name else _make_form(name, demand, user)
        )
        actions.append(
            {
                "name": name,
                "label": ACTION_LABELS[name],
                "form": form,
                # Rare or final steps sit folded below the usual next step.
                "secondary": name in SECONDARY_ACTIONS,
            }
        )
    reporters = list(demand.reporters.select_related("resident__area"))
    for reporter in reporters:
        reporter.masked_phone = mask_phone(reporter.resident.phone)  # type: ignore[attr-defined]
    return render(
        request,
        "demands/demand_detail.html",
        {
            "object": demand,
            "actions": actions,
            "reporters": reporters,
            "events": demand.events.select_related("actor"),
            "callbacks": demand.callbacks.select_related("resident"),
            "extensions": demand.extensions.select_related("requested_by", "decided_by"),
            "photos": demand.photos.all(),
        },
        status=status,
    )


def _scoped_demand(request: HttpRequest, pk: int) -> Demand:
    """The demand if the user's roles open demand pages and it is theirs to see; else 404."""
    if not scoping.has_role(request.user, *PAGE_ROLES["demands"]):
        raise Http404
    return get_object_or_404(
        Demand.objects.visible_to(request.user).select_related(
            "category", "community", "area", "handler_partner"
        ),
        pk=pk,
    )


@login_required
def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_demand(request, _scoped_demand(request, pk))


@login_required
@require_POST
def demand_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    demand = _scoped_demand(request, pk)
    _form_class, permission, _statuses, call = ACTIONS[action]
    if not request.user.has_perm(permission, demand):
        raise Http404
    form = _make_form(action, demand, request.user, request.POST, request.FILES)
    if form.is_valid():
        try:
            call(request.user, demand, form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            if exc.field not in form.fields:
                # The action may no longer be offered (someone moved the demand on): say why
                # at the top of the page, where it is seen.
                messages.error(request, exc.message)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[action]})
            return redirect(demand)
    # Re-read: a refused step may have met a demand someone else just moved on.
    return _render_demand(request, _scoped_demand(request, pk), bound=form, status=400)


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
        demand.events.filter(public=True).only("kind", "at", "note") if demand is not None else []
    )
    return render(
        request,
        "demands/track.html",
        {
            "code": code,
            "demand": demand,
            "events": events,
            "not_found": bool(code) and demand is None,
        },
    )


@login_required
def demand_photo(request: HttpRequest, pk: int, photo: int) -> FileResponse:
    """A demand's photo, for those who may see the demand (photos are never public files)."""
    item = get_object_or_404(DemandPhoto, demand=_scoped_demand(request, pk), pk=photo)
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    """The figures of a community or street for a period, with charts; each links to its rows."""
    if not scoping.has_role(request.user, *PAGE_ROLES["figures"]):
        raise Http404
    # Only areas under the user's area roles: there every demand of the area is theirs to count.
    within = scoping.path_range_q("path", scoping.scope_paths(request.user, AREA_ROLES))
    areas = list(
        Area.objects.filter(within if not scoping.is_superuser(request.user) else Q()).of_kind(
            AreaKind.STREET, AreaKind.TOWN, AreaKind.COMMUNITY
        )
    )
    if not areas:
        raise Http404
    chosen = request.GET.get("area", "")
    embedded = bool(request.GET.get("panel"))  # the panel on a street's or community's page
    found = next((a for a in areas if str(a.pk) == chosen), None)
    if embedded and found is None:
        raise Http404
    area = found or areas[0]
    today = timezone.localdate()
    start = _day(request.GET.get("from")) or today.replace(day=1)
    end = _day(request.GET.get("to")) or today
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
            mapping = {
                name: int(request.POST[name]) if request.POST.get(name, "").isdigit() else None
                for name in imports.FIELDS
            }
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
