"""Who may use triage: predicates, registered as Django permissions."""

import rules

from genxi.accounts.models import Role
from genxi.accounts.rules import holds_role

# The classifier serves the whole deployment: the street decides when it learns.
rules.add_perm("triage.train", holds_role(Role.STREET_STAFF))
# A community's auto-apply is kept by its staff and the street's: the settings form offers only
# those communities (Area.objects.run_by).
