"""Writes to places and people. Views, admin actions, the demo loader and the API call these."""

import secrets
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from genxi.accounts.models import User
from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.paths import path_segment
from genxi.core.phones import mask_phone, normalize_phone
from genxi.core.pinyin import pinyin_keys
from genxi.core.services import UNSET, ServiceError, Unset, create_object, given, update_object
from genxi.places.models import (
    ALLOWED_PARENTS,
    BOOKING_MACHINE,
    Area,
    AreaKind,
    BookingPurpose,
    BookingStatus,
    Partner,
    PartnerContact,
    PartyOrg,
    Pioneer,
    Resident,
    Tag,
    Venue,
    VenueBooking,
)

# The audit log keeps that a number was set or changed, never the number itself.
REDACT: dict[str, Callable[[Any], Any]] = {"phone": mask_phone}
# Uniqueness is city-wide, so this says no more than that the number is taken: not who holds it.
DUPLICATE_PHONE = gettext_lazy(
    "This phone number is already registered. If the resident has moved here, "
    "ask the street office to transfer their record."
)


def check_parent(kind: str, parent: Area | None) -> None:
    allowed = ALLOWED_PARENTS[kind]
    if (parent.kind if parent else None) not in allowed:
        raise ServiceError(
            _("A %(kind)s cannot be placed under %(parent)s.")
            % {
                "kind": AreaKind(kind).label,
                "parent": parent.name if parent else _("the top level"),
            },
            field="parent",
        )


def _check_grid(grid: Area | None, parent: Area | None) -> None:
    if grid is None:
        return
    community = parent.community() if parent is not None else None
    if grid.kind != AreaKind.GRID or community is None or not community.contains(grid):
        raise ServiceError(_("Choose a grid of the same community."), field="grid")


def create_area(
    *,
    actor: Actor,
    kind: str,
    name: str,
    parent: Area | None,
    grid: Area | None = None,
    code: str = "",
    address: str = "",
    households: int | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    token: uuid.UUID | None = None,
) -> Area:
    check_parent(kind, parent)
    if kind == AreaKind.BUILDING:
        _check_grid(grid, parent)
    elif grid is not None:
        raise ServiceError(_("Only buildings belong to a grid."), field="grid")

    def place(area: Area) -> None:
        area.path = (parent.path if parent else "") + path_segment(area.pk)
        area.depth = (parent.depth + 1) if parent else 0
        area.save(update_fields=["path", "depth"])

    return create_object(
        actor=actor,
        model=Area,
        fields={
            "kind": kind,
            "name": name.strip(),
            "parent": parent,
            "grid": grid,
            "code": code,
            "address": address,
            "households": households,
            "latitude": latitude,
            "longitude": longitude,
        },
        token=token,
        after_insert=place,
        unique_error=_("%(parent)s already has a %(kind)s named “%(name)s”.")
        % {"parent": parent or _("The top level"), "kind": AreaKind(kind).label, "name": name},
    )


def update_area(
    *,
    actor: Actor,
    area: Area,
    expected_updated_at: datetime | None = None,
    name: str | Unset = UNSET,
    grid: Area | Unset | None = UNSET,
    code: str | Unset = UNSET,
    address: str | Unset = UNSET,
    households: int | Unset | None = UNSET,
    latitude: Decimal | Unset | None = UNSET,
    longitude: Decimal | Unset | None = UNSET,
) -> dict[str, list[Any]]:
    """Rename or describe an area. Moving an area to another parent is not offered."""
    if grid is not UNSET:
        if area.kind == AreaKind.BUILDING:
            _check_grid(grid, area.parent)
        elif grid is not None:
            raise ServiceError(_("Only buildings belong to a grid."), field="grid")
    return update_object(
        actor=actor,
        instance=area,
        fields=given(
            name=name,
            grid=grid,
            code=code,
            address=address,
            households=households,
            latitude=latitude,
            longitude=longitude,
        ),
        expected_updated_at=expected_updated_at,
        unique_error=_("Another area here already has that name."),
    )


