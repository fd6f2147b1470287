"""Check-in at the door, walk-ins, volunteers' hours and the texts about a registration.

A scan or a typed code checks a registration in at a session once: the unique (registration,
session) constraint on `Attendance` is the guarantee, so twenty phones scanning one code at the
same moment make one row and nineteen answers of "already checked in at 14:03". Scans queued on a
phone while offline arrive later in a batch, each with its own time, under the same guarantee.

A walk-in takes a seat, so it runs under the offering's lock like every other path that takes
one (`seats.lock_offering`, `Room.load`): only while a seat is free and nobody waits for one.

Texts go through `core.notify` (after commit) and are recorded as `Reminder` rows, so the
day-before reminder is sent once however often the daily command runs.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from genxi.accounts.rules import require
from genxi.activities import codes
from genxi.activities.models import (
    Activity,
    ActivityStatus,
    Attendance,
    CheckInSource,
    Offering,
    Registration,
    RegistrationStatus,
    Reminder,
    Session,
    VolunteerShift,
)
from genxi.activities.services.seats import Room, lock_offering, next_position
from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.notify import notify
from genxi.core.params import parse_id
from genxi.core.phones import normalize_phone
from genxi.core.services import ServiceError
from genxi.places.models import Resident

# The most scans one upload of the offline queue may carry.
BATCH_LIMIT = 500
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)


def local_time(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "H:i")


def _session_day_start(session: Session) -> datetime:
    day = timezone.localtime(session.starts_at).date()
    return timezone.make_aware(datetime.combine(day, time.min))


def _check_time(session: Session, at: datetime, now: datetime) -> None:
    """A check-in happens on the session's day (or later: a late upload), never in the future."""
    if at > now + CLOCK_SKEW:
        raise ServiceError(_("The time of this check-in is in the future."), code="bad_time")
    if at < _session_day_start(session):
        raise ServiceError(
            _("Check-in opens on the day of the session (%(day)s).")
            % {"day": date_format(timezone.localtime(session.starts_at), "Y-m-d")},
            code="too_early",
        )


def _may_check_in(actor: Actor, activity: Activity) -> None:
    """A person must be allowed at this activity's door (404 otherwise, as the pages answer);
    the system (`actor` None: the demo, a scheduled job) may always."""
    if actor is not None:
        require(actor, "activities.check_in", activity)


def door_session(user: Any, session_id: str) -> Session:
    """The session if `user` may check people in at it (the door page, the API); 404 otherwise,
    the same whether it does not exist or is not theirs."""
    pk = parse_id(session_id)
    session = (
        Session.objects.select_related("activity__owner")
        .prefetch_related("activity__organisers")
        .filter(activity__in=Activity.objects.visible_to(user).values("pk"), pk=pk)
        .first()
        if pk is not None
        else None
    )
    if session is None:
        raise Http404
    require(user, "activities.check_in", session.activity)
    return session


def session_registrations(session: Session) -> Any:
    """The registrations that seat someone at this session: its own offering's, or its term's."""
    q = Q(offering__session=session)
    if session.term_id is not None:
        q |= Q(offering__term_id=session.term_id)
    return Registration.objects.filter(q)


def _registration_for(session: Session, code: str) -> Registration:
    reg = (
        Registration.objects.select_related("activity", "offering")
        .filter(code=code)
        .only(
            "id",
            "status",
            "name",
            "code",
            "activity__id",
            "activity__title",
            "offering__id",
            "offering__session_id",
            "offering__term_id",
        )
        .first()
    )
    if reg is None:
        raise ServiceError(
            _("No registration has the code %(code)s.") % {"code": code},
            field="code",
            code="unknown_code",
        )
    if reg.activity.pk != session.activity_id:
        raise ServiceError(
            _("This code is for another activity, not this one."),
            field="code",
            code="other_activity",
        )
    offering = reg.offering
    if offering.session_id != session.pk and (
        offering.term_id is None or offering.term_id != session.term_id
    ):
        raise ServiceError(
            _("This code is for another session of this activity."),
            field="code",
            code="other_session",
        )
    if reg.status == RegistrationStatus.CANCELLED:
        raise ServiceError(
            _("%(name)s's registration was cancelled.") % {"name": reg.name},
            field="code",
            code="cancelled",
        )
    if reg.status in (RegistrationStatus.WAITING, RegistrationStatus.APPLIED):
        raise ServiceError(
            _("%(name)s is on the waiting list and has no seat.") % {"name": reg.name},
            field="code",
            code="no_seat",
        )
    if reg.status == RegistrationStatus.OFFERED:
        raise ServiceError(
            _("%(name)s was offered a seat but has not accepted it yet.") % {"name": reg.name},
            field="code",
            code="no_seat",
        )
    return reg


