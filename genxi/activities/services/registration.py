"""Signing up: registering, cancelling, the waiting list, offered seats and the capacity.

Each function validates what it can without the lock, then takes the offering's lock
(`seats.lock_offering`), counts from the rows (`seats.Room.load`) and writes, in one
transaction. Freed seats go to the waiting line at once (`seats.seat_waiting`): while anyone
eligible is waiting, nobody else can take a freed seat.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.activities.models import (
    ACTIVE,
    HOLDS_SEAT,
    REGISTRATION_MACHINE,
    ActivityStatus,
    Attendance,
    Audience,
    Draw,
    DrawStatus,
    Intake,
    Offering,
    Registration,
    RegistrationStatus,
    Session,
)
from genxi.activities.services.checkin import notify_seat_opened
from genxi.activities.services.seats import Room, lock_offering, next_position, seat_waiting
from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.models import SubmittedForm
from genxi.core.paths import path_ids
from genxi.core.phones import normalize_phone
from genxi.core.services import ServiceError, already_submitted
from genxi.places.models import AreaKind, Resident

# Priority tiers: lower is served first. Priority groups come before chance in a draw (and
# before others on a waiting list); repeated no-shows come after everyone.
TIER_PRIORITY = 0
TIER_NORMAL = 5
TIER_LOWERED = 9
# Residents with this tag are served first (elderly people living alone).
PRIORITY_TAGS = ("独居老人",)


def _seats_moved(moved: list[Registration]) -> None:
    """Tell the people the waiting line moved (texts go after commit)."""
    if moved:
        notify_seat_opened(moved)


def sessions_of(offering: Offering) -> list[Session]:
    if offering.session_id is not None:
        return [offering.session] if offering.session else []
    if offering.term_id is not None and offering.term is not None:
        return list(offering.term.sessions.order_by("starts_at"))
    return []


def starts_at(offering: Offering) -> datetime | None:
    """When the offering begins: its session, the term's first session, or the slot."""
    if offering.slot_id is not None and offering.slot is not None:
        return offering.slot.starts_at
    sessions = sessions_of(offering)
    return sessions[0].starts_at if sessions else None


def community_of(resident: Resident) -> int | None:
    """The community a resident lives in (for quotas)."""
    area = resident.area
    for _i in range(8):
        if area.kind == AreaKind.COMMUNITY:
            return area.pk
        if area.parent is None:
            return None
        area = area.parent
    return None


def _no_shows(person_key: str, since: datetime, now: datetime) -> int:
    """Sessions, ended since `since`, that the person was confirmed for and did not attend."""
    attended = Attendance.objects.filter(registration=OuterRef("pk"))
    regs = Registration.objects.filter(
        person_key=person_key, status=RegistrationStatus.CONFIRMED
    ).filter(~Exists(attended))
    return regs.filter(
        Q(offering__session__ends_at__gte=since, offering__session__ends_at__lt=now)
        | Q(offering__slot__ends_at__gte=since, offering__slot__ends_at__lt=now)
    ).count()


def priority_tier(
    offering: Offering, *, person_key: str, resident: Resident | None, now: datetime
) -> int:
    """The person's tier: lowered after repeated no-shows (if the activity counts them); in a
    draw, first for the priority groups — elderly people living alone, first-timers at this
    course, and those who missed out on its last term — and normal otherwise."""
    activity = offering.activity
    if (
        activity.no_show_limit
        and _no_shows(person_key, now - timedelta(days=365), now) >= activity.no_show_limit
    ):
        return TIER_LOWERED
    if offering.intake != Intake.DRAW:
        return TIER_NORMAL  # first come: the line is the order of sign-up
    if resident is not None and resident.tags.filter(name__in=PRIORITY_TAGS).exists():
        return TIER_PRIORITY
    if offering.term is not None:
        earlier = Registration.objects.filter(
            person_key=person_key, offering__term__course_id=offering.term.course_id
        ).exclude(offering=offering)
        if earlier.filter(status=RegistrationStatus.WAITING).exists():
            return TIER_PRIORITY  # missed out last term
        if not earlier.filter(status=RegistrationStatus.CONFIRMED).exists():
            return TIER_PRIORITY  # a first-timer at this course
    return TIER_NORMAL


