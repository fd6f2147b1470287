"""Writes to users, memberships and API tokens."""

import hashlib
import secrets

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.accounts.models import ApiToken, Membership, Role, User
from genxi.core.audit import Actor, log_action
from genxi.core.phones import normalize_phone
from genxi.core.services import ServiceError


def create_user(
    *,
    actor: Actor,
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
    *,
    actor: Actor,
    user: User,
    role: str,
    area: models.Model,
    partner: models.Model | None = None,
) -> Membership:
    """Give `user` the `role` at `area` (a places.Area), for `partner` (a places.Partner) when
    the role is a partner handler's. Typed as models: accounts sits below places."""
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


def revoke_membership(*, actor: Actor, membership: Membership) -> None:
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


TOKEN_PREFIX = "gx_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(*, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with the token itself, which is never stored."""
    name = name.strip()
    if not name:
        raise ServiceError(_("Name the token after what will use it."), field="name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(30)
    with transaction.atomic():
        api_token = ApiToken.objects.create(
            user=user, name=name[:100], prefix=token[:10], digest=token_digest(token)
        )
        log_action(actor=actor, action="apitoken.create", obj=user, changes={"token": api_token.pk})
    return api_token, token


def revoke_api_token(*, actor: Actor, api_token: ApiToken) -> bool:
    """Revoke it at once; False when it already was."""
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=api_token.pk, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        if changed:
            log_action(
                actor=actor,
                action="apitoken.revoke",
                obj=api_token.user,
                changes={"token": api_token.pk},
            )
    return bool(changed)


def user_for_token(token: str) -> User | None:
    """The active owner of an active token, or None; notes when the token was last used."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    found = (
        ApiToken.objects.active().select_related("user").filter(digest=token_digest(token)).first()
    )
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)  # at most once a minute
    return found.user
