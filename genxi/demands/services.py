"""Writes to demands. So far: the category tree."""

import uuid
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from genxi.core.services import ServiceError, create_object, update_object
from genxi.demands.models import MAX_CATEGORY_DEPTH, Category

DUPLICATE = _("There is already a category of that name here.")


def _check_days(response_days: int, resolution_days: int) -> None:
    if resolution_days < response_days:
        raise ServiceError(
            _("The resolution deadline cannot be shorter than the response deadline."),
            field="resolution_days",
        )


def create_category(
    *,
    actor: Any,
    name: str,
    parent: Category | None = None,
    response_days: int = 1,
    resolution_days: int = 5,
    token: uuid.UUID | None = None,
    **fields: Any,
) -> Category:
    depth = parent.depth + 1 if parent else 0
    if depth >= MAX_CATEGORY_DEPTH:
        raise ServiceError(
            _("Categories go %(n)s levels deep at most.") % {"n": MAX_CATEGORY_DEPTH},
            field="parent",
        )
    _check_days(response_days, resolution_days)
    return create_object(
        actor=actor,
        model=Category,
        fields={
            "name": name.strip(),
            "parent": parent,
            "depth": depth,
            "response_days": response_days,
            "resolution_days": resolution_days,
            **fields,
        },
        token=token,
        unique_error=str(DUPLICATE),
    )


def update_category(
    *,
    actor: Any,
    category: Category,
    expected_updated_at: datetime | None = None,
    **fields: Any,
) -> dict[str, list[Any]]:
    """Rename a category, change its deadlines or retire it. Moving it is not offered."""
    fields.pop("parent", None)
    _check_days(
        fields.get("response_days", category.response_days),
        fields.get("resolution_days", category.resolution_days),
    )
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    return update_object(
        actor=actor,
        instance=category,
        fields=fields,
        expected_updated_at=expected_updated_at,
        unique_error=str(DUPLICATE),
    )
