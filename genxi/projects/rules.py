"""Who may act on funds, projects and votes: predicates, registered as Django permissions."""

from typing import Any

import rules

from genxi.accounts import scoping
from genxi.accounts.models import STAFF_ROLES, Role


@rules.predicate
def runs_community(user: Any, obj: Any = None) -> bool:
    """Community staff of its community, or the street's staff: funds, projects, votes, paper
    ballots."""
    if obj is None:
        return scoping.has_role(user, *STAFF_ROLES)
    return scoping.covers(user, obj.community.path, STAFF_ROLES)


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


rules.add_perm("projects.manage", runs_community)
# Progress photos: the community's staff and the implementer.
rules.add_perm("projects.add_photo", runs_community | implements)
rules.add_perm("projects.assist", runs_community | assists_electors)
rules.add_perm("projects.vote", is_elector)
