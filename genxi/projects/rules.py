"""Who may act on funds, projects and votes: predicates, registered as Django permissions."""

from typing import Any

import rules

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, Role
from genxi.accounts.rules import holds_role
from genxi.places.rules import is_staff_for


@rules.predicate
def is_elector(user: Any, vote: Any = None) -> bool:
    """Named on the vote's electorate as this user: votes on the web."""
    if vote is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(vote.electors.filter(user=user).exists())


@rules.predicate
def assists_electors(user: Any, vote: Any = None) -> bool:
    """A pioneer of the vote's community: records a ballot for an elector they help."""
    return vote is not None and scoping.covers(user, vote.community.path, {Role.PIONEER})


@rules.predicate
def implements(user: Any, project: Any = None) -> bool:
    """A handler of the partner unit that implements the project."""
    return project is not None and project.implementer_id in scoping.partner_ids(user)


# Funds, projects, votes, paper ballots: community staff of its community, or the street's staff.
rules.add_perm("projects.manage", is_staff_for)
# Progress photos: the community's staff and the implementer.
rules.add_perm("projects.add_photo", is_staff_for | implements)
rules.add_perm("projects.assist", is_staff_for | assists_electors)
rules.add_perm("projects.vote", is_elector)

# Pages. The service funds: staff and leadership. The service projects: theirs, and partners
# the projects they implement. Votes: every role; each sees the votes it may (its communities',
# or those it is an elector in).
rules.add_perm("projects.open_funds", holds_role(*AREA_ROLES))
rules.add_perm("projects.open_projects", holds_role(*AREA_ROLES, Role.PARTNER))
rules.add_perm("projects.open_votes", holds_role(*Role))
