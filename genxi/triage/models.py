from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from genxi.accounts.scoping import ScopedQuerySet


class TriageModel(models.Model):
    """One trained version of the category classifier, with its cross-validated figures.

    The newest version is the one in use. The classifier is stored pickled: only `train`
    writes it, into the deployment's own database.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("trained at"), default=timezone.now)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    examples = models.PositiveIntegerField(_("examples"))
    categories = models.PositiveIntegerField(_("categories"))
    # How many labelled demands existed when trained: the next training is due when enough more
    # have arrived (GENXI_TRIAGE_RETRAIN_EVERY).
    labelled = models.PositiveIntegerField()
    metrics = models.JSONField(_("figures"), default=dict, blank=True)
    blob = models.BinaryField()

    class Meta:
        verbose_name = _("triage model")
        verbose_name_plural = _("triage models")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"

    @property
    def macro_f1(self) -> float | None:
        value = self.metrics.get("macro_f1")
        return float(value) if value is not None else None


class SuggestionKind(models.TextChoices):
    CATEGORY = "category", _("Category")
    HANDLER = "handler", _("Handler")


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", _("Taken as suggested")
    CORRECTED = "corrected", _("Corrected")
    AUTO = "auto", _("Applied automatically")


class FeedbackQuerySet(ScopedQuerySet["Feedback"]):
    def visible_to(self, user: Any) -> "FeedbackQuerySet":
        """What was suggested and chosen in the communities under the user's areas."""
        return self.restrict(user, "community__path")


class Feedback(models.Model):
    """What triage suggested for a demand and what the person chose: its category at intake, its
    handler when staff assign it."""

    demand = models.ForeignKey(
        "demands.Demand", on_delete=models.CASCADE, related_name="triage_feedback"
    )
    community = models.ForeignKey("places.Area", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=SuggestionKind.choices)
    suggested = models.CharField(max_length=32)
    confidence = models.FloatField()
    chosen = models.CharField(max_length=32)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    # None: suggested from the categories' keywords, before any model was trained.
    model_version = models.PositiveIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("triage feedback")
        verbose_name_plural = _("triage feedback")
        constraints = [
            models.UniqueConstraint(fields=["demand", "kind"], name="feedback_once_per_demand")
        ]
        indexes = [models.Index(fields=["community", "at"], name="feedback_community_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.suggested} → {self.chosen}"


class CommunitySettings(models.Model):
    """A community's choice to let a confident suggestion fill in the category by itself."""

    community = models.OneToOneField(
        "places.Area", on_delete=models.CASCADE, related_name="triage_settings"
    )
    auto_apply = models.BooleanField(_("fill in the category automatically"), default=False)
    threshold = models.FloatField(
        _("when the confidence is at least"),
        default=0.9,
        validators=[MinValueValidator(0.5), MaxValueValidator(0.99)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("community triage settings")
        verbose_name_plural = _("community triage settings")

    def __str__(self) -> str:
        return str(self.community_id)

    def applies(self, confidence: Any) -> bool:
        return self.auto_apply and confidence >= self.threshold
