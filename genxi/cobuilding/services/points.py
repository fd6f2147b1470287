"""Co-building's writes: service points (便民服务点), their home-visit slots and bookings.

Every path that takes or frees a slot's place runs in one transaction and locks the slot row
first (`lock_slot`), then counts the places held from the booking rows and takes the lowest free
`place` number. The partial unique (slot, place) constraint over live bookings backs the lock:
a path that forgot it could still not put two households on one place.

`settings.GENXI_COBUILDING_LOCKING = False` skips the row lock. It exists only so that the
concurrency test can show what the lock prevents; `GENXI_COBUILDING_RACE_DELAY_MS` then pauses
between counting and writing, so that the race shows on every run.
"""

import time as clock
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from genxi.accounts import scoping
from genxi.accounts.models import STAFF_ROLES, Role
from genxi.cobuilding.models import (
    HOLDS_PLACE,
    POINT_BOOKING_MACHINE,
    BookingChannel,
    CollectedItem,
    OpeningHours,
    PointBooking,
    PointBookingStatus,
    PriceItem,
    ServicePoint,
    VisitSlot,
)
from genxi.core.audit import Actor, log_action
from genxi.core.notify import notify
from genxi.core.phones import mask_phone
from genxi.core.services import ServiceError, already_submitted, create_object, update_object
from genxi.places.models import Area, Partner, Pioneer, Resident, Venue

REDACT: dict[str, Callable[[Any], Any]] = {"phone": mask_phone}
MAX_WEEKS = 12
MAX_DAYS_AHEAD = 366  # slots are planned at most a year ahead
MAX_KG = Decimal(10000)
MAX_AMOUNT = Decimal("9999999999.99")
CENT = Decimal("0.01")


# ------------------------------------------------------------------------------ who may act


def runs_point(user: Any, point: ServicePoint) -> bool:
    """Staff of the point's community (or street) and the provider's handlers."""
    return scoping.covers(user, point.community.path, STAFF_ROLES) or (
        point.provider_id in scoping.partner_ids(user)
    )


def is_provider(user: Any, point: ServicePoint) -> bool:
    return point.provider_id in scoping.partner_ids(user)


def books_for_others(user: Any, point: ServicePoint) -> bool:
    """Who may book for a resident: those who run the point, and the community's pioneers."""
    if runs_point(user, point):
        return True
    return point.community.path in Pioneer.objects.community_paths_of(user)


def channel_for(user: Any, point: ServicePoint) -> str:
    """How a booking made by `user` for someone else came in."""
    if is_provider(user, point):
        return BookingChannel.PROVIDER_CALL
    if scoping.covers(user, point.community.path, STAFF_ROLES):
        return BookingChannel.STAFF_CALL
    return BookingChannel.PIONEER


def workers_of(partner_id: int) -> Any:
    """The users who hold the partner role for the provider: who a booking may be assigned to."""
    from genxi.accounts.models import User

    return User.objects.filter(
        is_active=True,
        memberships__role=Role.PARTNER,
        memberships__partner_id=partner_id,
    ).distinct()


# ------------------------------------------------------------------------------ points


@dataclass(frozen=True)
class Hours:
    weekday: int
    opens: time
    closes: time


@dataclass(frozen=True)
class Price:
    material: str
    unit: str
    price: Decimal


def _check_hours(hours: Sequence[Hours]) -> None:
    for h in hours:
        if not 0 <= h.weekday <= 6:
            raise ServiceError(_("A weekday is Monday to Sunday."), field="hours")
        if h.closes <= h.opens:
            raise ServiceError(
                _("Closing time must come after opening time on each open day."), field="hours"
            )


def _check_prices(prices: Sequence[Price]) -> None:
    seen: set[str] = set()
    for p in prices:
        if not p.material.strip():
            raise ServiceError(_("Each price line names a material."), field="prices")
        if p.price < 0 or p.price >= Decimal(1000000):
            raise ServiceError(
                _("A price is between 0 and 999,999.99 yuan: “%(material)s”.")
                % {"material": p.material},
                field="prices",
            )
        if p.material in seen:
            raise ServiceError(
                _("“%(material)s” is on the price list twice.") % {"material": p.material},
                field="prices",
            )
        seen.add(p.material)


