"""The roles that opened each page before page gates became rules permissions (each app's
`rules.py`, asked by the menu in genxi/home/navigation.py). Kept until every page has switched."""

from genxi.accounts.models import AREA_ROLES, Role

# Roles that open each list page. A page outside a user's roles is a 404, like an object outside
# their areas: the menu and the URL space agree.
PAGE_ROLES: dict[str, frozenset[str]] = {
    "areas": AREA_ROLES | {Role.PIONEER},
    "party_orgs": AREA_ROLES | {Role.PIONEER, Role.PARTNER},
    "partners": AREA_ROLES | {Role.PIONEER, Role.PARTNER},
    "venues": frozenset(Role),
    "residents": AREA_ROLES | {Role.PIONEER},
    "pioneers": AREA_ROLES | {Role.PIONEER},
    "settings": AREA_ROLES,
    "demands": AREA_ROLES | {Role.PIONEER, Role.PARTNER},
    "figures": AREA_ROLES,
    "projects": AREA_ROLES,
    "meetings": AREA_ROLES,
    # The service projects: staff and leadership see their communities', partners those they
    # implement. Votes: every role; each sees the votes it may (its communities', or those it
    # is an elector in).
    "service_projects": AREA_ROLES | {Role.PARTNER},
    "votes": frozenset(Role),
    "my_demands": frozenset({Role.RESIDENT}),
}
