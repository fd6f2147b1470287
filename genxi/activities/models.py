"""Activities (活动): lectures, clinics, classes, fairs, screenings, visits and volunteer service.

An `Activity` is run by a community or the street (`owner`, with co-organising communities and
partner units), open to some communities or the whole street, at a venue or an address, in
`Session`s. A class has `Course`s, each with `Term`s (a series of sessions); a fair has `Stall`s,
some with time `Slot`s.

What people register for is an `Offering`: one session, one term, or one stall's slot, with its
capacity and intake rules. A `Registration` is one person's place in an offering: confirmed (it
holds a seat number), offered a freed seat, waiting, applied (before a draw) or cancelled. Seats
are counted from these rows under a lock on the offering row (`services/seats.py`); the unique
(offering, seat) constraint backs the lock, so two registrations can never hold one seat.
"""

import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, Role
from genxi.accounts.scoping import ScopedQuerySet
from genxi.core.models import TimeStamped
from genxi.core.paths import path_ids, path_range_q
from genxi.core.states import Machine
from genxi.places.models import Resident

# Check-in codes: 8 characters from 32 that cannot be misread (no 0/O, no 1/I).
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class ActivityKind(models.TextChoices):
    LECTURE = "lecture", _("Lecture")
    CLINIC = "clinic", _("Clinic")
    CLASS = "class", _("Class")
    FAIR = "fair", _("Fair")
    SCREENING = "screening", _("Screening")
    VISIT = "visit", _("Visit")
    VOLUNTEER = "volunteer", _("Volunteer service")
    OTHER = "other", _("Other")


class Audience(models.TextChoices):
    RESIDENTS = "residents", _("Residents")
    PARTY_MEMBERS = "party_members", _("Party members")
    YOUTH_LEAGUE = "youth_league", _("Youth league members")
    CHILDREN = "children", _("Children with a guardian")
    ELDERLY = "elderly", _("The elderly")


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVITY_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ActivityStatus.DRAFT: (ActivityStatus.PUBLISHED, ActivityStatus.CANCELLED),
    ActivityStatus.PUBLISHED: (ActivityStatus.HELD, ActivityStatus.CANCELLED),
}


class WaitlistMode(models.TextChoices):
    CONFIRM = "confirm", _("Confirm the next person at once")
    OFFER = "offer", _("Offer the seat by text, with a deadline to accept")


# Who sees activities: staff and leadership of the areas that run or co-organise them, and
# pioneers of those communities (who help at them).
SEEING_ROLES = frozenset({*AREA_ROLES, Role.PIONEER})


class ActivityQuerySet(ScopedQuerySet["Activity"]):
    def visible_to(self, user: Any) -> "ActivityQuerySet":
        """Activities the user's areas run or co-organise; for a partner handler, those their
        unit co-organises. Residents browse `open_to` instead."""

        def co_organised() -> Q:
            q = Q(
                pk__in=Activity.organisers.through.objects.filter(
                    path_range_q("area__path", scoping.scope_paths(user, SEEING_ROLES))
                ).values("activity_id")
            )
            partners = scoping.partner_ids(user)
            if partners:
                q |= Q(
                    pk__in=Activity.partners.through.objects.filter(partner_id__in=partners).values(
                        "activity_id"
                    )
                )
            return q

        return self.restrict(user, "owner__path", roles=SEEING_ROLES, also=co_organised)

    def open_to(self, user: Any) -> "ActivityQuerySet":
        """Published activities a resident may sign up for: open to their community, or to
        the street (or any area above their home)."""
        resident = (
            Resident.objects.filter(user=user).select_related("area").first()
            if (getattr(user, "is_authenticated", False))
            else None
        )
        if resident is None:
            return self.none()
        return self.filter(
            status=ActivityStatus.PUBLISHED,
            pk__in=Activity.open_to.through.objects.filter(
                area_id__in=path_ids(resident.area.path)
            ).values("activity_id"),
        )


