"""Writes to the category tree: create, rename, change deadlines, retire."""

import uuid
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from genxi.core.audit import Actor
from genxi.core.services import UNSET, ServiceError, Unset, create_object, given, update_object
from genxi.demands.models import MAX_CATEGORY_DEPTH, Category

DUPLICATE = gettext_lazy("There is already a category of that name here.")


def _check_days(response_days: int, resolution_days: int) -> None:
    if resolution_days < response_days:
        raise ServiceError(
            _("The resolution deadline cannot be shorter than the response deadline."),
            field="resolution_days",
        )


def create_category(
    *,
    actor: Actor,
    name: str,
    parent: Category | None = None,
    response_days: int = 1,
    resolution_days: int = 5,
    description: str = "",
    keywords: str = "",
    is_active: bool = True,
    token: uuid.UUID | None = None,
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
            "description": description,
            "keywords": keywords,
            "is_active": is_active,
        },
        token=token,
        unique_error=str(DUPLICATE),
    )


def update_category(
    *,
    actor: Actor,
    category: Category,
    expected_updated_at: datetime | None = None,
    name: str | Unset = UNSET,
    response_days: int | Unset = UNSET,
    resolution_days: int | Unset = UNSET,
    description: str | Unset = UNSET,
    keywords: str | Unset = UNSET,
    is_active: bool | Unset = UNSET,
) -> dict[str, list[Any]]:
    """Rename a category, change its deadlines or retire it (a field not given is left as it
    is). Moving it is not offered."""
    _check_days(
        category.response_days if isinstance(response_days, Unset) else response_days,
        category.resolution_days if isinstance(resolution_days, Unset) else resolution_days,
    )
    return update_object(
        actor=actor,
        instance=category,
        fields=given(
            name=name if isinstance(name, Unset) else name.strip(),
            response_days=response_days,
            resolution_days=resolution_days,
            description=description,
            keywords=keywords,
            is_active=is_active,
        ),
        expected_updated_at=expected_updated_at,
        unique_error=str(DUPLICATE),
    )
