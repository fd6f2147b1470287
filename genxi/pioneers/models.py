"""Pioneers' work (先锋): what their appointments say and how they changed, the monthly visit
plans, the assessment (考核) computed from the records, and the optional points ledger (积分).

The appointment itself is `places.Pioneer` (scoping reads it: an ended or suspended pioneer
loses access at once); visits are `demands.Visit`. This app adds:

- `DutyTemplate`: the duties and assessment rules (工作职责、考核制度) staff edit and copy into
  an appointment; `AppointmentEvent`: each appointment's history (appointed, renewed,
  suspended, resumed, ended, grids changed).
- `Settings`: a street's or community's limits (households per grid, the days after which a
  household is due again, the tags raised first, the days for a call-back on time).
- `VisitPlan` and its `PlanItem`s: the households a pioneer is to visit in a month, in order,
  fixed when the month's plan is made (what was visited is read from the visits).
- `Scheme` with `SchemeIndicator`s and `Grade`s: what the assessment counts and how; `Rating`
  (the community's mark) and `ResidentRating` (residents' stars); `Assessment`: a period's
  result, stored when staff compute the ranking.
- Points: `PointItem`s (what earns points), a resident's `PointAccount` and its `PointEntry`
  ledger, `Reward`s with their stock, and `Redemption`s.
"""

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, Role
from genxi.accounts.scoping import ScopedQuerySet
from genxi.core.models import TimeStamped
from genxi.core.paths import ancestor_ids, path_ids
from genxi.core.states import Machine
from genxi.places.models import Pioneer

# The largest points value or stock one row holds: far below PostgreSQL's integer.
MAX_POINTS = 1_000_000


# ---------------------------------------------------------------- appointments


class AreaScopedQuerySet(ScopedQuerySet[Any]):
    """Rows that belong to a street or community (`area`): its staff and leadership see them,
    and so do the pioneers serving under it (they read their duties and the scheme). Staff and
    leadership read what the areas above theirs set too (a community's staff use their street's
    items, rewards and templates); changing one is `pioneers.manage`, staff over its area."""

    def visible_to(self, user: Any) -> "AreaScopedQuerySet":
        def above() -> Q:
            paths = Pioneer.objects.community_paths_of(user)
            # A pioneer reads what their community or any area above it set.
            ids = {pk for path in paths for pk in path_ids(path)}
            ids |= ancestor_ids(scoping.scope_paths(user, AREA_ROLES))
            return Q(area__in=ids) if ids else Q(pk__in=[])

        return self.restrict(user, "area__path", roles=AREA_ROLES, also=above)