def _write_hours_and_prices(
    point: ServicePoint, hours: Sequence[Hours], prices: Sequence[Price]
) -> None:
    OpeningHours.objects.filter(point=point).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(point=point, weekday=h.weekday, opens=h.opens, closes=h.closes) for h in hours
    )
    # Price lines are kept (collected items name them); lines no longer listed are retired.
    current = {p.material: p for p in PriceItem.objects.filter(point=point)}
    for line in prices:
        item = current.pop(line.material, None)
        if item is None:
            PriceItem.objects.create(
                point=point, material=line.material, unit=line.unit or "kg", price=line.price
            )
        else:
            item.unit, item.price, item.is_active = line.unit or "kg", line.price, True
            item.save(update_fields=["unit", "price", "is_active"])
    PriceItem.objects.filter(pk__in=[p.pk for p in current.values()]).update(is_active=False)


def _hours_log(hours: Sequence[Hours], prices: Sequence[Price]) -> dict[str, Any]:
    return {
        "hours": [f"{h.weekday} {h.opens:%H:%M}-{h.closes:%H:%M}" for h in hours],
        "prices": [f"{p.material} {p.price}/{p.unit}" for p in prices],
    }


def create_point(
    *,
    actor: Actor,
    community: Area,
    name: str,
    kind: str,
    provider: Partner,
    venue: Venue | None = None,
    address: str = "",
    phone: str = "",
    description: str = "",
    home_visits: bool = False,
    hours: Sequence[Hours] = (),
    prices: Sequence[Price] = (),
    token: uuid.UUID | None = None,
) -> ServicePoint:
    _check_hours(hours)
    _check_prices(prices)
    with transaction.atomic():
        point = create_object(
            actor=actor,
            model=ServicePoint,
            fields={
                "community": community,
                "name": name,
                "kind": kind,
                "provider": provider,
                "venue": venue,
                "address": address,
                "phone": phone,
                "description": description,
                "home_visits": home_visits,
            },
            token=token,
            after_insert=lambda p: _write_hours_and_prices(p, hours, prices),
        )
        return point


def update_point(
    *,
    actor: Actor,
    point: ServicePoint,
    name: str,
    kind: str,
    provider: Partner,
    venue: Venue | None = None,
    address: str = "",
    phone: str = "",
    description: str = "",
    home_visits: bool = False,
    is_active: bool = True,
    hours: Sequence[Hours] = (),
    prices: Sequence[Price] = (),
    expected_updated_at: datetime | None = None,
) -> None:
    _check_hours(hours)
    _check_prices(prices)
    with transaction.atomic():
        update_object(
            actor=actor,
            instance=point,
            fields={
                "name": name,
                "kind": kind,
                "provider": provider,
                "venue": venue,
                "address": address,
                "phone": phone,
                "description": description,
                "home_visits": home_visits,
                "is_active": is_active,
            },
            expected_updated_at=expected_updated_at,
        )
        _write_hours_and_prices(point, hours, prices)
        log_action(
            actor=actor,
            action="servicepoint.set_hours",
            obj=point,
            changes=_hours_log(hours, prices),
        )


# ------------------------------------------------------------------------------ slots


def within_hours(point: ServicePoint, starts_at: datetime, ends_at: datetime) -> bool:
    """Whether [starts_at, ends_at) lies inside one of the point's opening hours that day."""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() != end.date():
        return False
    return any(
        h.weekday == start.weekday() and h.opens <= start.time() and end.time() <= h.closes
        for h in point.hours.all()
    )


def _outside_hours() -> ServiceError:
    return ServiceError(
        _(
            "That time is outside the point's opening hours. Choose a time when it is open "
            "(see the opening hours on the point's page)."
        ),
        field="starts",
        code="outside_hours",
    )


def _race_delay() -> None:
    """With the lock off (the concurrency tests only): pause between counting and writing."""
    if not getattr(settings, "GENXI_COBUILDING_LOCKING", True):
        delay = getattr(settings, "GENXI_COBUILDING_RACE_DELAY_MS", 0)
        if delay:
            clock.sleep(delay / 1000)


