"""Appointments (聘用): appoint a pioneer for a term, change what the appointment says, renew,
suspend, resume and end it; the duties templates staff copy into appointments.

The appointment is `places.Pioneer`; each step here also writes an `AppointmentEvent` (its
history on the appointment's page) and an audit entry. State changes lock the pioneer's row
(`PIONEER_MACHINE.lock` + `move`): two staff ending the same appointment at once are told, the
second, that it has ended; a renewal reads the term's end under the same lock.

`settings.GENXI_PIONEERS_LOCKING = False` skips the row lock of the state changes. It exists
only so that the concurrency test can show what the lock prevents;
`GENXI_PIONEERS_RACE_DELAY_MS` then pauses between reading the state and writing it.
"""

import time as clock
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.accounts.models import Role, User
from genxi.accounts.services import grant_membership
from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.services import UNSET, ServiceError, Unset, create_object, update_object
from genxi.pioneers.models import AppointmentEvent, AppointmentEventKind, DutyTemplate
from genxi.places import services as places
from genxi.places.models import (
    PIONEER_MACHINE,
    Area,
    AreaKind,
    PartyOrg,
    Pioneer,
    PioneerStatus,
    Resident,
)


def duties_from(template: DutyTemplate | None, duties: str = "") -> str:
    """The duties text an appointment starts with: what was written, else the template's
    duties followed by its assessment rules (the text stays editable afterwards)."""
    if duties.strip() or template is None:
        return duties.strip()
    parts = [template.duties.strip()]
    if template.assessment_rules.strip():
        parts.append(_("Assessment rules") + "\n" + template.assessment_rules.strip())
    return "\n\n".join(parts)


def _event(
    *, actor: Actor, pioneer: Pioneer, kind: str, reason: str = "", on: date | None = None
) -> AppointmentEvent:
    return AppointmentEvent.objects.create(
        pioneer=pioneer,
        kind=kind,
        on=on or timezone.localdate(),
        term_ends_on=pioneer.term_ends_on,
        reason=reason,
        by=acting_user(actor),
    )


def _forget_scope(user: Any) -> None:
    """The per-user scope caches are stale once the user's appointment changed."""
    if user is not None:
        for cache in ("_memberships_cache", "_pioneer_grids_cache"):
            user.__dict__.pop(cache, None)


def appoint(
    *,
    actor: Actor,
    name: str,
    community: Area,
    appointed_on: date,
    term_ends_on: date | None,
    grids: Iterable[Area] = (),
    party_org: PartyOrg | None = None,
    template: DutyTemplate | None = None,
    duties: str = "",
    resident: Resident | None = None,
    user: User | None = None,
    token: uuid.UUID | None = None,
) -> Pioneer:
    """Appoint a pioneer for a term (start and end both required), with the template's duties
    unless duties were written, and give their account the pioneer's role at the community."""
    if term_ends_on is None:
        raise ServiceError(_("Give the day the term ends."), field="term_ends_on")
    if template is not None and not (
        template.area.contains(community) or community.contains(template.area)
    ):
        raise ServiceError(_("Choose a duties template of this community."), field="template")
    with transaction.atomic():
        pioneer = places.appoint_pioneer(
            actor=actor,
            name=name,
            community=community,
            appointed_on=appointed_on,
            term_ends_on=term_ends_on,
            grids=grids,
            resident=resident,
            user=user,
            duties=duties_from(template, duties),
            party_org=party_org,
            token=token,
        )
        if not pioneer.events.exists():  # a retried form returns the first appointment
            _event(actor=actor, pioneer=pioneer, kind=AppointmentEventKind.APPOINTED)
            if user is not None:
                grant_membership(actor=actor, user=user, role=Role.PIONEER, area=community)
    _forget_scope(user)
    return pioneer


def edit(
    *,
    actor: Actor,
    pioneer: Pioneer,
    expected_updated_at: datetime | None = None,
    name: str | Unset = UNSET,
    grids: Iterable[Area] | None = None,
    party_org: PartyOrg | Unset | None = UNSET,
    duties: str | Unset = UNSET,
    appointed_on: date | Unset = UNSET,
) -> dict[str, list[Any]]:
    """Change the name, grids, appointing organisation, duties or start of an appointment (the
    term's end moves only by renewal). A change of grids is a step in its history."""
    if pioneer.status == PioneerStatus.ENDED:
        raise ServiceError(_("This appointment has ended: appoint again for a new term."))
    with transaction.atomic():
        diff = places.update_pioneer(
            actor=actor,
            pioneer=pioneer,
            expected_updated_at=expected_updated_at,
            name=name,
            grids=grids,
            party_org=party_org,
            duties=duties,
            appointed_on=appointed_on,
        )
        if "grids" in diff:
            names = ", ".join(pioneer.grids.order_by("path").values_list("name", flat=True))
            _event(actor=actor, pioneer=pioneer, kind=AppointmentEventKind.GRIDS, reason=names)
    _forget_scope(pioneer.user)
    return diff


