"""Who may do what with activities. Seeing is `Activity.objects.visible_to`; these decide acting
and which pages open (`activities.open_<page>`, named by the menu in home/navigation.py too)."""

from typing import Any

import rules

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, STAFF_ROLES, Role
from genxi.accounts.rules import holds_role
from genxi.activities.models import Activity


def _areas_of(activity: Activity) -> list[str]:
    return [activity.owner.path, *(a.path for a in activity.organisers.all())]


@rules.predicate
def runs_activity(user: Any, activity: Activity | None) -> bool:
    """Staff of the community (or street) that runs it or co-organises it."""
    if activity is None:
        return scoping.has_role(user, *STAFF_ROLES)
    return any(scoping.covers(user, path, STAFF_ROLES) for path in _areas_of(activity))


@rules.predicate
def helps_at_activity(user: Any, activity: Activity | None) -> bool:
    """Staff who run it, and the pioneers of its communities (they staff the door)."""
    if activity is None:
        return scoping.has_role(user, *STAFF_ROLES, Role.PIONEER)
    return any(
        scoping.covers(user, path, {*STAFF_ROLES, Role.PIONEER}) for path in _areas_of(activity)
    )


@rules.predicate
def oversees_activity(user: Any, activity: Activity | None) -> bool:
    """Leadership over the area that runs it (they read everything staff read)."""
    if activity is None:
        return scoping.has_role(user, Role.LEADERSHIP)
    return any(scoping.covers(user, path, {Role.LEADERSHIP}) for path in _areas_of(activity))


# Pages: the activities list and pages for those who run, help at or oversee activities (and
# partner handlers, for those their unit co-organises); residents' sign-up pages.
rules.add_perm("activities.open_activities", holds_role(*AREA_ROLES, Role.PIONEER, Role.PARTNER))
rules.add_perm("activities.open_figures", holds_role(*AREA_ROLES))
rules.add_perm("activities.open_signup", holds_role(Role.RESIDENT))
# Acting on one activity.
rules.add_perm("activities.manage", runs_activity)
rules.add_perm("activities.check_in", helps_at_activity)
# Who is registered, by name (rosters, attendance sheets, their exports): those who run the
# activity and leadership — not the pioneers at the door (they see only their grids' residents)
# nor co-organising partner units (they get the counts).
rules.add_perm("activities.see_roster", runs_activity | oversees_activity)