def add_slots(
    *,
    actor: Actor,
    point: ServicePoint,
    first_day: date,
    starts: time,
    ends: time,
    capacity: int,
    weeks: int = 1,
) -> list[VisitSlot]:
    """One home-visit slot on `first_day`, or the same weekday for `weeks` weeks. Each must lie
    inside the opening hours and in the future; a slot already there at that time is refused."""
    if not point.home_visits:
        raise ServiceError(_("This point does not make home visits."), code="no_home_visits")
    if not 1 <= capacity <= 500:
        raise ServiceError(_("A slot takes 1 to 500 households."), field="capacity")
    if not 1 <= weeks <= MAX_WEEKS:
        raise ServiceError(_("Repeat for 1 to %(n)s weeks.") % {"n": MAX_WEEKS}, field="weeks")
    if ends <= starts:
        raise ServiceError(_("The slot must end after it starts."), field="ends")
    if first_day > timezone.localdate() + timedelta(days=MAX_DAYS_AHEAD):
        raise ServiceError(
            _("Slots are planned at most a year ahead. Choose an earlier day."),
            field="first_day",
            code="too_far",
        )
    now = timezone.now()
    zone = timezone.get_current_timezone()
    slots: list[VisitSlot] = []
    for week in range(weeks):
        day = first_day + timedelta(weeks=week)
        start = datetime.combine(day, starts, tzinfo=zone)
        end = datetime.combine(day, ends, tzinfo=zone)
        if start <= now:
            raise ServiceError(
                _("A slot must start in the future: %(day)s has begun.") % {"day": day.isoformat()},
                field="first_day",
            )
        if not within_hours(point, start, end):
            raise _outside_hours()
        slots.append(VisitSlot(point=point, starts_at=start, ends_at=end, capacity=capacity))
    with transaction.atomic():
        # The point's row orders two submissions at once: the second sees the first's slots.
        if getattr(settings, "GENXI_COBUILDING_LOCKING", True):
            ServicePoint.objects.select_for_update().filter(pk=point.pk).first()
        taken = set(
            VisitSlot.objects.filter(
                point=point, starts_at__in=[s.starts_at for s in slots]
            ).values_list("starts_at", flat=True)
        )
        _race_delay()
        if taken:
            first = timezone.localtime(min(taken))
            raise ServiceError(
                _("There is a slot at %(when)s already.") % {"when": f"{first:%Y-%m-%d %H:%M}"},
                field="starts",
                code="slot_exists",
            )
        try:
            with transaction.atomic():
                made = VisitSlot.objects.bulk_create(slots)
        except IntegrityError:
            # The unique (point, starts_at) constraint: someone added one of these at once.
            raise ServiceError(
                _("Someone added a slot at one of these times just now. Reload the point's page."),
                field="starts",
                code="slot_exists",
            ) from None
        log_action(
            actor=actor,
            action="visitslot.create",
            obj=point,
            changes={
                "slots": [f"{timezone.localtime(s.starts_at):%Y-%m-%d %H:%M}" for s in made],
                "capacity": capacity,
            },
        )
    return made


# ------------------------------------------------------------------------------ bookings


def lock_slot(slot_id: int) -> VisitSlot:
    """The slot row, locked until the transaction ends (call inside `atomic`)."""
    queryset = VisitSlot.objects.select_related("point__community")
    if getattr(settings, "GENXI_COBUILDING_LOCKING", True):
        queryset = queryset.select_for_update(of=("self",))
    return queryset.get(pk=slot_id)


def places_held(slot: VisitSlot) -> set[int]:
    return set(
        PointBooking.objects.filter(slot=slot, status__in=HOLDS_PLACE)
        .order_by()
        .values_list("place", flat=True)
    )


