"""Who may do what with pioneers' work. Seeing is each model's `visible_to`; these decide which
pages open (`pioneers.open_<page>`, named by the menu in home/navigation.py too) and acting."""

from typing import Any

import rules

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, STAFF_ROLES, Role
from genxi.accounts.rules import holds_role
from genxi.places.models import Area, Pioneer


def _path_of(obj: Any) -> str | None:
    """The path an object of the app sits under: an area's own, a pioneer's community's."""
    if isinstance(obj, Area):
        return str(obj.path)
    if isinstance(obj, Pioneer):
        return str(obj.community.path)
    for attr in ("pioneer", "area", "plan", "reward", "account"):
        target = getattr(obj, attr, None)
        if target is not None:
            return _path_of(target)
    resident = getattr(obj, "resident", None)
    if resident is not None:
        return str(resident.area.path)
    return None


@rules.predicate
def staffs(user: Any, obj: Any = None) -> bool:
    """Street or community staff over the object (any staff, when there is none)."""
    if obj is None:
        return scoping.has_role(user, *STAFF_ROLES)
    path = _path_of(obj)
    return path is not None and scoping.covers(user, path, STAFF_ROLES)


@rules.predicate
def covers_household(user: Any, area: Area | None = None) -> bool:
    """A serving pioneer whose grids hold the building (any pioneer's grid, when None)."""
    grids = Pioneer.objects.grid_ids_of(user)
    if area is None:
        return bool(grids)
    return area.grid_id is not None and area.grid_id in grids


@rules.predicate
def is_the_pioneer(user: Any, pioneer: Pioneer | None = None) -> bool:
    return pioneer is not None and pioneer.user_id is not None and pioneer.user_id == user.pk


# Pages. The pioneers' hub (appointments, grids, plans, assessment, points, settings) opens to
# staff and leadership, and to pioneers (they see their own appointment and grids); a pioneer's
# visit plan and own assessment are theirs; residents see their points and rate their pioneer.
rules.add_perm("pioneers.open_pioneers", holds_role(*AREA_ROLES, Role.PIONEER))
rules.add_perm("pioneers.open_grids", holds_role(*AREA_ROLES, Role.PIONEER))
rules.add_perm("pioneers.open_plan", holds_role(Role.PIONEER))
rules.add_perm("pioneers.open_plans", holds_role(*AREA_ROLES))
rules.add_perm("pioneers.open_ranking", holds_role(*AREA_ROLES))
rules.add_perm("pioneers.open_my_assessment", holds_role(Role.PIONEER))
rules.add_perm("pioneers.open_points", holds_role(*AREA_ROLES))
rules.add_perm("pioneers.open_my_points", holds_role(Role.RESIDENT))
rules.add_perm("pioneers.open_settings", holds_role(*STAFF_ROLES))

# Acting. Staff over the pioneer's community appoint, renew, suspend, end, edit templates,
# move buildings between grids, rate and award points; a pioneer records visits in their grids
# (staff may record one too).
rules.add_perm("pioneers.manage", staffs)
rules.add_perm("pioneers.record_visit", covers_household | staffs)
rules.add_perm("pioneers.view_assessment", staffs | is_the_pioneer | holds_role(Role.LEADERSHIP))
