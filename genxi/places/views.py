"""Places and people pages: declarative views over the generic scoped views in core.views."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, STAFF_ROLES, Role
from genxi.accounts.rules import require
from genxi.core.audit import log_action
from genxi.core.params import parse_id
from genxi.core.paths import path_range_q
from genxi.core.phones import mask_phone
from genxi.core.services import ServiceError
from genxi.core.views import (
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    safe_next,
    show_refusal,
)
from genxi.places import feeds, forms, services
from genxi.places.models import (
    ALLOWED_PARENTS,
    STREET_KINDS,
    Area,
    AreaKind,
    BookingPurpose,
    BookingStatus,
    Partner,
    PartnerContact,
    PartyOrg,
    Resident,
    Tag,
    Venue,
    VenueBooking,
)

# ---------------------------------------------------------------- areas


class AreaList(ScopedListView):
    """The browser's first page: the areas where the user holds a role (or every match)."""

    model = Area
    page_perm = "places.open_areas"
    template_name = "places/area_list.html"
    filters = {"kind": "kind"}

    def base_queryset(self) -> Any:
        qs = Area.objects.visible_to(self.request.user)
        if self.request.GET.get("q") or self.request.GET.get("kind"):
            return qs
        return qs.tops_for(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["counts"] = subtree_counts(self.request.user, context["object_list"])
        context["kinds"] = AreaKind.choices
        return context


def subtree_counts(user: Any, areas: Any) -> dict[int, dict[str, int]]:
    """Residents and venues `user` can see under each area, and its children: grouped queries."""
    areas = list(areas)
    if not areas:
        return {}
    counts: dict[int, dict[str, int]] = {
        a.pk: {"residents": 0, "children": 0, "venues": 0} for a in areas
    }
    by_path = {a.path: a.pk for a in areas}
    for length in {len(a.path) for a in areas}:
        # Paths of one length never nest: one range each.
        within = path_range_q("area__path", [p for p in by_path if len(p) == length])
        for model, key in ((Resident, "residents"), (Venue, "venues")):
            rows = (
                model.objects.visible_to(user)
                .filter(within)
                .annotate(prefix=Substr("area__path", 1, length))
                .values("prefix")
                .annotate(n=Count("id"))
            )
            for row in rows:
                if row["prefix"] in by_path:
                    counts[by_path[row["prefix"]]][key] = row["n"]
    for row in (
        Area.objects.filter(parent__in=by_path.values()).values("parent").annotate(n=Count("id"))
    ):
        counts[row["parent"]]["children"] = row["n"]
    return counts


class AreaDetail(ScopedDetailView):
    model = Area
    page_perm = "places.open_areas"
    template_name = "places/area_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        area: Area = self.object
        user = self.request.user
        visible = set(
            Area.objects.visible_to(user)
            .filter(pk__in=area.ancestor_ids())
            .values_list("pk", flat=True)
        )
        context["breadcrumbs"] = [(a, a.pk in visible) for a in area.ancestors()]
        children = list(area.children.order_by("kind", "name").select_related("grid"))
        context["children"] = children
        context["counts"] = subtree_counts(user, [area, *children])
        context["venues"] = Venue.objects.visible_to(user).filter(area=area)
        context["party_orgs"] = PartyOrg.objects.visible_to(user).filter(area=area)
        context["grid_buildings"] = (
            area.grid_buildings.order_by("path") if area.kind == AreaKind.GRID else []
        )
        # A street's or community's page shows this month's demand figures (loaded by htmx).
        context["show_figures"] = (
            area.kind
            in (
                *STREET_KINDS,
                AreaKind.COMMUNITY,
            )
            and user.has_perm("demands.open_figures")
            and scoping.covers(user, area.path, AREA_ROLES)
        )
        context["child_kinds"] = [
            (kind, label) for kind, label in AreaKind.choices if area.kind in ALLOWED_PARENTS[kind]
        ]
        context["can_add"] = user.has_perm("places.add_area", area)
        context["can_change"] = user.has_perm("places.change_area", area)
        return context


class AreaCreate(ServiceFormView):
    form_class = forms.AreaForm
    page_perm = "places.open_areas"
    permission = "places.add_area"

    def get_object(self) -> Any:
        self.parent = get_object_or_404(
            Area.objects.visible_to(self.request.user), pk=self.kwargs["parent"]
        )
        self.kind = self.kwargs["kind"]
        if self.kind not in AreaKind.values or self.parent.kind not in ALLOWED_PARENTS[self.kind]:
            raise Http404
        return None

    def permission_object(self) -> Any:
        return self.parent

    @property
    def title(self) -> str:
        return _("New %(kind)s in %(parent)s") % {
            "kind": AreaKind(self.kind).label,
            "parent": self.parent,
        }

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "parent": self.parent, "kind": self.kind}

    def perform(self, form: Any) -> Any:
        return services.create_area(
            actor=self.request.user, kind=self.kind, parent=self.parent, **self.service_kwargs(form)
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "cancel_url": self.parent.get_absolute_url()}


