"""Peer inspections (互查互评, 走看学做比): communities of a street inspect each other's
party-building work in groups, list the problems they find, and the inspected community
answers each with a rectification plan and result, which the inspectors re-check (回头看).

- `ChecklistTemplate` and its `TemplateItem`s: a street's checklist (党员应知应会, office
  order, …), each item with its full score and how to check it. A `Round` copies them into its
  own `RoundItem`s, so editing the template later changes no round.
- `Round`: a title, a period, the communities taking part and the size of the inspecting
  groups; created by street staff. Its `Group`s (one per inspected community, whose members
  are the inspecting communities, `GroupMember`) come from the seeded generator
  (`pairing.py`) or are set by hand, and are checked against the same rules either way.
- On site: a group's `Score` per item (compare-and-set on `updated_at`), its `Finding`s with
  `FindingPhoto`s; submitting the group's problem list (问题清单) sends the findings.
- Rectification: each `Finding` moves open → planned → fixed → accepted, or back (returned)
  at the re-check (`FINDING_MACHINE`); 立行立改 records plan and result at once.
- `GoodPractice`: what was worth learning from, searchable across rounds.

Who sees a finding: street staff and leadership, the inspected community's staff, and the
inspecting communities' staff while the round is open (`FindingQuerySet.visible_to`).
"""

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, STAFF_ROLES, Role
from genxi.accounts.scoping import ScopedQuerySet
from genxi.core.models import TimeStamped
from genxi.core.paths import path_range_q
from genxi.core.states import Machine

MAX_ITEM_SCORE = 1000


def staffed_community_ids(user: Any) -> list[int]:
    """The communities where the user is community staff (the inspectors' side)."""
    return [a.pk for a in scoping.scope_areas(user, {Role.COMMUNITY_STAFF})]


def inspecting_groups(user: Any) -> Any:
    """The ids of the groups the user's communities inspect in, while their round is open
    (not while it is prepared: its groups may still be made again)."""
    return (
        GroupMember.objects.filter(community__in=staffed_community_ids(user))
        .exclude(group__round__status__in=[RoundStatus.DRAFT, RoundStatus.CLOSED])
        .values("group")
    )


class StreetScopedQuerySet(ScopedQuerySet[Any]):
    """A street's templates and rounds: its staff and leadership, and the staff of the
    communities under it (they take part)."""

    def visible_to(self, user: Any) -> "StreetScopedQuerySet":
        def in_street() -> Q:
            # Community staff see their street's rounds and templates.
            streets = [a.parent_id for a in scoping.scope_areas(user, {Role.COMMUNITY_STAFF})]
            return Q(street__in=streets) if streets else Q(pk__in=[])

        return self.restrict(user, "street__path", roles=AREA_ROLES, also=in_street)


