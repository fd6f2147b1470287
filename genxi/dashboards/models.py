"""What the dashboards keep: the figures worked out ahead (a snapshot per area and period), each
street's comparison weights and public-dashboard choice, and the archive of monthly reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from genxi.places.models import Area


class FigureValue(models.Model):
    """One figure of one area over one period, as `dashboards.snapshot` last worked it out from
    the records with the figure's one definition (`dashboards.registry`). The dashboards read
    these; `computed_at` is the staleness each page shows."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)  # the figure's key, e.g. "demands.collected"
    start = models.DateField()
    end = models.DateField()  # inclusive
    value = models.DecimalField(max_digits=18, decimal_places=2, null=True)  # count, money, days
    denominator = models.DecimalField(max_digits=18, decimal_places=2, null=True)  # rates only
    items = models.JSONField(default=list, blank=True)  # a breakdown: [[label, number], ...]
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("figure value")
        verbose_name_plural = _("figure values")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "start", "end", "key"], name="dashboards_one_value_per_figure"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.key} {self.start}..{self.end}"


class DashboardSettings(models.Model):
    """A street's (or community's) choices: the weights of the comparison score, and whether
    its public dashboard is on and which figures it shows. Private by default."""

    area = models.OneToOneField(Area, on_delete=models.CASCADE, related_name="+")
    weights = models.JSONField(default=list, blank=True)  # [[figure key, weight %], ...]
    public = models.BooleanField(_("public dashboard on"), default=False)
    public_figures = models.JSONField(default=list, blank=True)  # figure keys marked public
    updated_at = models.DateTimeField(auto_now=True)  # compare-and-set on save
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("Dashboard settings")
        verbose_name_plural = _("Dashboard settings")

    def __str__(self) -> str:
        return str(self.area)


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Generating")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class Report(models.Model):
    """A monthly report's PDF. The one the monthly task makes (`archived`) is kept unchanged
    for good; reports made on demand are extra copies beside it."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()  # the month's first day
    archived = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ReportStatus, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # 0..100
    step = models.CharField(max_length=100, blank=True)  # what it is doing now
    file = models.FileField(upload_to="reports/%Y/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    pages = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # Raised each time a lost report is queued again: a run changes its row only while the
    # attempt is the one it started, so a stalled worker of an earlier attempt changes nothing.
    attempt = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("Monthly reports")
        ordering = ["-month", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "month"],
                condition=models.Q(archived=True),
                name="dashboards_one_archived_report_per_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.month:%Y-%m}"
