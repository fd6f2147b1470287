"""Co-building (共建): agreements with partner units, 双报到, the three lists, service points.

**Agreements.** An `Agreement` (结对共建协议) binds a community (or the street) to one or more
partner units (`AgreementParty`, each with its party branch and liaison). Its `Commitment`s say
what each side does, how often (`Cadence`) and when each period's item falls due. Each period
of a commitment is one `DueItem` row (made ahead by `schedule.materialise`), unique per
(commitment, period): filing it twice is refused or becomes an amendment (`Filing.version`). A
weekly self-inspection report lists `ReportProblem`s; each may become a demand. Amendments are
kept as `AgreementVersion`s; a renewal is a new agreement pointing at the one it renews.

**双报到.** A partner unit registers with a community (`UnitRegistration`); its party members who
live there register as in-service members (`MemberRegistration`), claim `Post`s (volunteer
posts or tasks, `PostClaim`) and have `ServiceHours` recorded. Once a year the community
evaluates units and members (`Evaluation` under an `EvaluationScheme`).

**The three lists.** `Need`s (from demands, meeting follow-ups or typed in) and partners'
`Resource`s are matched (`matching.py`); a partner `Claim`s a need (one live claim per need,
backed by a partial unique constraint; the paired partners have an exclusive window), and every
claim ends in a `Delivery`. `Contribution`s are the ledger of what partners gave (hours, money,
goods, services), some against a project.

**Service points.** A `ServicePoint` (便民服务点) has a provider, opening hours
(`OpeningHours`), a price list (`PriceItem`) and `VisitSlot`s for home visits. A `PointBooking`
holds place number `place` in its slot; the unique (slot, place) constraint over live bookings
backs the lock on the slot row, so a slot is never double-booked.
"""

import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, Role
from genxi.accounts.scoping import ScopedQuerySet
from genxi.core.models import TimeStamped
from genxi.core.paths import path_range_q
from genxi.core.states import Machine

NOT_NEGATIVE = [MinValueValidator(Decimal(0))]

# Who sees a community's co-building records: its staff and leadership (and the street's).
SEEING_ROLES = AREA_ROLES


def upload_path(instance: Any, filename: str) -> str:
    """Uploads are stored under a random name (the original name stays in `name`)."""
    suffix = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"cobuilding/{instance._meta.model_name}/{secrets.token_hex(16)}.{suffix}"


# ---------------------------------------------------------------------------------------------
# Agreements and commitments
# ---------------------------------------------------------------------------------------------


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("In force")
    ENDED = "ended", _("Ended")


AGREEMENT_TRANSITIONS: dict[str, set[str]] = {
    AgreementStatus.DRAFT: {AgreementStatus.ACTIVE, AgreementStatus.ENDED},
    AgreementStatus.ACTIVE: {AgreementStatus.ENDED},
}


class MeetingCadence(models.TextChoices):
    NONE = "none", _("No fixed schedule")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Every half year")
    YEARLY = "yearly", _("Yearly")


class AgreementQuerySet(ScopedQuerySet["Agreement"]):
    def visible_to(self, user: Any) -> "AgreementQuerySet":
        """Staff and leadership of the community (or street) that signed it; partner handlers
        of a unit that is a party to it."""

        def as_party() -> Q:
            return Q(
                pk__in=AgreementParty.objects.filter(
                    partner_id__in=scoping.partner_ids(user)
                ).values("agreement_id")
            )

        return self.restrict(user, "community__path", roles=SEEING_ROLES, also=as_party)

    def active(self) -> "AgreementQuerySet":
        return self.filter(status=AgreementStatus.ACTIVE)

    def in_force(self, today: Any = None) -> "AgreementQuerySet":
        """Signed, not ended, and today within its dates: the one definition of a unit being
        "paired" with a community (the agreement's community or street and everything below)."""
        from django.utils import timezone

        today = today or timezone.localdate()
        return self.filter(status=AgreementStatus.ACTIVE, starts_on__lte=today, ends_on__gte=today)


