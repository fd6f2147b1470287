"""Page gates: who may open a page, as rules permissions (adhocracy4 with django-rules).

Each app registers its pages' permissions in its own `rules.py`, named `<app>.open_<page>`,
with `holds_role(...)`. Views ask `require(request.user, "<app>.open_<page>")` (a 404 for
everyone else: nobody learns what exists) and the menu asks the same permission, so a menu
entry and its page can never disagree. Acting on an object is a permission of its own, on
predicates that take the object; seeing objects is each model's `visible_to`.
"""

from typing import Any

import rules
from django.http import Http404

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES


def holds_role(*roles: str) -> Any:
    """A predicate: the user holds one of `roles` somewhere (a superuser always does)."""
    wanted = frozenset(roles)

    @rules.predicate(name=f"holds_role({','.join(sorted(wanted))})")
    def predicate(user: Any) -> bool:
        return scoping.has_role(user, *wanted)

    return predicate


def require(user: Any, perm: str, obj: Any = None) -> None:
    """Raise 404 unless `user` has `perm` (on `obj`)."""
    if not user.has_perm(perm, obj):
        raise Http404


# Settings (working-day calendar, triage, call-back rules): the staff and leadership of areas.
rules.add_perm("accounts.open_settings", holds_role(*AREA_ROLES))
