"""Who may read dashboards: staff and leadership, each for the areas wholly under their roles
(`dashboards.scope.dashboard_areas`); the public dashboard needs no log-in and shows only what a
street marked public."""

import rules

from genxi.accounts.models import AREA_ROLES, Role
from genxi.accounts.rules import holds_role

rules.add_perm("dashboards.open_dashboard", holds_role(*AREA_ROLES))
# The comparison of communities and its weights: street staff and leadership.
rules.add_perm("dashboards.open_comparison", holds_role(Role.STREET_STAFF, Role.LEADERSHIP))
rules.add_perm("dashboards.open_reports", holds_role(*AREA_ROLES))
