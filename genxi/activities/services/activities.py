"""Activities as staff set them up and report them: the activity and its states, sessions (each
at a venue takes a booking through `places.services.book_venue`), a class's courses and terms
(a term's weekly sessions), a fair's stalls and time slots, the offerings people register for
(with their initial capacity and rules; later capacity changes go through the registration
services' `change_capacity`, under the seat lock), a term's quotas, and afterwards the services
each stall delivered and the report with its photos.

Sessions and registrations: a session can be moved while people are registered (they are told
the new time), but not removed once its own offering has registrations or anyone has been
checked in at it: the people registered would lose a place they hold without being asked.
Cancel the activity instead, which cancels every registration and tells everyone.
"""

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.activities.models import (
    ACTIVE,
    ACTIVITY_MACHINE,
    Activity,
    ActivityKind,
    ActivityPhoto,
    ActivityStatus,
    Attendance,
    Audience,
    Course,
    Intake,
    Offering,
    Quota,
    Registration,
    RegistrationStatus,
    ServiceTally,
    Session,
    Slot,
    Stall,
    Term,
    WaitlistMode,
)
from genxi.activities.services.checkin import notify_seat_opened
from genxi.activities.services.seats import Room, lock_offering, seat_waiting
from genxi.core.audit import Actor, acting_user, jsonable, log_action
from genxi.core.notify import notify
from genxi.core.services import (
    UNSET,
    ServiceError,
    already_submitted,
    create_object,
    given,
    update_object,
)
from genxi.places.models import (
    BOOKING_MACHINE,
    STREET_KINDS,
    Area,
    AreaKind,
    BookingPurpose,
    BookingStatus,
    Partner,
    Venue,
    VenueBooking,
)
from genxi.places.services import book_venue

# Sessions are planned at most this many years ahead and recorded at most a year back.
YEARS_AHEAD = 2
MAX_SESSION = timedelta(hours=24)
MAX_WEEKS = 52
MAX_PLACES = 100000


# ---------------------------------------------------------------- checks


def _street_of(area: Area) -> Area:
    if area.kind in STREET_KINDS:
        return area
    street = next((a for a in area.ancestors() if a.kind in STREET_KINDS), None)
    if street is None:
        raise ServiceError(_("Choose a community or a street to run the activity."), field="owner")
    return street


def _check_open(activity: Activity) -> None:
    """Setting up is for draft and published activities only."""
    if activity.status not in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED):
        raise ServiceError(
            _("This activity is %(status)s: it can no longer be changed.")
            % {"status": activity.get_status_display()},
            code="closed",
        )


def _check_year(year: int, *, field: str) -> None:
    """Activities are planned from last year to YEARS_AHEAD years on (no year 9999)."""
    this_year = timezone.localdate().year
    if not this_year - 1 <= year <= this_year + YEARS_AHEAD:
        raise ServiceError(
            _("Dates must fall between %(first)s and %(last)s.")
            % {"first": this_year - 1, "last": this_year + YEARS_AHEAD},
            field=field,
            code="bad_dates",
        )


def check_times(starts_at: datetime | None, ends_at: datetime | None, *, field: str = "") -> None:
    """A start and an end: the end after the start, at most a day apart, and within the years
    an activity can be planned in (no session in year 9999)."""
    if starts_at is None or ends_at is None:
        raise ServiceError(_("Give the start and the end."), field=field or "starts_at")
    if ends_at <= starts_at:
        raise ServiceError(
            _("The end must be after the start."), field=field or "ends_at", code="bad_dates"
        )
    if ends_at - starts_at > MAX_SESSION:
        raise ServiceError(
            _("A session lasts at most a day; add one session per day."),
            field=field or "ends_at",
            code="bad_dates",
        )
    for moment in (starts_at, ends_at):
        _check_year(timezone.localtime(moment).year, field=field or "starts_at")


def _check_areas(street: Area, areas: Iterable[Area], field: str) -> None:
    for area in areas:
        if not (area.path.startswith(street.path)) or area.kind not in (
            AreaKind.COMMUNITY,
            *STREET_KINDS,
        ):
            raise ServiceError(
                _("%(area)s is not a community of %(street)s.")
                % {"area": area.name, "street": street.name},
                field=field,
            )


def _check_audience(audience: Iterable[str]) -> list[str]:
    values = list(dict.fromkeys(audience))
    if any(value not in Audience.values for value in values):
        raise ServiceError(_("Choose the audience from the list."), field="audience")
    return values


