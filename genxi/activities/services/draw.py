"""An offering's draw, in three steps anyone can follow (RFC 3797; the arithmetic is in
`genxi.activities.draw`, the published script in `recompute_draw.py`):

1. `announce_draw`: before the application window closes, staff announce the random sources
   (a lottery result drawn after the freeze, dice rolled by residents at the draw, ...) and
   when the draw takes place.
2. `freeze_roster`: after the window closes and before the draw, every applicant gets a roster
   number 1..N in sign-up order; the roster [[number, tier], ...] (no names) and its SHA-256
   are stored and published. From here on nobody may apply (the registration service checks
   `Draw.status`).
3. `run_draw`: the sources' values, entered at the draw, make the key; the ranking orders the
   roster (tiers first, chance within a tier). Every applicant joins the waiting list at their
   rank, then `seat_waiting` gives the places in that order, within quotas and outside the
   staff share. The rest wait in the draw's order.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.activities import draw as rfc3797
from genxi.activities.models import (
    DRAW_MACHINE,
    Draw,
    DrawStatus,
    Intake,
    Offering,
    Registration,
    RegistrationStatus,
)
from genxi.activities.services.seats import Room, lock_offering, seat_waiting
from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.notify import notify
from genxi.core.services import ServiceError, create_object


def announce_draw(*, actor: Actor, offering: Offering, sources: str, draw_at: datetime) -> Draw:
    """Announce the draw of an offering taken by application: its sources and its time."""
    sources = sources.strip()
    now = timezone.now()
    if offering.intake != Intake.DRAW:
        raise ServiceError(_("This offering is first come, first served: it has no draw."))
    if offering.closes_at is None:
        raise ServiceError(_("Set when the application window closes first."))
    if now >= offering.closes_at:
        raise ServiceError(
            _("The sources must be announced before the application window closes."),
            field="sources",
        )
    if not sources:
        raise ServiceError(_("Announce the random sources of the draw."), field="sources")
    if draw_at <= offering.closes_at:
        raise ServiceError(
            _("The draw takes place after the application window closes."), field="draw_at"
        )
    return create_object(
        actor=actor,
        model=Draw,
        fields={"offering": offering, "sources": sources, "draw_at": draw_at},
        unique_error=_("This offering's draw has already been announced."),
    )


def freeze_roster(*, actor: Actor, draw: Draw) -> Draw:
    """Number the applicants 1..N in sign-up order and publish the roster's SHA-256."""
    now = timezone.now()
    with transaction.atomic():
        # The offering first, as every seat path locks it: applying waits for the freeze.
        offering = lock_offering(draw.offering_id)
        locked = DRAW_MACHINE.lock(draw)
        if locked.status != DrawStatus.ANNOUNCED:
            raise ServiceError(_("The roster is already frozen."), code="frozen")
        if offering.closes_at is None or now < offering.closes_at:
            raise ServiceError(
                _("The roster can be frozen only once the application window has closed.")
            )
        if now >= locked.draw_at:
            raise ServiceError(
                _(
                    "The draw's time has passed: the roster must be frozen before the sources' "
                    "values can be known. Announce a new draw time."
                )
            )
        applicants = list(
            Registration.objects.filter(
                offering=offering, status=RegistrationStatus.APPLIED
            ).order_by("created_at", "id")
        )
        if not applicants:
            raise ServiceError(_("Nobody has applied: there is no roster to freeze."))
        if len(applicants) > rfc3797.MAX_POOL:
            raise ServiceError(_("A draw takes at most 65536 applicants."))
        for number, registration in enumerate(applicants, 1):
            registration.roster_number = number
            registration.updated_at = now
        Registration.objects.bulk_update(
            applicants, ["roster_number", "updated_at"], batch_size=2000
        )
        roster = [[number, r.tier] for number, r in enumerate(applicants, 1)]
        digest = rfc3797.roster_sha256(roster)
        DRAW_MACHINE.move(
            locked, DrawStatus.FROZEN, frozen_at=now, roster=roster, roster_sha256=digest
        )
        log_action(
            actor=actor,
            action="draw.freeze",
            obj=locked,
            changes={"applicants": len(roster), "roster_sha256": digest},
        )
    return locked