def create_party_org(
    *,
    actor: Actor,
    name: str,
    kind: str,
    area: Area,
    parent: PartyOrg | None = None,
    partner: Partner | None = None,
    secretary: str = "",
    members: int | None = None,
    description: str = "",
    token: uuid.UUID | None = None,
) -> PartyOrg:
    return create_object(
        actor=actor,
        model=PartyOrg,
        fields={
            "name": name,
            "kind": kind,
            "area": area,
            "parent": parent,
            "partner": partner,
            "secretary": secretary,
            "members": members,
            "description": description,
        },
        token=token,
        unique_error=_("An organisation with this name already exists in this area."),
    )


def update_party_org(
    *,
    actor: Actor,
    org: PartyOrg,
    expected_updated_at: datetime | None = None,
    name: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    area: Area | Unset = UNSET,
    parent: PartyOrg | Unset | None = UNSET,
    partner: Partner | Unset | None = UNSET,
    secretary: str | Unset = UNSET,
    members: int | Unset | None = UNSET,
    description: str | Unset = UNSET,
) -> dict[str, list[Any]]:
    if isinstance(parent, PartyOrg) and parent.pk == org.pk:
        raise ServiceError(
            _("An organisation cannot be its own higher organisation."), field="parent"
        )
    return update_object(
        actor=actor,
        instance=org,
        fields=given(
            name=name,
            kind=kind,
            area=area,
            parent=parent,
            partner=partner,
            secretary=secretary,
            members=members,
            description=description,
        ),
        expected_updated_at=expected_updated_at,
        unique_error=_("An organisation with this name already exists in this area."),
    )


def create_partner(
    *,
    actor: Actor,
    name: str,
    kind: str,
    area: Area,
    address: str = "",
    description: str = "",
    is_active: bool = True,
    token: uuid.UUID | None = None,
) -> Partner:
    return create_object(
        actor=actor,
        model=Partner,
        fields={
            "name": name,
            "kind": kind,
            "area": area,
            "address": address,
            "description": description,
            "is_active": is_active,
        },
        token=token,
        unique_error=_("A partner unit with this name already exists."),
    )


def update_partner(
    *,
    actor: Actor,
    partner: Partner,
    expected_updated_at: datetime | None = None,
    name: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    area: Area | Unset = UNSET,
    address: str | Unset = UNSET,
    description: str | Unset = UNSET,
    is_active: bool | Unset = UNSET,
) -> dict[str, list[Any]]:
    return update_object(
        actor=actor,
        instance=partner,
        fields=given(
            name=name,
            kind=kind,
            area=area,
            address=address,
            description=description,
            is_active=is_active,
        ),
        expected_updated_at=expected_updated_at,
        unique_error=_("A partner unit with this name already exists."),
    )


def add_partner_contact(
    *, actor: Actor, partner: Partner, name: str, title: str = "", phone: str = ""
) -> PartnerContact:
    with transaction.atomic():
        contact = PartnerContact.objects.create(
            partner=partner,
            name=name.strip(),
            title=title.strip(),
            phone=normalize_phone(phone) if phone else "",
        )
        log_action(
            actor=actor,
            action="partner.add_contact",
            obj=partner,
            changes={"name": contact.name, "title": contact.title},
        )
    return contact


def remove_partner_contact(*, actor: Actor, contact: PartnerContact) -> None:
    with transaction.atomic():
        partner = contact.partner
        log_action(
            actor=actor,
            action="partner.remove_contact",
            obj=partner,
            changes={"name": contact.name},
        )
        contact.delete()


def create_venue(
    *,
    actor: Actor,
    name: str,
    kind: str,
    area: Area,
    address: str = "",
    capacity: int | None = None,
    opening_hours: str = "",
    description: str = "",
    is_active: bool = True,
    opens_at: time | None = None,
    closes_at: time | None = None,
    groups_may_request: bool = True,
    token: uuid.UUID | None = None,
) -> Venue:
    _check_venue_hours(opens_at, closes_at)
    return create_object(
        actor=actor,
        model=Venue,
        fields={
            "name": name,
            "kind": kind,
            "area": area,
            "address": address,
            "capacity": capacity,
            "opening_hours": opening_hours,
            "description": description,
            "is_active": is_active,
            "opens_at": opens_at,
            "closes_at": closes_at,
            "groups_may_request": groups_may_request,
        },
        token=token,
        unique_error=_("A venue with this name already exists in this area."),
    )