class ObjectEdit(ServiceFormView):
    """Edit one scoped object through its update service."""

    model: Any = None
    update: Any = None
    object_arg = ""

    def get_object(self) -> Any:
        return get_object_or_404(
            self.model.objects.visible_to(self.request.user), pk=self.kwargs["pk"]
        )

    @property
    def title(self) -> str:
        return _("Edit %(name)s") % {"name": self.object}

    def perform(self, form: Any) -> Any:
        type(self).update(
            actor=self.request.user, **{self.object_arg: self.object}, **self.service_kwargs(form)
        )
        return self.object


class ObjectCreate(ServiceFormView):
    create: Any = None
    noun: Any = ""  # a lazy label

    @property
    def title(self) -> str:
        return _("New %(noun)s") % {"noun": self.noun}

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        for key in ("area", "community", "partner"):
            if key in self.request.GET:
                initial[key] = self.request.GET[key]
        return initial

    def perform(self, form: Any) -> Any:
        return type(self).create(actor=self.request.user, **self.service_kwargs(form))


class AreaEdit(ObjectEdit):
    model = Area
    page_perm = "places.open_areas"
    form_class = forms.AreaForm
    permission = "places.change_area"
    update = services.update_area
    object_arg = "area"


# ---------------------------------------------------------------- party organisations


class PartyOrgList(ScopedListView):
    model = PartyOrg
    list_title = gettext_lazy("Party organisations")
    row_template = "places/rows/partyorg.html"
    filters_template = "places/filters/kind.html"
    create_url_name = "places:partyorg_create"
    create_permission = "places.add_partyorg"
    page_perm = "places.open_party_orgs"
    filters = {"kind": "kind"}
    select_related = ("area", "partner")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "kinds": PartyOrg._meta.get_field("kind").choices,
        }


class PartyOrgDetail(ScopedDetailView):
    model = PartyOrg
    page_perm = "places.open_party_orgs"
    template_name = "places/partyorg_detail.html"
    select_related = ("area", "parent", "partner")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # A higher organisation above the user's areas is named, not linked (its page is a 404).
        parent_id = self.object.parent_id
        context["parent_visible"] = bool(
            parent_id
            and PartyOrg.objects.visible_to(self.request.user).filter(pk=parent_id).exists()
        )
        return context


class PartyOrgCreate(ObjectCreate):
    page_perm = "places.open_party_orgs"
    form_class = forms.PartyOrgForm
    permission = "places.add_partyorg"
    create = services.create_party_org
    noun = gettext_lazy("party organisation")


class PartyOrgEdit(ObjectEdit):
    model = PartyOrg
    page_perm = "places.open_party_orgs"
    form_class = forms.PartyOrgForm
    permission = "places.change_partyorg"
    update = services.update_party_org
    object_arg = "org"