def book_visit(
    *,
    actor: Actor,
    slot: VisitSlot,
    channel: str,
    resident: Resident | None = None,
    name: str = "",
    phone: str = "",
    address: str = "",
    what: str = "",
    token: uuid.UUID | None = None,
) -> PointBooking:
    """Book a home visit in `slot`, the one way every channel books (the resident on their
    phone, staff or the provider taking a call, a pioneer on a visit). Name, phone and address
    default to the resident's. A full slot, a past one, or one outside the opening hours is
    refused with nothing written; a retried submission (same `token`) books once."""
    if channel not in BookingChannel.values:
        raise ServiceError(_("Choose how the booking came in."), field="channel")
    if resident is not None:
        name = name or resident.name
        phone = phone or (resident.phone or "")
        address = address or resident.address
    name, phone, address = name.strip(), phone.strip(), address.strip()
    if not name:
        raise ServiceError(_("Enter the resident's name."), field="name")
    if not phone:
        raise ServiceError(_("Enter a phone number to call before the visit."), field="phone")
    if not address:
        raise ServiceError(_("Enter the address to visit."), field="address")
    with transaction.atomic():
        locked = lock_slot(slot.pk)
        # A retried submission is answered with its booking before anything is counted: its
        # own place would otherwise make the slot look full (the slot's lock orders retries).
        first = already_submitted(token, PointBooking)
        if first is not None:
            return first
        point = locked.point
        if not point.home_visits or not point.is_active:
            raise ServiceError(
                _("This point does not take home-visit bookings now."), code="no_home_visits"
            )
        if locked.starts_at <= timezone.now():
            raise ServiceError(
                _("This slot has begun or passed. Choose a later one."),
                field="slot",
                code="slot_past",
            )
        if not within_hours(point, locked.starts_at, locked.ends_at):
            raise _outside_hours()
        held = places_held(locked)
        _race_delay()
        if len(held) >= locked.capacity:
            raise ServiceError(
                _("This slot is fully booked. Choose another time."),
                field="slot",
                code="slot_full",
            )
        place = next(n for n in range(1, locked.capacity + 1) if n not in held)
        booking = create_object(
            actor=actor,
            model=PointBooking,
            fields={
                "point": point,
                "slot": locked,
                "place": place,
                "resident": resident,
                "name": name,
                "phone": phone,
                "area": resident.area if resident is not None else None,
                "address": address,
                "what": what.strip(),
                "channel": channel,
                "booked_by": actor if getattr(actor, "pk", None) else None,
            },
            token=token,
            redact=REDACT,
            unique_error=_(
                "Someone took that place at the same moment. Reload the page and book again."
            ),
        )
    return booking


def _locked_booking(booking: PointBooking) -> PointBooking:
    return POINT_BOOKING_MACHINE.lock(booking.pk)


def assign_booking(*, actor: Actor, booking: PointBooking, worker: Any) -> None:
    """Give the visit to one of the provider's workers (again, to change who goes)."""
    if worker is None or not workers_of(booking.point.provider_id).filter(pk=worker.pk).exists():
        raise ServiceError(_("Choose one of the provider's workers."), field="worker")
    with transaction.atomic():
        locked = _locked_booking(booking)
        old = POINT_BOOKING_MACHINE.move(locked, PointBookingStatus.ASSIGNED, worker_id=worker.pk)
        log_action(
            actor=actor,
            action="pointbooking.assign",
            obj=locked,
            changes={"status": [old, PointBookingStatus.ASSIGNED], "worker": worker.pk},
        )
    booking.status, booking.worker = locked.status, worker


@dataclass(frozen=True)
class Collected:
    material: str
    kg: Decimal
    amount: Decimal | None = None  # None: the price list's price times the weight


def complete_booking(
    *,
    actor: Actor,
    booking: PointBooking,
    items: Iterable[Collected],
    amount_paid: Decimal | None = None,
) -> PointBooking:
    """Record the visit as done with what was collected: each material from the price list,
    its weight and what was paid for it (the price times the weight unless given); the total
    paid is the items' sum unless given."""
    lines = list(items)
    prices = {p.material: p for p in booking.point.prices.filter(is_active=True)}
    rows: list[CollectedItem] = []
    for line in lines:
        item = prices.get(line.material)
        if item is None:
            raise ServiceError(
                _("“%(material)s” is not on the point's price list.") % {"material": line.material},
                field="items",
            )
        if not Decimal(0) < line.kg <= MAX_KG:
            raise ServiceError(
                _("A weight is more than 0 and at most 10,000 kg."), field="items", code="bad_kg"
            )
        amount = line.amount
        if amount is None:
            amount = (item.price * line.kg).quantize(CENT, rounding=ROUND_HALF_UP)
        if not Decimal(0) <= amount <= MAX_AMOUNT:
            raise ServiceError(
                _("An amount paid cannot be negative or that large."),
                field="items",
                code="bad_amount",
            )
        rows.append(
            CollectedItem(
                material=line.material, kg=line.kg, amount=amount.quantize(CENT, ROUND_HALF_UP)
            )
        )
    total = sum((r.amount for r in rows), Decimal(0)) if amount_paid is None else amount_paid
    if not Decimal(0) <= total <= MAX_AMOUNT:
        raise ServiceError(
            _("An amount paid cannot be negative or that large."),
            field="amount_paid",
            code="bad_amount",
        )
    with transaction.atomic():
        locked = _locked_booking(booking)
        if locked.slot.starts_at > timezone.now():
            raise ServiceError(
                _("The visit has not started yet: record it once it is done."),
                code="not_yet",
            )
        old = POINT_BOOKING_MACHINE.move(
            locked,
            PointBookingStatus.DONE,
            amount_paid=total.quantize(CENT, ROUND_HALF_UP),
            done_at=timezone.now(),
        )
        for row in rows:
            row.booking = locked
        CollectedItem.objects.bulk_create(rows)
        log_action(
            actor=actor,
            action="pointbooking.done",
            obj=locked,
            changes={
                "status": [old, PointBookingStatus.DONE],
                "amount_paid": str(locked.amount_paid),
                "collected": [f"{r.material} {r.kg}kg {r.amount}" for r in rows],
            },
        )
    return locked


