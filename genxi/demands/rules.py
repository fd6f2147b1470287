"""Who may open the demand pages and act on demands: predicates, registered as Django
permissions."""

from typing import Any

import rules

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, STAFF_ROLES, Role
from genxi.accounts.rules import holds_role
from genxi.demands.models import HandlingPath
from genxi.places.models import Area, Pioneer

# Page gates (see genxi.accounts.rules). The ledger and a demand's page: staff, leadership,
# pioneers and the responsible parties; each sees the demands of their own areas.
rules.add_perm("demands.open_ledger", holds_role(*AREA_ROLES, Role.PIONEER, Role.PARTNER))
rules.add_perm("demands.open_figures", holds_role(*AREA_ROLES))
# A resident's own demands.
rules.add_perm("demands.open_my_demands", holds_role(Role.RESIDENT))


# The category tree serves the whole deployment: the street keeps it.
keeps_categories = holds_role(Role.STREET_STAFF)
rules.add_perm("demands.add_category", keeps_categories)
rules.add_perm("demands.change_category", keeps_categories)


@rules.predicate
def is_community_staff_for(user: Any, demand: Any) -> bool:
    """Street staff of its street or community staff of its community: accept, verify, assign,
    refer, close out, merge, withdraw."""
    if demand is None:
        return scoping.has_role(user, *STAFF_ROLES)
    return scoping.covers(user, demand.community.path, STAFF_ROLES)


@rules.predicate
def is_handler_of(user: Any, demand: Any) -> bool:
    """The responsible party's handlers when assigned to a partner; otherwise the community."""
    if demand is None:
        return False
    if demand.path == HandlingPath.PARTNER:
        return demand.handler_partner_id in scoping.partner_ids(user)
    return bool(is_community_staff_for(user, demand))


@rules.predicate
def covers_by_grid(user: Any, demand: Any) -> bool:
    return demand is not None and demand.area.grid_id in Pioneer.objects.grid_ids_of(user)


@rules.predicate
def can_collect(user: Any, area: Any = None) -> bool:
    """Staff and pioneers record demands: staff in their communities, a pioneer anywhere in the
    communities they serve (not only their grids: residents raise the common areas too)."""
    if not scoping.has_role(user, *STAFF_ROLES, Role.PIONEER):
        return False
    if not isinstance(area, Area):
        return True  # no place, or a demand ("me too" on one the user may see)
    return bool(Area.objects.collected_by(user).filter(pk=area.pk).exists())


@rules.predicate
def recorded_it(user: Any, demand: Any) -> bool:
    """The pioneer who recorded a demand calls its reporters back, wherever in his community
    (not once it was referred to another: that community's people call back there)."""
    return (
        demand is not None
        and demand.created_by_id == getattr(user, "pk", None)
        and scoping.covers(user, demand.community.path, {Role.PIONEER})
    )


@rules.predicate
def collects_in(user: Any, demand: Any) -> bool:
    """Staff and pioneers of the demand's community (or street) add residents who raised it too;
    a community that referred it elsewhere only reads it."""
    if demand is None:
        return bool(can_collect(user))
    return scoping.covers(user, demand.community.path, {*STAFF_ROLES, Role.PIONEER})


rules.add_perm("demands.add_demand", can_collect)
rules.add_perm("demands.add_reporter", collects_in)
rules.add_perm("demands.manage_demand", is_community_staff_for)
rules.add_perm("demands.handle_demand", is_handler_of)
rules.add_perm("demands.call_back_demand", is_community_staff_for | covers_by_grid | recorded_it)