def _check_rules(*, offer_hours: int, cancel_cutoff_hours: int, no_show_limit: int | None) -> None:
    if not 1 <= offer_hours <= 24 * 14:
        raise ServiceError(
            _("An offered seat waits between 1 hour and 14 days."), field="offer_hours"
        )
    if cancel_cutoff_hours > 24 * 30:
        raise ServiceError(
            _("Residents may cancel at most 30 days before the start."),
            field="cancel_cutoff_hours",
        )
    if no_show_limit is not None and not 1 <= no_show_limit <= 100:
        raise ServiceError(_("Give between 1 and 100 no-shows."), field="no_show_limit")


# ---------------------------------------------------------------- the activity


def create_activity(
    *,
    actor: Actor,
    title: str,
    kind: str,
    owner: Area,
    open_to: Sequence[Area],
    description: str = "",
    organisers: Sequence[Area] = (),
    partners: Sequence[Partner] = (),
    audience: Sequence[str] = (),
    venue: Venue | None = None,
    address: str = "",
    waitlist_mode: str = WaitlistMode.CONFIRM,
    offer_hours: int = 24,
    cancel_cutoff_hours: int = 2,
    no_show_limit: int | None = None,
    token: uuid.UUID | None = None,
) -> Activity:
    """A draft activity run by `owner` (a community or the street)."""
    title = title.strip()
    if not title:
        raise ServiceError(_("Give the activity a title."), field="title")
    if kind not in ActivityKind.values:
        raise ServiceError(_("Choose the kind of activity."), field="kind")
    if waitlist_mode not in WaitlistMode.values:
        raise ServiceError(_("Choose what happens when a seat is freed."), field="waitlist_mode")
    street = _street_of(owner)
    if not open_to:
        raise ServiceError(
            _("Say which communities (or the whole street) it is open to."), field="open_to"
        )
    _check_areas(street, open_to, "open_to")
    _check_areas(street, organisers, "organisers")
    if not venue and not address.strip():
        raise ServiceError(_("Give a venue or an address."), field="address")
    _check_rules(
        offer_hours=offer_hours,
        cancel_cutoff_hours=cancel_cutoff_hours,
        no_show_limit=no_show_limit,
    )
    return create_object(
        actor=actor,
        model=Activity,
        token=token,
        fields={
            "title": title,
            "kind": kind,
            "description": description.strip(),
            "owner": owner,
            "street": street,
            "audience": _check_audience(audience),
            "venue": venue,
            "address": address.strip(),
            "waitlist_mode": waitlist_mode,
            "offer_hours": offer_hours,
            "cancel_cutoff_hours": cancel_cutoff_hours,
            "no_show_limit": no_show_limit,
            "created_by": acting_user(actor),
        },
        m2m={
            "open_to": list(open_to),
            "organisers": [a for a in organisers if a.pk != owner.pk],
            "partners": list(partners),
        },
    )


def update_activity(
    *,
    actor: Actor,
    activity: Activity,
    expected_updated_at: datetime | None = None,
    title: Any = UNSET,
    kind: Any = UNSET,
    description: Any = UNSET,
    open_to: Any = UNSET,
    organisers: Any = UNSET,
    partners: Any = UNSET,
    audience: Any = UNSET,
    venue: Any = UNSET,
    address: Any = UNSET,
    waitlist_mode: Any = UNSET,
    offer_hours: Any = UNSET,
    cancel_cutoff_hours: Any = UNSET,
    no_show_limit: Any = UNSET,
) -> Activity:
    """Change what was given; the owner stays (it decides who sees the activity)."""
    _check_open(activity)
    if title is not UNSET:
        title = title.strip()
        if not title:
            raise ServiceError(_("Give the activity a title."), field="title")
    if kind is not UNSET and kind != activity.kind:
        if kind not in ActivityKind.values:
            raise ServiceError(_("Choose the kind of activity."), field="kind")
        if activity.courses.exists() or activity.stalls.exists():
            raise ServiceError(
                _("It has courses or stalls already: its kind can no longer change."),
                field="kind",
            )
    if open_to is not UNSET:
        if not open_to:
            raise ServiceError(
                _("Say which communities (or the whole street) it is open to."), field="open_to"
            )
        _check_areas(activity.street, open_to, "open_to")
    if organisers is not UNSET:
        _check_areas(activity.street, organisers, "organisers")
        organisers = [a for a in organisers if a.pk != activity.owner_id]
    if audience is not UNSET:
        audience = _check_audience(audience)
    new_venue = activity.venue if venue is UNSET else venue
    new_address = activity.address if address is UNSET else address.strip()
    if not new_venue and not new_address:
        raise ServiceError(_("Give a venue or an address."), field="address")
    _check_rules(
        offer_hours=activity.offer_hours if offer_hours is UNSET else offer_hours,
        cancel_cutoff_hours=(
            activity.cancel_cutoff_hours if cancel_cutoff_hours is UNSET else cancel_cutoff_hours
        ),
        no_show_limit=activity.no_show_limit if no_show_limit is UNSET else no_show_limit,
    )
    fields = given(
        title=title,
        kind=kind,
        description=description if description is UNSET else description.strip(),
        audience=audience,
        venue=venue,
        address=address if address is UNSET else new_address,
        waitlist_mode=waitlist_mode,
        offer_hours=offer_hours,
        cancel_cutoff_hours=cancel_cutoff_hours,
        no_show_limit=no_show_limit,
    )
    m2m = given(open_to=open_to, organisers=organisers, partners=partners)
    update_object(
        actor=actor,
        instance=activity,
        fields=fields,
        m2m=m2m,
        expected_updated_at=expected_updated_at,
    )
    return activity


