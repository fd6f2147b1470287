"""More time: a handler asks to move the resolution deadline; the community's staff decide once
(`EXTENSION_MACHINE`: pending → approved or refused)."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.accounts.models import User
from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.notify import notify
from genxi.core.services import ServiceError
from genxi.demands.models import (
    EXTENSION_MACHINE,
    Demand,
    EventKind,
    Extension,
    ExtensionStatus,
    Status,
)
from genxi.demands.services.steps import _event, _handlers_of_community, _required


def request_extension(*, actor: Actor, demand: Demand, new_due: date, reason: str) -> Extension:
    """The handler asks to move the resolution deadline to `new_due`."""
    reason = _required(reason, "reason")
    if demand.status not in (Status.ASSIGNED, Status.IN_PROGRESS):
        raise ServiceError(
            _("Only a demand being handled can be given more time."), code="invalid_transition"
        )
    if new_due <= demand.resolution_due:
        raise ServiceError(
            _("Choose a date after the current deadline, %(day)s.")
            % {"day": demand.resolution_due.isoformat()},
            field="new_due",
        )
    try:
        with transaction.atomic():
            extension = Extension.objects.create(
                demand=demand,
                requested_by=acting_user(actor),
                old_due=demand.resolution_due,
                new_due=new_due,
                reason=reason,
            )
            _event(
                demand,
                actor=actor,
                kind=EventKind.DEADLINE,
                note=reason,
                data={"requested": new_due.isoformat()},
            )
            log_action(
                actor=actor,
                action="demand.extension_requested",
                obj=demand,
                changes={"new_due": new_due.isoformat()},
            )
            notify(
                users=_handlers_of_community(demand),
                title=_("More time asked for: %(title)s") % {"title": demand.title},
                body=_("Until %(day)s: %(reason)s")
                % {"day": new_due.isoformat(), "reason": reason},
                url=demand.get_absolute_url(),
            )
    except IntegrityError as exc:
        raise ServiceError(
            _("A request for more time is already waiting for a decision."), code="pending"
        ) from exc
    return extension


def decide_extension(*, actor: Actor, extension: Extension, approve: bool, note: str = "") -> None:
    """Approve (the deadline moves) or refuse a pending request, once."""
    now = timezone.now()
    status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    with transaction.atomic():
        EXTENSION_MACHINE.swap(
            extension,
            status,
            decided_by=acting_user(actor),
            decided_at=now,
            decision_note=note.strip(),
        )
        demand = extension.demand
        data = {"requested": extension.new_due.isoformat(), "approved": approve}
        if approve:
            Demand.objects.filter(pk=demand.pk).update(
                resolution_due=extension.new_due, updated_at=now
            )
            data["old"] = demand.resolution_due.isoformat()
            demand.resolution_due = extension.new_due
        _event(demand, actor=actor, kind=EventKind.DEADLINE, note=note.strip(), data=data)
        log_action(actor=actor, action="demand.extension_decided", obj=demand, changes=data)
        if extension.requested_by_id:
            notify(
                users=User.objects.filter(pk=extension.requested_by_id),
                title=(
                    _("More time approved: %(title)s")
                    if approve
                    else _("More time refused: %(title)s")
                )
                % {"title": demand.title},
                url=demand.get_absolute_url(),
            )