def identify(
    *,
    resident: Resident | None,
    guardian: Resident | None,
    child_name: str,
    name: str,
    phone: str,
) -> tuple[str, str, str, str, int | None]:
    """(name, phone, person_key, household_key, community id) of whoever is registered: who
    a request names, as the registration will record them."""
    if guardian is not None:
        child = child_name.strip()
        if not child:
            raise ServiceError(_("Enter the child's name."), field="child_name")
        household = f"{guardian.area_id}:{guardian.room}" if guardian.room else ""
        return (
            child[:50],
            guardian.phone or "",
            f"c{guardian.pk}:{child[:40]}",
            household,
            community_of(guardian),
        )
    if resident is not None:
        household = f"{resident.area_id}:{resident.room}" if resident.room else ""
        return (
            resident.name,
            resident.phone or "",
            f"r{resident.pk}",
            household,
            community_of(resident),
        )
    name = name.strip()
    if not name:
        raise ServiceError(_("Enter the person's name."), field="name")
    if not phone.strip():
        raise ServiceError(
            _("Enter a phone number for someone who is not on the residents' list."),
            field="phone",
        )
    try:
        number = normalize_phone(phone)
    except Exception as exc:
        raise ServiceError(_("Enter a valid mobile or landline number."), field="phone") from exc
    return name[:50], number, f"p{number}", "", None


def _check_open(
    offering: Offering, *, by_staff: bool, resident: Resident | None, now: datetime
) -> None:
    activity = offering.activity
    if activity.status != ActivityStatus.PUBLISHED:
        raise ServiceError(
            _("Registration is not open: this activity is “%(status)s”.")
            % {"status": activity.get_status_display()},
            code="not_open",
        )
    begins = starts_at(offering)
    if begins is not None and now >= begins:
        raise ServiceError(_("Registration has closed: it has already begun."), code="closed")
    if offering.opens_at is not None and now < offering.opens_at and not by_staff:
        raise ServiceError(
            _("Registration opens at %(time)s.")
            % {"time": timezone.localtime(offering.opens_at).strftime("%Y-%m-%d %H:%M")},
            code="not_open",
        )
    if (
        offering.closes_at is not None
        and now >= offering.closes_at
        and (offering.intake == Intake.DRAW or not by_staff)
    ):
        raise ServiceError(
            _("Registration closed at %(time)s.")
            % {"time": timezone.localtime(offering.closes_at).strftime("%Y-%m-%d %H:%M")},
            code="closed",
        )
    if (
        offering.intake == Intake.DRAW
        and hasattr(offering, "draw")
        and offering.draw.status != DrawStatus.ANNOUNCED
    ):
        raise ServiceError(
            _("Applications are closed: the list of applicants is frozen for the draw."),
            code="closed",
        )
    if resident is not None and not by_staff:
        open_ids = set(activity.open_to.values_list("pk", flat=True))
        if not open_ids.intersection(path_ids(resident.area.path)):
            raise ServiceError(
                _("This activity is not open to residents of your community."),
                code="not_open_to_you",
            )


def _replayed(token: uuid.UUID | None, actor: Actor, offering: Offering) -> Registration | None:
    """The registration a retry of this submission made: only the same person's, for the same
    offering (a token is no key to someone else's registration)."""
    existing = already_submitted(token, Registration)
    if existing is None:
        return None
    user = acting_user(actor)
    if existing.offering_id != offering.pk or existing.created_by_id != (user.pk if user else None):
        raise ServiceError(
            _("This form was already used. Reload the page and try again."), code="stale_form"
        )
    return existing


