"""Who may act on demands. So far: street staff keep the category tree."""

from typing import Any

import rules

from genxi.accounts import scoping
from genxi.accounts.models import Role


@rules.predicate
def keeps_categories(user: Any, category: Any = None) -> bool:
    return scoping.has_role(user, Role.STREET_STAFF)


rules.add_perm("demands.add_category", keeps_categories)
rules.add_perm("demands.change_category", keeps_categories)