def run_draw(*, actor: Actor, draw: Draw, values: list[str]) -> Draw:
    """Make the draw from the sources' values: rank the roster, put everyone on the waiting
    list at their rank and give the places in that order."""
    values = [" ".join(v.split()) for v in values]
    if not values or not all(values):
        raise ServiceError(_("Enter the value of every announced source."), field="values")
    try:
        key = rfc3797.make_key(values)
    except rfc3797.BadValue as exc:
        raise ServiceError(
            _("“%(value)s” is not a number. Enter each source's numbers, separated by spaces.")
            % {"value": str(exc)[:40]},
            field="values",
        ) from exc
    now = timezone.now()
    with transaction.atomic():
        offering = lock_offering(draw.offering_id)
        locked = DRAW_MACHINE.lock(draw)
        if locked.status == DrawStatus.DRAWN:
            raise ServiceError(_("This draw has already been made."), code="drawn")
        if locked.status != DrawStatus.FROZEN:
            raise ServiceError(_("Freeze the roster before the draw."), code="not_frozen")
        roster: list[list[int]] = locked.roster
        ranking = rfc3797.rank(key, roster)
        tiers = {number: tier for number, tier in roster}
        # Those who cancelled since the freeze keep their number on the roster; they are
        # skipped here, and the next in the ranking moves up.
        applicants = {
            r.roster_number: r
            for r in Registration.objects.filter(
                offering=offering, status=RegistrationStatus.APPLIED, roster_number__isnull=False
            ).select_related("resident__user", "guardian__user")
        }
        lined_up = []
        for rank, number in enumerate(ranking, 1):
            registration = applicants.get(number)
            if registration is None:
                continue
            registration.status = RegistrationStatus.WAITING
            registration.position = rank
            registration.tier = tiers[number]  # the frozen tier orders, as published
            registration.updated_at = now
            lined_up.append(registration)
        Registration.objects.bulk_update(
            lined_up, ["status", "position", "tier", "updated_at"], batch_size=2000
        )
        seated = seat_waiting(offering, Room.load(offering), now=now)
        DRAW_MACHINE.move(
            locked,
            DrawStatus.DRAWN,
            values=values,
            key=key,
            ranking=ranking,
            drawn_at=now,
            drawn_by=acting_user(actor),
        )
        log_action(
            actor=actor,
            action="draw.run",
            obj=locked,
            changes={"values": values, "key": key, "seated": len(seated)},
        )
        # seat_waiting's rows carry the new status; ours carry the people to tell.
        status = {r.pk: r.status for r in seated}
        _tell(locked, offering, lined_up, status)
    return locked


def _contacts(registrations: Iterable[Registration]) -> tuple[list[object], list[str]]:
    """The accounts (inbox) and phone numbers (a text, where they may be contacted) of the
    people these registrations are for (loaded with their resident or guardian and user)."""
    users: list[object] = []
    phones: list[str] = []
    for row in registrations:
        person = row.resident or row.guardian
        if person is not None and person.user is not None:
            users.append(person.user)
        if row.phone:
            phones.append(row.phone)
        elif person is not None and person.phone and person.consent_to_contact:
            phones.append(person.phone)
    return users, phones


def _tell(
    draw: Draw, offering: Offering, lined_up: list[Registration], status: dict[int, str]
) -> None:
    """Texts after commit: one to those with a place, one to those on the waiting list."""
    title = str(offering.activity)
    url = draw.get_absolute_url()
    groups: dict[str, list[Registration]] = {}
    for registration in lined_up:
        groups.setdefault(status.get(registration.pk, "waiting"), []).append(registration)
    bodies = {
        RegistrationStatus.CONFIRMED: _("The draw gave you a place."),
        RegistrationStatus.OFFERED: _(
            "The draw gave you a place: accept it within %(hours)s hours."
        )
        % {"hours": offering.activity.offer_hours},
        RegistrationStatus.WAITING: _(
            "The draw is done: you are on the waiting list, in the draw's order. You will "
            "be told if a place opens."
        ),
    }
    for state, body in bodies.items():
        if groups.get(state):
            users, phones = _contacts(groups[state])
            notify(users=users, phones=phones, title=title, body=body, url=url)
