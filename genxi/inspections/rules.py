"""Who may do what in peer inspections. Seeing is each model's `visible_to` (a finding: street
staff and leadership, the inspected community's staff, the inspecting communities' staff
while the round is open); these decide which pages open and acting."""

from typing import Any

import rules

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, Role
from genxi.accounts.rules import holds_role
from genxi.inspections.models import Finding, Group, Round, RoundStatus, staffed_community_ids


def _round_of(obj: Any) -> Round | None:
    if isinstance(obj, Round):
        return obj
    return getattr(obj, "round", None)


@rules.predicate
def street_staff(user: Any, obj: Any = None) -> bool:
    """Street staff of the round's street (any street staff, when there is none)."""
    if obj is None:
        return scoping.has_role(user, Role.STREET_STAFF)
    round_ = _round_of(obj)
    return round_ is not None and scoping.covers(user, round_.street.path, {Role.STREET_STAFF})


@rules.predicate
def inspects(user: Any, obj: Any = None) -> bool:
    """Staff of one of the inspecting communities of the group (of the finding), while the
    round is open (not while it is prepared: its groups may still be made again)."""
    group = obj if isinstance(obj, Group) else getattr(obj, "group", None)
    if group is None:
        return False
    if group.round.status in (RoundStatus.DRAFT, RoundStatus.CLOSED):
        return False
    mine = set(staffed_community_ids(user))
    return bool(mine) and group.members.filter(community__in=mine).exists()


@rules.predicate
def inspected_staff(user: Any, finding: Finding | None = None) -> bool:
    """Staff of the inspected community (they answer the finding)."""
    if finding is None:
        return scoping.has_role(user, Role.COMMUNITY_STAFF)
    return scoping.covers(user, finding.community.path, {Role.COMMUNITY_STAFF})


# Pages: the rounds (and the good-practice library) open to the street's staff side.
rules.add_perm("inspections.open_inspections", holds_role(*AREA_ROLES))
rules.add_perm("inspections.open_practices", holds_role(*AREA_ROLES))

# Acting: street staff create and run rounds (templates, pairings, opening, closing); the
# inspecting group's staff score and record findings and send the list; the inspected
# community rectifies; the inspecting group or street staff re-check.
rules.add_perm("inspections.create_round", holds_role(Role.STREET_STAFF))
rules.add_perm("inspections.manage_round", street_staff)
rules.add_perm("inspections.inspect", inspects | street_staff)
rules.add_perm("inspections.rectify", inspected_staff)
rules.add_perm("inspections.recheck", inspects | street_staff)
rules.add_perm("inspections.record_practice", inspects | street_staff)


# Results (helper F): a round's scores, ranking, common problems, report and export compare the
# communities and quote their findings, so they are for the street's staff and leadership only;
# a community's staff see their own findings on the rectification pages.
@rules.predicate
def street_leadership(user: Any, obj: Any = None) -> bool:
    """Leadership over the round's street (any leadership, when there is none)."""
    if obj is None:
        return scoping.has_role(user, Role.LEADERSHIP)
    round_ = _round_of(obj)
    return round_ is not None and scoping.covers(user, round_.street.path, {Role.LEADERSHIP})


rules.add_perm("inspections.view_results", street_staff | street_leadership)
