"""Places and people: the area tree, party organisations, partners, venues, residents, pioneers.

The area tree is a materialised path: each area's `path` is its ancestors' primary keys and its
own, each zero-padded to PATH_STEP digits. A subtree is one indexed range scan,
`path >= P and path < P + "a"`, which sorts the same way in SQLite's BINARY collation and in
any PostgreSQL collation, because paths hold only digits.
"""

import contextlib
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, STAFF_ROLES, Role
from genxi.accounts.scoping import ScopedQuerySet
from genxi.core.models import TimeStamped
from genxi.core.paths import ancestor_ids, path_ids, path_range_q, path_upper_bound
from genxi.core.phones import normalize_phone
from genxi.core.states import Machine


class AreaKind(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    TOWN = "town", _("Town")
    COMMUNITY = "community", _("Community")
    COMPOUND = "compound", _("Compound")
    BUILDING = "building", _("Building")
    GRID = "grid", _("Grid")
    # A place of a compound (or community) everyone shares: a pavilion, a corridor, a gate, a
    # playground, the bike shed. Residents raise demands about these most.
    COMMON_AREA = "common_area", _("Common area")


# Which kinds may sit under which: the tree's grammar.
ALLOWED_PARENTS: dict[str, set[str | None]] = {
    AreaKind.DISTRICT: {None},
    AreaKind.STREET: {None, AreaKind.DISTRICT},
    AreaKind.TOWN: {None, AreaKind.DISTRICT},
    AreaKind.COMMUNITY: {AreaKind.STREET, AreaKind.TOWN},
    AreaKind.COMPOUND: {AreaKind.COMMUNITY},
    AreaKind.BUILDING: {AreaKind.COMPOUND, AreaKind.COMMUNITY},
    AreaKind.GRID: {AreaKind.COMMUNITY},
    AreaKind.COMMON_AREA: {AreaKind.COMPOUND, AreaKind.COMMUNITY},
}
STREET_KINDS = (AreaKind.STREET, AreaKind.TOWN)
# The places a demand can be about (a venue is chosen beside them, and sets its area).
PLACE_KINDS = (AreaKind.COMMUNITY, AreaKind.COMPOUND, AreaKind.BUILDING, AreaKind.COMMON_AREA)


class AreaQuerySet(ScopedQuerySet["Area"]):
    def subtree(self, area: "Area", *, include_self: bool = True) -> "AreaQuerySet":
        qs = self.filter(path__gte=area.path, path__lt=path_upper_bound(area.path))
        return qs if include_self else qs.exclude(pk=area.pk)

    def of_kind(self, *kinds: str) -> "AreaQuerySet":
        return self.filter(kind__in=kinds)

    def visible_to(self, user: Any) -> "AreaQuerySet":
        # Any role opens its area's subtree.
        return self.restrict(user, "path", roles=Role.values)

    def tops_for(self, user: Any) -> "AreaQuerySet":
        """The areas where the user holds a role (the top level for a superuser): where the
        area browser starts."""
        if scoping.is_superuser(user):
            return self.filter(parent=None)
        return self.filter(path__in=scoping.scope_paths(user))

    def staffed_by(self, user: Any) -> "AreaQuerySet":
        """The areas under the user's staff roles (their community's, or their street's): where
        they register party organisations, partner units, venues and pioneers."""
        return self.restrict(user, "path", roles=STAFF_ROLES)

    def run_by(self, user: Any) -> "AreaQuerySet":
        """The communities the user works for as staff (theirs, or their street's), in tree
        order: where they set triage, keep funds and convene meetings."""
        return self.of_kind(AreaKind.COMMUNITY).order_by("path").staffed_by(user)

    def homes_for(self, user: Any) -> "AreaQuerySet":
        """Where `user` may register residents: communities, compounds and buildings under their
        staff roles, and the buildings of the grids they cover as a pioneer."""
        homes = self.of_kind(AreaKind.COMMUNITY, AreaKind.COMPOUND, AreaKind.BUILDING)
        return homes.select_related("parent__parent").restrict(
            user,
            "path",
            roles=STAFF_ROLES,
            also=lambda: Q(grid__in=Pioneer.objects.grid_ids_of(user)),
        )

    def collected_by(self, user: Any) -> "AreaQuerySet":
        """Where `user` may record demands: communities, compounds, buildings and common areas
        under their staff roles, and anywhere in the communities they serve as a pioneer
        (residents raise things about the whole community's pavilions and gates, not only their
        grid's buildings)."""

        def as_pioneer() -> Q:
            communities = path_range_q("path", Pioneer.objects.community_paths_of(user))
            return communities | Q(grid__in=Pioneer.objects.grid_ids_of(user))

        # With the two levels above, so that `area.community()` needs no further query.
        places = self.of_kind(*PLACE_KINDS).select_related("parent__parent")
        return places.restrict(user, "path", roles=STAFF_ROLES, also=as_pioneer)


class Area(TimeStamped):
    kind = models.CharField(_("kind"), max_length=16, choices=AreaKind.choices)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    # A building belongs to the grid of the pioneer who covers it.
    grid = models.ForeignKey(
        "self",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grid_buildings",
        limit_choices_to={"kind": AreaKind.GRID},
    )
    code = models.CharField(_("administrative code"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="area_path_idx"),
            models.Index(fields=["kind", "path"], name="area_kind_path_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["parent", "kind", "name"], name="area_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("places:area_detail", args=[self.pk])

    def ancestor_ids(self) -> list[int]:
        return path_ids(self.path)[:-1]

    def ancestors(self) -> list["Area"]:
        ids = self.ancestor_ids()
        by_id = Area.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def contains(self, other: "Area") -> bool:
        return other.path.startswith(self.path)

    @property
    def is_street_level(self) -> bool:
        return self.kind in STREET_KINDS

    def street(self) -> "Area | None":
        if self.is_street_level:
            return self
        return next((a for a in self.ancestors() if a.is_street_level), None)

    def community(self) -> "Area | None":
        # Up through parents already loaded (select_related), else one query for the ancestors.
        node = self
        while node.kind != AreaKind.COMMUNITY:
            if node.parent_id is None:
                return None
            if not Area.parent.is_cached(node):
                return next((a for a in self.ancestors() if a.kind == AreaKind.COMMUNITY), None)
            node = node.parent  # type: ignore[assignment]
        return node


class PartyOrgKind(models.TextChoices):
    COMMITTEE = "committee", _("Party committee")
    GENERAL_BRANCH = "general_branch", _("General party branch")
    BRANCH = "branch", _("Party branch")
    CO_GOVERNANCE = "co_governance", _("Co-governance party organisation")


class PartyOrgQuerySet(ScopedQuerySet["PartyOrg"]):
    def visible_to(self, user: Any) -> "PartyOrgQuerySet":
        # A partner handler sees their unit's party branch.
        return self.restrict(
            user,
            "area__path",
            roles=AREA_ROLES | {Role.PIONEER},
            also=lambda: Q(partner__in=scoping.partner_ids(user)),
        )


class PartyOrg(TimeStamped):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=PartyOrgKind.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="party_orgs"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("higher organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    partner = models.ForeignKey(
        "Partner",
        verbose_name=_("partner unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="party_orgs",
        help_text=_("Set when this is the party branch of a partner unit."),
    )
    secretary = models.CharField(_("secretary"), max_length=50, blank=True)
    members = models.PositiveIntegerField(_("party members"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    objects = PartyOrgQuerySet.as_manager()

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        ordering = ["area__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="partyorg_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("places:partyorg_detail", args=[self.pk])


class PartnerKind(models.TextChoices):
    COMPANY = "company", _("Company")
    PROPERTY = "property", _("Property management company")
    LAW_FIRM = "law_firm", _("Law firm")
    HOSPITAL = "hospital", _("Hospital")
    SCHOOL = "school", _("School")
    DEPARTMENT = "department", _("City department")
    SOCIAL_ORG = "social_org", _("Social organisation")
    OTHER = "other", _("Other")


class PartnerQuerySet(ScopedQuerySet["Partner"]):
    def visible_to(self, user: Any) -> "PartnerQuerySet":
        roles = AREA_ROLES | {Role.PIONEER}

        def above_and_own() -> Q:
            # A unit registered with the street (or district) serves every community in it;
            # a partner handler sees their own unit.
            above = ancestor_ids(scoping.scope_paths(user, roles))
            return Q(area__in=above) | Q(pk__in=scoping.partner_ids(user))

        return self.restrict(user, "area__path", roles=roles, also=above_and_own)

    def serving(self, community: "Area") -> "PartnerQuerySet":
        """The units a demand of `community` may be assigned to: the community's own (and its
        compounds'), and those registered with its street, district or city above it."""
        return self.filter(
            path_range_q("area__path", [community.path]) | Q(area__in=community.ancestor_ids())
        )


class Partner(TimeStamped):
    """A co-building unit (共建单位): company, property manager, law firm, hospital, department."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    area = models.ForeignKey(
        Area,
        verbose_name=_("registered with"),
        on_delete=models.PROTECT,
        related_name="partners",
        help_text=_("The street or community that works with this unit."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner unit")
        verbose_name_plural = _("partner units")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("places:partner_detail", args=[self.pk])


class PartnerContact(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    title = models.CharField(_("position"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class VenueKind(models.TextChoices):
    DELIBERATION = "deliberation", _("Deliberation corner")
    SERVICE_STATION = "service_station", _("Party and public service station")
    SQUARE = "square", _("Square")
    CORRIDOR = "corridor", _("Corridor")
    ACTIVITY_ROOM = "activity_room", _("Activity room")
    CLASSROOM = "classroom", _("Classroom")
    RECYCLING = "recycling", _("Recycling booth")
    PARK = "park", _("Pocket park")
    OTHER = "other", _("Other")


class VenueQuerySet(ScopedQuerySet["Venue"]):
    def visible_to(self, user: Any) -> "VenueQuerySet":
        # Venues are public places: every member of an area sees its venues.
        return self.restrict(user, "area__path", roles=Role.values)


class Venue(TimeStamped):
    """A micro-venue (微阵地) where meetings and activities happen."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=VenueKind.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="venues"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("open"), default=True)
    # The booking calendar's hours (every day; empty: any time), who may ask for a slot, and the
    # secret behind the venue's read-only iCalendar feed (made when staff first ask for it).
    opens_at = models.TimeField(_("bookable from"), null=True, blank=True)
    closes_at = models.TimeField(_("bookable until"), null=True, blank=True)
    groups_may_request = models.BooleanField(
        _("residents' groups may ask for a slot"), default=True
    )
    feed_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    objects = VenueQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["area__path", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="venue_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("places:venue_detail", args=[self.pk])


class BookingPurpose(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    ACTIVITY = "activity", _("Activity")
    GROUP = "group", _("Residents' group")
    OTHER = "other", _("Other")


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


# A request is approved or refused; a confirmed booking can be cancelled. Only confirmed
# bookings hold the venue (the overlap constraint covers them alone).
BOOKING_TRANSITIONS: dict[str, tuple[str, ...]] = {
    BookingStatus.REQUESTED: (
        BookingStatus.CONFIRMED,
        BookingStatus.REFUSED,
        BookingStatus.CANCELLED,
    ),
    BookingStatus.CONFIRMED: (BookingStatus.CANCELLED,),
}


class VenueBookingQuerySet(ScopedQuerySet["VenueBooking"]):
    def visible_to(self, user: Any) -> "VenueBookingQuerySet":
        # Whoever sees the venue sees when it is taken; what a request says is for staff.
        return self.restrict(user, "venue__area__path", roles=Role.values)

    def holding(self) -> "VenueBookingQuerySet":
        return self.filter(status=BookingStatus.CONFIRMED)


class VenueBooking(TimeStamped):
    """A venue taken from `starts_at` to `ends_at` (a meeting, an activity's session, a
    residents' group), or a group's request for that time awaiting staff."""

    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="bookings"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=BookingPurpose.choices)
    title = models.CharField(_("title"), max_length=100)
    group_name = models.CharField(_("residents' group"), max_length=100, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=BookingStatus.choices,
        default=BookingStatus.CONFIRMED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    objects = VenueBookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue booking")
        verbose_name_plural = _("venue bookings")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["venue", "starts_at"], name="booking_venue_start_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venue} {self.title}"


BOOKING_MACHINE = Machine(VenueBooking, BOOKING_TRANSITIONS, BookingStatus)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ResidentQuerySet(ScopedQuerySet["Resident"]):
    def visible_to(self, user: Any) -> "ResidentQuerySet":
        def grids_and_self() -> Q:
            # A pioneer sees the residents of their grids; a resident sees their own record.
            q = Q(pk__in=[])
            grids = Pioneer.objects.grid_ids_of(user)
            if grids:
                q |= Q(area__grid__in=grids)
            if scoping.has_role(user, Role.RESIDENT):
                q |= Q(user=user)
            return q

        return self.restrict(user, "area__path", also=grids_and_self)

    def search(self, text: str, *, by_phone: bool = False) -> "ResidentQuerySet":
        """Name, pinyin or initials; with `by_phone`, also a whole number or its last four digits.

        Only people who may see numbers search by them: otherwise a suffix search, narrowed digit
        by digit, would spell out a masked number.
        """
        text = text.strip()
        if not text:
            return self
        q = Q(name__contains=text)
        lowered = text.lower()
        if lowered.isascii() and lowered.isalpha():
            q |= Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
        digits = "".join(ch for ch in text if ch.isdigit())
        punctuation = str.maketrans("", "", " -+()")
        if by_phone and digits and len(digits) == len(text.translate(punctuation)):
            if len(digits) == 4:
                q |= Q(phone__endswith=digits)
            else:
                with contextlib.suppress(ValidationError):
                    q |= Q(phone=normalize_phone(text))
        return self.filter(q)


class Resident(TimeStamped):
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    name_pinyin = models.CharField(max_length=200, editable=False, db_index=True)
    name_initials = models.CharField(max_length=50, editable=False, db_index=True)
    # NULL, not "", for "no number": the unique constraint must ignore residents without one.
    phone = models.CharField(_("phone"), max_length=20, null=True, blank=True)  # noqa: DJ001
    area = models.ForeignKey(
        Area,
        verbose_name=_("building or compound"),
        on_delete=models.PROTECT,
        related_name="residents",
    )
    room = models.CharField(_("room"), max_length=30, blank=True, help_text=_("e.g. 302"))
    consent_to_contact = models.BooleanField(_("agrees to be contacted"), default=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="+")
    notes = models.TextField(_("notes"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident_profile",
    )

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["area__path", "room", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=Q(phone__isnull=False), name="resident_unique_phone"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("places:resident_detail", args=[self.pk])

    @property
    def address(self) -> str:
        """Compound, building and room: 三花苑 1幢 302 (the area's parent when it is a building)."""
        parts = [self.area.name, self.room]
        if self.area.kind == AreaKind.BUILDING and self.area.parent is not None:
            parts.insert(0, self.area.parent.name)
        return " ".join(p for p in parts if p)


class PioneerStatus(models.TextChoices):
    ACTIVE = "active", _("Serving")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")


# Suspended comes back; ended is final (a new term is a new appointment). Renewal keeps the
# state and moves the term's end (genxi.pioneers.services.appointments).
PIONEER_TRANSITIONS: dict[str, frozenset[str]] = {
    PioneerStatus.ACTIVE: frozenset({PioneerStatus.SUSPENDED, PioneerStatus.ENDED}),
    PioneerStatus.SUSPENDED: frozenset({PioneerStatus.ACTIVE, PioneerStatus.ENDED}),
    PioneerStatus.ENDED: frozenset(),
}


class PioneerQuerySet(ScopedQuerySet["Pioneer"]):
    def active(self, on: date | None = None) -> "PioneerQuerySet":
        """Appointments serving on the day: in their term and neither suspended nor ended (an
        ended or suspended pioneer loses what the role opens at once, not at the term's end)."""
        day = on or timezone.localdate()
        return self.filter(appointed_on__lte=day, status=PioneerStatus.ACTIVE).filter(
            Q(term_ends_on__isnull=True) | Q(term_ends_on__gte=day)
        )

    def visible_to(self, user: Any) -> "PioneerQuerySet":
        # A pioneer sees their own appointments.
        mine = Q(user=user) if scoping.has_role(user, Role.PIONEER) else None
        return self.restrict(user, "community__path", also=mine)

    def grid_ids_of(self, user: Any) -> list[int]:
        """Grids covered by the user's active pioneer appointments (kept on the user object:
        every scoped query of one request asks)."""
        if not getattr(user, "is_authenticated", False):
            return []
        if not any(m.role == Role.PIONEER for m in user.active_memberships()):
            return []
        cached: list[int] | None = getattr(user, "_pioneer_grids_cache", None)
        if cached is None:
            cached = list(
                self.active().filter(user=user).values_list("grids", flat=True).exclude(grids=None)
            )
            user._pioneer_grids_cache = cached
        return cached

    def community_paths_of(self, user: Any) -> list[str]:
        """The communities of the user's active pioneer appointments."""
        if not scoping.has_role(user, Role.PIONEER):
            return []
        return list(
            self.active().filter(user=user).values_list("community__path", flat=True).distinct()
        )


class Pioneer(TimeStamped):
    """A resident or staff member appointed (聘用) for a term to cover grids."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    community = models.ForeignKey(
        Area,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="pioneers",
        limit_choices_to={"kind": AreaKind.COMMUNITY},
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pioneer_roles",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pioneer_roles",
    )
    grids = models.ManyToManyField(
        Area,
        verbose_name=_("grids covered"),
        blank=True,
        related_name="pioneers_covering",
        limit_choices_to={"kind": AreaKind.GRID},
    )
    appointed_on = models.DateField(_("appointed on"))
    term_ends_on = models.DateField(_("term ends on"), null=True, blank=True)
    duties = models.TextField(_("duties"), blank=True)
    # The appointing organisation (聘用单位), printed on the certificate: e.g. 富元雅苑党支部.
    party_org = models.ForeignKey(
        PartyOrg,
        verbose_name=_("appointed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pioneers",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PioneerStatus.choices, default=PioneerStatus.ACTIVE
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    objects = PioneerQuerySet.as_manager()

    class Meta:
        verbose_name = _("pioneer")
        verbose_name_plural = _("pioneers")
        ordering = ["community__path", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_ends_on__isnull=True)
                | Q(term_ends_on__gte=models.F("appointed_on")),
                name="pioneer_term_after_appointment",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("pioneers:appointment_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return (
            self.status == PioneerStatus.ACTIVE
            and self.appointed_on <= today
            and (self.term_ends_on is None or self.term_ends_on >= today)
        )


PIONEER_MACHINE = Machine(Pioneer, PIONEER_TRANSITIONS, PioneerStatus)