# ---------------------------------------------------------------- partners


class PartnerList(ScopedListView):
    model = Partner
    list_title = gettext_lazy("Partner units")
    row_template = "places/rows/partner.html"
    filters_template = "places/filters/kind.html"
    create_url_name = "places:partner_create"
    create_permission = "places.add_partner"
    page_perm = "places.open_partners"
    filters = {"kind": "kind"}
    select_related = ("area",)
    export_columns = [
        (gettext_lazy("Name"), lambda p: p.name),
        (gettext_lazy("Kind"), lambda p: p.get_kind_display()),
        (gettext_lazy("Registered with"), lambda p: p.area.name),
        (gettext_lazy("Address"), lambda p: p.address),
    ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "kinds": Partner._meta.get_field("kind").choices,
        }


class PartnerDetail(ScopedDetailView):
    model = Partner
    page_perm = "places.open_partners"
    template_name = "places/partner_detail.html"
    select_related = ("area",)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        partner: Partner = self.object
        context["can_change"] = self.request.user.has_perm("places.change_partner", partner)
        context["contacts"] = partner.contacts.all()
        context["party_orgs"] = partner.party_orgs.all()
        context["contact_form"] = kwargs.get("contact_form") or forms.PartnerContactForm()
        return context


class PartnerCreate(ObjectCreate):
    page_perm = "places.open_partners"
    form_class = forms.PartnerForm
    permission = "places.add_partner"
    create = services.create_partner
    noun = gettext_lazy("partner unit")


class PartnerEdit(ObjectEdit):
    model = Partner
    page_perm = "places.open_partners"
    form_class = forms.PartnerForm
    permission = "places.change_partner"
    update = services.update_partner
    object_arg = "partner"


@login_required
@require_POST
def partner_contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(Partner.objects.visible_to(request.user), pk=pk)
    if not request.user.has_perm("places.change_partner", partner):
        raise Http404
    form = forms.PartnerContactForm(request.POST)
    if form.is_valid():
        services.add_partner_contact(actor=request.user, partner=partner, **form.cleaned_data)
        messages.success(request, _("Contact added."))
        return redirect(partner)
    view = PartnerDetail()
    view.setup(request, pk=pk)
    view.object = partner
    return render(request, view.template_name, view.get_context_data(contact_form=form), status=400)


@login_required
@require_POST
def partner_contact_remove(request: HttpRequest, pk: int, contact: int) -> HttpResponse:
    partner = get_object_or_404(Partner.objects.visible_to(request.user), pk=pk)
    if not request.user.has_perm("places.change_partner", partner):
        raise Http404
    services.remove_partner_contact(
        actor=request.user, contact=get_object_or_404(PartnerContact, partner=partner, pk=contact)
    )
    messages.success(request, _("Contact removed."))
    return redirect(partner)


# ---------------------------------------------------------------- venues


class VenueList(ScopedListView):
    model = Venue
    list_title = gettext_lazy("Venues")
    row_template = "places/rows/venue.html"
    filters_template = "places/filters/kind.html"
    create_url_name = "places:venue_create"
    create_permission = "places.add_venue"
    page_perm = "places.open_venues"
    filters = {"kind": "kind"}
    select_related = ("area",)
    export_columns = [
        (gettext_lazy("Name"), lambda v: v.name),
        (gettext_lazy("Kind"), lambda v: v.get_kind_display()),
        (gettext_lazy("Area"), lambda v: v.area.name),
        (gettext_lazy("Address"), lambda v: v.address),
        (gettext_lazy("Capacity"), lambda v: v.capacity),
        (gettext_lazy("Opening hours"), lambda v: v.opening_hours),
    ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "kinds": Venue._meta.get_field("kind").choices,
        }