def publish_activity(*, actor: Actor, activity: Activity) -> Activity:
    """Draft → published: residents see it and may register. It needs a session and something
    to register for; each term of a class needs its sessions."""
    if not activity.sessions.exists():
        raise ServiceError(_("Add at least one session before publishing."), code="no_session")
    if not activity.offerings.exists():
        raise ServiceError(
            _("Open places for at least one session, term or time slot before publishing."),
            code="no_offering",
        )
    empty = Term.objects.filter(course__activity=activity, sessions__isnull=True).first()
    if empty is not None:
        raise ServiceError(
            _("The term %(term)s has no sessions yet.") % {"term": str(empty)},
            code="empty_term",
        )
    with transaction.atomic():
        ACTIVITY_MACHINE.swap(activity, ActivityStatus.PUBLISHED)
        log_action(actor=actor, action="activity.publish", obj=activity)
    return activity


def mark_held(*, actor: Actor, activity: Activity) -> Activity:
    """Published → held, once its first session has begun."""
    first = activity.sessions.order_by("starts_at").first()
    if first is None or first.starts_at > timezone.now():
        raise ServiceError(
            _("It cannot be marked held before its first session begins."), code="not_yet"
        )
    with transaction.atomic():
        ACTIVITY_MACHINE.swap(activity, ActivityStatus.HELD)
        log_action(actor=actor, action="activity.held", obj=activity)
    return activity


def _people(registrations: Iterable[Registration]) -> tuple[list[Any], list[str]]:
    """Who to tell about registrations: the users behind them, and the phones of the rest."""
    users: list[Any] = []
    phones: list[str] = []
    for reg in registrations:
        person = reg.guardian or reg.resident
        if person is not None and person.user_id:
            users.append(person.user)
        elif reg.phone:
            phones.append(reg.phone)
    return users, phones


def _cancel_booking(actor: Actor, booking: VenueBooking | None) -> None:
    if booking is None or booking.status != BookingStatus.CONFIRMED:
        return
    BOOKING_MACHINE.swap(booking, BookingStatus.CANCELLED)
    log_action(actor=actor, action="venuebooking.cancel", obj=booking)


def cancel_activity(*, actor: Actor, activity: Activity, reason: str) -> Activity:
    """Cancel it (draft or published): the venue bookings are freed, every registration is
    cancelled and the people registered are told why."""
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Say why the activity is cancelled."), field="reason")
    now = timezone.now()
    with transaction.atomic():
        ACTIVITY_MACHINE.swap(activity, ActivityStatus.CANCELLED)
        told: list[Registration] = []
        for offering_id in activity.offerings.order_by("pk").values_list("pk", flat=True):
            # Seats are freed under the offering's lock, like every other path that frees one;
            # nobody is seated from the waiting list: the activity is off.
            lock_offering(offering_id)
            active = Registration.objects.filter(offering_id=offering_id, status__in=ACTIVE)
            told.extend(active.select_related("resident__user", "guardian__user"))
            active.update(
                status=RegistrationStatus.CANCELLED, seat=None, cancelled_at=now, updated_at=now
            )
        for session in activity.sessions.select_related("booking"):
            _cancel_booking(actor, session.booking)
        log_action(
            actor=actor,
            action="activity.cancel",
            obj=activity,
            changes={"reason": reason, "registrations": len(told)},
        )
        users, phones = _people(told)
        notify(
            users=users,
            phones=phones,
            title=_("“%(title)s” is cancelled") % {"title": activity.title},
            body=reason,
        )
    return activity


