"""What a user may see: one function per question, used by every `visible_to`.

An area's subtree is a range on its materialised path (see places.Area), so a scope is
a handful of indexed range conditions, never a recursive walk.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from genxi.accounts.models import Role


def path_range_q(field: str, paths: Iterable[str]) -> Q:
    """Rows whose `field` (a path) lies in the subtree of any of `paths`."""
    from genxi.places.models import path_upper_bound

    q = Q(pk__in=[])
    for path in _outermost(paths):
        q |= Q(**{f"{field}__gte": path, f"{field}__lt": path_upper_bound(path)})
    return q


def _outermost(paths: Iterable[str]) -> list[str]:
    """Drop paths already covered by an ancestor in the list."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def ancestor_ids(paths: Iterable[str]) -> set[int]:
    """Ids of the areas above each path (not the areas themselves)."""
    from genxi.places.models import path_ids

    return {pk for path in paths for pk in path_ids(path)[:-1]}


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


def pioneer_grid_ids(user: Any) -> list[int]:
    """Grids covered by the user's active pioneer appointments."""
    if not getattr(user, "is_authenticated", False):
        return []
    if not any(m.role == Role.PIONEER for m in user.active_memberships()):
        return []
    from genxi.places.models import Pioneer

    cached: list[int] | None = getattr(user, "_pioneer_grids_cache", None)
    if cached is None:
        cached = list(
            Pioneer.objects.active()
            .filter(user=user)
            .values_list("grids", flat=True)
            .exclude(grids=None)
        )
        user._pioneer_grids_cache = cached
    return cached


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