class VenueDetail(ScopedDetailView):
    model = Venue
    page_perm = "places.open_venues"
    template_name = "places/venue_detail.html"
    select_related = ("area",)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        venue: Venue = self.object
        context["can_request"] = self.request.user.has_perm("places.request_booking", venue)
        if context["can_change"] and venue.feed_token:
            context["feed_url"] = self.request.build_absolute_uri(
                reverse("places:venue_feed", args=[venue.feed_token])
            )
        return context


class VenueCreate(ObjectCreate):
    page_perm = "places.open_venues"
    form_class = forms.VenueForm
    permission = "places.add_venue"
    create = services.create_venue
    noun = gettext_lazy("venue")


class VenueEdit(ObjectEdit):
    model = Venue
    page_perm = "places.open_venues"
    form_class = forms.VenueForm
    permission = "places.change_venue"
    update = services.update_venue
    object_arg = "venue"


# ---------------------------------------------------------------- residents


class ResidentList(ScopedListView):
    model = Resident
    list_title = gettext_lazy("Residents")
    row_template = "places/rows/resident.html"
    filters_template = "places/filters/resident.html"
    search_placeholder = gettext_lazy("Name, pinyin initials or phone")
    create_url_name = "places:resident_create"
    create_permission = "places.add_resident"
    export_columns = [("", None)]  # built per request in export(): phone visibility varies
    page_perm = "places.open_residents"
    filters = {"tag": "tags"}
    select_related = ("area", "area__parent")

    def search(self, queryset: Any, text: str) -> Any:
        user = self.request.user
        return queryset.search(text, by_phone=scoping.has_role(user, *STAFF_ROLES, Role.PIONEER))

    def export(self, queryset: Any) -> HttpResponseBase:
        """Numbers come out in full only where the user may see them, and the export is logged."""
        user = self.request.user

        def phone(resident: Resident) -> str:
            if user.has_perm("places.view_resident_phone", resident):
                return resident.phone or ""
            return mask_phone(resident.phone)

        self.export_columns = [
            (pgettext("person", "Name"), lambda r: r.name),
            (_("Phone"), phone),
            (_("Compound"), lambda r: r.area.parent.name if r.area.kind == "building" else ""),
            (_("Building or compound"), lambda r: r.area.name),
            (_("Room"), lambda r: r.room),
            (_("Tags"), lambda r: "、".join(t.name for t in r.tags.all())),
            (_("Agrees to be contacted"), lambda r: _("Yes") if r.consent_to_contact else _("No")),
        ]
        log_action(
            actor=user,
            action="resident.export",
            changes={"query": self.request.GET.urlencode(), "rows": queryset.count()},
        )
        return super().export(queryset.select_related("area__parent", "area__grid"))

    def get_queryset(self) -> Any:
        qs = super().get_queryset().prefetch_related("tags")
        area_id = self.request.GET.get("area", "")
        if area_id:
            # Only an area the user can see narrows the list; anything else empties it.
            pk = parse_id(area_id)
            area = Area.objects.visible_to(self.request.user).filter(pk=pk).first() if pk else None
            qs = qs.filter(area__in=Area.objects.subtree(area)) if area else qs.none()
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        for resident in context["object_list"]:
            resident.masked_phone = mask_phone(resident.phone)
        context["tags"] = Tag.objects.all()
        context["area_filter"] = self.request.GET.get("area", "")
        return context


class ResidentDetail(ScopedDetailView):
    model = Resident
    page_perm = "places.open_residents"
    template_name = "places/resident_detail.html"
    select_related = ("area", "area__grid")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        resident: Resident = self.object
        user = self.request.user
        context["masked_phone"] = mask_phone(resident.phone)
        context["can_view_phone"] = bool(resident.phone) and user.has_perm(
            "places.view_resident_phone", resident
        )
        context["can_change"] = user.has_perm("places.change_resident", resident)
        context["place"] = " / ".join(
            a.name for a in [*resident.area.ancestors()[1:], resident.area]
        )
        return context


