"""Who may use triage: predicates, registered as Django permissions."""

from typing import Any

import rules

from genxi.accounts import scoping
from genxi.accounts.models import Role


@rules.predicate
def trains_models(user: Any) -> bool:
    # The classifier serves the whole deployment: the street decides when it learns.
    return scoping.has_role(user, Role.STREET_STAFF)


@rules.predicate
def sets_community(user: Any, community: Any = None) -> bool:
    if community is None:
        return scoping.has_role(user, Role.STREET_STAFF, Role.COMMUNITY_STAFF)
    return scoping.covers(user, community.path, {Role.STREET_STAFF, Role.COMMUNITY_STAFF})


rules.add_perm("triage.train", trains_models)
rules.add_perm("triage.change_settings", sets_community)