def may_cancel(user: Any, booking: PointBooking) -> bool:
    """Those who run the point; the resident who booked, before the slot starts."""
    if runs_point(user, booking.point):
        return True
    resident = booking.resident
    return (
        resident is not None
        and resident.user_id is not None
        and resident.user_id == getattr(user, "pk", None)
        and booking.slot.starts_at > timezone.now()
    )


def cancel_booking(*, actor: Actor, booking: PointBooking, reason: str = "") -> None:
    """Cancel: the place is freed for someone else (the booking no longer holds it)."""
    with transaction.atomic():
        lock_slot(booking.slot_id)  # one lock order with book_visit: the slot, then the booking
        locked = _locked_booking(booking)
        old = POINT_BOOKING_MACHINE.move(locked, PointBookingStatus.CANCELLED)
        log_action(
            actor=actor,
            action="pointbooking.cancel",
            obj=locked,
            changes={"status": [old, PointBookingStatus.CANCELLED], "reason": reason[:200]},
        )
    booking.status = locked.status


def miss_booking(*, actor: Actor, booking: PointBooking) -> None:
    """The worker came and nobody was in (or the visit did not happen)."""
    with transaction.atomic():
        locked = _locked_booking(booking)
        if locked.slot.starts_at > timezone.now():
            raise ServiceError(
                _("The visit has not started yet: it cannot be missed."), code="not_yet"
            )
        old = POINT_BOOKING_MACHINE.move(locked, PointBookingStatus.MISSED)
        log_action(
            actor=actor,
            action="pointbooking.missed",
            obj=locked,
            changes={"status": [old, PointBookingStatus.MISSED]},
        )
    booking.status = locked.status


def remind_tomorrow(*, actor: Actor, today: date | None = None) -> int:
    """Text each booking of tomorrow's slots once (`reminded_at`); returns how many."""
    today = today or timezone.localdate()
    zone = timezone.get_current_timezone()
    start = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    end = start + timedelta(days=1)
    sent = 0
    # Texts go out in the interface's language, whoever runs the command.
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        due = list(
            PointBooking.objects.select_for_update(of=("self",))
            .filter(
                slot__starts_at__gte=start,
                slot__starts_at__lt=end,
                status__in=[PointBookingStatus.CONFIRMED, PointBookingStatus.ASSIGNED],
                reminded_at__isnull=True,
            )
            .select_related("point", "slot", "resident__user")
        )
        now = timezone.now()
        for booking in due:
            starts = timezone.localtime(booking.slot.starts_at)
            ends = timezone.localtime(booking.slot.ends_at)
            title = _("Home visit tomorrow")
            body = _(
                "%(point)s comes to %(address)s tomorrow between %(start)s and %(end)s. "
                "To change it, call %(phone)s."
            ) % {
                "point": booking.point.name,
                "address": booking.address,
                "start": f"{starts:%H:%M}",
                "end": f"{ends:%H:%M}",
                "phone": booking.point.phone or "-",
            }
            user = booking.resident.user if booking.resident is not None else None
            notify(
                users=[user] if user is not None else [],
                phones=[booking.phone],
                title=title,
                body=body,
                url=reverse("cobuilding:booking_detail", args=[booking.pk]),
            )
            sent += 1
        if due:
            PointBooking.objects.filter(pk__in=[b.pk for b in due]).update(reminded_at=now)
            log_action(
                actor=actor,
                action="pointbooking.remind",
                changes={"bookings": [b.pk for b in due]},
            )
    return sent