class ResidentCreate(ObjectCreate):
    page_perm = "places.open_residents"
    form_class = forms.ResidentForm
    permission = "places.add_resident"
    create = services.create_resident
    noun = gettext_lazy("resident")


class ResidentEdit(ObjectEdit):
    model = Resident
    page_perm = "places.open_residents"
    form_class = forms.ResidentForm
    permission = "places.change_resident"
    update = services.update_resident
    object_arg = "resident"


@login_required
@require_POST
def resident_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """Reveal one number (htmx) and write to the audit log that this user saw it."""
    resident = get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("area"), pk=pk
    )
    if not request.user.has_perm("places.view_resident_phone", resident):
        raise Http404
    phone = services.reveal_phone(actor=request.user, resident=resident)
    return render(
        request, "places/resident_detail.html#phone", {"phone": phone, "object": resident}
    )


# ---------------------------------------------------------------- venue bookings


def _venue(request: HttpRequest, pk: int) -> Venue:
    return get_object_or_404(Venue.objects.visible_to(request.user).select_related("area"), pk=pk)


def _week_start(text: str) -> date:
    """The Monday of the week holding the day `text` names (this week when it names none)."""
    try:
        day = date.fromisoformat(text) if text else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    if not 2000 <= day.year <= 2100:
        day = timezone.localdate()
    return day - timedelta(days=day.weekday())


@login_required
def venue_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The venue's week: its hours and its bookings day by day, a week at a time. Everyone who
    sees the venue sees when it is taken; requests show to staff and to whoever asked."""
    require(request.user, "places.open_venues")
    venue = _venue(request, pk)
    monday = _week_start(request.GET.get("week", ""))
    zone = timezone.get_current_timezone()
    start = datetime.combine(monday, time.min, tzinfo=zone)
    staff = request.user.has_perm("places.book_venue", venue)
    bookings = VenueBooking.objects.filter(
        venue=venue, starts_at__lt=start + timedelta(days=7), ends_at__gt=start
    )
    shown = Q(status=BookingStatus.CONFIRMED)
    if staff:
        shown |= Q(status=BookingStatus.REQUESTED)
    else:
        shown |= Q(status=BookingStatus.REQUESTED, requested_by=request.user)
    days: dict[date, list[VenueBooking]] = {monday + timedelta(days=i): [] for i in range(7)}
    for booking in bookings.filter(shown):
        day = timezone.localtime(booking.starts_at).date()
        days.setdefault(day, []).append(booking)
    return render(
        request,
        "places/venue_calendar.html",
        {
            "venue": venue,
            "days": [
                (day, days[day])
                for day in sorted(days)
                if monday <= day < monday + timedelta(days=7)
            ],
            "today": timezone.localdate(),
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "monday": monday,
            "can_book": staff,
            "can_request": request.user.has_perm("places.request_booking", venue),
        },
    )


def _slot_page(
    request: HttpRequest, venue: Venue, form: Any, title: str, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "places/booking_form.html",
        {"venue": venue, "form": form, "title": title},
        status=status,
    )


def _week_url(venue: Venue, day: Any) -> str:
    return f"{reverse('places:venue_calendar', args=[venue.pk])}?week={day:%Y-%m-%d}"


@login_required
def venue_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff book the venue for a meeting, an activity or a residents' group."""
    venue = _venue(request, pk)
    require(request.user, "places.book_venue", venue)
    title = _("Book %(venue)s") % {"venue": venue.name}
    initial = {"day": request.GET.get("day") or timezone.localdate()}
    form = forms.BookingForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                booking = services.book_venue(actor=request.user, venue=venue, **form.slot())
            except ServiceError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Booked."))
                return redirect(_week_url(venue, timezone.localtime(booking.starts_at)))
        return _slot_page(request, venue, form, title, status=400)
    return _slot_page(request, venue, form, title)