class ChecklistTemplate(TimeStamped):
    street = models.ForeignKey(
        "places.Area", verbose_name=_("street"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=60)

    objects = StreetScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["street__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="checklist_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("item"), max_length=100)
    max_score = models.PositiveSmallIntegerField(
        _("full score"), validators=[MinValueValidator(1), MaxValueValidator(MAX_ITEM_SCORE)]
    )
    how_to_check = models.TextField(_("how to check"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "position", "id"]

    def __str__(self) -> str:
        return self.title


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    ON_SITE = "on_site", _("Inspecting")
    RECTIFYING = "rectifying", _("Rectifying")
    CLOSED = "closed", _("Closed")


ROUND_TRANSITIONS: dict[str, frozenset[str]] = {
    RoundStatus.DRAFT: frozenset({RoundStatus.ON_SITE}),
    RoundStatus.ON_SITE: frozenset({RoundStatus.RECTIFYING}),
    RoundStatus.RECTIFYING: frozenset({RoundStatus.CLOSED}),
    RoundStatus.CLOSED: frozenset(),
}


class Round(TimeStamped):
    street = models.ForeignKey(
        "places.Area", verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=100)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    communities = models.ManyToManyField(
        "places.Area", verbose_name=_("communities taking part"), related_name="+"
    )
    group_size = models.PositiveSmallIntegerField(
        _("communities per inspecting group"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    # The generator's seed: the same seed and communities give the same groups.
    seed = models.PositiveIntegerField(
        _("seed"), null=True, blank=True, validators=[MaxValueValidator(2_000_000_000)]
    )
    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("checklist"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rounds",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = StreetScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="round_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("inspections:round_detail", args=[self.pk])


ROUND_MACHINE = Machine(Round, ROUND_TRANSITIONS, RoundStatus)


class RoundItem(models.Model):
    """A checklist item as the round uses it (copied from the template)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("item"), max_length=100)
    max_score = models.PositiveSmallIntegerField(
        _("full score"), validators=[MinValueValidator(1), MaxValueValidator(MAX_ITEM_SCORE)]
    )
    how_to_check = models.TextField(_("how to check"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["round", "position", "id"]

    def __str__(self) -> str:
        return self.title


class GroupStatus(models.TextChoices):
    SCORING = "scoring", _("Inspecting")
    SUBMITTED = "submitted", _("Problem list sent")


GROUP_TRANSITIONS: dict[str, frozenset[str]] = {
    GroupStatus.SCORING: frozenset({GroupStatus.SUBMITTED}),
    GroupStatus.SUBMITTED: frozenset(),
}


class GroupQuerySet(ScopedQuerySet["Group"]):
    def visible_to(self, user: Any) -> "GroupQuerySet":
        """Street staff and leadership; the inspected community's staff; the inspecting
        communities' staff while the round is open."""

        return self.restrict(
            user, "inspected__path", also=lambda: Q(pk__in=inspecting_groups(user))
        )


class Group(TimeStamped):
    """The communities that inspect one community in a round (its problem list's authors)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="groups")
    number = models.PositiveSmallIntegerField(_("group"))
    inspected = models.ForeignKey(
        "places.Area", verbose_name=_("inspects"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=GroupStatus.choices, default=GroupStatus.SCORING
    )
    submitted_at = models.DateTimeField(_("problem list sent at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = GroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspecting group")
        verbose_name_plural = _("inspecting groups")
        ordering = ["round", "number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "inspected"], name="group_inspects_once"),
            models.UniqueConstraint(fields=["round", "number"], name="group_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.round} #{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:group_detail", args=[self.pk])


GROUP_MACHINE = Machine(Group, GROUP_TRANSITIONS, GroupStatus)


class GroupMember(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    community = models.ForeignKey("places.Area", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("inspecting community")
        verbose_name_plural = _("inspecting communities")
        ordering = ["group", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "community"], name="group_member_once"),
        ]

    def __str__(self) -> str:
        return str(self.community_id)


class Score(models.Model):
    """A group's score for one checklist item; edited by compare-and-set on `updated_at`."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(RoundItem, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MaxValueValidator(MAX_ITEM_SCORE)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["group", "item"], name="score_once_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.item_id} {self.score}"


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MODERATE = "moderate", _("Moderate")
    SERIOUS = "serious", _("Serious")


class FixMode(models.TextChoices):
    ON_SPOT = "on_spot", _("立行立改 (fixed on the spot)")
    BY_DEADLINE = "by_deadline", _("限期整改 (fixed by the deadline)")


class FindingStatus(models.TextChoices):
    DRAFT = "draft", _("Recorded, list not sent")
    OPEN = "open", _("Awaiting a plan")
    PLANNED = "planned", _("Plan made")
    FIXED = "fixed", _("Result awaiting re-check")
    ACCEPTED = "accepted", _("Accepted at the re-check")
    RETURNED = "returned", _("Sent back")


FINDING_TRANSITIONS: dict[str, frozenset[str]] = {
    FindingStatus.DRAFT: frozenset({FindingStatus.OPEN}),
    FindingStatus.OPEN: frozenset({FindingStatus.PLANNED}),
    FindingStatus.PLANNED: frozenset({FindingStatus.PLANNED, FindingStatus.FIXED}),
    FindingStatus.FIXED: frozenset({FindingStatus.ACCEPTED, FindingStatus.RETURNED}),
    FindingStatus.RETURNED: frozenset({FindingStatus.PLANNED, FindingStatus.FIXED}),
    FindingStatus.ACCEPTED: frozenset(),
}
# Not yet accepted, past its deadline: flagged and reminded.
UNFINISHED_FINDINGS = frozenset({FindingStatus.OPEN, FindingStatus.PLANNED, FindingStatus.RETURNED})


class FindingQuerySet(ScopedQuerySet["Finding"]):
    def visible_to(self, user: Any) -> "FindingQuerySet":
        """Street staff and leadership; the inspected community's staff once the problem list
        is sent; the inspecting communities' staff while the round is open."""

        def seen() -> Q:
            street = path_range_q(
                "community__path", scoping.scope_paths(user, {Role.STREET_STAFF, Role.LEADERSHIP})
            )
            inspected = path_range_q(
                "community__path", scoping.scope_paths(user, {Role.COMMUNITY_STAFF})
            ) & ~Q(status=FindingStatus.DRAFT)
            return street | inspected | Q(group__in=inspecting_groups(user))

        return self.restrict(user, None, also=seen)


class Finding(TimeStamped):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="findings")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="findings")
    # The inspected community (the group's), copied for scoping.
    community = models.ForeignKey(
        "places.Area", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        RoundItem,
        verbose_name=_("checklist item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    description = models.TextField(_("problem"))
    suggestion = models.TextField(_("suggestion"), blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MODERATE
    )
    mode = models.CharField(
        _("how it is fixed"), max_length=12, choices=FixMode.choices, default=FixMode.BY_DEADLINE
    )
    deadline = models.DateField(_("fix by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.DRAFT
    )
    plan = models.TextField(_("rectification plan"), blank=True)
    planned_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(_("rectification result"), blank=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    recheck_note = models.TextField(_("re-check note"), blank=True)
    rechecked_at = models.DateTimeField(null=True, blank=True)
    rechecked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["group__number", "id"]
        indexes = [models.Index(fields=["status", "deadline"], name="finding_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(mode="by_deadline") | Q(deadline__isnull=False) | Q(status="draft"),
                name="finding_deadline_when_by_deadline",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:30]

    def get_absolute_url(self) -> str:
        return reverse("inspections:finding_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in UNFINISHED_FINDINGS
            and self.deadline is not None
            and self.deadline < timezone.localdate()
        )


FINDING_MACHINE = Machine(Finding, FINDING_TRANSITIONS, FindingStatus)


class PhotoStage(models.TextChoices):
    FINDING = "finding", _("As found")
    RESULT = "result", _("After rectification")


class FindingPhoto(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(max_length=8, choices=PhotoStage.choices)
    image = models.ImageField(upload_to="inspections/%Y/%m/")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return str(self.image.name)


class GoodPracticeQuerySet(ScopedQuerySet["GoodPractice"]):
    def visible_to(self, user: Any) -> "GoodPracticeQuerySet":
        """Good practices are there to be learned from: everyone on the street's staff side
        (street and community staff, leadership) reads every one of their street's."""

        def in_street() -> Q:
            streets = [a.parent_id for a in scoping.scope_areas(user, STAFF_ROLES)]
            return Q(round__street__in=streets) if streets else Q(pk__in=[])

        return self.restrict(user, "round__street__path", roles=AREA_ROLES, also=in_street)


class GoodPractice(TimeStamped):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="good_practices")
    community = models.ForeignKey(
        "places.Area", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="good_practices"
    )
    item = models.ForeignKey(
        RoundItem,
        verbose_name=_("checklist item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("what they do"))
    photo = models.ImageField(_("photo"), upload_to="inspections/practices/%Y/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = GoodPracticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("good practice")
        verbose_name_plural = _("good practices")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
