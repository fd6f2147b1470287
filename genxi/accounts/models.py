from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STREET_STAFF = "street_staff", _("Street staff")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    PIONEER = "pioneer", _("Pioneer")
    PARTNER = "partner", _("Partner handler")
    RESIDENT = "resident", _("Resident")
    LEADERSHIP = "leadership", _("Leadership (read only)")


# Roles whose scope covers everything under their area.
AREA_ROLES = frozenset({Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.LEADERSHIP})
STAFF_ROLES = frozenset({Role.STREET_STAFF, Role.COMMUNITY_STAFF})


class User(AbstractUser):
    name = models.CharField(_("full name"), max_length=50, blank=True)
    # Normalised mainland number (13812345678); a second way to log in.
    phone = models.CharField(_("phone"), max_length=20, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username

    def roles(self) -> set[str]:
        return {m.role for m in self.active_memberships()}

    def active_memberships(self) -> list["Membership"]:
        """The memberships in force. A pioneer's counts only while an appointment of theirs in
        that community runs: when the term ends, so does what the role opens.

        Cached per user object: every scoped query of one request reads it.
        """
        cached: list[Membership] | None = getattr(self, "_memberships_cache", None)
        if cached is None:
            cached = list(self.memberships.select_related("area", "partner").order_by("id"))
            if any(m.role == Role.PIONEER for m in cached):
                # Through the reverse relation: accounts sits below places and imports none of it.
                serving = set(self.pioneer_roles.active().values_list("community", flat=True))
                cached = [m for m in cached if m.role != Role.PIONEER or m.area_id in serving]
            self._memberships_cache = cached
        return cached


class Membership(models.Model):
    """A role a user holds at an area. A user may hold several."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    area = models.ForeignKey(
        "places.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="memberships"
    )
    partner = models.ForeignKey(
        "places.Partner",
        verbose_name=_("partner unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area"], name="membership_unique_role"),
            models.CheckConstraint(
                condition=models.Q(role="partner", partner__isnull=False)
                | (~models.Q(role="partner") & models.Q(partner__isnull=True)),
                name="membership_partner_iff_partner_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.area}"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at=None, user__is_active=True)


class ApiToken(models.Model):
    """A personal token for the API and Open311 (`Authorization: Bearer …`, or `api_key`).

    Shown once when created; only its SHA-256 digest is stored (the token is 40 random
    characters, so a fast hash is enough: nothing to brute-force, as with GitHub's tokens).
    The prefix lets its owner tell tokens apart. It acts with its owner's roles and scope.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("begins with"), max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