@login_required
def venue_request(request: HttpRequest, pk: int) -> HttpResponse:
    """A residents' group asks for a slot; the venue's staff approve or refuse it."""
    venue = _venue(request, pk)
    require(request.user, "places.request_booking", venue)
    title = _("Ask for a slot at %(venue)s") % {"venue": venue.name}
    form = forms.RequestForm(request.POST or None, initial={"day": timezone.localdate()})
    if request.method == "POST":
        if form.is_valid():
            try:
                booking = services.request_booking(actor=request.user, venue=venue, **form.slot())
            except ServiceError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Your request is sent; staff will answer it."))
                return redirect(_week_url(venue, timezone.localtime(booking.starts_at)))
        return _slot_page(request, venue, form, title, status=400)
    return _slot_page(request, venue, form, title)


def _kept_bookings(request: HttpRequest) -> Any:
    """The bookings of the venues the user keeps as staff."""
    venues = Venue.objects.filter(area__in=Area.objects.staffed_by(request.user))
    return VenueBooking.objects.filter(venue__in=venues).select_related("venue", "requested_by")


@login_required
def booking_requests(request: HttpRequest) -> HttpResponse:
    """Residents' groups' requests awaiting an answer, in the venues the user keeps."""
    require(request.user, "places.change_venuebooking")
    waiting = _kept_bookings(request).filter(status=BookingStatus.REQUESTED)
    venue_id = parse_id(request.GET.get("venue", ""))
    if venue_id is not None:
        waiting = waiting.filter(venue=venue_id)
    return render(
        request,
        "places/booking_requests.html",
        {"bookings": waiting[:200], "refuse_form": forms.RefuseForm()},
    )


def _kept(request: HttpRequest, pk: int) -> VenueBooking:
    booking: VenueBooking = get_object_or_404(_kept_bookings(request), pk=pk)
    require(request.user, "places.change_venuebooking", booking)
    return booking


def _back(request: HttpRequest, booking: VenueBooking) -> HttpResponse:
    target = safe_next(request, request.POST.get("next", ""))
    return redirect(target or reverse("places:booking_requests"))


@login_required
@require_POST
def booking_approve(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _kept(request, pk)
    try:
        services.approve_booking(actor=request.user, booking=booking)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Approved: the slot is booked."))
    return _back(request, booking)


@login_required
@require_POST
def booking_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _kept(request, pk)
    form = forms.RefuseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the request is refused."))
        return _back(request, booking)
    try:
        services.refuse_booking(
            actor=request.user, booking=booking, reason=form.cleaned_data["reason"]
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Refused."))
    return _back(request, booking)


@login_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _kept(request, pk)
    try:
        if booking.purpose in (BookingPurpose.MEETING, BookingPurpose.ACTIVITY):
            # Its meeting or session would still name the venue, and nobody would be told.
            raise ServiceError(
                _(
                    "This booking belongs to a meeting or an activity: move or cancel the "
                    "meeting or the session instead, so that the people coming are told."
                )
            )
        services.cancel_booking(actor=request.user, booking=booking)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Cancelled: the slot is free again."))
    return redirect(_week_url(booking.venue, timezone.localtime(booking.starts_at)))


@login_required
@require_POST
def venue_feed_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Make the venue's calendar address, or replace it (the old one stops working)."""
    venue = _venue(request, pk)
    require(request.user, "places.change_venue", venue)
    services.venue_feed_token(actor=request.user, venue=venue)
    messages.success(request, _("The calendar address is new: subscribe again with it."))
    return redirect(venue)


def venue_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The venue's confirmed bookings as iCalendar, for phones to subscribe to: no login, the
    secret in the address is the key. Titles and groups only, never who asked."""
    venue = get_object_or_404(Venue, feed_token=token) if token else None
    if venue is None:
        raise Http404
    return HttpResponse(
        feeds.venue_calendar(venue, request.get_host()),
        content_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"},
    )
