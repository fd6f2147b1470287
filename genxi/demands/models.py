"""Demands (诉求): categories with deadlines, demands, their reporters, events and call-backs."""

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, Role
from genxi.core.models import TimeStamped
from genxi.core.paths import path_range_q
from genxi.core.services import ServiceError
from genxi.core.states import Machine
from genxi.places.models import STREET_KINDS, AreaKind, Pioneer

MAX_CATEGORY_DEPTH = 3


class CategoryQuerySet(scoping.ScopedQuerySet["Category"]):
    def active(self) -> "CategoryQuerySet":
        return self.filter(is_active=True)

    def visible_to(self, user: Any) -> "CategoryQuerySet":
        # The category tree is shared by the whole deployment: every member reads it.
        return self.all() if getattr(user, "is_authenticated", False) else self.none()


class Category(TimeStamped):
    """A kind of demand, in an editable tree (城乡建设 › 市政设施 › 道路破损), with deadlines.

    Deadlines count working days (genxi.core.workdays): the response deadline is for accepting
    or referring a demand, the resolution deadline for resolving it, both from collection.
    """

    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    response_days = models.PositiveSmallIntegerField(
        _("response deadline (working days)"),
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
    )
    resolution_days = models.PositiveSmallIntegerField(
        _("resolution deadline (working days)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    description = models.TextField(_("description"), blank=True)
    keywords = models.TextField(
        _("keywords"),
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "Words that suggest this category at intake, separated by spaces or commas. "
            "Used until triage has learned from enough handled demands."
        ),
    )
    is_active = models.BooleanField(
        _("in use"), default=True, help_text=_("Categories no longer in use stay on old demands.")
    )

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("demand category")
        verbose_name_plural = _("demand categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent=None), name="category_unique_root_name"
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_days__gte=models.F("response_days")),
                name="category_resolution_after_response",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("demands:category_edit", args=[self.pk])

    def keyword_list(self) -> list[str]:
        return [w for w in self.keywords.replace("，", ",").replace(",", " ").split() if w]


def category_tree(queryset: Any) -> list[Category]:
    """Categories in tree order (each parent followed by its children), in one query."""
    rows = list(queryset.order_by("name"))
    children: dict[int | None, list[Category]] = {}
    for category in rows:
        children.setdefault(category.parent_id, []).append(category)
    ordered: list[Category] = []

    def walk(parent: int | None) -> None:
        for category in children.get(parent, []):
            ordered.append(category)
            walk(category.pk)

    walk(None)
    return ordered


class Channel(models.TextChoices):
    VISIT = "visit", _("Home visit")
    PHONE = "phone", _("Phone call")
    WALK_IN = "walk_in", _("Walk-in")
    WEB = "web", _("Online")
    INSPECTION = "inspection", _("Inspection")


class Status(models.TextChoices):
    COLLECTED = "collected", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted, to verify")
    VERIFIED = "verified", _("Verified, to assign")
    ASSIGNED = "assigned", _("Assigned, awaiting the handler")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved, to call back")
    # Every reporter of the current round answered (or could not be reached): close-out is next.
    CALLED_BACK = "called_back", _("Called back, to close out")
    CLOSED = "closed", _("Closed out")
    REFERRED = "referred", _("Referred elsewhere")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    MERGED = "merged", _("Merged into another demand")


# The lifecycle: from each status, the statuses a service may move a demand to. DEMAND_MACHINE
# (after the Demand model, which it needs) applies it.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.COLLECTED: frozenset(
        {Status.ACCEPTED, Status.REFERRED, Status.WITHDRAWN, Status.MERGED}
    ),
    Status.ACCEPTED: frozenset({Status.VERIFIED, Status.REFERRED, Status.WITHDRAWN, Status.MERGED}),
    Status.VERIFIED: frozenset(
        {Status.ASSIGNED, Status.IN_PROGRESS, Status.WITHDRAWN, Status.MERGED}
    ),
    Status.ASSIGNED: frozenset({Status.IN_PROGRESS, Status.VERIFIED, Status.WITHDRAWN}),
    Status.IN_PROGRESS: frozenset({Status.RESOLVED, Status.VERIFIED, Status.WITHDRAWN}),
    # Straight to closed only for a demand nobody raised (no one to call back).
    Status.RESOLVED: frozenset({Status.CALLED_BACK, Status.CLOSED, Status.IN_PROGRESS}),
    Status.CALLED_BACK: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.REFERRED: frozenset(),
    Status.WITHDRAWN: frozenset(),
    Status.MERGED: frozenset(),
}
OPEN_STATUSES = frozenset(
    {
        Status.COLLECTED,
        Status.ACCEPTED,
        Status.VERIFIED,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.CALLED_BACK,
    }
)
# Open and not yet resolved: what can be late.
UNRESOLVED_STATUSES = OPEN_STATUSES - {Status.RESOLVED, Status.CALLED_BACK}