class Agreement(TimeStamped):
    title = models.CharField(_("title"), max_length=100)
    # Our side: the community (or street) and its party organisation.
    community = models.ForeignKey(
        "places.Area",
        verbose_name=_("community or street"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    party_org = models.ForeignKey(
        "places.PartyOrg",
        verbose_name=_("our party organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    partners: "models.ManyToManyField[Any, Any]" = models.ManyToManyField(
        "places.Partner",
        through="AgreementParty",
        verbose_name=_("partner units"),
        related_name="agreements",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our liaison"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    liaison_name = models.CharField(_("our liaison"), max_length=50, blank=True)
    liaison_phone = models.CharField(_("liaison's phone"), max_length=20, blank=True)
    meeting_cadence = models.CharField(
        _("joint meetings (联席会)"),
        max_length=12,
        choices=MeetingCadence.choices,
        default=MeetingCadence.QUARTERLY,
    )
    summary = models.TextField(_("what the parties agree"), blank=True)
    document = models.FileField(_("signed agreement"), upload_to=upload_path, blank=True)
    document_name = models.CharField(max_length=200, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    renews = models.OneToOneField(
        "self",
        verbose_name=_("renews"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewed_by",
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=200, blank=True)
    # Joint meetings held: meetings of the meetings app.
    meetings = models.ManyToManyField(
        "meetings.Meeting", verbose_name=_("joint meetings"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("co-building agreement")
        verbose_name_plural = _("co-building agreements")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="agreement_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cobuilding:agreement_detail", args=[self.pk])


AGREEMENT_MACHINE = Machine(
    Agreement,
    AGREEMENT_TRANSITIONS,
    AgreementStatus,
    refused=_("An agreement that is “%(now)s” cannot become “%(to)s”."),
)


class AgreementParty(models.Model):
    """A partner unit's side of an agreement: its party branch and its liaison (联络员)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    partner = models.ForeignKey(
        "places.Partner",
        verbose_name=_("partner unit"),
        on_delete=models.PROTECT,
        related_name="agreement_parties",
    )
    branch = models.ForeignKey(
        "places.PartyOrg",
        verbose_name=_("its party branch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    liaison_name = models.CharField(_("its liaison"), max_length=50, blank=True)
    liaison_phone = models.CharField(_("liaison's phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("party to an agreement")
        verbose_name_plural = _("parties to agreements")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "partner"], name="agreement_party_once")
        ]

    def __str__(self) -> str:
        return f"{self.agreement} · {self.partner}"


class AgreementVersion(models.Model):
    """What an agreement said before an amendment (or at signing): its terms and commitments."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField()
    # The signed document in force until this version was replaced (kept, never overwritten).
    document = models.FileField(upload_to=upload_path, blank=True)
    reason = models.CharField(_("what changed"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreement_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number}"


class CommitmentKind(models.TextChoices):
    REPORT = "report", _("A report")
    ACTIVITY = "activity", _("An activity")
    HOURS = "hours", _("Service hours")
    MONEY = "money", _("Money")
    GOODS = "goods", _("Goods")
    FACILITY = "facility", _("Opening a facility")


class Cadence(models.TextChoices):
    ONCE = "once", _("Once")
    PER_ACTIVITY = "per_activity", _("For each activity")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class Side(models.TextChoices):
    COMMUNITY = "community", _("Our side")
    PARTNER = "partner", _("The partner")


class Commitment(models.Model):
    """What one side does, how often, and when each period's item falls due.

    The due rule: a period's item is due `due_after_days` days after the period's last day
    (0: on its last day; a weekly report due on Monday for the week before is 1). A one-off is
    due on `due_on`; an item per activity is due `due_after_days` after each activity of the
    partner with the community ends.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="commitments")
    title = models.CharField(_("commitment"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=CommitmentKind.choices)
    cadence = models.CharField(_("how often"), max_length=12, choices=Cadence.choices)
    owner_side = models.CharField(_("whose"), max_length=12, choices=Side.choices)
    # The partner that owns it when the agreement has several.
    owner_partner = models.ForeignKey(
        "places.Partner",
        verbose_name=_("partner unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Items fall due from this day (a commitment added to a running agreement owes nothing for
    # the periods before it); the agreement's start when empty.
    starts_on = models.DateField(_("owed from"), null=True, blank=True)
    due_after_days = models.PositiveSmallIntegerField(
        _("due days after each period"), default=0, validators=[MaxValueValidator(90)]
    )
    due_on = models.DateField(_("due on (once)"), null=True, blank=True)
    # What a period should bring (optional): hours, an amount, a quantity of goods.
    target_hours = models.DecimalField(
        _("hours each time"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    target_amount = models.DecimalField(
        _("amount each time (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    description = models.TextField(_("details"), blank=True)
    # A weekly self-inspection report lists the problems found (each may become a demand).
    lists_problems = models.BooleanField(_("the report lists problems found"), default=False)
    is_active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(cadence="once") | Q(due_on__isnull=False), name="commitment_once_due"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DueItemQuerySet(ScopedQuerySet["DueItem"]):
    def visible_to(self, user: Any) -> "DueItemQuerySet":
        return self.filter(commitment__agreement__in=Agreement.objects.visible_to(user))


class DueItem(models.Model):
    """One period of a commitment: what falls due, and whether (and when) it was filed."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="items")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    due_on = models.DateField(_("due on"), db_index=True)
    # Set by the first filing; amendments keep it.
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    # The activity this item is for (cadence "per activity").
    activity = models.ForeignKey(
        "activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = DueItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("due item")
        verbose_name_plural = _("due items")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "period_start"],
                condition=Q(activity__isnull=True),
                name="due_item_once_per_period",
            ),
            models.UniqueConstraint(
                fields=["commitment", "activity"], name="due_item_once_per_activity"
            ),
        ]
        indexes = [models.Index(fields=["filed_at", "due_on"], name="due_item_open_idx")]

    def __str__(self) -> str:
        return f"{self.commitment} {self.period_start}–{self.period_end}"


class Filing(models.Model):
    """What was done for a due item. Version 1 is the filing; later versions are amendments."""

    item = models.ForeignKey(DueItem, on_delete=models.CASCADE, related_name="filings")
    version = models.PositiveSmallIntegerField(default=1)
    text = models.TextField(_("what was done"))
    hours = models.DecimalField(
        _("hours"), max_digits=8, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE
    )
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="filing_version_once"),
            models.CheckConstraint(
                condition=(Q(hours__isnull=True) | Q(hours__gte=0))
                & (Q(amount__isnull=True) | Q(amount__gte=0)),
                name="filing_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} v{self.version}"


class Attachment(models.Model):
    """A photo or PDF filed with a commitment item or a delivery (checked like every upload)."""

    filing = models.ForeignKey(
        Filing, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    delivery = models.ForeignKey(
        "Delivery", null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=upload_path)
    name = models.CharField(max_length=200)
    is_pdf = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(filing__isnull=False, delivery__isnull=True)
                | Q(filing__isnull=True, delivery__isnull=False),
                name="attachment_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReportProblem(models.Model):
    """A problem a self-inspection report found; it may become a demand in one step."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="problems")
    text = models.CharField(_("problem"), max_length=200)
    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("where"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    demand = models.OneToOneField(
        "demands.Demand", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text


# ---------------------------------------------------------------------------------------------
# 双报到: units and in-service party members report to the community
# ---------------------------------------------------------------------------------------------


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")
    ENDED = "ended", _("Ended")


REGISTRATION_TRANSITIONS: dict[str, set[str]] = {
    RegistrationStatus.PENDING: {RegistrationStatus.CONFIRMED, RegistrationStatus.REFUSED},
    RegistrationStatus.CONFIRMED: {RegistrationStatus.ENDED},
    RegistrationStatus.REFUSED: {RegistrationStatus.PENDING},
    RegistrationStatus.ENDED: {RegistrationStatus.PENDING},
}
LIVE_REGISTRATION = [RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED]


class UnitRegistrationQuerySet(ScopedQuerySet["UnitRegistration"]):
    def visible_to(self, user: Any) -> "UnitRegistrationQuerySet":
        return self.restrict(
            user,
            "community__path",
            roles=SEEING_ROLES,
            also=lambda: Q(partner_id__in=scoping.partner_ids(user)),
        )


class UnitRegistration(TimeStamped):
    """单位报到: a partner unit registers with a community."""

    partner = models.ForeignKey(
        "places.Partner",
        verbose_name=_("partner unit"),
        on_delete=models.PROTECT,
        related_name="unit_registrations",
    )
    community = models.ForeignKey(
        "places.Area", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact's phone"), max_length=20, blank=True)
    offers = models.TextField(_("what the unit can offer"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.PENDING,
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = UnitRegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit registration")
        verbose_name_plural = _("unit registrations")
        ordering = ["community__path", "partner__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "community"],
                condition=Q(status__in=LIVE_REGISTRATION),
                name="unit_registration_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} → {self.community}"


UNIT_MACHINE = Machine(UnitRegistration, REGISTRATION_TRANSITIONS, RegistrationStatus)


class MemberRegistrationQuerySet(ScopedQuerySet["MemberRegistration"]):
    def visible_to(self, user: Any) -> "MemberRegistrationQuerySet":
        """Staff and leadership of the community; the member; their unit's handlers."""
        return self.restrict(
            user,
            "community__path",
            roles=SEEING_ROLES,
            also=lambda: Q(user=user) | Q(partner_id__in=scoping.partner_ids(user)),
        )

    def confirmed(self) -> "MemberRegistrationQuerySet":
        return self.filter(status=RegistrationStatus.CONFIRMED)


class MemberRegistration(TimeStamped):
    """在职党员报到: a party member of a unit, living in the community, registers with it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member_registrations",
    )
    resident = models.ForeignKey(
        "places.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    community = models.ForeignKey(
        "places.Area", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    partner = models.ForeignKey(
        "places.Partner",
        verbose_name=_("work unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member_registrations",
    )
    unit_name = models.CharField(_("work unit"), max_length=100, blank=True)
    branch = models.CharField(_("party branch"), max_length=100)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    available = models.CharField(_("available times"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.PENDING,
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = MemberRegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("in-service party member")
        verbose_name_plural = _("in-service party members")
        ordering = ["community__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "phone"],
                condition=Q(status__in=LIVE_REGISTRATION),
                name="member_registration_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name


MEMBER_MACHINE = Machine(MemberRegistration, REGISTRATION_TRANSITIONS, RegistrationStatus)


class PostKind(models.TextChoices):
    POST = "post", _("Volunteer post")
    TASK = "task", _("Task")


class PostQuerySet(ScopedQuerySet["Post"]):
    def visible_to(self, user: Any) -> "PostQuerySet":
        """Staff and leadership of the community; confirmed members of it see its posts."""

        def as_member() -> Q:
            return Q(
                community__in=MemberRegistration.objects.filter(
                    user=user, status=RegistrationStatus.CONFIRMED
                ).values("community")
            )

        return self.restrict(user, "community__path", roles=SEEING_ROLES, also=as_member)


class Post(TimeStamped):
    """A volunteer post (认领岗位) or a task the community publishes for members to claim."""

    community = models.ForeignKey(
        "places.Area", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=PostKind.choices)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    places = models.PositiveSmallIntegerField(
        _("people wanted"), default=1, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    when = models.CharField(_("when"), max_length=100, blank=True)
    is_open = models.BooleanField(_("open for claims"), default=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post or task")
        verbose_name_plural = _("posts and tasks")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    DONE = "done", _("Done")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class PostClaim(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="claims")
    member = models.ForeignKey(MemberRegistration, on_delete=models.CASCADE, related_name="claims")
    status = models.CharField(max_length=12, choices=ClaimStatus.choices, default="claimed")
    # 1..post.places while the claim is live: the unique (post, place) over live claims backs
    # the lock on the post row, so a post's places are never over-claimed.
    place = models.PositiveSmallIntegerField(_("place"))
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claimed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "member"], condition=~Q(status="withdrawn"), name="post_claim_once"
            ),
            models.UniqueConstraint(
                fields=["post", "place"],
                condition=~Q(status="withdrawn"),
                name="post_claim_place_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.post}"


POST_CLAIM_MACHINE = Machine(
    PostClaim,
    {
        ClaimStatus.CLAIMED: {ClaimStatus.DONE, ClaimStatus.WITHDRAWN},
    },
    ClaimStatus,
    touch=False,
    refused=_("A claim that is “%(now)s” cannot become “%(to)s”."),
)


class HoursSource(models.TextChoices):
    ACTIVITY = "activity", _("Checked in at an activity")
    TASK = "task", _("A post or task")
    STAFF = "staff", _("Entered by staff")


class ServiceHours(models.Model):
    """Hours a member served: from an activity's check-in and check-out, or a post or task."""

    member = models.ForeignKey(MemberRegistration, on_delete=models.CASCADE, related_name="hours")
    source = models.CharField(_("from"), max_length=12, choices=HoursSource.choices)
    shift = models.OneToOneField(
        "activities.VolunteerShift",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(24))],
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="service_hours_in_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.on} {self.hours}"


class Subject(models.TextChoices):
    UNIT = "unit", _("Partner units")
    MEMBER = "member", _("In-service party members")


class EvaluationScheme(models.Model):
    """A year's evaluation items and grades for a community's units or members (评议), or for
    the street's partners (the yearly partner evaluation, items computed from the records).

    `items` is a list of {"key", "label", "weight", "source"}: `source` "manual" for a score
    staff give (0–100), or the name of a computed indicator (`evaluation.INDICATORS`).
    `grades` is a list of [name, lowest score] from the best down.
    """

    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("community or street"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    subject = models.CharField(_("who is evaluated"), max_length=8, choices=Subject.choices)
    items = models.JSONField(_("items"), default=list)
    grades = models.JSONField(_("grades"), default=list)
    closed_at = models.DateTimeField(_("results sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")
        ordering = ["-year", "area__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "year", "subject"], name="evaluation_scheme_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.year} {self.get_subject_display()}"


class Evaluation(models.Model):
    """One unit's or member's scores under a scheme, with the total, grade and letter."""

    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.CASCADE, related_name="results")
    partner = models.ForeignKey(
        "places.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey(
        MemberRegistration, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    scores = models.JSONField(default=dict)  # item key → score 0–100
    total = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal(0))
    grade = models.CharField(max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-total", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "partner"], name="evaluation_partner_once"),
            models.UniqueConstraint(fields=["scheme", "member"], name="evaluation_member_once"),
            models.CheckConstraint(
                condition=Q(partner__isnull=False, member__isnull=True)
                | Q(partner__isnull=True, member__isnull=False),
                name="evaluation_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} · {self.partner or self.member}"


# ---------------------------------------------------------------------------------------------
# The three lists: needs, resources (and projects, in the projects app)
# ---------------------------------------------------------------------------------------------


class NeedSource(models.TextChoices):
    DEMAND = "demand", _("From a demand")
    FOLLOW_UP = "follow_up", _("From a meeting's follow-up")
    DIRECT = "direct", _("Entered directly")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLAIMED = "claimed", _("Claimed")
    MET = "met", _("Met")
    CLOSED = "closed", _("Closed")


NEED_TRANSITIONS: dict[str, set[str]] = {
    NeedStatus.OPEN: {NeedStatus.CLAIMED, NeedStatus.CLOSED},
    NeedStatus.CLAIMED: {NeedStatus.MET, NeedStatus.OPEN, NeedStatus.CLOSED},
    NeedStatus.MET: set(),
    NeedStatus.CLOSED: {NeedStatus.OPEN},
}


class NeedQuerySet(ScopedQuerySet["Need"]):
    def visible_to(self, user: Any) -> "NeedQuerySet":
        """Staff, leadership and pioneers of the community; partner handlers: the needs they
        claimed, and the open needs they may claim (`claimable_by`)."""

        def as_partner() -> Q:
            partners = scoping.partner_ids(user)
            if not partners:
                return Q(pk__in=[])
            return Q(pk__in=Claim.objects.filter(partner_id__in=partners).values("need_id")) | Q(
                pk__in=Need.objects.claimable_by(user).values("pk")
            )

        return self.restrict(
            user, "community__path", roles=AREA_ROLES | {Role.PIONEER}, also=as_partner
        )

    def claimable_by(self, user: Any) -> "NeedQuerySet":
        """Open needs of the communities the user's partner units serve: below the area the
        unit is registered with, where it reported (单位报到, confirmed), or bound to it by an
        agreement in force. Whether the exclusive window lets a given unit claim one yet is
        `services.lists.check_window`."""
        from genxi.places.models import Partner

        partners = list(
            Partner.objects.filter(pk__in=scoping.partner_ids(user), is_active=True).select_related(
                "area"
            )
        )
        if not partners:
            return self.none()
        q = path_range_q("community__path", [p.area.path for p in partners])
        q |= Q(
            community__in=UnitRegistration.objects.filter(
                partner__in=partners, status=RegistrationStatus.CONFIRMED
            ).values("community")
        )
        paired = Agreement.objects.in_force().filter(parties__partner__in=partners)
        q |= path_range_q("community__path", set(paired.values_list("community__path", flat=True)))
        return self.filter(q, status=NeedStatus.OPEN)


class Need(TimeStamped):
    community = models.ForeignKey(
        "places.Area", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("where"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("need"), max_length=100)
    description = models.TextField(_("details"), blank=True)
    category = models.ForeignKey(
        "demands.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("from"), max_length=12, choices=NeedSource.choices)
    demand = models.OneToOneField(
        "demands.Demand", null=True, blank=True, on_delete=models.SET_NULL, related_name="need"
    )
    follow_up = models.OneToOneField(
        "meetings.FollowUp", null=True, blank=True, on_delete=models.SET_NULL, related_name="need"
    )
    quantity = models.CharField(_("how much"), max_length=100, blank=True)
    amount = models.DecimalField(
        _("money needed (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    wanted_from = models.DateField(_("wanted from"), null=True, blank=True)
    wanted_by = models.DateField(_("wanted by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    # Until then only the community's paired partners may claim it.
    exclusive_until = models.DateTimeField(_("paired partners only until"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "category"], name="need_status_category_idx"),
            models.Index(fields=["community", "status"], name="need_community_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cobuilding:need_detail", args=[self.pk])


NEED_MACHINE = Machine(
    Need,
    NEED_TRANSITIONS,
    NeedStatus,
    refused=_("A need that is “%(now)s” cannot become “%(to)s”."),
)


class NeedRule(models.Model):
    """Demands of this category in this area (a community or the street) become needs."""

    area = models.ForeignKey("places.Area", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("demands.Category", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "category"], name="need_rule_once"),
        ]

    def __str__(self) -> str:
        return f"{self.area} · {self.category}"


class ResourceKind(models.TextChoices):
    SERVICE = "service", _("A service")
    PLACE = "place", _("A place")
    MONEY = "money", _("Money")
    GOODS = "goods", _("Goods")
    VOLUNTEERS = "volunteers", _("Volunteers")


class ResourceQuerySet(ScopedQuerySet["Resource"]):
    def visible_to(self, user: Any) -> "ResourceQuerySet":
        """Staff, leadership and pioneers: resources of the partners they see; partner
        handlers: their own units' resources."""
        from genxi.places.models import Partner

        return self.filter(partner__in=Partner.objects.visible_to(user))

    def offered(self) -> "ResourceQuerySet":
        return self.filter(is_active=True)


class Resource(TimeStamped):
    partner = models.ForeignKey(
        "places.Partner",
        verbose_name=_("partner unit"),
        on_delete=models.CASCADE,
        related_name="resources",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ResourceKind.choices)
    title = models.CharField(_("what"), max_length=100)
    description = models.TextField(_("details"), blank=True)
    category = models.ForeignKey(
        "demands.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    quantity = models.CharField(_("how much"), max_length=100, blank=True)
    amount = models.DecimalField(
        _("money or value (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    when = models.CharField(_("when"), max_length=100, blank=True)
    available_from = models.DateField(_("available from"), null=True, blank=True)
    available_until = models.DateField(_("available until"), null=True, blank=True)
    audience = models.CharField(_("for whom"), max_length=100, blank=True)
    # Where it is offered: an area (the partner's own area when empty) and everything below it.
    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("where"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    is_active = models.BooleanField(_("offered"), default=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["category", "is_active"], name="resource_category_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cobuilding:resource_detail", args=[self.pk])


class NeedClaimStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    DELIVERED = "delivered", _("Delivered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


LIVE_CLAIM = [NeedClaimStatus.CLAIMED, NeedClaimStatus.DELIVERED]


class ClaimQuerySet(ScopedQuerySet["Claim"]):
    def visible_to(self, user: Any) -> "ClaimQuerySet":
        return self.restrict(
            user,
            "need__community__path",
            roles=AREA_ROLES | {Role.PIONEER},
            also=lambda: Q(partner_id__in=scoping.partner_ids(user)),
        )


class Claim(models.Model):
    """A partner's claim (认领) of a need. One live claim per need (the constraint backs the lock
    on the need row); a claim ends in its `Delivery`, or is withdrawn."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="claims")
    partner = models.ForeignKey(
        "places.Partner",
        verbose_name=_("partner unit"),
        on_delete=models.PROTECT,
        related_name="claims",
    )
    resource = models.ForeignKey(
        Resource,
        verbose_name=_("with the resource"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims",
    )
    status = models.CharField(
        max_length=12, choices=NeedClaimStatus.choices, default=NeedClaimStatus.CLAIMED
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(auto_now_add=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-claimed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["need"], condition=Q(status__in=LIVE_CLAIM), name="need_claimed_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.need}"


NEED_CLAIM_MACHINE = Machine(
    Claim,
    {
        NeedClaimStatus.CLAIMED: {NeedClaimStatus.DELIVERED, NeedClaimStatus.WITHDRAWN},
    },
    NeedClaimStatus,
    touch=False,
    refused=_("A claim that is “%(now)s” cannot become “%(to)s”."),
)


class Delivery(models.Model):
    """What a claim delivered, when, with evidence: only this makes a need met."""

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="delivery")
    what = models.TextField(_("what was delivered"))
    delivered_on = models.DateField(_("delivered on"))
    hours = models.DecimalField(
        _("hours"), max_digits=8, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE
    )
    amount = models.DecimalField(
        _("money or value (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.CheckConstraint(
                condition=(Q(hours__isnull=True) | Q(hours__gte=0))
                & (Q(amount__isnull=True) | Q(amount__gte=0)),
                name="delivery_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim} @ {self.delivered_on}"


class ContributionKind(models.TextChoices):
    HOURS = "hours", _("Hours")
    MONEY = "money", _("Money")
    GOODS = "goods", _("Goods")
    SERVICE = "service", _("Services")


class ContributionQuerySet(ScopedQuerySet["Contribution"]):
    def visible_to(self, user: Any) -> "ContributionQuerySet":
        return self.restrict(
            user,
            "community__path",
            roles=SEEING_ROLES,
            also=lambda: Q(partner_id__in=scoping.partner_ids(user)),
        )


class Contribution(models.Model):
    """A line of the contributions ledger: what a partner gave a community."""

    partner = models.ForeignKey(
        "places.Partner",
        verbose_name=_("partner unit"),
        on_delete=models.PROTECT,
        related_name="contributions",
    )
    community = models.ForeignKey(
        "places.Area", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ContributionKind.choices)
    description = models.CharField(_("what"), max_length=200)
    on = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"), max_digits=8, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE
    )
    # Money given, or the value of goods and services.
    amount = models.DecimalField(
        _("money or value (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("for the project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contributions",
    )
    delivery = models.OneToOneField(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="contribution"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ContributionQuerySet.as_manager()

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(hours__isnull=True) | Q(hours__gte=0))
                & (Q(amount__isnull=True) | Q(amount__gte=0)),
                name="contribution_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.description}"


# ---------------------------------------------------------------------------------------------
# Service points (便民服务点) and their bookings
# ---------------------------------------------------------------------------------------------


class PointKind(models.TextChoices):
    RECYCLING = "recycling", _("Recycling")
    HAIRCUT = "haircut", _("Haircuts")
    REPAIR = "repair", _("Repairs")
    LEGAL = "legal", _("Legal advice")
    HEALTH = "health", _("Health")
    OTHER = "other", _("Other")


class ServicePointQuerySet(ScopedQuerySet["ServicePoint"]):
    def visible_to(self, user: Any) -> "ServicePointQuerySet":
        """Staff, leadership and pioneers of the community; the provider's handlers."""
        return self.restrict(
            user,
            "community__path",
            roles=AREA_ROLES | {Role.PIONEER},
            also=lambda: Q(provider_id__in=scoping.partner_ids(user)),
        )


class ServicePoint(TimeStamped):
    community = models.ForeignKey(
        "places.Area", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=PointKind.choices)
    provider = models.ForeignKey(
        "places.Partner",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="service_points",
    )
    venue = models.ForeignKey(
        "places.Venue",
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)
    home_visits = models.BooleanField(_("books home visits"), default=False)
    is_active = models.BooleanField(_("open"), default=True)

    objects = ServicePointQuerySet.as_manager()

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["community__path", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cobuilding:point_detail", args=[self.pk])


class OpeningHours(models.Model):
    """The point is open on `weekday` (0 Monday … 6 Sunday) from `opens` to `closes`."""

    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)])
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")) & Q(weekday__lte=6),
                name="opening_hours_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens}–{self.closes}"


class PriceItem(models.Model):
    """A line of the point's price list: what is paid to residents per unit (recycling)."""

    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="prices")
    material = models.CharField(_("material or service"), max_length=50)
    unit = models.CharField(_("unit"), max_length=10, default="kg")
    price = models.DecimalField(
        _("price per unit (yuan)"), max_digits=8, decimal_places=2, validators=NOT_NEGATIVE
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.material} {self.price}/{self.unit}"


class VisitSlot(models.Model):
    """A time when the provider's worker comes to homes, with its capacity."""

    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    capacity = models.PositiveSmallIntegerField(
        _("households"), validators=[MinValueValidator(1), MaxValueValidator(500)]
    )

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")) & Q(capacity__gte=1),
                name="visit_slot_sane",
            ),
            models.UniqueConstraint(fields=["point", "starts_at"], name="visit_slot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.point} {self.starts_at:%Y-%m-%d %H:%M}"


class BookingChannel(models.TextChoices):
    APP = "app", _("By the resident, on the phone")
    STAFF_CALL = "staff_call", _("Phoned in, taken by staff")
    PROVIDER_CALL = "provider_call", _("Phoned in, taken by the provider")
    PIONEER = "pioneer", _("By a pioneer on a visit")


class PointBookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    ASSIGNED = "assigned", _("Assigned to a worker")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    MISSED = "missed", _("Missed")


POINT_BOOKING_TRANSITIONS: dict[str, set[str]] = {
    PointBookingStatus.CONFIRMED: {
        PointBookingStatus.ASSIGNED,
        PointBookingStatus.DONE,
        PointBookingStatus.CANCELLED,
        PointBookingStatus.MISSED,
    },
    PointBookingStatus.ASSIGNED: {
        PointBookingStatus.DONE,
        PointBookingStatus.CANCELLED,
        PointBookingStatus.MISSED,
        PointBookingStatus.ASSIGNED,
    },
}
# The bookings that hold a place in their slot.
HOLDS_PLACE = [PointBookingStatus.CONFIRMED, PointBookingStatus.ASSIGNED, PointBookingStatus.DONE]


class PointBookingQuerySet(ScopedQuerySet["PointBooking"]):
    def visible_to(self, user: Any) -> "PointBookingQuerySet":
        """Staff and leadership of the community; pioneers, the provider's handlers and the
        resident who booked, each their own (see `others`)."""
        from genxi.places.models import Pioneer

        def others() -> Q:
            # A pioneer: the bookings they made, and those of residents of their grids (as with
            # residents' records); the provider's handlers; the resident who booked.
            q = Q(point__provider_id__in=scoping.partner_ids(user)) | Q(resident__user=user)
            if scoping.has_role(user, Role.PIONEER):
                q |= Q(booked_by=user)
                grids = Pioneer.objects.grid_ids_of(user)
                if grids:
                    q |= Q(resident__area__grid__in=grids)
            return q

        return self.restrict(user, "point__community__path", roles=AREA_ROLES, also=others)


class PointBooking(TimeStamped):
    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="bookings")
    slot = models.ForeignKey(VisitSlot, on_delete=models.PROTECT, related_name="bookings")
    place = models.PositiveSmallIntegerField()  # 1..slot.capacity while it holds a place
    resident = models.ForeignKey(
        "places.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=200)
    what = models.CharField(_("what to collect"), max_length=200, blank=True)
    channel = models.CharField(_("booked"), max_length=16, choices=BookingChannel.choices)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PointBookingStatus.choices,
        default=PointBookingStatus.CONFIRMED,
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("worker"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    amount_paid = models.DecimalField(
        _("paid to the resident (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    done_at = models.DateTimeField(null=True, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = PointBookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("service booking")
        verbose_name_plural = _("service bookings")
        ordering = ["slot__starts_at", "place"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "place"],
                condition=Q(status__in=HOLDS_PLACE),
                name="point_booking_place_once",
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__isnull=True) | Q(amount_paid__gte=0),
                name="point_booking_paid_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point} · {self.name}"


POINT_BOOKING_MACHINE = Machine(
    PointBooking,
    POINT_BOOKING_TRANSITIONS,
    PointBookingStatus,
    refused=_("A booking that is “%(now)s” cannot become “%(to)s”."),
)


class CollectedItem(models.Model):
    """What a home visit collected: a material, its weight and what was paid for it."""

    booking = models.ForeignKey(PointBooking, on_delete=models.CASCADE, related_name="collected")
    material = models.CharField(_("material"), max_length=50)
    kg = models.DecimalField(
        _("kg"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(10000))],
    )
    amount = models.DecimalField(
        _("paid (yuan)"), max_digits=12, decimal_places=2, validators=NOT_NEGATIVE
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kg__gt=0) & Q(amount__gte=0), name="collected_item_sane"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.material} {self.kg} kg"


class Settings(models.Model):
    """A street's or community's co-building settings (the nearest area up the path wins)."""

    area = models.OneToOneField("places.Area", on_delete=models.CASCADE, related_name="+")
    exclusive_days = models.PositiveSmallIntegerField(
        _("days only the paired partners may claim a new need"),
        default=7,
        validators=[MaxValueValidator(90)],
    )

    class Meta:
        verbose_name = _("co-building settings")
        verbose_name_plural = _("co-building settings")

    def __str__(self) -> str:
        return str(self.area)
