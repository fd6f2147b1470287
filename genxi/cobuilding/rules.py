"""Who may do what in co-building. Seeing is each model's `visible_to`; these decide acting and
which pages open (`cobuilding.open_<page>`, named by the menu in home/navigation.py too)."""

from typing import Any

import rules

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, STAFF_ROLES, Role
from genxi.accounts.rules import holds_role


def _community_path(obj: Any) -> str | None:
    """The path of the community (or street) an object of the app belongs to."""
    for attr in ("community", "point", "need", "agreement", "commitment", "item"):
        target = getattr(obj, attr, None)
        if target is None:
            continue
        if attr == "community":
            return str(target.path)
        return _community_path(target)
    return None


@rules.predicate
def staffs(user: Any, obj: Any = None) -> bool:
    """Staff of the object's community (or of a street above it)."""
    if obj is None:
        return scoping.has_role(user, *STAFF_ROLES)
    path = _community_path(obj)
    return path is not None and scoping.covers(user, path, STAFF_ROLES)


@rules.predicate
def acts_for_partner(user: Any, partner_id: int | None = None) -> bool:
    """A handler of the given partner unit (any, when None)."""
    mine = scoping.partner_ids(user)
    return bool(mine) if partner_id is None else partner_id in mine


# Pages. Agreements, needs and resources open to staff, leadership and partner handlers (each
# sees what `visible_to` gives them); 双报到 for staff and leadership, and for residents (a party
# member registers on the phone); service points for staff, leadership, pioneers (they book on
# a visit) and the providers; residents book home visits on their own page.
rules.add_perm("cobuilding.open_cobuilding", holds_role(*AREA_ROLES, Role.PIONEER, Role.PARTNER))
rules.add_perm("cobuilding.open_agreements", holds_role(*AREA_ROLES, Role.PARTNER))
rules.add_perm("cobuilding.open_members", holds_role(*AREA_ROLES))
rules.add_perm("cobuilding.open_member_signup", holds_role(Role.RESIDENT))
rules.add_perm("cobuilding.open_lists", holds_role(*AREA_ROLES, Role.PARTNER))
rules.add_perm("cobuilding.open_points", holds_role(*AREA_ROLES, Role.PIONEER, Role.PARTNER))
rules.add_perm("cobuilding.open_point_booking", holds_role(Role.RESIDENT))
rules.add_perm("cobuilding.open_evaluations", holds_role(*AREA_ROLES))
rules.add_perm("cobuilding.open_figures", holds_role(*AREA_ROLES, Role.PARTNER))
rules.add_perm("cobuilding.open_portal", holds_role(Role.PARTNER))
# Acting: staff of the object's community manage it (agreements, needs, members, points).
rules.add_perm("cobuilding.manage", staffs)