def update_venue(
    *,
    actor: Actor,
    venue: Venue,
    expected_updated_at: datetime | None = None,
    name: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    area: Area | Unset = UNSET,
    address: str | Unset = UNSET,
    capacity: int | Unset | None = UNSET,
    opening_hours: str | Unset = UNSET,
    description: str | Unset = UNSET,
    is_active: bool | Unset = UNSET,
    opens_at: time | Unset | None = UNSET,
    closes_at: time | Unset | None = UNSET,
    groups_may_request: bool | Unset = UNSET,
) -> dict[str, list[Any]]:
    _check_venue_hours(
        venue.opens_at if opens_at is UNSET else opens_at,
        venue.closes_at if closes_at is UNSET else closes_at,
    )
    return update_object(
        actor=actor,
        instance=venue,
        fields=given(
            name=name,
            kind=kind,
            area=area,
            address=address,
            capacity=capacity,
            opening_hours=opening_hours,
            description=description,
            is_active=is_active,
            opens_at=opens_at,
            closes_at=closes_at,
            groups_may_request=groups_may_request,
        ),
        expected_updated_at=expected_updated_at,
        unique_error=_("A venue with this name already exists in this area."),
    )


def _check_venue_hours(opens_at: time | None, closes_at: time | None) -> None:
    if (opens_at is None) != (closes_at is None):
        raise ServiceError(
            _("Give both the hour the venue opens and the hour it closes, or neither."),
            field="closes_at",
        )
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise ServiceError(_("The venue must close after it opens."), field="closes_at")


def _resident_fields(fields: dict[str, Any]) -> dict[str, Any]:
    fields = dict(fields)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        fields["name_pinyin"], fields["name_initials"] = pinyin_keys(fields["name"])
    if "phone" in fields:
        fields["phone"] = normalize_phone(fields["phone"]) if fields["phone"] else None
    return fields


def create_resident(
    *,
    actor: Actor,
    name: str,
    area: Area,
    phone: str | None = None,
    room: str = "",
    consent_to_contact: bool = True,
    tags: Iterable[Tag] = (),
    notes: str = "",
    user: User | None = None,
    token: uuid.UUID | None = None,
) -> Resident:
    if area.kind not in (AreaKind.BUILDING, AreaKind.COMPOUND, AreaKind.COMMUNITY):
        raise ServiceError(
            _("A resident lives in a community, compound or building."), field="area"
        )
    fields = {
        "name": name,
        "phone": phone,
        "area": area,
        "room": room,
        "consent_to_contact": consent_to_contact,
        "notes": notes,
        "user": user,
    }
    return create_object(
        actor=actor,
        model=Resident,
        fields=_resident_fields(fields),
        m2m={"tags": list(tags)},
        token=token,
        unique_error=str(DUPLICATE_PHONE),
        redact=REDACT,
    )


def update_resident(
    *,
    actor: Actor,
    resident: Resident,
    expected_updated_at: datetime | None = None,
    name: str | Unset = UNSET,
    phone: str | Unset | None = UNSET,
    area: Area | Unset = UNSET,
    room: str | Unset = UNSET,
    consent_to_contact: bool | Unset = UNSET,
    tags: Iterable[Tag] | None = None,
    notes: str | Unset = UNSET,
    user: User | Unset | None = UNSET,
) -> dict[str, list[Any]]:
    fields = given(
        name=name,
        phone=phone,
        area=area,
        room=room,
        consent_to_contact=consent_to_contact,
        notes=notes,
        user=user,
    )
    return update_object(
        actor=actor,
        instance=resident,
        fields=_resident_fields(fields),
        m2m={"tags": list(tags)} if tags is not None else None,
        expected_updated_at=expected_updated_at,
        unique_error=str(DUPLICATE_PHONE),
        redact=REDACT,
    )


def reveal_phone(*, actor: Actor, resident: Resident) -> str:
    """Return the unmasked number and write that `actor` saw it. Callers check the permission."""
    log_action(actor=actor, action="resident.view_phone", obj=resident)
    return resident.phone or ""


def appoint_pioneer(
    *,
    actor: Actor,
    name: str,
    community: Area,
    appointed_on: date,
    term_ends_on: date | None = None,
    grids: Iterable[Area] = (),
    resident: Resident | None = None,
    user: User | None = None,
    duties: str = "",
    party_org: PartyOrg | None = None,
    token: uuid.UUID | None = None,
) -> Pioneer:
    grids = list(grids)
    _check_pioneer(community, grids, appointed_on, term_ends_on, party_org)
    return create_object(
        actor=actor,
        model=Pioneer,
        fields={
            "name": name.strip(),
            "community": community,
            "appointed_on": appointed_on,
            "term_ends_on": term_ends_on,
            "resident": resident,
            "user": user,
            "duties": duties,
            "party_org": party_org,
        },
        m2m={"grids": grids},
        token=token,
    )