class PublicStatus(models.TextChoices):
    """All that the public tracking page says."""

    OPEN = "open", pgettext_lazy("demand", "Open")
    RESOLVED = "resolved", _("Closed out")  # the words staff see for a closed-out demand
    CLOSED_UNRESOLVED = "closed_unresolved", _("Closed without resolution")


class HandlingPath(models.TextChoices):
    COMMUNITY = "community", _("The community handles it")
    PARTNER = "partner", _("Assigned to a responsible party")
    MEETING = "meeting", _("Taken to a deliberation meeting")
    PROJECT = "project", _("Made a service project")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied")


class DemandQuerySet(scoping.ScopedQuerySet["Demand"]):
    def open(self) -> "DemandQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today: Any = None) -> "DemandQuerySet":
        """Not accepted by its response deadline, or not resolved by its resolution deadline."""
        day = today or timezone.localdate()
        late_response = models.Q(status=Status.COLLECTED, response_due__lt=day)
        late_resolution = models.Q(status__in=sorted(UNRESOLVED_STATUSES), resolution_due__lt=day)
        return self.filter(late_response | late_resolution)

    def visible_to(self, user: Any) -> "DemandQuerySet":
        """Staff and leadership: their communities. Pioneers: what they recorded and what is in
        their grids. Partner handlers: what is assigned to their partner. Residents: their own.
        (What a community referred elsewhere is not here: see `readable_by`.)"""
        return self.restrict(user, also=lambda: _scope_q(user))

    def readable_by(self, user: Any) -> "DemandQuerySet":
        """`visible_to`, plus what the user's communities referred (转办) to another community
        or the street: read only, since the permissions follow the demand's community, which is
        no longer theirs. The demand page and the ledger's "handed on" list read this."""
        return self.restrict(
            user, also=lambda: _scope_q(user) | models.Q(pk__in=handed_on_by(user))
        )


def _scope_q(user: Any) -> models.Q:
    """The demands `user` sees besides a superuser's everything (`ScopedQuerySet.restrict`).

    A street or a community is one equality on the demand's own column (each leads an index in
    ledger order); a district is a range over its communities' paths.
    """
    q = models.Q(pk__in=[])
    if not getattr(user, "is_authenticated", False):
        return q
    for area in scoping.scope_areas(user, AREA_ROLES):
        if area.kind in STREET_KINDS:
            q |= models.Q(street_id=area.pk)
        elif area.kind == AreaKind.COMMUNITY:
            q |= models.Q(community_id=area.pk)
        else:
            q |= path_range_q("community__path", [area.path])
    if scoping.has_role(user, Role.PIONEER):
        q |= models.Q(created_by=user) | models.Q(area__grid__in=Pioneer.objects.grid_ids_of(user))
    partners = scoping.partner_ids(user)
    if partners:
        q |= models.Q(handler_partner__in=partners)
    if scoping.has_role(user, Role.RESIDENT):
        # A subquery, not a join: no duplicate rows, so no DISTINCT over the whole scope.
        mine = DemandReporter.objects.filter(resident__user=user).values("demand")
        q |= models.Q(pk__in=mine)
    return q


def handed_on_by(user: Any) -> Any:
    """The demands the user's communities (as staff or leadership) referred elsewhere: their
    TRANSFERRED events, by the events' (community, kind, at) index."""
    communities = [
        a.pk for a in scoping.scope_areas(user, AREA_ROLES) if a.kind == AreaKind.COMMUNITY
    ]
    return DemandEvent.objects.filter(
        community_id__in=communities, kind=EventKind.TRANSFERRED
    ).values("demand")


