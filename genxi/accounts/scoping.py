"""What a user may see: one function per question, used by every `visible_to`.

An area's subtree is a range on its materialised path (see places.Area), so a scope is
a handful of indexed range conditions, never a recursive walk.
"""

from collections.abc import Callable, Iterable
from typing import Any, Self, TypeVar

from django.db import models
from django.db.models import Q

from genxi.accounts.models import AREA_ROLES, Role
from genxi.core.paths import ancestor_ids, path_range_q

__all__ = ["ScopedQuerySet", "ancestor_ids", "path_range_q"]

_M = TypeVar("_M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[_M]):
    """The base of every queryset with a `visible_to` (NetBox's `restrict()`).

    `restrict` is the one place that writes the superuser bypass and the path-range filter; a
    model's `visible_to` says only which path field scopes it, for which roles, and what else
    (a partner's own rows, a pioneer's grids) a user may also see.
    """

    def restrict(
        self,
        user: Any,
        path: str | None = None,
        *,
        roles: Iterable[str] = AREA_ROLES,
        also: Q | Callable[[], Q] | None = None,
    ) -> Self:
        """Everything for a superuser; otherwise the rows whose `path` field lies under one of
        the user's areas where they hold one of `roles`, or which match `also`.

        `also` may be a function returning the condition, called only for a user who is not a
        superuser: a condition that reads the user's memberships or appointments then costs a
        superuser no query.
        """
        if is_superuser(user):
            return self.all()
        q = Q(pk__in=[])
        if path is not None:
            q |= path_range_q(path, scope_paths(user, roles))
        if callable(also):
            also = also()
        if also is not None:
            q |= also
        return self.filter(q)


def is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


def scope_paths(user: Any, roles: Iterable[str] | None = None) -> list[str]:
    """Paths of the areas where `user` holds one of `roles` (any role when None)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    wanted = set(roles) if roles is not None else None
    return [m.area.path for m in user.active_memberships() if (wanted is None or m.role in wanted)]


def scope_areas(user: Any, roles: Iterable[str]) -> list[Any]:
    """The areas where `user` holds one of `roles`."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    wanted = set(roles)
    return [m.area for m in user.active_memberships() if m.role in wanted]


def partner_ids(user: Any) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        m.partner_id for m in user.active_memberships() if m.role == Role.PARTNER and m.partner_id
    ]


def has_role(user: Any, *roles: str) -> bool:
    if is_superuser(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return any(m.role in roles for m in user.active_memberships())


def covers(user: Any, path: str, roles: Iterable[str]) -> bool:
    """Whether one of the user's `roles` memberships covers the area at `path`."""
    if is_superuser(user):
        return True
    return any(path.startswith(p) for p in scope_paths(user, roles))