def check_in(
    *,
    actor: Actor,
    session: Session,
    text: str,
    at: datetime | None = None,
    source: str = CheckInSource.CODE,
) -> tuple[Attendance, bool]:
    """Check in the registration whose code `text` holds (a scan or a typed code) at `session`.

    Returns the attendance and whether this call made it; a repeated scan returns the first
    one (`created` False). Refuses a damaged or foreign code, a code of another activity or
    session, and a registration that is cancelled or has no seat.
    """
    _may_check_in(actor, session.activity)
    code = codes.read_code(text)
    now = timezone.now()
    at = at or now
    _check_time(session, at, now)
    reg = _registration_for(session, code)
    if reg.offering.session_id == session.pk:
        reg.offering.session = session  # the audit entry names it without a query
    existing = Attendance.objects.filter(registration=reg, session=session).first()
    if existing is not None:
        existing.registration = reg
        return existing, False
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                registration=reg,
                session=session,
                checked_in_at=at,
                source=source,
                by=acting_user(actor),
            )
            log_action(
                actor=actor,
                action="activities.check_in",
                obj=reg,
                changes={"session": session.pk, "at": at.isoformat(), "source": source},
            )
    except IntegrityError:
        # Another scan of the same code won the race: the constraint is the guarantee.
        existing = Attendance.objects.get(registration=reg, session=session)
        existing.registration = reg
        return existing, False
    return attendance, True


@dataclass
class Outcome:
    """One scan's answer, for the door page and the API: checked in, already, or refused."""

    text: str
    result: str  # "checked_in", "already" or "refused"
    message: str
    attendance: Attendance | None = None
    code: str = ""


def describe(attendance: Attendance, created: bool, text: str = "") -> Outcome:
    name = attendance.registration.name
    if created:
        message = _("%(name)s checked in.") % {"name": name}
        return Outcome(text, "checked_in", message, attendance)
    message = _("%(name)s already checked in at %(time)s.") % {
        "name": name,
        "time": local_time(attendance.checked_in_at),
    }
    return Outcome(text, "already", message, attendance)


def check_in_outcome(
    *,
    actor: Actor,
    session: Session,
    text: str,
    at: datetime | None = None,
    source: str = CheckInSource.CODE,
) -> Outcome:
    """`check_in`, its refusal an answer rather than an exception (for a list of results)."""
    try:
        attendance, created = check_in(
            actor=actor, session=session, text=text, at=at, source=source
        )
    except ServiceError as exc:
        return Outcome(text, "refused", exc.message, code=exc.code)
    return describe(attendance, created, text)


def check_in_batch(
    *,
    actor: Actor,
    session: Session,
    scans: Sequence[tuple[str, datetime]],
    source: str = CheckInSource.SCAN,
) -> list[Outcome]:
    """The offline queue: each (code or QR text, time at the door) checked in at its own time,
    each on its own (one refused scan does not hold up the rest). A scan already uploaded, or
    scanned twice, counts once."""
    _may_check_in(actor, session.activity)
    if len(scans) > BATCH_LIMIT:
        raise ServiceError(
            _("At most %(n)s scans can be uploaded at once.") % {"n": BATCH_LIMIT},
            code="too_many",
        )
    return [
        check_in_outcome(actor=actor, session=session, text=text, at=at, source=source)
        for text, at in scans
    ]


def counts(session: Session) -> tuple[int, int]:
    """(checked in, registered with a seat) at the session."""
    registered = session_registrations(session).filter(status=RegistrationStatus.CONFIRMED)
    return session.attendances.count(), registered.count()


# Walk-ins -------------------------------------------------------------------------------------


def _session_offering(session: Session) -> Offering:
    offering = Offering.objects.filter(session=session).first()
    if offering is None:
        raise ServiceError(
            _("Walk-ins can only be registered for a session that takes registrations itself."),
            code="no_offering",
        )
    return offering