# ---------------------------------------------------------------- sessions


def _book(
    actor: Actor, activity: Activity, venue: Venue | None, start: datetime, end: datetime
) -> VenueBooking | None:
    if venue is None:
        return None
    user = acting_user(actor)
    if user is not None and not user.has_perm("places.book_venue", venue):
        raise ServiceError(
            _("You cannot book %(venue)s: it is not one of your areas' venues.")
            % {"venue": venue.name},
            field="venue",
        )
    return book_venue(
        actor=actor,
        venue=venue,
        starts_at=start,
        ends_at=end,
        purpose=BookingPurpose.ACTIVITY,
        title=activity.title[:100],
    )


def add_session(
    *,
    actor: Actor,
    activity: Activity,
    starts_at: datetime,
    ends_at: datetime,
    title: str = "",
    venue: Venue | None = None,
    term: Term | None = None,
) -> Session:
    """A session at `venue` (or the activity's), which is booked for it; at an address, none."""
    _check_open(activity)
    check_times(starts_at, ends_at)
    if term is not None and term.course.activity_id != activity.pk:
        raise ServiceError(_("Choose a term of this activity."), field="term")
    venue = venue or activity.venue
    with transaction.atomic():
        booking = _book(actor, activity, venue, starts_at, ends_at)
        session = Session.objects.create(
            activity=activity,
            term=term,
            title=title.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            venue=venue,
            booking=booking,
        )
        log_action(
            actor=actor,
            action="session.create",
            obj=session,
            changes={
                "activity": activity.pk,
                "starts_at": jsonable(starts_at),
                "ends_at": jsonable(ends_at),
                "venue": venue.pk if venue else None,
                "term": term.pk if term else None,
            },
        )
    return session


def _registrants_of(session: Session) -> list[Registration]:
    offerings = Offering.objects.filter(activity_id=session.activity_id)
    targets = offerings.filter(session=session)
    if session.term_id:
        targets = targets | offerings.filter(term_id=session.term_id)
    return list(
        Registration.objects.filter(offering__in=targets, status__in=ACTIVE).select_related(
            "resident__user", "guardian__user"
        )
    )


def move_session(
    *,
    actor: Actor,
    session: Session,
    starts_at: datetime,
    ends_at: datetime,
    venue: Any = UNSET,
) -> Session:
    """Move a session (and its venue booking); the people registered are told the new time."""
    activity = session.activity
    _check_open(activity)
    check_times(starts_at, ends_at)
    new_venue = session.venue if venue is UNSET else (venue or activity.venue)
    old = (session.starts_at, session.ends_at, session.venue_id)
    with transaction.atomic():
        Session.objects.select_for_update().filter(pk=session.pk).first()
        # The old booking goes first, so a move within the same slot does not clash with itself;
        # if the new time is taken the whole move rolls back and the old booking stands.
        _cancel_booking(actor, session.booking)
        session.booking = _book(actor, activity, new_venue, starts_at, ends_at)
        session.starts_at, session.ends_at, session.venue = starts_at, ends_at, new_venue
        session.save(update_fields=["starts_at", "ends_at", "venue", "booking"])
        log_action(
            actor=actor,
            action="session.move",
            obj=session,
            changes={
                "starts_at": [jsonable(old[0]), jsonable(starts_at)],
                "ends_at": [jsonable(old[1]), jsonable(ends_at)],
                "venue": [old[2], new_venue.pk if new_venue else None],
            },
        )
        users, phones = _people(_registrants_of(session))
        local = timezone.localtime(starts_at)
        notify(
            users=users,
            phones=phones,
            title=_("“%(title)s” has moved") % {"title": activity.title},
            body=_("The session now starts at %(when)s.")
            % {"when": local.strftime("%Y-%m-%d %H:%M")},
        )
    return session


