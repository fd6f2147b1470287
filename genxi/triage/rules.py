"""Who may use triage: predicates, registered as Django permissions."""

from typing import Any

import rules

from genxi.accounts import scoping
from genxi.accounts.models import Role


@rules.predicate
def trains_models(user: Any) -> bool:
    # The classifier serves the whole deployment: the street decides when it learns.
    return scoping.has_role(user, Role.STREET_STAFF)


rules.add_perm("triage.train", trains_models)
# A community's auto-apply is kept by its staff and the street's: the settings form offers only
# those communities (Area.objects.run_by).