def renew(*, actor: Actor, pioneer: Pioneer, term_ends_on: date, reason: str = "") -> Pioneer:
    """Move the term's end later; the state stays (a suspended appointment stays suspended)."""
    with transaction.atomic():
        locked = PIONEER_MACHINE.lock(pioneer.pk)
        if locked.status == PioneerStatus.ENDED:
            raise ServiceError(_("This appointment has ended: appoint again for a new term."))
        current = locked.term_ends_on
        if current is not None and term_ends_on <= current:
            raise ServiceError(
                _("The new end must be later than the term's end now (%(day)s).")
                % {"day": current.isoformat()},
                field="term_ends_on",
            )
        if term_ends_on < locked.appointed_on:
            raise ServiceError(
                _("The term cannot end before the appointment."), field="term_ends_on"
            )
        Pioneer.objects.filter(pk=locked.pk).update(
            term_ends_on=term_ends_on, updated_at=timezone.now()
        )
        locked.term_ends_on = term_ends_on
        _event(actor=actor, pioneer=locked, kind=AppointmentEventKind.RENEWED, reason=reason)
        log_action(
            actor=actor,
            action="pioneer.renew",
            obj=locked,
            changes={"term_ends_on": [str(current) if current else None, str(term_ends_on)]},
        )
    _forget_scope(pioneer.user)
    return locked


def _move(
    *, actor: Actor, pioneer: Pioneer, to: str, kind: str, reason: str, **values: Any
) -> Pioneer:
    with transaction.atomic():
        if getattr(settings, "GENXI_PIONEERS_LOCKING", True):
            locked = PIONEER_MACHINE.lock(pioneer.pk)
        else:
            locked = Pioneer.objects.get(pk=pioneer.pk)
            clock.sleep(getattr(settings, "GENXI_PIONEERS_RACE_DELAY_MS", 0) / 1000)
        if locked.status == to:
            raise ServiceError(
                _("This appointment is already “%(status)s”.")
                % {"status": PIONEER_MACHINE.label(to)},
                code="invalid_transition",
            )
        PIONEER_MACHINE.move(locked, to, **values)
        _event(actor=actor, pioneer=locked, kind=kind, reason=reason)
        log_action(actor=actor, action=f"pioneer.{kind}", obj=locked, changes={"reason": reason})
    _forget_scope(pioneer.user)
    return locked


def _reason(reason: str, message: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ServiceError(message, field="reason")
    return reason


def suspend(*, actor: Actor, pioneer: Pioneer, reason: str) -> Pioneer:
    """Suspend at once: the pioneer's pages close until the appointment is resumed."""
    reason = _reason(reason, _("Say why the appointment is suspended."))
    return _move(
        actor=actor,
        pioneer=pioneer,
        to=PioneerStatus.SUSPENDED,
        kind=AppointmentEventKind.SUSPENDED,
        reason=reason,
    )


def resume(*, actor: Actor, pioneer: Pioneer, reason: str = "") -> Pioneer:
    return _move(
        actor=actor,
        pioneer=pioneer,
        to=PioneerStatus.ACTIVE,
        kind=AppointmentEventKind.RESUMED,
        reason=reason.strip(),
    )


def end(*, actor: Actor, pioneer: Pioneer, reason: str) -> Pioneer:
    """End today: the pioneer loses access at once (`Pioneer.objects.active()` excludes an
    ended appointment); the record and its history stay. Final: a new term is a new one."""
    reason = _reason(reason, _("Say why the appointment ends."))
    return _move(
        actor=actor,
        pioneer=pioneer,
        to=PioneerStatus.ENDED,
        kind=AppointmentEventKind.ENDED,
        reason=reason,
        ended_on=timezone.localdate(),
    )


# ---------------------------------------------------------------- duties templates


def create_template(
    *,
    actor: Actor,
    area: Area,
    name: str,
    duties: str,
    assessment_rules: str = "",
    token: uuid.UUID | None = None,
) -> DutyTemplate:
    if area.kind not in (AreaKind.STREET, AreaKind.TOWN, AreaKind.COMMUNITY):
        raise ServiceError(_("Choose a street or a community."), field="area")
    if not duties.strip():
        raise ServiceError(_("Write the duties."), field="duties")
    return create_object(
        actor=actor,
        model=DutyTemplate,
        fields={
            "area": area,
            "name": name.strip(),
            "duties": duties.strip(),
            "assessment_rules": assessment_rules.strip(),
        },
        token=token,
        unique_error=_("A template of this name exists already: choose another name."),
    )


def update_template(
    *,
    actor: Actor,
    template: DutyTemplate,
    expected_updated_at: datetime | None = None,
    name: str | Unset = UNSET,
    duties: str | Unset = UNSET,
    assessment_rules: str | Unset = UNSET,
) -> dict[str, list[Any]]:
    if duties is not UNSET and not duties.strip():
        raise ServiceError(_("Write the duties."), field="duties")
    fields = {
        key: value.strip()
        for key, value in {
            "name": name,
            "duties": duties,
            "assessment_rules": assessment_rules,
        }.items()
        if isinstance(value, str)
    }
    return update_object(
        actor=actor,
        instance=template,
        fields=fields,
        expected_updated_at=expected_updated_at,
        unique_error=_("A template of this name exists already: choose another name."),
    )