def update_pioneer(
    *,
    actor: Actor,
    pioneer: Pioneer,
    expected_updated_at: datetime | None = None,
    name: str | Unset = UNSET,
    community: Area | Unset = UNSET,
    appointed_on: date | Unset = UNSET,
    term_ends_on: date | Unset | None = UNSET,
    grids: Iterable[Area] | None = None,
    resident: Resident | Unset | None = UNSET,
    user: User | Unset | None = UNSET,
    duties: str | Unset = UNSET,
    party_org: PartyOrg | Unset | None = UNSET,
) -> dict[str, list[Any]]:
    grid_list = list(grids) if grids is not None else list(pioneer.grids.all())
    _check_pioneer(
        pioneer.community if community is UNSET else community,
        grid_list,
        pioneer.appointed_on if appointed_on is UNSET else appointed_on,
        pioneer.term_ends_on if term_ends_on is UNSET else term_ends_on,
        pioneer.party_org if party_org is UNSET else party_org,
    )
    return update_object(
        actor=actor,
        instance=pioneer,
        fields=given(
            name=name,
            community=community,
            appointed_on=appointed_on,
            term_ends_on=term_ends_on,
            resident=resident,
            user=user,
            duties=duties,
            party_org=party_org,
        ),
        m2m={"grids": grid_list} if grids is not None else None,
        expected_updated_at=expected_updated_at,
    )


def _check_pioneer(
    community: Area,
    grids: list[Area],
    appointed_on: date,
    term_ends_on: date | None,
    party_org: PartyOrg | None = None,
) -> None:
    if community.kind != AreaKind.COMMUNITY:
        raise ServiceError(_("Choose a community."), field="community")
    for grid in grids:
        if grid.kind != AreaKind.GRID or not community.contains(grid):
            raise ServiceError(
                _("Grid %(grid)s is not in %(community)s.")
                % {"grid": grid.name, "community": community.name},
                field="grids",
            )
    if term_ends_on is not None and term_ends_on < appointed_on:
        raise ServiceError(_("The term cannot end before the appointment."), field="term_ends_on")
    if party_org is not None:
        # The community's own organisations, those of its compounds, or those above it.
        org_area = party_org.area
        if not (community.contains(org_area) or org_area.contains(community)):
            raise ServiceError(
                _("%(org)s does not serve %(community)s: choose one of its party organisations.")
                % {"org": party_org.name, "community": community.name},
                field="party_org",
            )


def move_building(*, actor: Actor, building: Area, grid: Area) -> Area:
    """Put `building` in `grid` (of the building's own community), with an audit entry that
    says from which grid to which. The building's row is locked, so two moves at once are
    applied one after the other and each logs the grid it really left."""
    if building.kind != AreaKind.BUILDING:
        raise ServiceError(_("Only a building can move between grids."), field="building")
    community = building.community()
    if grid.kind != AreaKind.GRID or community is None or not community.contains(grid):
        raise ServiceError(
            _("Choose a grid of %(community)s.")
            % {"community": community.name if community else building.name},
            field="grid",
        )
    with transaction.atomic():
        locked = Area.objects.select_for_update().get(pk=building.pk)
        before = locked.grid_id
        if before == grid.pk:
            raise ServiceError(
                _("%(building)s is already in %(grid)s.")
                % {"building": building.name, "grid": grid.name},
                field="grid",
            )
        Area.objects.filter(pk=locked.pk).update(grid=grid, updated_at=timezone.now())
        log_action(
            actor=actor,
            action="area.move_grid",
            obj=locked,
            changes={"grid": [before, grid.pk]},
        )
    building.grid = grid
    building.grid_id = grid.pk
    return building


