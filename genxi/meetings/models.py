"""Deliberation meetings (议事会): convened at a venue on a topic, with invitees, an agenda,
attendance taken at the door, each participant's opinions, a plan revised from them (each version
citing the opinions that led to it), minutes, and follow-up actions that can become demands."""

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from genxi.accounts.scoping import ScopedQuerySet
from genxi.core.models import TimeStamped


class MeetingQuerySet(ScopedQuerySet["Meeting"]):
    def visible_to(self, user: Any) -> "MeetingQuerySet":
        """Staff and leadership: their communities' meetings."""
        return self.restrict(user, "community__path")


class Meeting(TimeStamped):
    community = models.ForeignKey(
        "places.Area", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    venue = models.ForeignKey(
        "places.Venue",
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    topic = models.CharField(_("topic"), max_length=100)
    starts_at = models.DateTimeField(_("starts at"))
    # Blank only for meetings convened before meetings had an end (their bookings, none).
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    # The venue held for the meeting's time, taken through places.services.book_venue.
    booking = models.OneToOneField(
        "places.VenueBooking",
        verbose_name=_("venue booking"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting",
    )
    demands = models.ManyToManyField(
        "demands.Demand", verbose_name=_("demands discussed"), blank=True, related_name="meetings"
    )
    projects = models.ManyToManyField(
        "projects.Project",
        verbose_name=_("projects discussed"),
        blank=True,
        related_name="meetings",
    )
    minutes = models.TextField(_("minutes"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("deliberation meeting")
        verbose_name_plural = _("deliberation meetings")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.topic

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting_detail", args=[self.pk])


class InviteeKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    REPRESENTATIVE = "representative", _("Representative")
    PARTNER = "partner", _("Partner unit")
    PROPERTY = "property", _("Property company")
    STAFF = "staff", _("Staff")


class Invitee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitees")
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=16, choices=InviteeKind.choices)
    attended = models.BooleanField(_("attended"), default=False)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "name"], name="invitee_once_per_meeting")
        ]

    def __str__(self) -> str:
        return self.name


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(_("agenda item"), max_length=100)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Stance(models.TextChoices):
    SUPPORT = "support", _("Support")
    OPPOSE = "oppose", _("Oppose")
    SUGGESTION = "suggestion", _("Suggestion")


class Opinion(models.Model):
    """What one participant said on one agenda item."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="opinions")
    speaker = models.ForeignKey(Invitee, on_delete=models.CASCADE, related_name="opinions")
    stance = models.CharField(_("stance"), max_length=12, choices=Stance.choices)
    text = models.TextField(_("opinion"), blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.speaker}: {self.text[:20]}"


class PlanVersion(models.Model):
    """One version of the plan under discussion; v2 onwards cite the opinions they took in."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="plans")
    number = models.PositiveSmallIntegerField()
    text = models.TextField(_("plan"))
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    opinions = models.ManyToManyField(Opinion, blank=True, related_name="plans")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="plan_version_once")
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class FollowUp(models.Model):
    """An action agreed at the meeting, with an owner and a date; it may become a demand."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=100)
    owner = models.CharField(_("owner"), max_length=50)
    due = models.DateField(_("due"))
    demand = models.OneToOneField(
        "demands.Demand", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    project = models.OneToOneField(
        "projects.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return self.title
