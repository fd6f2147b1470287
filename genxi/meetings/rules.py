"""Who may run meetings: the community's staff and the street's (as for its funds)."""

import rules

from genxi.accounts.models import AREA_ROLES
from genxi.accounts.rules import holds_role
from genxi.places.rules import is_staff_for

rules.add_perm("meetings.manage", is_staff_for)
# The meetings' pages: staff and leadership (each sees its communities' meetings).
rules.add_perm("meetings.open_meetings", holds_role(*AREA_ROLES))
