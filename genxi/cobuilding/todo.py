"""What co-building asks of a user today: the commitment items due and overdue on their side
and the partner's (both sides see each item), and for staff the registrations to confirm.
The menu's badge, the hub, the partner portal and the home page read these."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from genxi.cobuilding.models import (
    AgreementStatus,
    DueItem,
    DueItemQuerySet,
    MemberRegistration,
    RegistrationStatus,
    UnitRegistration,
)

# An item shows on the to-do lists from this many days before it falls due.
LEAD_DAYS = 7


def due_items(user: Any) -> DueItemQuerySet:
    """Unfiled items of the user's agreements in force, due within a week or overdue."""
    soon = timezone.localdate() + timedelta(days=LEAD_DAYS)
    return (
        DueItem.objects.visible_to(user)
        .filter(
            filed_at=None,
            due_on__lte=soon,
            commitment__is_active=True,
            commitment__agreement__status=AgreementStatus.ACTIVE,
        )
        .select_related("commitment__agreement", "commitment__owner_partner")
        .order_by("due_on", "id")
    )


def overdue_items(user: Any) -> DueItemQuerySet:
    return due_items(user).filter(due_on__lt=timezone.localdate())


def to_confirm(user: Any) -> int:
    """Unit and member registrations awaiting the user's confirmation (staff)."""
    from genxi.accounts import scoping
    from genxi.accounts.models import STAFF_ROLES
    from genxi.core.paths import path_range_q

    paths = scoping.scope_paths(user, STAFF_ROLES)
    if not paths and not scoping.is_superuser(user):
        return 0
    where = path_range_q("community__path", paths) if paths else None
    units = UnitRegistration.objects.filter(status=RegistrationStatus.PENDING)
    members = MemberRegistration.objects.filter(status=RegistrationStatus.PENDING)
    if where is not None:
        units, members = units.filter(where), members.filter(where)
    # One query for both (the menu's badge asks on every page).
    return units.order_by().values("pk").union(members.order_by().values("pk"), all=True).count()


def badge(user: Any) -> int:
    return due_items(user).count() + to_confirm(user)
