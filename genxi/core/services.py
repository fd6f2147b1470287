"""Shared write machinery: every app's services create and update through these two functions,
so each write is one transaction with an audit entry, an optimistic-lock check and a retry token.
"""

import enum
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, Final, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from genxi.core.audit import Actor, apply_changes, jsonable, log_action
from genxi.core.models import CalendarDay, CalendarYear, SubmittedForm

M = TypeVar("M", bound=models.Model)


class Unset(enum.Enum):
    """An update's "not given": leave the field as it is (None is a value: "clear it")."""

    UNSET = enum.auto()


UNSET: Final = Unset.UNSET


def given(**values: Any) -> dict[str, Any]:
    """The fields an update was given, for `update_object`."""
    return {name: value for name, value in values.items() if value is not UNSET}


class ServiceError(Exception):
    """A write refused for a reason the person can act on; the message is for them."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class ConcurrentEdit(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else changed this record while you were editing it. "
                "Reload the page to see their changes, then make yours again."
            ),
            code="concurrent_edit",
        )


def already_submitted(token: uuid.UUID | None, model: type[M]) -> M | None:
    """The object a retried create already made with this token, if any."""
    if token is None:
        return None
    seen = SubmittedForm.objects.filter(
        token=token, content_type=ContentType.objects.get_for_model(model)
    ).first()
    if seen is None:
        return None
    return model._default_manager.filter(pk=seen.object_id).first()


def _redacted(
    changes: dict[str, Any], redact: dict[str, Callable[[Any], Any]] | None
) -> dict[str, Any]:
    """Personal data is logged masked: the log shows that it changed, not what it is."""
    if not redact:
        return changes
    out = dict(changes)
    for name, mask in redact.items():
        if name in out:
            value = out[name]
            out[name] = [mask(v) for v in value] if isinstance(value, list) else mask(value)
    return out


def create_object(
    *,
    actor: Actor,
    model: type[M],
    fields: dict[str, Any],
    m2m: dict[str, Iterable[Any]] | None = None,
    token: uuid.UUID | None = None,
    after_insert: Callable[[M], None] | None = None,
    unique_error: str | None = None,
    redact: dict[str, Callable[[Any], Any]] | None = None,
) -> M:
    """Insert one object (with its many-to-many sets) and its audit entry, atomically.

    A repeated `token` returns the first object and writes nothing.
    """
    if (existing := already_submitted(token, model)) is not None:
        return existing
    try:
        with transaction.atomic():
            obj = model._default_manager.create(**fields)
            if after_insert is not None:
                after_insert(obj)
            for name, values in (m2m or {}).items():
                getattr(obj, name).set(values)
            if token is not None:
                SubmittedForm.objects.create(
                    token=token,
                    content_type=ContentType.objects.get_for_model(model),
                    object_id=str(obj.pk),
                )
            log_action(
                actor=actor,
                action=f"{model._meta.model_name}.create",
                obj=obj,
                changes=_redacted(
                    {k: jsonable(v) for k, v in {**fields, **(m2m or {})}.items()}, redact
                ),
            )
    except IntegrityError as exc:
        if token is not None and (existing := already_submitted(token, model)) is not None:
            return existing  # the same form, sent twice at once: the other request won
        raise ServiceError(unique_error or _("This record already exists.")) from exc
    return obj


def update_object(
    *,
    actor: Actor,
    instance: M,
    fields: dict[str, Any],
    m2m: dict[str, Iterable[Any]] | None = None,
    expected_updated_at: datetime | None = None,
    unique_error: str | None = None,
    redact: dict[str, Callable[[Any], Any]] | None = None,
) -> dict[str, list[Any]]:
    """Change `instance` and log what changed.

    With `expected_updated_at` (the value the editor's form was built from) the write is a
    compare-and-set: if someone saved in between, nothing is written and ConcurrentEdit is raised.
    """
    model = type(instance)
    try:
        with transaction.atomic():
            manager = model._default_manager
            locked = manager.select_for_update().get(pk=instance.pk)
            if expected_updated_at is not None and getattr(locked, "updated_at", None) != (
                expected_updated_at
            ):
                raise ConcurrentEdit()
            diff = apply_changes(instance, fields)
            for name, values in (m2m or {}).items():
                new = {getattr(v, "pk", v) for v in values}
                old = set(getattr(instance, name).values_list("pk", flat=True))
                if new != old:
                    getattr(instance, name).set(values)
                    diff[name] = [sorted(old), sorted(new)]
            if diff:
                # Only what changed, so a concurrent edit of other fields is never overwritten.
                stamp = ["updated_at"] if hasattr(instance, "updated_at") else []
                concrete = {f.name for f in model._meta.concrete_fields}
                instance.save(update_fields=[n for n in diff if n in concrete] + stamp)
                log_action(
                    actor=actor,
                    action=f"{model._meta.model_name}.update",
                    obj=instance,
                    changes=_redacted(diff, redact),
                )
    except IntegrityError as exc:
        raise ServiceError(unique_error or _("This record already exists.")) from exc
    return diff


def set_year_schedule(
    *,
    actor: Actor,
    year: int,
    holidays: Iterable[date],
    makeup_workdays: Iterable[date],
) -> None:
    """Enter a year's public holidays and make-up working days as the State Council published them.

    Replaces what was entered for that year before, and marks the year as entered in full, so its
    deadlines are no longer provisional and the library's data for it no longer applies. The
    settings page calls it through `genxi.home.services.set_year_schedule`, which recounts the
    open demands' provisional deadlines in the same transaction.
    """
    off, on = sorted(set(holidays)), sorted(set(makeup_workdays))
    clash = set(off) & set(on)
    if clash:
        raise ServiceError(
            _("%(day)s cannot be both a holiday and a make-up working day.")
            % {"day": min(clash).isoformat()},
            field="makeup_workdays",
        )
    for day in [*off, *on]:
        if day.year != year:
            raise ServiceError(
                _("%(day)s is not in %(year)s.") % {"day": day.isoformat(), "year": year},
                field="holidays" if day in off else "makeup_workdays",
            )
    weekday_makeup = [d for d in on if d.weekday() < 5]
    if weekday_makeup:
        raise ServiceError(
            _("%(day)s is a weekday: it is a working day already, not a make-up day.")
            % {"day": weekday_makeup[0].isoformat()},
            field="makeup_workdays",
        )
    with transaction.atomic():
        CalendarDay.objects.filter(day__year=year).delete()
        CalendarDay.objects.bulk_create(
            [CalendarDay(day=d, is_workday=False) for d in off]
            + [CalendarDay(day=d, is_workday=True) for d in on]
        )
        entry, _created = CalendarYear.objects.update_or_create(
            year=year, defaults={"entered_by": actor if getattr(actor, "pk", None) else None}
        )
        log_action(
            actor=actor,
            action="calendar.set_year",
            obj=entry,
            changes={
                "holidays": [d.isoformat() for d in off],
                "makeup_workdays": [d.isoformat() for d in on],
            },
        )


def clear_year_schedule(*, actor: Actor, year: int) -> None:
    """Forget what was entered for `year`: the library (or Monday to Friday) applies again."""
    with transaction.atomic():
        entry = CalendarYear.objects.filter(year=year).first()
        if entry is None:
            return
        log_action(actor=actor, action="calendar.clear_year", obj=entry)
        CalendarDay.objects.filter(day__year=year).delete()
        entry.delete()
