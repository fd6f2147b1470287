"""Writes to users and memberships."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from genxi.accounts.models import Membership, Role, User
from genxi.core.audit import log_action
from genxi.core.phones import normalize_phone
from genxi.core.services import ServiceError
from genxi.places.models import Area, Partner


def create_user(
    *,
    actor: Any,
    username: str,
    password: str | None,
    name: str = "",
    phone: str | None = None,
    is_superuser: bool = False,
) -> User:
    phone_norm = normalize_phone(phone) if phone else None
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise ServiceError(_("This username is taken."), field="username")
        if phone_norm and User.objects.filter(phone=phone_norm).exists():
            raise ServiceError(_("This phone number belongs to another account."), field="phone")
        user = User(username=username, name=name, phone=phone_norm)
        user.is_superuser = user.is_staff = is_superuser
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
        log_action(actor=actor, action="user.create", obj=user, changes={"username": username})
    return user


def grant_membership(
    *, actor: Any, user: User, role: str, area: Area, partner: Partner | None = None
) -> Membership:
    if role == Role.PARTNER and partner is None:
        raise ServiceError(
            _("A partner handler acts for a partner unit: choose one."), field="partner"
        )
    if role != Role.PARTNER:
        partner = None
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, role=role, area=area, defaults={"partner": partner}
        )
        if created:
            log_action(
                actor=actor,
                action="membership.grant",
                obj=user,
                changes={"role": role, "area": area.pk, "partner": partner.pk if partner else None},
            )
    # The scope caches of this user object are stale now.
    for cache in ("_memberships_cache", "_pioneer_grids_cache"):
        user.__dict__.pop(cache, None)
    return membership


def revoke_membership(*, actor: Any, membership: Membership) -> None:
    with transaction.atomic():
        log_action(
            actor=actor,
            action="membership.revoke",
            obj=membership.user,
            changes={"role": membership.role, "area": membership.area_id},
        )
        membership.delete()


def record_password_change(*, user: User) -> None:
    log_action(actor=user, action="user.change_password", obj=user)