def register(
    *,
    actor: Actor,
    offering: Offering,
    resident: Resident | None = None,
    guardian: Resident | None = None,
    child_name: str = "",
    name: str = "",
    phone: str = "",
    by_staff: bool = False,
    token: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Registration:
    """Register a person for an offering: a resident (themselves, or by staff), a child by
    their guardian, or someone known by name and phone (staff only).

    First come: a free seat is confirmed at once; otherwise the person joins the waiting line
    (or, with the waiting list full, is refused). A draw: the person applies and waits for it.
    A retried submission (the same `token`) returns the first registration.
    """
    if (existing := _replayed(token, actor, offering)) is not None:
        return existing
    now = now or timezone.now()
    if guardian is not None and Audience.CHILDREN not in (offering.activity.audience or []):
        raise ServiceError(
            _("This activity does not take children's registrations."), field="child_name"
        )
    if resident is None and guardian is None and not by_staff:
        raise ServiceError(_("Only staff can register someone who is not a resident."))
    person_name, person_phone, person_key, household, community = identify(
        resident=resident, guardian=guardian, child_name=child_name, name=name, phone=phone
    )
    _check_open(offering, by_staff=by_staff, resident=resident or guardian, now=now)
    tier = priority_tier(offering, person_key=person_key, resident=resident, now=now)
    try:
        with transaction.atomic():
            locked = lock_offering(offering.pk)
            if locked.activity.status != ActivityStatus.PUBLISHED:
                # Checked again under the lock: cancelling the activity takes it too.
                raise ServiceError(
                    _("Registration is not open: this activity is “%(status)s”.")
                    % {"status": locked.activity.get_status_display()},
                    code="not_open",
                )
            if (
                locked.intake == Intake.DRAW
                and Draw.objects.filter(offering=locked)
                .exclude(status=DrawStatus.ANNOUNCED)
                .exists()
            ):
                # Checked again under the lock: the freeze takes it too.
                raise ServiceError(
                    _("Applications are closed: the list of applicants is frozen for the draw."),
                    code="closed",
                )
            # One pass over the offering's rows: the person's and their household's active
            # registrations, how many wait, and the end of the line.
            active = Q(status__in=ACTIVE)
            found = (
                Registration.objects.filter(offering=locked)
                .order_by()
                .aggregate(
                    last=Max("position"),
                    same=Count("id", filter=active & Q(person_key=person_key)),
                    household=Count("id", filter=active & Q(household_key=household)),
                    waiting=Count("id", filter=Q(status=RegistrationStatus.WAITING)),
                )
            )
            if found["same"]:
                raise ServiceError(
                    _("%(name)s is already registered for this.") % {"name": person_name},
                    code="already_registered",
                )
            limit = locked.household_limit
            if household and limit is not None and found["household"] >= limit:
                raise ServiceError(
                    _("Each household may register %(n)s people for this; yours has.")
                    % {"n": limit},
                    code="household_limit",
                )
            registration = Registration(
                offering=locked,
                activity_id=locked.activity_id,
                resident=resident,
                guardian=guardian,
                name=person_name,
                phone=person_phone,
                person_key=person_key,
                household_key=household,
                community_id=community,
                tier=tier,
                position=(found["last"] or 0) + 1,
                by_staff=by_staff,
                created_by=acting_user(actor),
            )
            if locked.intake == Intake.DRAW:
                registration.status = RegistrationStatus.APPLIED
            else:
                room = Room.load(locked)
                moved = seat_waiting(locked, room, now=now) if found["waiting"] else []
                _seats_moved(moved)
                waiting = found["waiting"] - len(moved)
                # The waiting line has had every seat it can use; a seat still free now is one
                # nobody waiting may take (a quota, the staff share), so it may go to this person.
                if room.open_to(by_staff=by_staff, community_id=community):
                    registration.status = RegistrationStatus.CONFIRMED
                    registration.seat = room.take(community_id=community)
                elif locked.waitlist_size is not None and waiting >= locked.waitlist_size:
                    raise ServiceError(_("This is full, and so is its waiting list."), code="full")
                else:
                    registration.status = RegistrationStatus.WAITING
            registration.save()
            if token is not None:
                SubmittedForm.objects.create(
                    token=token,
                    content_type_id=_content_type_id(),
                    object_id=str(registration.pk),
                )
            log_action(
                actor=actor,
                action="registration.create",
                obj=registration,
                changes={
                    "offering": locked.pk,
                    "status": registration.status,
                    "by_staff": by_staff,
                    "tier": tier,
                },
            )
    except IntegrityError as exc:
        if token is not None and (existing := _replayed(token, actor, offering)):
            return existing
        if _seat_clash(exc):
            # Only a path without the lock gets here (GENXI_SEAT_LOCKING off): the constraint
            # kept two people off one seat, and this one is refused rather than misinformed.
            raise ServiceError(
                _("Someone took that place at the same moment. Please try again."),
                code="seat_taken",
            ) from exc
        raise ServiceError(
            _("%(name)s is already registered for this.") % {"name": person_name},
            code="already_registered",
        ) from exc
    return registration


def _seat_clash(exc: IntegrityError) -> bool:
    """Whether the database refused a second registration on one seat (its message names
    the constraint on PostgreSQL, the columns on SQLite)."""
    text = str(exc)
    return "registration_one_per_seat" in text or "activities_registration.seat" in text


def _content_type_id() -> int:
    return ContentType.objects.get_for_model(Registration).pk


def cancel_cutoff(registration: Registration) -> datetime | None:
    """Until when the person may cancel themselves (staff may cancel until it begins)."""
    begins = starts_at(registration.offering)
    if begins is None:
        return None
    return begins - timedelta(hours=registration.offering.activity.cancel_cutoff_hours)


def cancel(
    *,
    actor: Actor,
    registration: Registration,
    by_staff: bool = False,
    now: datetime | None = None,
) -> list[Registration]:
    """Cancel a registration; the freed seat goes to the next person waiting (returned)."""
    now = now or timezone.now()
    if not by_staff and (cutoff := cancel_cutoff(registration)) is not None and now >= cutoff:
        raise ServiceError(
            _("Cancelling closed at %(time)s. Please call the community office.")
            % {"time": timezone.localtime(cutoff).strftime("%Y-%m-%d %H:%M")},
            code="cancel_closed",
        )
    with transaction.atomic():
        offering = lock_offering(registration.offering_id)
        locked = REGISTRATION_MACHINE.lock(registration)
        if locked.status == RegistrationStatus.CANCELLED:
            raise ServiceError(_("This registration was already cancelled."), code="cancelled")
        REGISTRATION_MACHINE.move(
            locked,
            RegistrationStatus.CANCELLED,
            seat=None,
            cancelled_at=now,
            offer_expires_at=None,
        )
        moved = seat_waiting(offering, Room.load(offering), now=now)
        _seats_moved(moved)
        log_action(
            actor=actor,
            action="registration.cancel",
            obj=locked,
            changes={"by_staff": by_staff, "seat_to": [r.pk for r in moved]},
        )
    registration.refresh_from_db()
    return moved


def accept_offer(
    *, actor: Actor, registration: Registration, now: datetime | None = None
) -> Registration:
    now = now or timezone.now()
    with transaction.atomic():
        lock_offering(registration.offering_id)
        locked = REGISTRATION_MACHINE.lock(registration)
        if locked.status != RegistrationStatus.OFFERED:
            raise ServiceError(_("There is no seat on offer to you now."), code="no_offer")
        if locked.offer_expires_at is not None and now >= locked.offer_expires_at:
            raise ServiceError(
                _("The offer lapsed at %(time)s; you are back on the waiting list.")
                % {"time": timezone.localtime(locked.offer_expires_at).strftime("%m-%d %H:%M")},
                code="offer_lapsed",
            )
        REGISTRATION_MACHINE.move(locked, RegistrationStatus.CONFIRMED, offer_expires_at=None)
        log_action(actor=actor, action="registration.accept_offer", obj=locked)
    return locked


def expire_offers(*, now: datetime | None = None) -> int:
    """Offers past their deadline go back to the end of the line; the seats go to the next
    people (run every few minutes by the scheduler: `manage.py expire_offers`)."""
    now = now or timezone.now()
    offerings = (
        Registration.objects.filter(status=RegistrationStatus.OFFERED, offer_expires_at__lte=now)
        .values_list("offering_id", flat=True)
        .distinct()
    )
    lapsed = 0
    for offering_id in sorted(offerings):
        with transaction.atomic():
            offering = lock_offering(offering_id)
            rows = list(
                Registration.objects.select_for_update()
                .filter(
                    offering=offering, status=RegistrationStatus.OFFERED, offer_expires_at__lte=now
                )
                .order_by("tier", "position", "id")
            )
            position = next_position(offering)
            # The end of the line is behind every tier too: a priority person who let an offer
            # lapse must not be offered the same seat again at once, ahead of everyone.
            last_tier = Registration.objects.filter(
                offering=offering, status=RegistrationStatus.WAITING
            ).aggregate(m=Max("tier"))["m"]
            for reg in rows:
                REGISTRATION_MACHINE.move(
                    reg,
                    RegistrationStatus.WAITING,
                    seat=None,
                    offer_expires_at=None,
                    position=position,
                    tier=max(reg.tier, last_tier if last_tier is not None else reg.tier),
                )
                position += 1
                log_action(actor=None, action="registration.offer_lapsed", obj=reg)
            lapsed += len(rows)
            _seats_moved(seat_waiting(offering, Room.load(offering), now=now))
    return lapsed


def change_capacity(
    *, actor: Actor, offering: Offering, capacity: int, staff_share: int | None = None
) -> list[Registration]:
    """Set the places (and the share kept for staff). Lowering below the seats already held is
    refused; raising gives the new seats to the waiting line at once (returned)."""
    if capacity < 0 or capacity > 100000:
        raise ServiceError(_("Enter a number of places between 0 and 100000."), field="capacity")
    with transaction.atomic():
        locked = lock_offering(offering.pk)
        room = Room.load(locked)
        if capacity < room.held:
            raise ServiceError(
                _("%(held)s places are already taken; the capacity cannot be lower than that.")
                % {"held": room.held},
                field="capacity",
                code="below_taken",
            )
        allotted = sum(room.quotas.values())
        if capacity < allotted:
            raise ServiceError(
                _("The communities' quotas add up to %(n)s places; lower them first.")
                % {"n": allotted},
                field="capacity",
                code="below_quotas",
            )
        share = locked.staff_share if staff_share is None else staff_share
        if share > capacity:
            raise ServiceError(
                _("The places kept for staff cannot exceed the capacity."), field="staff_share"
            )
        old = (locked.capacity, locked.staff_share)
        # Seat numbers above the new capacity move down into free numbers.
        high = list(
            Registration.objects.filter(
                offering=locked, status__in=HOLDS_SEAT, seat__gt=capacity
            ).order_by("seat")
        )
        free = (n for n in range(1, capacity + 1) if n not in room.taken)
        for reg in high:
            reg.seat = next(free)
            Registration.objects.filter(pk=reg.pk).update(seat=reg.seat)
        locked.capacity, locked.staff_share = capacity, share
        locked.save(update_fields=["capacity", "staff_share"])
        moved = seat_waiting(locked, Room.load(locked))
        _seats_moved(moved)
        log_action(
            actor=actor,
            action="offering.capacity",
            obj=locked,
            changes={"capacity": [old[0], capacity], "staff_share": [old[1], share]},
        )
    offering.refresh_from_db()
    return moved


def counts(offering: Offering) -> dict[str, Any]:
    """Confirmed, offered, waiting and applied, counted from the rows."""
    by_status = dict.fromkeys(RegistrationStatus.values, 0)
    rows = Registration.objects.filter(offering=offering).values("status").annotate(n=Count("id"))
    for row in rows:
        by_status[row["status"]] = row["n"]
    return {
        **by_status,
        "capacity": offering.capacity,
        "free": max(0, offering.capacity - by_status["confirmed"] - by_status["offered"]),
    }
