"""Reads of the points ledger (积分): which items and rewards apply where, what a resident may
redeem, the redemptions a counter may hand over, the resident's home page card."""

from typing import Any

from django.db.models import Q

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, STAFF_ROLES
from genxi.core.paths import ancestor_ids, path_ids, path_range_q
from genxi.pioneers.models import (
    PointAccount,
    PointItem,
    Redemption,
    RedemptionStatus,
    Reward,
)
from genxi.places.models import Area, AreaKind, Resident


def resident_of(user: Any) -> Resident | None:
    """The resident record linked to `user` (a resident's account), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Resident.objects.filter(user=user).select_related("area").first()


def account_of(resident: Resident) -> PointAccount | None:
    return PointAccount.objects.filter(resident=resident).first()


def _above(user: Any) -> Q:
    """Rows set by an area above one of the user's areas (a community's staff see, and award,
    their street's items)."""
    ids = ancestor_ids(scoping.scope_paths(user, AREA_ROLES))
    return Q(area__in=ids) if ids else Q(pk__in=[])


def items_for(user: Any) -> Any:
    """The items a staff member or leader sees: their areas' own and their street's above."""
    return PointItem.objects.restrict(
        user, "area__path", roles=AREA_ROLES, also=lambda: _above(user)
    )


def rewards_for(user: Any) -> Any:
    return Reward.objects.restrict(user, "area__path", roles=AREA_ROLES, also=lambda: _above(user))


def items_applying_to(resident: Resident) -> Any:
    """The items in use that may be awarded to `resident`: their community's and street's."""
    return PointItem.objects.filter(area__in=path_ids(resident.area.path), is_active=True)


def awardable_items(user: Any, community: Area | None = None) -> Any:
    """Items in use the user may award: under their areas and above them (narrowed to those of
    `community` and above when given)."""
    items = items_for(user).filter(is_active=True).select_related("area")
    if community is not None:
        items = items.filter(area__in=path_ids(community.path))
    return items


def rewards_offered_to(resident: Resident) -> Any:
    """The rewards on offer to `resident` (their community's and street's), cheapest first."""
    return Reward.objects.filter(area__in=path_ids(resident.area.path), is_active=True).order_by(
        "cost", "name"
    )


def accounts_for(user: Any) -> Any:
    return PointAccount.objects.visible_to(user)


def redemptions_for(user: Any) -> Any:
    """The redemptions a desk sees: of rewards in the user's areas, and of residents in them
    (a street's reward is collected at the resident's community's counter)."""
    paths = scoping.scope_paths(user, AREA_ROLES)
    return Redemption.objects.restrict(
        user,
        "reward__area__path",
        also=lambda: path_range_q("account__resident__area__path", paths),
    )


def may_serve(user: Any, redemption: Redemption) -> bool:
    """Staff of the reward's area or of the resident's: hand over and cancel at the counter."""
    return scoping.covers(user, str(redemption.reward.area.path), STAFF_ROLES) or scoping.covers(
        user, str(redemption.account.resident.area.path), STAFF_ROLES
    )


def staff_areas(user: Any) -> list[Area]:
    """Streets and communities where the user is staff: where they set items and rewards."""
    return [
        a
        for a in scoping.scope_areas(user, STAFF_ROLES)
        if a.kind in (AreaKind.STREET, AreaKind.COMMUNITY)
    ]


def resident_card(user: Any) -> Any:
    """A resident's home page card (templates/pioneers/includes/resident_points.html): their
    balance, how many rewards they can afford and their codes to collect. None hides the card
    (a resident account not linked to a resident record)."""
    resident = resident_of(user)
    if resident is None:
        return None
    account = account_of(resident)
    balance = account.balance if account is not None else 0
    return {
        "balance": balance,
        "affordable": rewards_offered_to(resident).filter(cost__lte=balance, stock__gt=0).count(),
        "to_collect": Redemption.objects.filter(
            account__resident=resident, status=RedemptionStatus.HELD
        ).count(),
    }