def remove_session(*, actor: Actor, session: Session) -> None:
    """Remove a session and free its venue; refused once people registered for it or were
    checked in at it (cancel the activity instead)."""
    _check_open(session.activity)
    with transaction.atomic():
        # The offering it belongs to (its own, or its term's) is locked before looking, so no
        # registration can arrive between the check and the delete.
        offering = Offering.objects.filter(
            Q(session=session) | Q(term__isnull=False, term=session.term_id)
        ).first()
        if offering is not None:
            lock_offering(offering.pk)
        if Attendance.objects.filter(session=session).exists():
            raise ServiceError(
                _("People were checked in at this session: it can no longer be removed."),
                code="has_attendance",
            )
        if offering is not None and Registration.objects.filter(offering=offering).exists():
            raise ServiceError(
                _(
                    "People are registered for this session: move it, or cancel the activity, "
                    "which tells them."
                ),
                code="has_registrations",
            )
        _cancel_booking(actor, session.booking)
        log_action(
            actor=actor,
            action="session.delete",
            obj=session.activity,
            changes={"session": session.pk, "starts_at": jsonable(session.starts_at)},
        )
        session.delete()


# ---------------------------------------------------------------- classes


def _check_class(activity: Activity) -> None:
    _check_open(activity)
    if activity.kind != ActivityKind.CLASS:
        raise ServiceError(_("Only a class has courses and terms."), code="not_a_class")


def add_course(*, actor: Actor, activity: Activity, name: str, teacher: str = "") -> Course:
    _check_class(activity)
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the course a name."), field="name")
    return create_object(
        actor=actor,
        model=Course,
        fields={"activity": activity, "name": name, "teacher": teacher.strip()},
        unique_error=_("This class already has a course of that name."),
    )


def weekly_times(
    *, first_day: date, starts: time, ends: time, weeks: int
) -> list[tuple[datetime, datetime]]:
    """`weeks` sessions, on `first_day`'s weekday, from `starts` to `ends` (local time)."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ServiceError(
            _("A term has between 1 and %(n)s weekly sessions.") % {"n": MAX_WEEKS},
            field="weeks",
        )
    if ends <= starts:
        raise ServiceError(_("The end must be after the start."), field="ends", code="bad_dates")
    _check_year(first_day.year, field="first_day")
    out = []
    for week in range(weeks):
        day = first_day + timedelta(weeks=week)
        out.append(
            (
                timezone.make_aware(datetime.combine(day, starts)),
                timezone.make_aware(datetime.combine(day, ends)),
            )
        )
    return out


def add_term(
    *,
    actor: Actor,
    course: Course,
    name: str,
    first_day: date,
    starts: time,
    ends: time,
    weeks: int,
    completion_percent: int = 75,
    venue: Venue | None = None,
    capacity: int | None = None,
) -> Term:
    """A term with its weekly sessions (each booked at the venue), and with `capacity` its
    offering too (first come, first served; change the rules on the offering afterwards).
    All or nothing: a session the venue cannot take refuses the whole term, naming the day."""
    activity = course.activity
    _check_class(activity)
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the term a name."), field="name")
    if not 1 <= completion_percent <= 100:
        raise ServiceError(
            _("Give the attendance to complete between 1 and 100 (%)."),
            field="completion_percent",
        )
    times = weekly_times(first_day=first_day, starts=starts, ends=ends, weeks=weeks)
    for start, end in times:
        check_times(start, end, field="first_day")
    if Term.objects.filter(course=course, name=name).exists():
        raise ServiceError(_("This course already has a term of that name."), field="name")
    with transaction.atomic():
        term = Term.objects.create(course=course, name=name, completion_percent=completion_percent)
        log_action(
            actor=actor,
            action="term.create",
            obj=term,
            changes={"course": course.pk, "weeks": weeks, "first_day": first_day.isoformat()},
        )
        for start, end in times:
            try:
                add_session(
                    actor=actor,
                    activity=activity,
                    starts_at=start,
                    ends_at=end,
                    venue=venue,
                    term=term,
                )
            except ServiceError as exc:
                raise ServiceError(
                    _("%(day)s: %(reason)s")
                    % {
                        "day": timezone.localtime(start).strftime("%Y-%m-%d"),
                        "reason": exc.message,
                    },
                    field="first_day",
                    code=exc.code,
                ) from exc
        if capacity is not None:
            create_offering(actor=actor, activity=activity, term=term, capacity=capacity)
    return term


def set_quota(*, actor: Actor, offering: Offering, community: Area, places: int) -> Quota | None:
    """A term's places kept for one community (0 removes the quota). Together the quotas fit
    in the capacity; decided under the offering's lock, as capacity changes are."""
    if offering.term_id is None:
        raise ServiceError(_("Only a term's places can be shared out by community."))
    activity = offering.activity
    _check_open(activity)
    if community.kind != AreaKind.COMMUNITY or not community.path.startswith(activity.street.path):
        raise ServiceError(
            _("%(area)s is not a community of %(street)s.")
            % {"area": community.name, "street": activity.street.name},
            field="community",
        )
    if not activity.open_to.filter(pk__in=[community.pk, activity.street_id]).exists():
        raise ServiceError(
            _("%(area)s's residents cannot sign up: open the activity to it first.")
            % {"area": community.name},
            field="community",
        )
    if not 0 <= places <= MAX_PLACES:
        raise ServiceError(_("Give a number of places."), field="places")
    with transaction.atomic():
        locked = lock_offering(offering.pk)
        others = sum(locked.quotas.exclude(community=community).values_list("places", flat=True))
        if others + places > locked.capacity:
            raise ServiceError(
                _("The quotas would come to %(total)s places; the term has %(capacity)s.")
                % {"total": others + places, "capacity": locked.capacity},
                field="places",
                code="over_capacity",
            )
        room = Room.load(locked)
        held = room.held_by_community[community.pk]
        if places and places < held:
            raise ServiceError(
                _("%(area)s's residents hold %(n)s places; the quota cannot be lower.")
                % {"n": held, "area": community.name},
                field="places",
                code="below_taken",
            )
        quota: Quota | None
        if places == 0:
            Quota.objects.filter(offering=locked, community=community).delete()
            quota = None
        else:
            quota, _created = Quota.objects.update_or_create(
                offering=locked, community=community, defaults={"places": places}
            )
        log_action(
            actor=actor,
            action="offering.quota",
            obj=locked,
            changes={"community": community.pk, "places": places},
        )
        # A raised (or removed) quota may let people waiting take free seats now.
        moved = seat_waiting(locked, Room.load(locked))
        if moved:
            notify_seat_opened(moved)
    return quota