class Activity(TimeStamped):
    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    description = models.TextField(_("description"), blank=True)
    # The community (or the street) that runs it; scoping reads its path. `street` is copied
    # for the figures' index.
    owner = models.ForeignKey(
        "places.Area", verbose_name=_("run by"), on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        "places.Area", verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    organisers = models.ManyToManyField(
        "places.Area", verbose_name=_("co-organising communities"), blank=True, related_name="+"
    )
    partners = models.ManyToManyField(
        "places.Partner",
        verbose_name=_("co-organising partner units"),
        blank=True,
        related_name="activities",
    )
    audience = models.JSONField(_("audience"), default=list, blank=True)
    # The communities (or the street: all of its communities) whose residents may sign up.
    open_to = models.ManyToManyField("places.Area", verbose_name=_("open to"), related_name="+")
    venue = models.ForeignKey(
        "places.Venue",
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT
    )
    waitlist_mode = models.CharField(
        _("when a seat is freed"),
        max_length=20,
        choices=WaitlistMode.choices,
        default=WaitlistMode.CONFIRM,
    )
    offer_hours = models.PositiveSmallIntegerField(_("hours to accept an offered seat"), default=24)
    cancel_cutoff_hours = models.PositiveSmallIntegerField(
        _("residents may cancel until (hours before the start)"), default=2
    )
    # After this many no-shows in the last year a person is served after everyone else
    # (None: no-shows change nothing).
    no_show_limit = models.PositiveSmallIntegerField(
        _("no-shows that lower priority"), null=True, blank=True
    )
    report = models.TextField(_("report"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["street", "kind"], name="activity_street_kind_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:activity_detail", args=[self.pk])


ACTIVITY_MACHINE = Machine(Activity, ACTIVITY_TRANSITIONS, ActivityStatus)


class Course(models.Model):
    """A class's subject (声乐, 舞蹈): taught in terms."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="courses")
    name = models.CharField(_("course"), max_length=100)
    teacher = models.CharField(_("teacher"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["activity", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "name"], name="course_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    """A series of sessions of one course; students are admitted for the whole term."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(_("term"), max_length=100)
    # A student who attends at least this share of the sessions completes the term.
    completion_percent = models.PositiveSmallIntegerField(
        _("attendance to complete (%)"), default=75
    )

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["course", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "name"], name="term_unique_name"),
            models.CheckConstraint(
                condition=Q(completion_percent__lte=100), name="term_completion_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.name}"


class Session(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sessions")
    term = models.ForeignKey(
        Term, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.ForeignKey(
        "places.Venue",
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    booking = models.OneToOneField(
        "places.VenueBooking",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="session",
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.activity} {self.starts_at:%Y-%m-%d %H:%M}"


class Stall(models.Model):
    """A fair's stall: a service (knife sharpening, blood pressure, 内科) and who provides it."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="stalls")
    service = models.CharField(_("service"), max_length=100)
    provider = models.ForeignKey(
        "places.Partner",
        verbose_name=_("provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    volunteers = models.CharField(_("volunteers"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("stall")
        verbose_name_plural = _("stalls")
        ordering = ["activity", "id"]

    def __str__(self) -> str:
        return self.service


class ServiceTally(models.Model):
    """Services a stall delivered, entered by staff in one go (so a count is rows, not a
    counter someone could overwrite)."""

    stall = models.ForeignKey(Stall, on_delete=models.CASCADE, related_name="tallies")
    count = models.PositiveIntegerField(_("services delivered"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(count__lte=100000), name="tally_count_bounded")
        ]

    def __str__(self) -> str:
        return f"{self.stall} × {self.count}"


class Slot(models.Model):
    """A stall's time slot with its own capacity (its offering's)."""

    stall = models.ForeignKey(Stall, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        ordering = ["stall", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stall} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class Intake(models.TextChoices):
    FIRST_COME = "first_come", _("First come, first served")
    DRAW = "draw", _("Applications, then a draw")


class Offering(models.Model):
    """What people register for — one session, one term or one slot — with its seats' rules.

    The row is the lock: every path that takes or frees a seat locks it first
    (`services.seats.lock_offering`).
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="offerings")
    session = models.OneToOneField(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="offering"
    )
    term = models.OneToOneField(
        Term, null=True, blank=True, on_delete=models.CASCADE, related_name="offering"
    )
    slot = models.OneToOneField(
        Slot, null=True, blank=True, on_delete=models.CASCADE, related_name="offering"
    )
    capacity = models.PositiveIntegerField(_("places"))
    # Seats kept back for registrations made by staff (a phone call, a walk-in, a paper list).
    staff_share = models.PositiveIntegerField(_("places kept for staff to fill"), default=0)
    # Registrations per household (the same building or compound and room); None: no limit.
    household_limit = models.PositiveSmallIntegerField(
        _("registrations per household"), null=True, blank=True
    )
    intake = models.CharField(
        _("intake"), max_length=20, choices=Intake.choices, default=Intake.FIRST_COME
    )
    # How many may wait for a seat (None: no limit; 0: no waiting list, a full offering
    # refuses further registrations).
    waitlist_size = models.PositiveIntegerField(_("waiting list places"), null=True, blank=True)
    # First come: registration opens and closes; a draw: the application window.
    opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        ordering = ["activity", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(session__isnull=False, term__isnull=True, slot__isnull=True)
                    | Q(session__isnull=True, term__isnull=False, slot__isnull=True)
                    | Q(session__isnull=True, term__isnull=True, slot__isnull=False)
                ),
                name="offering_one_target",
            ),
            models.CheckConstraint(
                condition=Q(staff_share__lte=models.F("capacity")), name="offering_staff_share"
            ),
            models.CheckConstraint(
                condition=Q(capacity__lte=100000), name="offering_capacity_bounded"
            ),
            models.CheckConstraint(
                condition=Q(waitlist_size__lte=100000), name="offering_waitlist_bounded"
            ),
        ]

    def __str__(self) -> str:
        target = self.session or self.term or self.slot
        return str(target)

    def get_absolute_url(self) -> str:
        return reverse("activities:offering_detail", args=[self.activity_id, self.pk])


class Quota(models.Model):
    """A term's places for one community (the street's 乐龄学堂 sends students from others)."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="quotas")
    community = models.ForeignKey("places.Area", on_delete=models.PROTECT, related_name="+")
    places = models.PositiveIntegerField(_("places"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offering", "community"], name="quota_unique"),
            models.CheckConstraint(condition=Q(places__lte=100000), name="quota_places_bounded"),
        ]

    def __str__(self) -> str:
        return f"{self.community_id}: {self.places}"


class RegistrationStatus(models.TextChoices):
    APPLIED = "applied", _("Applied, awaiting the draw")
    CONFIRMED = "confirmed", _("Confirmed")
    OFFERED = "offered", _("Seat offered, awaiting an answer")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses that hold a seat number, and statuses that count as "registered" (once per person).
HOLDS_SEAT = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)
ACTIVE = (
    RegistrationStatus.APPLIED,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.OFFERED,
    RegistrationStatus.WAITING,
)

REGISTRATION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RegistrationStatus.APPLIED: (
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITING,
        RegistrationStatus.CANCELLED,
    ),
    RegistrationStatus.WAITING: (
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.OFFERED,
        RegistrationStatus.CANCELLED,
    ),
    RegistrationStatus.OFFERED: (
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITING,  # the offer lapsed: back in line, at the end
        RegistrationStatus.CANCELLED,
    ),
    RegistrationStatus.CONFIRMED: (RegistrationStatus.WAITING, RegistrationStatus.CANCELLED),
}


class RegistrationQuerySet(ScopedQuerySet["Registration"]):
    def visible_to(self, user: Any) -> "RegistrationQuerySet":
        """Staff and leadership: registrations for their areas' activities; a resident: their
        own and their children's."""

        def own() -> Q:
            if not getattr(user, "is_authenticated", False):
                return Q(pk__in=[])
            return Q(resident__user=user) | Q(guardian__user=user)

        return self.restrict(user, "activity__owner__path", also=own)

    def active(self) -> "RegistrationQuerySet":
        return self.filter(status__in=ACTIVE)


class Registration(TimeStamped):
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="registrations")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    # The person: a resident on the books, or a child (name) with their guardian, or a walk-in
    # known by name and phone only.
    resident = models.ForeignKey(
        "places.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    guardian = models.ForeignKey(
        "places.Resident",
        verbose_name=_("guardian"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children_registrations",
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # "r<resident id>", "c<guardian id>:<child's name>" or "p<phone>": once per offering.
    person_key = models.CharField(max_length=80)
    # "<area id>:<room>" of the resident or guardian, for the household limit ("" if unknown).
    household_key = models.CharField(max_length=60, blank=True)
    # The person's community, for a term's quotas (None for someone from outside the street).
    community = models.ForeignKey(
        "places.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=RegistrationStatus.choices)
    seat = models.PositiveIntegerField(_("seat"), null=True, blank=True)
    # Order on the waiting list (and of a first-come sign-up): sign-up sequence, or the draw's
    # rank; lower first. `tier` comes before it (0 first: priority groups; 9: repeated no-shows).
    position = models.BigIntegerField(default=0)
    tier = models.PositiveSmallIntegerField(default=5)
    # The pseudonymous number on the draw's published roster.
    roster_number = models.PositiveIntegerField(null=True, blank=True)
    by_staff = models.BooleanField(_("registered by staff"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    code = models.CharField(
        _("check-in code"), max_length=CODE_LENGTH, unique=True, default=new_code
    )
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["offering", "tier", "position", "id"]
        indexes = [
            models.Index(fields=["offering", "status", "tier", "position"], name="reg_queue_idx"),
            models.Index(fields=["activity", "status"], name="reg_activity_idx"),
        ]
        constraints = [
            # The lock's backstop: one registration per seat.
            models.UniqueConstraint(
                fields=["offering", "seat"],
                condition=Q(seat__isnull=False),
                name="registration_one_per_seat",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status__in=HOLDS_SEAT, seat__isnull=False, seat__gte=1)
                    | (~Q(status__in=HOLDS_SEAT) & Q(seat__isnull=True))
                ),
                name="registration_seat_iff_held",
            ),
            models.UniqueConstraint(
                fields=["offering", "person_key"],
                condition=Q(status__in=ACTIVE),
                name="registration_once_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.offering}"


REGISTRATION_MACHINE = Machine(Registration, REGISTRATION_TRANSITIONS, RegistrationStatus)


class CheckInSource(models.TextChoices):
    SCAN = "scan", _("QR code scanned")
    CODE = "code", _("Code typed")
    LIST = "list", _("Ticked on the list")
    WALK_IN = "walk_in", _("Walk-in at the door")


class Attendance(models.Model):
    """A registration checked in at a session: once, however often the code is scanned."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="attendances"
    )
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    # When the person was at the door (a scan queued offline keeps its own time) and when the
    # server heard of it.
    checked_in_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=20, choices=CheckInSource.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session", "checked_in_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session"], name="attendance_once_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} @ {self.session_id}"


class VolunteerShift(models.Model):
    """A volunteer's check-in and check-out at an activity; the hours add up from these."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="shifts")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="shifts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer_shifts",
    )
    resident = models.ForeignKey(
        "places.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    checked_in_at = models.DateTimeField()
    checked_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["checked_in_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_out_at__gt=models.F("checked_in_at")),
                name="shift_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def hours(self) -> float:
        if self.checked_out_at is None:
            return 0.0
        end: datetime = self.checked_out_at
        return round((end - self.checked_in_at).total_seconds() / 3600, 2)


class DrawStatus(models.TextChoices):
    ANNOUNCED = "announced", _("Sources announced")
    FROZEN = "frozen", _("Roster frozen")
    DRAWN = "drawn", _("Drawn")


DRAW_TRANSITIONS: dict[str, tuple[str, ...]] = {
    DrawStatus.ANNOUNCED: (DrawStatus.FROZEN,),
    DrawStatus.FROZEN: (DrawStatus.DRAWN,),
}


class Draw(TimeStamped):
    """An offering's draw, RFC 3797 style: sources announced, roster frozen and hashed,
    then the seed from the sources' values and the ranking, all published."""

    offering = models.OneToOneField(Offering, on_delete=models.CASCADE, related_name="draw")
    status = models.CharField(
        max_length=20, choices=DrawStatus.choices, default=DrawStatus.ANNOUNCED
    )
    # What the seed will be made of, announced before the roster is frozen (e.g. "福彩3D of
    # 2026-12-06; five dice rolled by residents at the draw").
    sources = models.TextField(_("random sources, announced in advance"))
    draw_at = models.DateTimeField(_("the draw takes place at"))
    frozen_at = models.DateTimeField(null=True, blank=True)
    # The published roster: [[roster number, tier], ...] in roster-number order, and its SHA-256.
    roster = models.JSONField(default=list, blank=True)
    roster_sha256 = models.CharField(max_length=64, blank=True)
    # The sources' values as entered at the draw, the RFC 3797 key built from them, the
    # ranking (roster numbers, first admitted first).
    values = models.JSONField(default=list, blank=True)
    key = models.TextField(blank=True)
    ranking = models.JSONField(default=list, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("draw")
        verbose_name_plural = _("draws")

    def get_absolute_url(self) -> str:
        return reverse("activities:draw_public", args=[self.pk])


DRAW_MACHINE = Machine(Draw, DRAW_TRANSITIONS, DrawStatus)


class Reminder(models.Model):
    """A text sent about a registration, once: the day-before reminder of a session, or a seat
    offered from the waiting list."""

    class Kind(models.TextChoices):
        DAY_BEFORE = "day_before", _("Reminder the day before")
        SEAT_OFFERED = "seat_offered", _("A seat was offered")
        SEAT_CONFIRMED = "seat_confirmed", _("A seat was confirmed from the waiting list")

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="reminders"
    )
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session", "kind"],
                name="reminder_once",
                condition=Q(session__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.registration_id}"


def photo_path(instance: "ActivityPhoto", filename: str) -> str:
    return f"activities/{instance.activity_id}/{secrets.token_hex(8)}.jpg"


class ActivityPhoto(models.Model):
    """A photo of the report, re-encoded by core.images (no metadata), served only to those
    who see the activity."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=photo_path)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name