def walk_in(
    *,
    actor: Actor,
    session: Session,
    name: str,
    phone: str,
    resident: Resident | None = None,
) -> tuple[Registration, Attendance]:
    """Register someone at the door and check them in: only while a seat is free and nobody is
    waiting for one (they would be first)."""
    _may_check_in(actor, session.activity)
    name = name.strip()
    if resident is not None:
        name = name or resident.name
        phone = phone or resident.phone or ""
    if not name:
        raise ServiceError(_("Enter the person's name."), field="name", code="required")
    if len(name) > 50:
        raise ServiceError(_("The name is too long."), field="name", code="too_long")
    try:
        phone = normalize_phone(phone) if phone.strip() else ""
    except ValidationError as exc:
        raise ServiceError(exc.messages[0], field="phone", code="invalid_phone") from exc
    if not phone and resident is None:
        raise ServiceError(_("Enter the person's phone number."), field="phone", code="required")
    now = timezone.now()
    _check_time(session, now, now)
    if session.activity.status != ActivityStatus.PUBLISHED:
        raise ServiceError(_("This activity is not open."), code="closed")
    community_id = None
    if resident is not None:
        community = resident.area.community()
        community_id = community.pk if community is not None else None
    person_key = f"r{resident.pk}" if resident is not None else f"p{phone}"
    offering_id = _session_offering(session).pk
    with transaction.atomic():
        offering = lock_offering(offering_id)
        if offering.activity.status != ActivityStatus.PUBLISHED:
            raise ServiceError(_("This activity is not open."), code="closed")
        room = Room.load(offering)
        # Applicants awaiting a draw come first too.
        waiting = Registration.objects.filter(
            offering=offering,
            status__in=(
                RegistrationStatus.WAITING,
                RegistrationStatus.OFFERED,
                RegistrationStatus.APPLIED,
            ),
        )
        if waiting.exists():
            raise ServiceError(
                _("People on the waiting list come first: no walk-in while anyone waits."),
                code="people_waiting",
            )
        if not room.open_to(by_staff=True, community_id=community_id):
            raise ServiceError(_("No seat is free."), code="full")
        if Registration.objects.filter(offering=offering, person_key=person_key).active().exists():
            raise ServiceError(
                _("%(name)s is already registered: scan their code or type it.") % {"name": name},
                code="already_registered",
            )
        reg = Registration.objects.create(
            offering=offering,
            activity=offering.activity,
            resident=resident,
            name=name,
            phone=phone,
            person_key=person_key,
            household_key=f"{resident.area_id}:{resident.room}" if resident is not None else "",
            community_id=community_id,
            status=RegistrationStatus.CONFIRMED,
            seat=room.take(community_id=community_id),
            position=next_position(offering),
            by_staff=True,
            created_by=acting_user(actor),
        )
        attendance = Attendance.objects.create(
            registration=reg,
            session=session,
            checked_in_at=now,
            source=CheckInSource.WALK_IN,
            by=acting_user(actor),
        )
        log_action(
            actor=actor,
            action="activities.walk_in",
            obj=reg,
            changes={"session": session.pk, "seat": reg.seat},
        )
    return reg, attendance


# Volunteers -----------------------------------------------------------------------------------


def volunteer_check_in(
    *,
    actor: Actor,
    session: Session,
    user: Any = None,
    resident: Resident | None = None,
    name: str = "",
    at: datetime | None = None,
) -> VolunteerShift:
    """A volunteer (a user, a resident on the books, or a person by name) starts a shift."""
    _may_check_in(actor, session.activity)
    name = (name or (str(resident.name) if resident else "") or (str(user) if user else "")).strip()
    if not name:
        raise ServiceError(_("Enter the volunteer's name."), field="name", code="required")
    if len(name) > 50:
        raise ServiceError(_("The name is too long."), field="name", code="too_long")
    now = timezone.now()
    at = at or now
    _check_time(session, at, now)
    with transaction.atomic():
        # The session row serialises volunteer check-ins, so one person is never in twice.
        Session.objects.select_for_update().filter(pk=session.pk).first()
        open_shifts = VolunteerShift.objects.filter(
            activity_id=session.activity_id, checked_out_at__isnull=True
        )
        if user is not None:
            open_shifts = open_shifts.filter(user=user)
        elif resident is not None:
            open_shifts = open_shifts.filter(resident=resident)
        else:
            open_shifts = open_shifts.filter(user__isnull=True, resident__isnull=True, name=name)
        current = open_shifts.first()
        if current is not None:
            raise ServiceError(
                _("%(name)s has been checked in since %(time)s.")
                % {"name": name, "time": local_time(current.checked_in_at)},
                code="already_in",
            )
        shift = VolunteerShift.objects.create(
            activity_id=session.activity_id,
            session=session,
            user=user,
            resident=resident,
            name=name,
            checked_in_at=at,
        )
        log_action(actor=actor, action="activities.volunteer_in", obj=shift)
    return shift


def volunteer_check_out(
    *, actor: Actor, shift: VolunteerShift, at: datetime | None = None
) -> VolunteerShift:
    """End a shift: once, and after it began."""
    _may_check_in(actor, shift.activity)
    now = timezone.now()
    at = at or now
    if at > now + CLOCK_SKEW:
        raise ServiceError(_("The time of this check-out is in the future."), code="bad_time")
    if shift.checked_out_at is not None:
        raise ServiceError(
            _("%(name)s already checked out at %(time)s.")
            % {"name": shift.name, "time": local_time(shift.checked_out_at)},
            code="already_out",
        )
    if at <= shift.checked_in_at:
        raise ServiceError(
            _("A check-out must come after the check-in (%(time)s).")
            % {"time": local_time(shift.checked_in_at)},
            code="bad_time",
        )
    with transaction.atomic():
        changed = VolunteerShift.objects.filter(pk=shift.pk, checked_out_at__isnull=True).update(
            checked_out_at=at
        )
        if not changed:
            raise ServiceError(_("This volunteer has already checked out."), code="already_out")
        shift.checked_out_at = at
        log_action(actor=actor, action="activities.volunteer_out", obj=shift)
    return shift