# ---------------------------------------------------------------- fairs


def add_stall(
    *,
    actor: Actor,
    activity: Activity,
    service: str,
    provider: Partner | None = None,
    volunteers: str = "",
    token: uuid.UUID | None = None,
) -> Stall:
    """A stall of a fair or a clinic (a doctors' department): its service, and a partner unit
    or volunteers who provide it."""
    _check_open(activity)
    if activity.kind not in (ActivityKind.FAIR, ActivityKind.CLINIC):
        raise ServiceError(_("Only a fair or a clinic has stalls."), code="not_a_fair")
    service = service.strip()
    if not service:
        raise ServiceError(_("Say what the stall offers."), field="service")
    if provider is None and not volunteers.strip():
        raise ServiceError(
            _("Say who provides it: a partner unit or volunteers."), field="provider"
        )
    return create_object(
        token=token,
        actor=actor,
        model=Stall,
        fields={
            "activity": activity,
            "service": service,
            "provider": provider,
            "volunteers": volunteers.strip(),
        },
    )


def add_slot(
    *,
    actor: Actor,
    stall: Stall,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    token: uuid.UUID | None = None,
) -> Slot:
    """A stall's time slot and its offering with `capacity` places."""
    activity = stall.activity
    _check_open(activity)
    check_times(starts_at, ends_at)
    if (retried := already_submitted(token, Slot)) is not None:
        return retried
    with transaction.atomic():
        slot = create_object(
            token=token,
            actor=actor,
            model=Slot,
            fields={"stall": stall, "starts_at": starts_at, "ends_at": ends_at},
        )
        create_offering(actor=actor, activity=activity, slot=slot, capacity=capacity)
    return slot


def record_services(
    *, actor: Actor, stall: Stall, count: int, token: uuid.UUID | None = None
) -> ServiceTally:
    """Services a stall delivered (added to what was recorded before)."""
    if stall.activity.status not in (ActivityStatus.PUBLISHED, ActivityStatus.HELD):
        raise ServiceError(
            _("Services are recorded once the fair is published."), code="not_published"
        )
    if not 1 <= count <= MAX_PLACES:
        raise ServiceError(_("Give the number of services delivered."), field="count")
    return create_object(
        token=token,
        actor=actor,
        model=ServiceTally,
        fields={"stall": stall, "count": count, "recorded_by": acting_user(actor)},
    )


