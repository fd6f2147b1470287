"""Demands (诉求). So far: the category tree with its working-day deadlines."""

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from genxi.core.models import TimeStamped

MAX_CATEGORY_DEPTH = 3


class CategoryQuerySet(models.QuerySet["Category"]):
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