@dataclass
class VolunteerHours:
    name: str
    hours: float
    shifts: int
    open_shift: VolunteerShift | None


def volunteer_hours(shifts: Iterable[VolunteerShift]) -> list[VolunteerHours]:
    """Each volunteer's hours added up from their shifts (an open shift counts nothing yet)."""
    people: dict[tuple[Any, ...], VolunteerHours] = {}
    for shift in shifts:
        key = (shift.user_id, shift.resident_id, shift.name if not shift.user_id else "")
        entry = people.get(key)
        if entry is None:
            entry = people[key] = VolunteerHours(shift.name, 0.0, 0, None)
        entry.hours = round(entry.hours + shift.hours, 2)
        entry.shifts += 1
        if shift.checked_out_at is None:
            entry.open_shift = shift
    return list(people.values())


# Texts ----------------------------------------------------------------------------------------


def _text_phone(reg: Registration) -> str:
    """Where a text about `reg` goes: the number given, if the person agrees to be contacted
    (a walk-in's or a phone sign-up's number was given for this)."""
    person = reg.resident or reg.guardian
    if person is not None and not person.consent_to_contact:
        return ""
    return reg.phone or (person.phone or "" if person is not None else "")


def _record_text(reg: Registration, kind: str, session: Session | None) -> bool:
    """Record that a text goes out; False if it went out already (the constraint says so)."""
    try:
        with transaction.atomic():
            Reminder.objects.create(registration=reg, session=session, kind=kind)
    except IntegrityError:
        return False
    return True


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "n月j日 H:i")


def send_day_before_reminders(now: datetime | None = None) -> int:
    """Text everyone with a seat at a session that starts tomorrow (local time), once.

    Run daily (`manage.py remind_activities`); running it twice sends nothing twice.
    """
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, time.min))
    sessions = Session.objects.filter(
        starts_at__gte=start,
        starts_at__lt=start + timedelta(days=1),
        activity__status=ActivityStatus.PUBLISHED,
    ).select_related("activity", "venue", "activity__venue")
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for session in sessions:
            regs = (
                session_registrations(session)
                .filter(status=RegistrationStatus.CONFIRMED)
                .exclude(reminders__session=session, reminders__kind=Reminder.Kind.DAY_BEFORE)
                .select_related("resident", "guardian")
            )
            venue = session.venue or session.activity.venue
            place = venue.name if venue is not None else session.activity.address
            for reg in regs:
                phone = _text_phone(reg)
                if not phone:
                    continue
                with transaction.atomic():
                    if not _record_text(reg, Reminder.Kind.DAY_BEFORE, session):
                        continue
                    notify(
                        phones=[phone],
                        title=_("Reminder: %(activity)s is tomorrow")
                        % {"activity": session.activity.title},
                        body=_(
                            "%(when)s at %(place)s. Show your check-in code %(code)s at the door."
                        )
                        % {"when": _when(session.starts_at), "place": place, "code": reg.code},
                    )
                sent += 1
    return sent


def notify_seat_opened(registrations: Sequence[Registration]) -> None:
    """Text the people `seat_waiting` moved: an offered seat with its deadline, or a confirmed
    one. Call inside the transaction that moved them (texts go after it commits)."""
    with translation.override(settings.LANGUAGE_CODE):
        for reg in registrations:
            phone = _text_phone(reg)
            offered = reg.status == RegistrationStatus.OFFERED
            if reg.status not in (RegistrationStatus.OFFERED, RegistrationStatus.CONFIRMED):
                continue
            kind = Reminder.Kind.SEAT_OFFERED if offered else Reminder.Kind.SEAT_CONFIRMED
            Reminder.objects.create(registration=reg, session=None, kind=kind)
            title = reg.activity.title
            if offered and reg.offer_expires_at is not None:
                body = _(
                    "A seat opened for you at %(activity)s. Accept it by %(deadline)s, or it "
                    "goes to the next person."
                ) % {"activity": title, "deadline": _when(reg.offer_expires_at)}
            else:
                body = _(
                    "A seat opened for you at %(activity)s: your registration is confirmed. "
                    "Your check-in code is %(code)s."
                ) % {"activity": title, "code": reg.code}
            user = reg.resident.user if reg.resident is not None else None
            notify(
                users=[user] if user is not None else [],
                phones=[phone] if phone else [],
                title=_("A seat opened"),
                body=body,
            )
