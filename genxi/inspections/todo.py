"""What waits for the user in peer inspections (the menu's badge). Owner: helper F."""

from typing import Any

from django.db.models import Q
from django.utils import timezone

from genxi.accounts import scoping
from genxi.accounts.models import Role
from genxi.core.paths import path_range_q
from genxi.inspections.models import (
    UNFINISHED_FINDINGS,
    Finding,
    FindingStatus,
    RoundStatus,
    inspecting_groups,
    staffed_community_ids,
)


def waiting(user: Any) -> Q:
    """Findings waiting for the user: to plan or fix (their community was inspected), to
    re-check (their community inspects it, or they are street staff over it), and, for street
    staff, those overdue."""
    mine = staffed_community_ids(user)
    to_fix = Q(community__in=mine, status__in=UNFINISHED_FINDINGS) if mine else Q(pk__in=[])
    to_recheck = Q(status=FindingStatus.FIXED, group__in=inspecting_groups(user))
    street = scoping.scope_paths(user, {Role.STREET_STAFF})
    if street:
        in_street = path_range_q("community__path", street)
        to_recheck |= in_street & Q(status=FindingStatus.FIXED)
        to_fix |= in_street & Q(status__in=UNFINISHED_FINDINGS, deadline__lt=timezone.localdate())
    return to_fix | to_recheck


def findings_waiting(user: Any) -> Any:
    return Finding.objects.filter(waiting(user)).exclude(round__status=RoundStatus.CLOSED)


def badge(user: Any) -> int:
    """How many findings wait for the user (see `waiting`), in one query."""
    return int(findings_waiting(user).count())
