"""The API's page: the Open311 requests waiting for staff to place them."""

import rules

from genxi.accounts.models import STAFF_ROLES
from genxi.accounts.rules import holds_role

rules.add_perm("api.open_unplaced", holds_role(*STAFF_ROLES))
