"""What the API keeps of its own: the Idempotency-Keys callers sent with a create, and the
Open311 requests whose address matched no place, waiting for staff to place them."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from genxi.accounts.models import STAFF_ROLES
from genxi.accounts.scoping import ScopedQuerySet


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` a caller sent with POST /demands, and a digest of the request it
    came with: the same key with another body is refused, not replayed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the canonical request body")
    demand = models.ForeignKey("demands.Demand", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"


class UnplacedQuerySet(ScopedQuerySet["UnplacedRequest"]):
    def waiting(self) -> "UnplacedQuerySet":
        return self.filter(demand__isnull=True)

    def visible_to(self, user: Any) -> "UnplacedQuerySet":
        """Staff of the area the key's owner reports in, and of the areas above it: a request
        kept at the street is the street's to place, as a demand the street holds is, and no
        community of it sees it."""
        return self.restrict(user, "area__path", roles=STAFF_ROLES)


class UnplacedRequest(models.Model):
    """An Open311 request whose address_string named no place the key's owner may report in.
    Kept as it was posted until staff choose the place; that records the demand."""

    token = models.UUIDField(unique=True, help_text="the Open311 token the caller was given")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent with the key of"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The community (or street) the key's owner reports in: whose staff place it.
    area = models.ForeignKey("places.Area", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        "demands.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    address_string = models.CharField(_("address as sent"), max_length=500)
    description = models.TextField(_("description"))
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    fields = models.JSONField(default=dict, blank=True, help_text="every field as posted")
    received_at = models.DateTimeField(auto_now_add=True)
    demand = models.OneToOneField(
        "demands.Demand", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_at = models.DateTimeField(null=True, blank=True)

    objects = UnplacedQuerySet.as_manager()

    class Meta:
        verbose_name = _("unplaced Open311 request")
        verbose_name_plural = _("unplaced Open311 requests")
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.address_string} {self.received_at:%Y-%m-%d %H:%M}"