class VisitQuerySet(scoping.ScopedQuerySet["Visit"]):
    def visible_to(self, user: Any) -> "VisitQuerySet":
        """Staff and leadership see the visits in their areas; a pioneer sees their own."""
        mine = Q(pioneer=user) if scoping.has_role(user, Role.PIONEER) else None
        return self.restrict(user, "area__path", also=mine)


class Visit(TimeStamped):
    """A pioneer's home visit (走访记录): a household (a building's room) on a day, whom they
    met, and what was asked: each ask became a demand raised on the visit (`Demand.visit`) or
    was linked to an open one (`follow_ups`)."""

    pioneer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    area = models.ForeignKey(
        "places.Area", verbose_name=_("building"), on_delete=models.PROTECT, related_name="visits"
    )
    room = models.CharField(_("room"), max_length=30, blank=True)
    visited_on = models.DateField(_("visited on"))
    notes = models.TextField(_("notes"), blank=True)
    met = models.ManyToManyField(
        "places.Resident", verbose_name=_("met"), blank=True, related_name="visits_met"
    )
    # Nobody opened the door: the visit counts as made, and the household stays in the plan.
    nobody_home = models.BooleanField(_("nobody at home"), default=False)
    follow_ups: "models.ManyToManyField[Demand, Any]" = models.ManyToManyField(
        "Demand",
        verbose_name=_("open demands followed up"),
        blank=True,
        related_name="followed_on_visits",
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["-visited_on", "-id"]
        indexes = [
            # A pioneer's visits in a period (the assessment, the visit plan's "done").
            models.Index(fields=["pioneer", "visited_on"], name="visit_pioneer_day_idx"),
            # A household's last visit (the plan's order).
            models.Index(fields=["area", "room", "visited_on"], name="visit_household_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.room} {self.visited_on:%Y-%m-%d}"


class Demand(TimeStamped):
    code = models.CharField(_("tracking code"), max_length=12, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="demands"
    )
    # The community and its street are denormalised from the area: scoping, the ledger's order
    # and the figures read them straight off their own indexes.
    community = models.ForeignKey(
        "places.Area",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="community_demands",
    )
    street = models.ForeignKey(
        "places.Area",
        verbose_name=_("street"),
        on_delete=models.PROTECT,
        related_name="street_demands",
        db_index=False,  # demand_street_order_idx leads with it
    )
    area = models.ForeignKey(
        "places.Area", verbose_name=_("place"), on_delete=models.PROTECT, related_name="demands"
    )
    # When the demand is about a venue (微阵地): `area` is then the venue's own area.
    venue = models.ForeignKey(
        "places.Venue",
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # A picture an Open311 client sent by address (never fetched: it stays where it is). The
    # database default lets the bulk writers (generator, import) leave it out.
    media_url = models.URLField(
        _("picture address"), max_length=500, blank=True, default="", db_default=""
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.COLLECTED
    )
    path = models.CharField(_("handling"), max_length=10, choices=HandlingPath.choices, blank=True)
    handler_partner = models.ForeignKey(
        "places.Partner",
        verbose_name=_("responsible party"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="recorded_demands",
    )
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="demands"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_demands"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed out at"), null=True, blank=True)
    response_due = models.DateField(_("accept by"))
    resolution_due = models.DateField(_("resolve by"))
    # A deadline counted through a year whose holidays are not published yet.
    due_provisional = models.BooleanField(default=False)
    expected_on = models.DateField(_("expected completion"), null=True, blank=True)
    # Each reopening starts a new round of call-backs.
    callback_round = models.PositiveSmallIntegerField(default=0)

    objects = DemandQuerySet.as_manager()

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "-created_at"], name="demand_ledger_idx"),
            # The ledger's order within a community: keyset pages read it straight off the index.
            models.Index(
                fields=["community", "-created_at", "-id"], name="demand_ledger_order_idx"
            ),
            # The same for a street's whole ledger.
            models.Index(fields=["street", "-created_at", "-id"], name="demand_street_order_idx"),
            # The whole deployment's newest first: Open311's GET requests.
            models.Index(fields=["-created_at", "-id"], name="demand_recent_idx"),
            models.Index(fields=["status", "resolution_due"], name="demand_due_idx"),
            # What a pioneer recorded in a period (the assessment's indicators).
            models.Index(fields=["created_by", "created_at"], name="demand_recorder_idx"),
            # The figures' response and on-time rates: a community's demands due in a period,
            # read from the index alone on PostgreSQL (include is ignored elsewhere).
            models.Index(
                fields=["community", "response_due"],
                include=["id", "created_at"],
                name="demand_response_due_idx",
            ),
            models.Index(
                fields=["community", "resolution_due"],
                include=["id", "created_at"],
                name="demand_resolution_due_idx",
            ),
            # Overdue now (the figures, the ledger's "overdue only"): the open demands alone.
            models.Index(
                fields=["community", "resolution_due"],
                condition=models.Q(status__in=sorted(UNRESOLVED_STATUSES)),
                name="demand_open_due_idx",
            ),
            models.Index(
                fields=["community", "response_due"],
                condition=models.Q(status=Status.COLLECTED),
                name="demand_unaccepted_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(path=HandlingPath.PARTNER)
                | models.Q(handler_partner__isnull=False),
                name="demand_partner_path_has_partner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("demands:demand_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        today = timezone.localdate()
        if self.status == Status.COLLECTED and self.response_due < today:
            return True
        return self.status in UNRESOLVED_STATUSES and self.resolution_due < today

    def get_public_status_display(self) -> str:
        return str(PublicStatus(self.public_status).label)

    @property
    def public_status(self) -> str:
        if self.status in OPEN_STATUSES:
            return PublicStatus.OPEN
        if self.status == Status.CLOSED:
            return PublicStatus.RESOLVED
        return PublicStatus.CLOSED_UNRESOLVED


class StaleDemand(ServiceError):
    """Someone else moved the demand on while this person was looking at it."""

    def __init__(self, status: str | None) -> None:
        label = Status(status).label if status else gettext("deleted")
        super().__init__(
            gettext(
                "Someone else has just acted on this demand; it is now “%(status)s”. "
                "Reload the page to see what happened."
            )
            % {"status": label},
            code="stale",
        )


REFUSED = _("This cannot be done to a demand that is “%(status)s”.")
# Each lifecycle step moves a demand by compare-and-set (`DEMAND_MACHINE.swap`), as TRANSITIONS
# allows; referral (`services.transfer`) is the one move outside the map (it also changes the
# demand's community) and keeps its own compare-and-set with the same words.
DEMAND_MACHINE = Machine(Demand, TRANSITIONS, Status, refused=REFUSED, stale=StaleDemand)


class DemandReporter(models.Model):
    """A resident who raised the demand. Many residents, one demand ("me too")."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="reporters")
    resident = models.ForeignKey(
        "places.Resident", on_delete=models.PROTECT, related_name="reported"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["demand", "resident"], name="reporter_once"),
        ]

    def __str__(self) -> str:
        return str(self.resident)


class EventKind(models.TextChoices):
    COLLECTED = "collected", _("collected")
    REPORTER_ADDED = "reporter_added", _("another resident raised it")
    ACCEPTED = "accepted", _("accepted")
    REFERRED = "referred", _("referred elsewhere")
    # Referred (转办) to another community of the street or to the street: it moved there.
    TRANSFERRED = "transferred", _("referred to another community or the street")
    # Its place or category corrected after intake (deadlines recomputed).
    CORRECTED = "corrected", _("place or category corrected")
    VERIFIED = "verified", _("verified on site")
    ASSIGNED = "assigned", _("assigned")
    HANDLING = "handling", _("handling started")
    RETURNED = "returned", _("sent back by the handler")
    UPDATE = "update", _("progress update")
    RESOLVED = "resolved", _("resolved")
    CALLBACK = "callback", _("called back")
    REOPENED = "reopened", _("reopened")
    CLOSED = "closed", _("closed out")
    WITHDRAWN = "withdrawn", _("withdrawn")
    MERGED = "merged", _("merged")
    DEADLINE = "deadline", _("deadline changed")
    REMINDED = "reminded", _("handler reminded of the deadline")
    ESCALATED = "escalated", _("overdue: escalated to the street")
    CALLBACK_DUE = "callback_due", _("call-back due: staff reminded")
    UNREACHABLE = "unreachable", _("call-back attempt: not reached")
    DUE_RECOMPUTED = "due_recomputed", _("deadlines recomputed with the year's published holidays")


# The only notes written for the public: a progress note staff ticked "the public may read it".
# Every other note (an assignment note, a finding, a result, a call-back's comment) is staff's,
# even on a step the public sees.
PUBLIC_NOTE_KINDS = frozenset({EventKind.UPDATE})


class DemandEventQuerySet(models.QuerySet["DemandEvent"]):
    def public(self) -> "DemandEventQuerySet":
        """The steps the public sees (with `public_note`, never `note`)."""
        return self.filter(public=True)


class DemandEvent(models.Model):
    """The append-only history of a demand: every state change, assignment, deadline change and
    note. The figures are computed from it."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="events")
    # The demand's community, copied: the figures read a community's steps in a period by index.
    community = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)
    public = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)

    objects = DemandEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("demand event")
        verbose_name_plural = _("demand events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["demand", "at"], name="demand_event_idx"),
            # The figures read one kind of step of some communities within a period.
            models.Index(fields=["community", "kind", "at"], name="demand_event_figures_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} {self.kind}"

    @property
    def public_note(self) -> str:
        """The note as the public may read it: only what staff explicitly marked public."""
        return self.note if self.public and self.kind in PUBLIC_NOTE_KINDS else ""


class Callback(models.Model):
    """A reporter's verdict when called back (回访). "Not satisfied" reopens the demand."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="callbacks")
    community = models.ForeignKey(  # copied from the demand, as on DemandEvent
        "places.Area", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    resident = models.ForeignKey("places.Resident", on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(default=0)
    result = models.CharField(_("result"), max_length=14, choices=Satisfaction.choices)
    comment = models.TextField(_("comment"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["community", "at"], name="callback_figures_idx"),
            # The call-backs a pioneer made in a period (the assessment).
            models.Index(fields=["by", "at"], name="callback_by_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "resident", "round"], name="callback_once_per_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} {self.result}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting a decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


# A request is decided once: approved or refused, never changed after.
EXTENSION_TRANSITIONS: dict[str, frozenset[str]] = {
    ExtensionStatus.PENDING: frozenset({ExtensionStatus.APPROVED, ExtensionStatus.REFUSED}),
    ExtensionStatus.APPROVED: frozenset(),
    ExtensionStatus.REFUSED: frozenset(),
}
ALREADY_DECIDED = _("This request has already been decided.")


def _already_decided(status: str | None) -> ServiceError:
    return ServiceError(str(ALREADY_DECIDED), code="stale")


class Extension(models.Model):
    """A handler asks for more time; the community's staff approve or refuse."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    old_due = models.DateField(_("resolve by (before)"))
    new_due = models.DateField(_("new date"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request at a time: a second one waits for the first decision.
            models.UniqueConstraint(
                fields=["demand"],
                condition=models.Q(status="pending"),
                name="extension_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(new_due__gt=models.F("old_due")), name="extension_is_later"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} → {self.new_due}"


# Decided already, whether this person saw it so or another got there first: the same words.
EXTENSION_MACHINE = Machine(
    Extension,
    EXTENSION_TRANSITIONS,
    ExtensionStatus,
    refused=ALREADY_DECIDED,
    refused_code="stale",
    stale=_already_decided,
    touch=False,  # no updated_at
)


class PhotoKind(models.TextChoices):
    INTAKE = "intake", _("When raised")
    VERIFICATION = "verification", _("On-site check")
    EVIDENCE = "evidence", _("Work done")


def photo_path(instance: Any, filename: str) -> str:
    day = timezone.localdate()
    return f"demands/{day:%Y/%m}/{filename}"


class DemandPhoto(models.Model):
    """A photo of a demand. Served only through a view that checks who may see the demand."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(_("kind"), max_length=12, choices=PhotoKind.choices)
    image = models.FileField(_("photo"), upload_to=photo_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.demand_id} {self.kind}"
