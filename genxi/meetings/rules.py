"""Who may run meetings: the community's staff and the street's (the same as its funds)."""

import rules

from genxi.projects.rules import runs_community

rules.add_perm("meetings.manage", runs_community)
