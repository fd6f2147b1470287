"""The lifecycle of a demand after intake: accept, verify, assign, handle, resolve; or refer,
withdraw, merge.

Every step is one service with a guard (the TRANSITIONS map, through `steps._move`), applied
as a compare-and-set on the status: of two people acting on one demand at once, one wins and
the other is told plainly what happened. Call-backs and close-out are in `callbacks`, referral
to another community and corrections in `referral`.
"""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.core.audit import Actor, log_action
from genxi.core.services import ServiceError
from genxi.demands.models import (
    OPEN_STATUSES,
    UNRESOLVED_STATUSES,
    Demand,
    DemandEvent,
    DemandReporter,
    EventKind,
    HandlingPath,
    PhotoKind,
    Status,
)
from genxi.demands.services.referral import transfer
from genxi.demands.services.steps import (
    Photo,
    _attach_photos,
    _event,
    _move,
    _required,
    _tell_handlers,
    _tell_reporters,
)
from genxi.places.models import Area, Partner


def accept(*, actor: Actor, demand: Demand, note: str = "") -> None:
    with transaction.atomic():
        _move(
            demand,
            actor=actor,
            to=Status.ACCEPTED,
            kind=EventKind.ACCEPTED,
            note=note,
            public=True,
            accepted_at=timezone.now(),
        )
        _tell_reporters(demand, _("Your demand has been accepted"))


def refer(*, actor: Actor, demand: Demand, reason: str, to: Area | None = None) -> None:
    """Not this community's to handle: say where it went and why.

    With `to` (another community of the street, or the street) the demand moves there and
    stays open (see `transfer`); without it, it went outside Genxi and is closed here.
    """
    if to is not None:
        transfer(actor=actor, demand=demand, to=to, reason=reason)
        return
    reason = _required(reason, "reason")
    _move(
        demand,
        actor=actor,
        to=Status.REFERRED,
        kind=EventKind.REFERRED,
        note=reason,
        public=True,
        accepted_at=demand.accepted_at or timezone.now(),
        closed_at=timezone.now(),
    )


def verify(*, actor: Actor, demand: Demand, findings: str, photos: Iterable[Photo] = ()) -> None:
    """What was found on site (实地核实), with photos if any."""
    findings = _required(findings, "findings")
    with transaction.atomic():
        _move(
            demand,
            actor=actor,
            to=Status.VERIFIED,
            kind=EventKind.VERIFIED,
            note=findings,
            verified_at=timezone.now(),
        )
        _attach_photos(demand, actor=actor, photos=photos, kind=PhotoKind.VERIFICATION)


def assign(
    *, actor: Actor, demand: Demand, path: str, partner: Partner | None = None, note: str = ""
) -> None:
    """Decide who handles it: a responsible party (it must accept), or the community itself,
    a deliberation meeting or a service project (handling starts at once)."""
    if path not in HandlingPath.values:
        raise ServiceError(_("Choose how the demand will be handled."), field="path")
    now = timezone.now()
    if path == HandlingPath.PARTNER:
        if partner is None:
            raise ServiceError(_("Choose the responsible party."), field="partner")
        with transaction.atomic():
            _move(
                demand,
                actor=actor,
                to=Status.ASSIGNED,
                kind=EventKind.ASSIGNED,
                note=note,
                data={"path": path, "partner": partner.pk},
                path=path,
                handler_partner=partner,
                assigned_at=now,
            )
            _tell_handlers(demand)
    else:
        _move(
            demand,
            actor=actor,
            to=Status.IN_PROGRESS,
            kind=EventKind.ASSIGNED,
            note=note,
            public=True,
            data={"path": path},
            path=path,
            handler_partner=None,
            assigned_at=now,
        )


def start_handling(
    *, actor: Actor, demand: Demand, expected_on: date | None = None, note: str = ""
) -> None:
    """The responsible party takes the demand on, with the date it expects to finish."""
    _move(
        demand,
        actor=actor,
        to=Status.IN_PROGRESS,
        kind=EventKind.HANDLING,
        note=note,
        public=True,
        data={"expected_on": expected_on.isoformat() if expected_on else None},
        expected_on=expected_on,
    )


def send_back(*, actor: Actor, demand: Demand, reason: str) -> None:
    """The handler hands it back (not theirs, cannot do it): the community decides again."""
    reason = _required(reason, "reason")
    _move(
        demand,
        actor=actor,
        to=Status.VERIFIED,
        kind=EventKind.RETURNED,
        note=reason,
        data={"partner": demand.handler_partner_id},
        path="",
        handler_partner=None,
        expected_on=None,
    )


def post_update(*, actor: Actor, demand: Demand, text: str, public: bool = False) -> DemandEvent:
    text = _required(text, "text")
    if demand.status not in OPEN_STATUSES:
        raise ServiceError(_("This demand is no longer open."), code="closed")
    with transaction.atomic():
        event = _event(demand, actor=actor, kind=EventKind.UPDATE, note=text, public=public)
        log_action(actor=actor, action="demand.update_posted", obj=demand)
    return event


def resolve(*, actor: Actor, demand: Demand, result: str, photos: Iterable[Photo] = ()) -> None:
    """Finished, with what was done (the gate widened to 120 cm) and photos of it:
    call-backs come next."""
    result = _required(result, "result")
    with transaction.atomic():
        _attach_photos(demand, actor=actor, photos=photos, kind=PhotoKind.EVIDENCE)
        _move(
            demand,
            actor=actor,
            to=Status.RESOLVED,
            kind=EventKind.RESOLVED,
            note=result,
            public=True,
            resolved_at=timezone.now(),
        )
        _tell_reporters(
            demand, _("Your demand has been resolved; the community will call you back")
        )


def withdraw(*, actor: Actor, demand: Demand, reason: str) -> None:
    reason = _required(reason, "reason")
    _move(
        demand,
        actor=actor,
        to=Status.WITHDRAWN,
        kind=EventKind.WITHDRAWN,
        note=reason,
        public=True,
        closed_at=timezone.now(),
    )


def merge(*, actor: Actor, duplicate: Demand, into: Demand) -> None:
    """The same thing recorded twice: the duplicate's reporters and history join `into`."""
    if duplicate.pk == into.pk:
        raise ServiceError(_("A demand cannot be merged into itself."), field="into")
    if into.status not in UNRESOLVED_STATUSES:  # resolved: its reporters are being called back
        raise ServiceError(_("Merge into a demand that is still open."), field="into")
    if into.community_id != duplicate.community_id:
        raise ServiceError(_("Only demands of the same community can be merged."), field="into")
    with transaction.atomic():
        existing = set(into.reporters.values_list("resident", flat=True))
        moved = [r for r in duplicate.reporters.all() if r.resident_id not in existing]
        DemandReporter.objects.bulk_create(
            [DemandReporter(demand=into, resident_id=r.resident_id) for r in moved]
        )
        _move(
            duplicate,
            actor=actor,
            to=Status.MERGED,
            kind=EventKind.MERGED,
            public=True,
            data={"into": into.pk},
            merged_into=into,
            closed_at=timezone.now(),
        )
        _event(
            into,
            actor=actor,
            kind=EventKind.MERGED,
            data={"from": duplicate.pk, "reporters": len(moved)},
        )