def _check_hours(venue: Venue, starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ServiceError(_("The end must be after the start."), field="ends_at", code="bad_dates")
    if venue.opens_at is None or venue.closes_at is None:
        return
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() != end.date() or start.time() < venue.opens_at or end.time() > venue.closes_at:
        raise ServiceError(
            _("%(venue)s can be booked only between %(opens)s and %(closes)s on the same day.")
            % {
                "venue": venue.name,
                "opens": venue.opens_at.strftime("%H:%M"),
                "closes": venue.closes_at.strftime("%H:%M"),
            },
            field="starts_at",
            code="outside_hours",
        )


def overlapping(
    venue: Venue, starts_at: datetime, ends_at: datetime, *, besides: int | None = None
) -> VenueBooking | None:
    """A confirmed booking of `venue` (other than `besides`) that overlaps the time (touching
    ends do not overlap)."""
    clashes = VenueBooking.objects.holding().filter(
        venue=venue, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if besides is not None:
        clashes = clashes.exclude(pk=besides)
    return clashes.first()


# The database's name for its own refusal of overlapping confirmed bookings (migration 0004).
OVERLAP_CONSTRAINT = "booking_no_overlap"
# How far ahead a venue can be booked; before EARLIEST_YEAR a date is a typing slip (a meeting
# held last year may still be recorded with its booking).
BOOKING_AHEAD = timedelta(days=2 * 366)
EARLIEST_YEAR = 2000


def _check_dates(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.year < EARLIEST_YEAR or starts_at > timezone.now() + BOOKING_AHEAD:
        raise ServiceError(
            _("A booking starts between the year %(year)s and two years from now.")
            % {"year": EARLIEST_YEAR},
            field="starts_at",
            code="bad_dates",
        )
    if ends_at - starts_at > timedelta(days=1):
        raise ServiceError(_("A booking lasts at most a day."), field="ends_at", code="bad_dates")


def _taken(venue: Venue, clash: VenueBooking | None) -> ServiceError:
    """The refusal of a time that `clash` holds (None: the database refused, the clash unread)."""
    if clash is None:
        return ServiceError(
            _("%(venue)s is already booked at this time.") % {"venue": venue.name},
            field="starts_at",
            code="venue_taken",
        )
    return ServiceError(
        _("%(venue)s is already booked from %(start)s to %(end)s (%(title)s).")
        % {
            "venue": venue.name,
            "start": timezone.localtime(clash.starts_at).strftime("%Y-%m-%d %H:%M"),
            "end": timezone.localtime(clash.ends_at).strftime("%H:%M"),
            "title": clash.title,
        },
        field="starts_at",
        code="venue_taken",
    )


def _refuse_if_taken(
    venue: Venue, starts_at: datetime, ends_at: datetime, *, besides: int | None = None
) -> None:
    if (clash := overlapping(venue, starts_at, ends_at, besides=besides)) is not None:
        raise _taken(venue, clash)


def is_overlap_refusal(exc: IntegrityError) -> bool:
    return OVERLAP_CONSTRAINT in str(exc)


def _lock_venue(venue: Venue) -> None:
    Venue.objects.select_for_update().filter(pk=venue.pk).first()


def book_venue(
    *,
    actor: Actor,
    venue: Venue,
    starts_at: datetime,
    ends_at: datetime,
    purpose: str,
    title: str,
    group_name: str = "",
    note: str = "",
    status: str = BookingStatus.CONFIRMED,
) -> VenueBooking:
    """Take `venue` for the time (or, with status `requested`, ask for it): within its hours,
    and refused if a confirmed booking overlaps. The venue row is locked before the overlap is
    counted, so two bookings of one slot arriving at once make one booking; the database's
    exclusion constraint refuses whatever gets past that."""
    if purpose not in BookingPurpose.values:
        raise ServiceError(_("Choose what the venue is booked for."), field="purpose")
    if not title.strip():
        raise ServiceError(_("Give the booking a title."), field="title")
    _check_hours(venue, starts_at, ends_at)
    _check_dates(starts_at, ends_at)
    with transaction.atomic():
        _lock_venue(venue)
        if status == BookingStatus.CONFIRMED:
            _refuse_if_taken(venue, starts_at, ends_at)
        try:
            with transaction.atomic():
                booking = VenueBooking.objects.create(
                    venue=venue,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    purpose=purpose,
                    title=title.strip(),
                    group_name=group_name.strip(),
                    note=note.strip(),
                    status=status,
                    requested_by=acting_user(actor),
                )
        except IntegrityError as exc:
            if not is_overlap_refusal(exc):
                raise
            raise _taken(venue, overlapping(venue, starts_at, ends_at)) from exc
        log_action(
            actor=actor,
            action="venuebooking.create",
            obj=booking,
            changes={
                "venue": venue.pk,
                "starts_at": str(starts_at),
                "ends_at": str(ends_at),
                "purpose": purpose,
                "status": status,
            },
        )
    return booking


def request_booking(
    *,
    actor: Actor,
    venue: Venue,
    starts_at: datetime,
    ends_at: datetime,
    title: str,
    group_name: str,
    purpose: str = BookingPurpose.GROUP,
    note: str = "",
) -> VenueBooking:
    """A residents' group asks for a slot; staff approve or refuse it. Only where the venue
    takes requests, within its hours, and not over a confirmed booking (the group would only be
    refused later)."""
    if not venue.groups_may_request:
        raise ServiceError(
            _("%(venue)s does not take requests from residents' groups.") % {"venue": venue.name},
            code="no_requests",
        )
    if not group_name.strip():
        raise ServiceError(_("Name the residents' group."), field="group_name")
    _check_hours(venue, starts_at, ends_at)
    _check_dates(starts_at, ends_at)
    _refuse_if_taken(venue, starts_at, ends_at)
    return book_venue(
        actor=actor,
        venue=venue,
        starts_at=starts_at,
        ends_at=ends_at,
        purpose=purpose,
        title=title,
        group_name=group_name,
        note=note,
        status=BookingStatus.REQUESTED,
    )


def approve_booking(*, actor: Actor, booking: VenueBooking) -> VenueBooking:
    """Confirm a group's request: the venue is locked and the overlap counted again, since
    another booking may have taken the time since the request."""
    with transaction.atomic():
        _lock_venue(booking.venue)
        locked = BOOKING_MACHINE.lock(booking)
        BOOKING_MACHINE.check(locked.status, BookingStatus.CONFIRMED)
        _refuse_if_taken(locked.venue, locked.starts_at, locked.ends_at, besides=locked.pk)
        try:
            with transaction.atomic():
                BOOKING_MACHINE.move(locked, BookingStatus.CONFIRMED)
        except IntegrityError as exc:
            if not is_overlap_refusal(exc):
                raise
            raise _taken(
                locked.venue, overlapping(locked.venue, locked.starts_at, locked.ends_at)
            ) from exc
        log_action(actor=actor, action="venuebooking.approve", obj=locked)
    return locked


def _end_booking(
    *, actor: Actor, booking: VenueBooking, to: str, action: str, reason: str = ""
) -> VenueBooking:
    with transaction.atomic():
        locked = BOOKING_MACHINE.lock(booking)
        values = {"note": f"{locked.note}\n{reason}".strip()} if reason else {}
        BOOKING_MACHINE.move(locked, to, **values)
        log_action(actor=actor, action=action, obj=locked, changes={"reason": reason})
    return locked


def refuse_booking(*, actor: Actor, booking: VenueBooking, reason: str) -> VenueBooking:
    """Turn a group's request down, saying why (the reason is kept on the booking's note)."""
    if not reason.strip():
        raise ServiceError(_("Say why the request is refused."), field="reason")
    return _end_booking(
        actor=actor,
        booking=booking,
        to=BookingStatus.REFUSED,
        action="venuebooking.refuse",
        reason=reason.strip(),
    )


def cancel_booking(*, actor: Actor, booking: VenueBooking, reason: str = "") -> VenueBooking:
    """Free the venue (a confirmed booking) or withdraw a request."""
    return _end_booking(
        actor=actor,
        booking=booking,
        to=BookingStatus.CANCELLED,
        action="venuebooking.cancel",
        reason=reason.strip(),
    )


def venue_feed_token(*, actor: Actor, venue: Venue) -> str:
    """Make (or, when it has one, replace) the secret in the venue's calendar feed address:
    the old address stops working at once."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        had = Venue.objects.filter(pk=venue.pk).values_list("feed_token", flat=True).first()
        Venue.objects.filter(pk=venue.pk).update(feed_token=token, updated_at=timezone.now())
        log_action(
            actor=actor,
            action="venue.feed_reset" if had else "venue.feed_create",
            obj=venue,
        )
    venue.feed_token = token
    return token
