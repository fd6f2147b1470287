"""Who may do what to places and people: predicates, registered as Django permissions.

`user.has_perm("places.change_venue", venue)` and `{% has_perm %}` in templates both ask these.
Seeing is decided by each model's `visible_to`; these decide acting.
"""

from typing import Any

import rules

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, STAFF_ROLES, Role
from genxi.accounts.rules import holds_role
from genxi.places.models import Area, AreaKind, Pioneer, Resident, Venue, VenueBooking


def area_of(obj: Any) -> Area | None:
    if isinstance(obj, Area):
        return obj
    for attr in ("area", "community"):
        value = getattr(obj, attr, None)
        if isinstance(value, Area):
            return value
    return None


@rules.predicate
def is_staff_for(user: Any, obj: Any) -> bool:
    """Street staff for anything in their street; community staff for their community."""
    area = area_of(obj)
    if area is None:
        return scoping.has_role(user, *STAFF_ROLES)
    return scoping.covers(user, area.path, STAFF_ROLES)


@rules.predicate
def can_change_area(user: Any, area: Area | None) -> bool:
    if area is None:
        return False
    if scoping.covers(user, area.path, {Role.STREET_STAFF}):
        return True
    # Community staff keep their own community's compounds, buildings and grids.
    return area.kind not in (
        AreaKind.STREET,
        AreaKind.TOWN,
        AreaKind.COMMUNITY,
        AreaKind.DISTRICT,
    ) and (scoping.covers(user, area.path, {Role.COMMUNITY_STAFF}))


@rules.predicate
def can_add_resident_at(user: Any, area: Area | None) -> bool:
    if area is None:
        return scoping.has_role(user, *STAFF_ROLES, Role.PIONEER)
    if scoping.covers(user, area.path, STAFF_ROLES):
        return True
    return area.grid_id is not None and area.grid_id in Pioneer.objects.grid_ids_of(user)


@rules.predicate
def can_view_phone(user: Any, resident: Resident | None) -> bool:
    """Staff who serve the resident, and the pioneer whose grid they live in."""
    if resident is None:
        return False
    if resident.user_id is not None and resident.user_id == getattr(user, "pk", None):
        return True
    if scoping.covers(user, resident.area.path, STAFF_ROLES):
        return True
    grid_id = resident.area.grid_id
    return grid_id is not None and grid_id in Pioneer.objects.grid_ids_of(user)


@rules.predicate
def can_add_child(user: Any, parent: Area | None) -> bool:
    """Street staff add communities and below; community staff add inside their community."""
    if parent is None:
        return scoping.is_superuser(user)
    if scoping.covers(user, parent.path, {Role.STREET_STAFF}):
        return True
    return parent.kind in (AreaKind.COMMUNITY, AreaKind.COMPOUND) and scoping.covers(
        user, parent.path, {Role.COMMUNITY_STAFF}
    )


@rules.predicate
def can_change_resident(user: Any, resident: Resident | None) -> bool:
    return resident is not None and bool(can_add_resident_at(user, resident.area))


@rules.predicate
def lives_by(user: Any, venue: Venue | None) -> bool:
    """A resident of the venue's community (or, for a street's venue, of the street)."""
    if venue is None:
        return scoping.has_role(user, Role.RESIDENT)
    home = venue.area.community() or venue.area
    return any(
        p.startswith(home.path) or home.path.startswith(p)
        for p in scoping.scope_paths(user, {Role.RESIDENT})
    )


@rules.predicate
def may_request_slot(user: Any, venue: Venue | None) -> bool:
    """Residents of the venue's community, and its staff, ask for a slot where the venue takes
    requests from residents' groups."""
    if venue is not None and not venue.groups_may_request:
        return False
    return bool(lives_by(user, venue) or is_staff_for(user, venue))


@rules.predicate
def keeps_booking(user: Any, booking: VenueBooking | None) -> bool:
    """Staff who may change the venue book it, approve, refuse and cancel its bookings."""
    if booking is None:
        return scoping.has_role(user, *STAFF_ROLES)
    return bool(is_staff_for(user, booking.venue))


# Page gates (see accounts/rules.py): the menu asks the same permissions.
rules.add_perm("places.open_areas", holds_role(*AREA_ROLES, Role.PIONEER))
rules.add_perm("places.open_party_orgs", holds_role(*AREA_ROLES, Role.PIONEER, Role.PARTNER))
rules.add_perm("places.open_partners", holds_role(*AREA_ROLES, Role.PIONEER, Role.PARTNER))
rules.add_perm("places.open_venues", holds_role(*Role.values))  # venues are public places
rules.add_perm("places.open_residents", holds_role(*AREA_ROLES, Role.PIONEER))
rules.add_perm("places.open_pioneers", holds_role(*AREA_ROLES, Role.PIONEER))

rules.add_perm("places.add_area", can_add_child)
rules.add_perm("places.change_area", can_change_area)
for model in ("partyorg", "partner", "venue", "pioneer"):
    rules.add_perm(f"places.add_{model}", is_staff_for)
    rules.add_perm(f"places.change_{model}", is_staff_for)
rules.add_perm("places.add_resident", can_add_resident_at)
rules.add_perm("places.change_resident", can_change_resident)
rules.add_perm("places.view_resident_phone", can_view_phone)
rules.add_perm("places.book_venue", is_staff_for)
rules.add_perm("places.request_booking", may_request_slot)
rules.add_perm("places.change_venuebooking", keeps_booking)