class DutyTemplate(TimeStamped):
    """Duties and assessment rules staff write once and copy into each appointment."""

    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("street or community"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=60)
    duties = models.TextField(_("duties"))
    assessment_rules = models.TextField(_("assessment rules"), blank=True)

    objects = AreaScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("duties template")
        verbose_name_plural = _("duties templates")
        ordering = ["area__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="duty_template_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class AppointmentEventKind(models.TextChoices):
    APPOINTED = "appointed", _("Appointed")
    RENEWED = "renewed", _("Renewed")
    SUSPENDED = "suspended", _("Suspended")
    RESUMED = "resumed", _("Resumed")
    ENDED = "ended", _("Ended")
    GRIDS = "grids", _("Grids changed")


class AppointmentEvent(models.Model):
    """One step in an appointment's history, with the term as it stood after it."""

    pioneer = models.ForeignKey(Pioneer, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=10, choices=AppointmentEventKind.choices)
    on = models.DateField(_("on"))
    term_ends_on = models.DateField(_("term ends on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("appointment event")
        verbose_name_plural = _("appointment events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.pioneer_id} {self.kind} {self.on}"


class Settings(models.Model):
    """A street's or community's pioneer settings (the nearest area up the path wins)."""

    area = models.OneToOneField("places.Area", on_delete=models.CASCADE, related_name="+")
    grid_households_limit = models.PositiveSmallIntegerField(
        _("households per grid, at most"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(5000)],
    )
    revisit_days = models.PositiveSmallIntegerField(
        _("days after which a household is due a visit again"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    # Residents with these tags (names, comma-separated) put their household first in the plan.
    priority_tags = models.CharField(
        _("tags visited first"), max_length=200, default="独居老人,残疾人", blank=True
    )
    callback_days = models.PositiveSmallIntegerField(
        _("days after resolution for a call-back on time"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    # The settings page's compare-and-set: two staff saving from old pages do not overwrite.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pioneer settings")
        verbose_name_plural = _("pioneer settings")

    def __str__(self) -> str:
        return str(self.area)

    def priority_tag_names(self) -> list[str]:
        return [t.strip() for t in self.priority_tags.replace("，", ",").split(",") if t.strip()]


# ---------------------------------------------------------------- visit plans


class VisitPlanQuerySet(ScopedQuerySet["VisitPlan"]):
    def visible_to(self, user: Any) -> "VisitPlanQuerySet":
        mine = Q(pioneer__user=user) if scoping.has_role(user, Role.PIONEER) else None
        return self.restrict(user, "pioneer__community__path", also=mine)


class VisitPlan(models.Model):
    """A pioneer's households for a month, fixed when the plan is made (the first time the
    pioneer or staff open the month)."""

    pioneer = models.ForeignKey(Pioneer, on_delete=models.CASCADE, related_name="visit_plans")
    month = models.DateField(_("month"))  # its first day
    created_at = models.DateTimeField(default=timezone.now)

    objects = VisitPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        ordering = ["-month", "pioneer_id"]
        constraints = [
            models.UniqueConstraint(fields=["pioneer", "month"], name="visit_plan_once_a_month"),
        ]

    def __str__(self) -> str:
        return f"{self.pioneer} {self.month:%Y-%m}"


class PlanItem(models.Model):
    """A household (a building's room) in a plan, with why it is where it is."""

    plan = models.ForeignKey(VisitPlan, on_delete=models.CASCADE, related_name="items")
    area = models.ForeignKey(
        "places.Area", verbose_name=_("building"), on_delete=models.PROTECT, related_name="+"
    )
    room = models.CharField(_("room"), max_length=30, blank=True)
    rank = models.PositiveIntegerField(_("order"))
    # The priority tags of the household's residents, by name, when the plan was made.
    tags = models.JSONField(_("tags"), default=list, blank=True)
    open_demands = models.PositiveSmallIntegerField(_("open demands"), default=0)
    last_visited_on = models.DateField(_("last visited on"), null=True, blank=True)

    class Meta:
        verbose_name = _("household to visit")
        verbose_name_plural = _("households to visit")
        ordering = ["plan", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "area", "room"], name="plan_item_household"),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.room}"

    @property
    def is_priority(self) -> bool:
        return bool(self.tags) or self.open_demands > 0


# ---------------------------------------------------------------- assessment


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class IndicatorKey(models.TextChoices):
    VISITS = "visits", _("Visits made against the plan")
    DEMANDS = "demands", _("Demands collected")
    ON_TIME = "on_time", _("Demands raised that were resolved on time")
    SATISFACTION = "satisfaction", _("Call-back satisfaction on those demands")
    CALLBACKS = "callbacks", _("Call-backs done on time")
    HOURS = "hours", _("Volunteer hours")
    ACTIVITIES = "activities", _("Activities helped")


# Indicators that are counts: scored against a monthly target (scaled to the period's months).
COUNTED_INDICATORS = frozenset({IndicatorKey.DEMANDS, IndicatorKey.HOURS, IndicatorKey.ACTIVITIES})


class Scheme(TimeStamped):
    """A street's or community's assessment scheme (the nearest area up the path wins): the
    indicators and weights, the split between who rates, and the grades."""

    area = models.OneToOneField(
        "places.Area",
        verbose_name=_("street or community"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    street_share = models.PositiveSmallIntegerField(
        _("street's share (the indicators), %"), default=60, validators=[MaxValueValidator(100)]
    )
    community_share = models.PositiveSmallIntegerField(
        _("community's share (its rating), %"), default=30, validators=[MaxValueValidator(100)]
    )
    resident_share = models.PositiveSmallIntegerField(
        _("residents' share (their stars), %"), default=10, validators=[MaxValueValidator(100)]
    )

    objects = AreaScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    street_share__lte=100, community_share__lte=100, resident_share__lte=100
                ),
                name="scheme_shares_bounded",
            ),
        ]

    def __str__(self) -> str:
        return str(self.area)


class SchemeIndicator(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="indicators")
    key = models.CharField(_("indicator"), max_length=14, choices=IndicatorKey.choices)
    weight = models.PositiveSmallIntegerField(
        _("weight, %"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # For a count: what earns full marks in one month (a quarter is three times as much).
    monthly_target = models.PositiveIntegerField(
        _("monthly target"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_POINTS)],
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["scheme", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "key"], name="indicator_once_per_scheme"),
        ]

    def __str__(self) -> str:
        return str(self.get_key_display())


class Grade(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="grades")
    name = models.CharField(_("grade"), max_length=20)
    min_score = models.PositiveSmallIntegerField(
        _("from score"), validators=[MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        ordering = ["scheme", "-min_score"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "min_score"], name="grade_unique_floor"),
            models.UniqueConstraint(fields=["scheme", "name"], name="grade_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class AssessedQuerySet(ScopedQuerySet[Any]):
    """A pioneer's assessment rows: staff and leadership of the community, and the pioneer."""

    def visible_to(self, user: Any) -> "AssessedQuerySet":
        mine = Q(pioneer__user=user) if scoping.has_role(user, Role.PIONEER) else None
        return self.restrict(user, "pioneer__community__path", also=mine)


class Rating(models.Model):
    """The community's mark (0–100) for a pioneer's period: typed by its staff."""

    pioneer = models.ForeignKey(Pioneer, on_delete=models.CASCADE, related_name="ratings")
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("from"))
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])
    comment = models.TextField(_("comment"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssessedQuerySet.as_manager()

    class Meta:
        verbose_name = _("community rating")
        verbose_name_plural = _("community ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["pioneer", "period_kind", "period_start"], name="rating_once_per_period"
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="rating_score_bounded"),
        ]

    def __str__(self) -> str:
        return f"{self.pioneer_id} {self.period_start} {self.score}"


class ResidentRating(models.Model):
    """A resident's stars (1–5) for the pioneer of their grid, once a month."""

    pioneer = models.ForeignKey(Pioneer, on_delete=models.CASCADE, related_name="resident_ratings")
    resident = models.ForeignKey(
        "places.Resident", on_delete=models.CASCADE, related_name="pioneer_ratings"
    )
    month = models.DateField(_("month"))
    stars = models.PositiveSmallIntegerField(
        _("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(_("comment"), max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("resident's rating")
        verbose_name_plural = _("residents' ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["pioneer", "resident", "month"], name="resident_rating_once_a_month"
            ),
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5), name="resident_rating_stars"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pioneer_id} {self.month} {self.stars}"


class Assessment(models.Model):
    """A pioneer's result for a period, as computed (`genxi.pioneers.assessment`) when staff
    last computed the ranking: each indicator with its numbers, the three parts and the grade."""

    pioneer = models.ForeignKey(Pioneer, on_delete=models.CASCADE, related_name="assessments")
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    # [{key, weight, numerator, denominator, value, score}], in the scheme's order.
    indicators = models.JSONField(default=list)
    street_score = models.DecimalField(_("indicators' score"), max_digits=5, decimal_places=2)
    community_score = models.DecimalField(
        _("community's rating"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    resident_score = models.DecimalField(
        _("residents' rating"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    objects = AssessedQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-total", "pioneer__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["pioneer", "period_kind", "period_start"],
                name="assessment_once_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pioneer} {self.period_start} {self.total}"


# ---------------------------------------------------------------- points


class PointItem(TimeStamped):
    """Something that earns points (参加志愿服务 2 分), set by a street or community."""

    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("street or community"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=60)
    points = models.PositiveIntegerField(
        _("points"), validators=[MinValueValidator(1), MaxValueValidator(MAX_POINTS)]
    )
    is_active = models.BooleanField(_("in use"), default=True)

    objects = AreaScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("points item")
        verbose_name_plural = _("points items")
        ordering = ["area__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="point_item_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class PointAccountQuerySet(ScopedQuerySet["PointAccount"]):
    def visible_to(self, user: Any) -> "PointAccountQuerySet":
        """Staff and leadership of the resident's area; the resident their own."""
        mine = Q(resident__user=user) if scoping.has_role(user, Role.RESIDENT) else None
        return self.restrict(user, "resident__area__path", also=mine)


class PointAccount(models.Model):
    """A resident's points. The balance never goes below zero: spending locks the row, and
    the database refuses a negative balance too."""

    resident = models.OneToOneField(
        "places.Resident", on_delete=models.CASCADE, related_name="point_account"
    )
    balance = models.IntegerField(_("balance"), default=0)
    earned = models.IntegerField(_("earned in all"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PointAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="points_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.resident} {self.balance}"


class PointEntry(models.Model):
    """One line of the ledger: points earned (positive) or spent or taken back (negative)."""

    account = models.ForeignKey(PointAccount, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(
        PointItem, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    redemption = models.ForeignKey(
        "Redemption", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["account", "-at"], name="point_entry_account_idx")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.points:+d}"


class Reward(TimeStamped):
    """Something points buy (积分兑换), with a stock that never goes below zero."""

    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("street or community"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    cost = models.PositiveIntegerField(
        _("points"), validators=[MinValueValidator(1), MaxValueValidator(MAX_POINTS)]
    )
    stock = models.PositiveIntegerField(
        _("in stock"), default=0, validators=[MaxValueValidator(MAX_POINTS)]
    )
    is_active = models.BooleanField(_("offered"), default=True)

    objects = AreaScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["area__path", "cost", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="reward_stock_never_negative"),
            models.UniqueConstraint(fields=["area", "name"], name="reward_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class RedemptionStatus(models.TextChoices):
    HELD = "held", _("To collect")
    HANDED = "handed", _("Handed over")
    CANCELLED = "cancelled", _("Cancelled, points returned")


REDEMPTION_TRANSITIONS: dict[str, frozenset[str]] = {
    RedemptionStatus.HELD: frozenset({RedemptionStatus.HANDED, RedemptionStatus.CANCELLED}),
    RedemptionStatus.HANDED: frozenset(),
    RedemptionStatus.CANCELLED: frozenset(),
}


class RedemptionQuerySet(ScopedQuerySet["Redemption"]):
    def visible_to(self, user: Any) -> "RedemptionQuerySet":
        mine = Q(account__resident__user=user) if scoping.has_role(user, Role.RESIDENT) else None
        return self.restrict(user, "reward__area__path", also=mine)


class Redemption(TimeStamped):
    """Points spent on a reward: held for collection with a code, then handed over."""

    account = models.ForeignKey(PointAccount, on_delete=models.PROTECT, related_name="redemptions")
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    points = models.PositiveIntegerField(_("points"))
    code = models.CharField(_("pick-up code"), max_length=8, unique=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RedemptionStatus.choices,
        default=RedemptionStatus.HELD,
    )
    handed_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RedemptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} {self.reward}"


REDEMPTION_MACHINE = Machine(Redemption, REDEMPTION_TRANSITIONS, RedemptionStatus)
