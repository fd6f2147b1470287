"""The demand pages: categories, the ledger, intake, one demand and its steps, the figures,
the Excel import, public tracking, and residents' own pages. Function views throughout."""

import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from genxi.accounts import scoping
from genxi.accounts.models import STAFF_ROLES
from genxi.accounts.rules import require
from genxi.core.params import parse_id
from genxi.core.phones import mask_phone
from genxi.core.services import ServiceError
from genxi.core.views import guard_form, safe_next, service_kwargs, show_refusal
from genxi.demands import actions, advice, figures, forms, imports, ledger, services, worklists
from genxi.demands import export as ledger_export
from genxi.demands.models import (
    Category,
    Channel,
    Demand,
    DemandPhoto,
    HandlingPath,
    PhotoKind,
    Status,
    category_tree,
    handed_on_by,
)
from genxi.places import services as places_services
from genxi.places.models import STREET_KINDS, Area, AreaKind, Partner, Resident


@login_required
def category_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "accounts.open_settings")
    categories = category_tree(Category.objects.visible_to(request.user))
    return render(
        request,
        "demands/category_list.html",
        {
            "categories": categories,
            "can_change": request.user.has_perm("demands.change_category"),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def category_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "demands.add_category")
    require(request.user, "accounts.open_settings")
    initial: dict[str, Any] = {}
    parent = Category.objects.filter(pk=parse_id(request.GET.get("parent", "")) or 0).first()
    if parent is not None:
        # A child starts with its parent's deadlines.
        initial.update(
            parent=parent.pk,
            response_days=parent.response_days,
            resolution_days=parent.resolution_days,
        )
    data = request.POST if request.method == "POST" else None
    form = forms.CategoryForm(data, user=request.user, initial=initial)
    guard_form(form)
    if form.is_bound and form.is_valid():
        try:
            category = services.create_category(actor=request.user, **service_kwargs(form))
        except (ServiceError, ValidationError) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(category)
    return render(
        request,
        "includes/object_form.html",
        {
            "form": form,
            "title": _("New demand category"),
            "object": None,
            "cancel_url": safe_next(request, request.GET.get("next", "")),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category.objects.visible_to(request.user), pk=pk)
    require(request.user, "demands.change_category", category)
    require(request.user, "accounts.open_settings")
    data = request.POST if request.method == "POST" else None
    form = forms.CategoryForm(data, user=request.user, instance=category)
    guard_form(form, category)
    if form.is_bound and form.is_valid():
        try:
            services.update_category(
                actor=request.user, category=category, **service_kwargs(form, category)
            )
        except (ServiceError, ValidationError) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(category)
    return render(
        request,
        "includes/object_form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": category},
            "object": category,
            "cancel_url": category.get_absolute_url(),
        },
    )


# ---------------------------------------------------------------- demands