# ---------------------------------------------------------------- offerings


def create_offering(
    *,
    actor: Actor,
    activity: Activity,
    session: Session | None = None,
    term: Term | None = None,
    slot: Slot | None = None,
    capacity: int,
    staff_share: int = 0,
    household_limit: int | None = None,
    intake: str = Intake.FIRST_COME,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    token: uuid.UUID | None = None,
) -> Offering:
    """What people register for — one session, one term or one slot of `activity` — with its
    initial capacity and rules. Capacity changes later are `change_capacity`'s."""
    _check_open(activity)
    targets = [t for t in (session, term, slot) if t is not None]
    if len(targets) != 1:
        raise ServiceError(_("Choose one session, term or time slot."), field="target")
    if (
        (session is not None and session.activity_id != activity.pk)
        or (term is not None and term.course.activity_id != activity.pk)
        or (slot is not None and slot.stall.activity_id != activity.pk)
    ):
        raise ServiceError(_("Choose one session, term or time slot."), field="target")
    if term is not None and not term.sessions.exists():
        raise ServiceError(
            _("The term %(term)s has no sessions yet.") % {"term": str(term)},
            field="target",
            code="empty_term",
        )
    if not 1 <= capacity <= MAX_PLACES:
        raise ServiceError(_("Give at least one place."), field="capacity")
    if not 0 <= staff_share <= capacity:
        raise ServiceError(
            _("The places kept for staff cannot exceed the capacity."), field="staff_share"
        )
    if household_limit is not None and not 1 <= household_limit <= 100:
        raise ServiceError(
            _("Give between 1 and 100 registrations per household."), field="household_limit"
        )
    if intake not in Intake.values:
        raise ServiceError(_("Choose how places are given."), field="intake")
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise ServiceError(
            _("Registration must close after it opens."), field="closes_at", code="bad_dates"
        )
    if intake == Intake.DRAW and closes_at is None:
        raise ServiceError(
            _("A draw needs the time applications close."), field="closes_at", code="bad_dates"
        )
    start = _start_of(session=session, term=term, slot=slot)
    for moment, name in ((opens_at, "opens_at"), (closes_at, "closes_at")):
        if moment is not None:
            # The year as given: converting year 1 or 9999 to local time could overflow.
            _check_year(moment.year, field=name)
        if moment is not None and start is not None and moment > start:
            raise ServiceError(
                _("Registration must open and close before it begins."),
                field=name,
                code="bad_dates",
            )
    return create_object(
        actor=actor,
        model=Offering,
        token=token,
        fields={
            "activity": activity,
            "session": session,
            "term": term,
            "slot": slot,
            "capacity": capacity,
            "staff_share": staff_share,
            "household_limit": household_limit,
            "intake": intake,
            "opens_at": opens_at,
            "closes_at": closes_at,
        },
        unique_error=_("Places are already open for it."),
    )


def _start_of(*, session: Session | None, term: Term | None, slot: Slot | None) -> datetime | None:
    if session is not None:
        return session.starts_at
    if slot is not None:
        return slot.starts_at
    if term is not None:
        first = term.sessions.order_by("starts_at").first()
        return first.starts_at if first else None
    return None


# ---------------------------------------------------------------- afterwards


def write_report(
    *, actor: Actor, activity: Activity, report: str, expected_updated_at: datetime | None = None
) -> Activity:
    """The short report, once the activity was held."""
    if activity.status != ActivityStatus.HELD:
        raise ServiceError(_("Mark the activity held before writing its report."), code="not_held")
    update_object(
        actor=actor,
        instance=activity,
        fields={"report": report.strip()},
        expected_updated_at=expected_updated_at,
    )
    return activity


def add_photos(
    *, actor: Actor, activity: Activity, photos: Sequence[Any], caption: str = ""
) -> int:
    """The report's photos, already checked and re-encoded by genxi.core.images."""
    if activity.status != ActivityStatus.HELD:
        raise ServiceError(_("Mark the activity held before writing its report."), code="not_held")
    if not photos:
        raise ServiceError(_("Choose at least one photo."), field="photos")
    with transaction.atomic():
        for photo in photos:
            ActivityPhoto(activity=activity, image=photo, caption=caption.strip()[:100]).save()
        log_action(actor=actor, action="activity.photos", obj=activity, changes={"n": len(photos)})
    return len(photos)
