"""The audit log: `log_action` is called by every service that writes."""

from typing import Any, TypeAlias

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from genxi.core.models import AuditEntry

# Who performs a write: a signed-in user, an anonymous visitor (a public form, the Open311
# API), or None for the system (the demo loader, a scheduled command). Every service takes
# `actor: Actor`.
Actor: TypeAlias = AbstractBaseUser | AnonymousUser | None


def acting_user(actor: Actor) -> Any:
    """The user behind a write, or None for the system (the demo loader, a scheduled command)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def log_action(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record that `actor` did `action` to `obj`. Call inside the service's transaction."""
    user = acting_user(actor)
    return AuditEntry.objects.create(
        actor=user,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=changes or {},
    )


def jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return str(value)


def apply_changes(instance: models.Model, fields: dict[str, Any]) -> dict[str, list[Any]]:
    """Set `fields` on `instance` and return {field: [old, new]} for what really changed."""
    diff: dict[str, list[Any]] = {}
    for name, new in fields.items():
        old = getattr(instance, name)
        if old != new:
            diff[name] = [jsonable(old), jsonable(new)]
            setattr(instance, name, new)
    return diff