@login_required
@require_safe
def demand_list(request: HttpRequest) -> HttpResponseBase:
    """The ledger (台账): filters, search, sort, keyset pages, counts and the Excel export."""
    require(request.user, "demands.open_ledger")
    user = request.user
    get = request.GET.get
    queryset = ledger.filtered(user, request.GET).select_related(
        "category", "community", "area", "handler_partner"
    )
    if get("format") == "xlsx":
        # The export's columns and rows: genxi.demands.export (a sheet staff can hand in).
        return ledger_export.ledger_xlsx(queryset)
    # Keyset pagination: a deep page costs what the first one does.
    rows, cursor, next_cursor = ledger.page(
        queryset, sort=get("sort", ""), after=get("after", ""), size=settings.GENXI_PAGE_SIZE
    )
    params = request.GET.copy()
    params.pop("after", None)
    context = {
        "list_title": gettext_lazy("Demands"),
        "row_template": "demands/rows/demand.html",
        "filters_template": "demands/filters/demand.html",
        "search_placeholder": gettext_lazy(
            "Words in the title or details, a place, or a tracking code"
        ),
        "create_label": gettext_lazy("Record a demand"),
        "q": get("q", ""),
        "active_filters": {},
        "can_export": True,
        "object_list": rows,
        "total": queryset.order_by().count(),
        "keyset": True,
        "cursor": cursor,
        "next_cursor": next_cursor,
        "querystring_without_cursor": params.urlencode(),
        # The export link takes every filtered row, not the rows after the cursor.
        "querystring": params.urlencode(),
        "statuses": Status.choices,
        "open_filter": ledger.OPEN_FILTER,
        "channels": Channel.choices,
        "sorts": [(key, label) for key, (_f, _d, label) in ledger.SORTS.items()],
        "categories": category_tree(Category.objects.all()),
        "overdue_filter": bool(get("overdue")),
        "chosen": {k: get(k, "") for k in ledger.FILTERS},
        "community_handler": ledger.COMMUNITY_HANDLER,
        "handlers": Partner.objects.visible_to(user).filter(is_active=True).order_by("name"),
        "areas": Area.objects.visible_to(user)
        .filter(kind__in=[*STREET_KINDS, AreaKind.COMMUNITY])
        .order_by("path"),
        "compounds": ledger.compounds_of(user, get("area", "")),
        "can_import": scoping.has_role(user, *STAFF_ROLES),
        "kept": {k: get(k, "") for k in ("from", "to", "event", "due")},
        "todos": worklists.TODO_CHOICES,
    }
    if user.has_perm("demands.add_demand"):
        context["create_url"] = reverse("demands:demand_create")
    # htmx (a search typed, a filter changed): only the results.
    partial = getattr(request, "htmx", False) and not request.htmx.boosted  # type: ignore[attr-defined]
    template = "includes/list_page.html"
    return render(request, f"{template}#results" if partial else template, context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def demand_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "demands.add_demand")
    require(request.user, "demands.open_ledger")
    form = forms.DemandForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        user=request.user,
    )
    guard_form(form)
    adviser = advice.adviser()
    if form.is_bound and form.is_valid():
        try:
            demand = services.collect_demand(actor=request.user, **service_kwargs(form))
            # What the adviser suggested against the category chosen: its next lesson.
            adviser.recorded(actor=request.user, demand=demand, shown=request.POST)
        except (ServiceError, ValidationError) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(demand)
    picked = form["reporters"].value() or []
    return render(
        request,
        "demands/demand_form.html",
        {
            "form": form,
            "title": gettext_lazy("Record a demand"),
            "object": None,
            "cancel_url": safe_next(request, request.GET.get("next", "")),
            "picked": Resident.objects.visible_to(request.user).filter(
                pk__in=[p for p in picked if parse_id(str(p))]
            ),
            "intake_template": adviser.intake_template,
        },
    )


def _render_demand(
    request: HttpRequest,
    demand: Demand,
    bound: Any = None,
    status: int = 200,
    new_partner: Any = None,
) -> HttpResponse:
    user = request.user
    offered = []
    available = actions.available(demand, user)
    adviser = advice.adviser()
    handler_guess = None
    if "assign" in available:
        handler_guess = adviser.likely_handler(user=user, demand=demand)
    for name in available:
        action = actions.ACTIONS[name]
        form = (
            bound
            if bound is not None and bound.prefix == name
            else action.bind(demand, user, first=handler_guess.partner if handler_guess else None)
        )
        if name == "assign" and form is not bound:
            added = parse_id(request.GET.get("partner", ""))
            if added:  # a unit just added on the spot: chosen already
                form.initial.update({"path": HandlingPath.PARTNER, "partner": added})
        offered.append(
            {
                "name": name,
                "label": action.label,
                "form": form,
                # Rare or final steps sit folded below the usual next step.
                "secondary": action.secondary,
            }
        )
    if new_partner is None and "assign" in available and _may_add_partner(user, demand):
        new_partner = forms.NewPartnerForm(prefix="new_partner")
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
            "hint_template": adviser.hint_template,
            "new_partner": new_partner,
            # Handed on to another community or the street: this user reads, no longer acts.
            "handed_on": not user.has_perm("demands.manage_demand", demand)
            and handed_on_by(user).filter(demand=demand).exists(),
        },
        status=status,
    )


def _may_add_partner(user: Any, demand: Demand) -> bool:
    return bool(
        user.has_perm("demands.manage_demand", demand)
        and user.has_perm("places.add_partner", demand.community)
    )


@login_required
def pick_partner(request: HttpRequest, pk: int) -> HttpResponse:
    """The assign step's unit picker (htmx): the units that may take the demand whose name,
    pinyin or initials match, the likely handler first."""
    demand = actions.scoped_demand(request.user, pk)
    require(request.user, "demands.manage_demand", demand)
    guess = advice.adviser().likely_handler(user=request.user, demand=demand)
    first = guess.partner if guess else None
    text = request.GET.get("q", "")[:50]
    matches = forms.matching_partners(forms.assignable_partners(demand, request.user), text, first)
    return render(
        request,
        "demands/includes/partner_options.html",
        {
            "matches": matches,
            "groups": forms.partner_groups(matches, first, demand.community),
            "q": text.strip(),
        },
    )


@login_required
@require_POST
def add_partner(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a unit with the demand's community from the assign step, then offer it."""
    demand = actions.scoped_demand(request.user, pk)
    if "assign" not in actions.available(demand, request.user) or not _may_add_partner(
        request.user, demand
    ):
        raise Http404
    form = forms.NewPartnerForm(request.POST, prefix="new_partner")
    if form.is_valid():
        try:
            partner = places_services.create_partner(
                actor=request.user,
                name=form.cleaned_data["name"].strip(),
                kind=form.cleaned_data["kind"],
                area=demand.community,
            )
        except ServiceError as exc:
            form.add_error("name" if exc.field in (None, "name") else None, exc.message)
        else:
            messages.success(
                request,
                _("%(name)s is registered with %(community)s and chosen below.")
                % {"name": partner.name, "community": demand.community.name},
            )
            return redirect(f"{demand.get_absolute_url()}?partner={partner.pk}#act-assign")
    return _render_demand(request, demand, new_partner=form, status=400)


@login_required
def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_demand(request, actions.scoped_demand(request.user, pk))


@login_required
@require_POST
def demand_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    step = actions.ACTIONS.get(action)
    if step is None:
        raise Http404
    demand = actions.scoped_demand(request.user, pk)
    require(request.user, step.permission, demand)
    adviser = advice.adviser()
    guess = None
    if step.name == "assign":  # what the assign form suggested, before this assignment counts
        guess = adviser.likely_handler(user=request.user, demand=demand)
    form = step.bind(
        demand, request.user, request.POST, request.FILES, first=guess.partner if guess else None
    )
    if form.is_valid():
        try:
            actions.perform(step, actor=request.user, demand=demand, data=form.cleaned_data)
        except ServiceError as exc:
            show_refusal(form, exc)
            if exc.field not in form.fields:
                # The action may no longer be offered (someone moved the demand on): say why
                # at the top of the page, where it is seen.
                messages.error(request, exc.message)
        else:
            if step.name == "assign":
                demand.refresh_from_db(fields=["path", "handler_partner"])
                adviser.assigned(actor=request.user, demand=demand, guess=guess)
            messages.success(request, _("Done: %(action)s.") % {"action": step.label})
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
    # A look-up keeps where the first visit came from (the form carries it as `back`).
    for url in (request.GET.get("back", ""), request.headers.get("referer", "")):
        if safe_next(request, url):
            came_from = urlsplit(url)
            if came_from.path.startswith("/") and came_from.path != request.path:
                return came_from.path + (f"?{came_from.query}" if came_from.query else "")
    return reverse("home:home")


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
    require(request.user, "demands.open_figures")
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


@login_required
def import_ledger(request: HttpRequest) -> HttpResponse:
    """Upload an Excel ledger, match its columns, check every row, then record all or none."""
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
            # Read once: the rows are kept for the next step, the file itself is not.
            sheet = imports.read_sheet(upload.read())
            token = imports.save_upload(request.user, sheet)
            context.update(
                token=token, sheet=sheet, mapping=imports.guess_mapping(sheet.headers), step="map"
            )
        elif request.method == "POST" and token:
            sheet = imports.load_upload(request.user, token)
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
                communities = list(Area.objects.run_by(request.user))
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
                    imports.discard_upload(request.user, token)
                    messages.success(request, _("%(n)s demands imported.") % {"n": made})
                    return redirect("demands:demand_list")
    except imports.ImportFileError as exc:
        context["file_error"] = str(exc)
    return render(request, "demands/import.html", context)


# ---------------------------------------------------------------- residents' own pages
# A resident raises demands, follows them (status and public notes, never staff's notes) and
# answers the call-back online. The ledger's pages stay the staff's.


def _resident_of(user: Any) -> Resident | None:
    """The user's resident record (the first, if several homes), or None when the community
    has not linked one to the account yet: 404 for anyone who is not a resident."""
    require(user, "demands.open_my_demands")
    return Resident.objects.filter(user=user).select_related("area").order_by("pk").first()


def for_residents_too(view: Any, resident_url: str) -> Any:
    """A staff page that sends a resident (who has no staff role) to their own page instead."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        user = request.user
        if (
            user.is_authenticated
            and not user.has_perm("demands.open_ledger")
            and user.has_perm("demands.open_my_demands")
        ):
            return redirect(resident_url)
        return view(request, *args, **kwargs)

    return wrapped


@login_required
def my_demands(request: HttpRequest) -> HttpResponse:
    resident = _resident_of(request.user)
    demands = worklists.my_demands(request.user).select_related("area", "category")[:100]
    waiting = set(worklists.awaiting_my_answer(request.user).values_list("pk", flat=True))
    return render(
        request,
        "demands/my_demands.html",
        {"resident": resident, "demands": demands, "waiting": waiting},
    )


@login_required
def my_demand_create(request: HttpRequest) -> HttpResponse:
    resident = _resident_of(request.user)
    if resident is None:  # no home on record: say whom to ask (the page lists the demands)
        return redirect("demands:my_demands")
    form = forms.ResidentDemandForm(request.POST or None, request.FILES or None, resident=resident)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token = uuid.UUID(request.POST.get("form_token", ""))
        except ValueError:
            token = None
        try:
            demand = services.collect_demand(
                actor=request.user,
                title=data["title"],
                category=data["category"],
                area=data["area"],
                channel=Channel.WEB,
                reporters=[resident],
                description=data["description"],
                photos=data["photos"],
                token=token,
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            text = _("Your demand is recorded. Its tracking code is %(code)s.")
            messages.success(request, text % {"code": demand.code})
            return redirect("demands:my_demand", pk=demand.pk)
    return render(
        request,
        "demands/my_demand_form.html",
        {"form": form, "form_token": request.POST.get("form_token") or uuid.uuid4()},
        status=400 if form.is_bound else 200,
    )


@login_required
def my_demand(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the resident's demands: status, dates, public notes, and their call-back."""
    me = _resident_of(request.user)  # one resident record a user (Resident.user is 1:1)
    demand = get_object_or_404(
        worklists.my_demands(request.user).select_related("area__parent", "category"), pk=pk
    )
    if me is None:  # cannot be: the demand is theirs through their resident record
        raise Http404
    waiting = worklists.awaiting_my_answer(request.user).filter(pk=demand.pk).exists()
    form = forms.MyCallbackForm(request.POST or None) if waiting else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This demand is not waiting for your answer any more."))
            return redirect("demands:my_demand", pk=demand.pk)
        if form.is_valid():
            try:
                services.record_callback(
                    actor=request.user,
                    demand=demand,
                    resident=me,
                    result=form.cleaned_data["result"],
                    comment=form.cleaned_data["comment"],
                )
            except ServiceError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Thank you: your answer is recorded."))
                return redirect("demands:my_demand", pk=demand.pk)
    # Each step (without staff's notes), and the notes staff made public.
    events = [
        e
        for e in demand.events.only("kind", "at", "note", "public", "to_status")
        if e.public or e.to_status
    ]
    mine = demand.callbacks.filter(resident=me).order_by("at")
    # The details and photos are the resident's own only when they raised it online: written
    # on a home visit or by another reporter, they may describe someone else.
    own = demand.created_by_id == request.user.pk
    return render(
        request,
        "demands/my_demand.html",
        {
            "demand": demand,
            "events": events,
            "form": form,
            "my_callbacks": mine,
            "own": own,
            "photos": demand.photos.filter(kind=PhotoKind.INTAKE) if own else [],
        },
        status=400 if form is not None and form.is_bound else 200,
    )


@login_required
def my_demand_photo(request: HttpRequest, pk: int, photo: int) -> FileResponse:
    """A photo the resident raised their demand with online (others' photos, and the staff's
    on-site ones, are not theirs to see)."""
    _resident_of(request.user)
    demand = get_object_or_404(worklists.my_demands(request.user), pk=pk, created_by=request.user)
    item = get_object_or_404(DemandPhoto, demand=demand, pk=photo, kind=PhotoKind.INTAKE)
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
