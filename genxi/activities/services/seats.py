"""Seats: the one place that counts them and hands them out.

Every path that takes or frees a seat — registering, cancelling, promoting from the waiting
list, accepting an offer, a draw's result, a walk-in at the door, changing the capacity — runs
inside one transaction and calls `lock_offering` first, as pretix locks its quotas: once, as
late as possible (after the request was validated), and always the offering row alone, so there
is one lock order and no deadlock. Availability is then counted from the registration rows
(`Room.load`); no counter is kept. The database backs the lock: `registration_one_per_seat`
(offering, seat) is unique, so even a path that forgot the lock could not seat two people on
one seat number, and `registration_seat_iff_held` keeps seat numbers on held registrations only.

Isolation: READ COMMITTED (the default of PostgreSQL and Django) is enough, because the lock
serialises the deciding transactions and each re-reads the rows after acquiring it. SQLite
takes its write lock at BEGIN (`transaction_mode = IMMEDIATE` in settings), which serialises
them as well.

`settings.GENXI_SEAT_LOCKING = False` skips the row lock. It exists only so that the
concurrency test can show that, without it, the burst overbooks (or trips the constraint);
with it off, `GENXI_SEAT_RACE_DELAY_MS` also pauses between counting and writing, so that the
race shows on every run and not only when the machine happens to be busy.
"""

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from genxi.activities.models import (
    HOLDS_SEAT,
    Offering,
    Registration,
    RegistrationStatus,
)


def lock_offering(offering_id: int) -> Offering:
    """The offering row, locked until the transaction ends (call inside `atomic`)."""
    queryset = Offering.objects.select_related("activity", "session__activity")
    if settings.GENXI_SEAT_LOCKING:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.get(pk=offering_id)


@dataclass
class Room:
    """An offering's seats as its rows say now (read under the lock)."""

    offering: Offering
    taken: set[int] = field(default_factory=set)
    held: int = 0
    held_by_community: Counter[int | None] = field(default_factory=Counter)
    quotas: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls, offering: Offering) -> "Room":
        room = cls(offering=offering)
        # No ordering: the model's default would join the offering and the activity to sort.
        rows = (
            Registration.objects.filter(offering=offering, status__in=HOLDS_SEAT)
            .order_by()
            .values_list("seat", "community_id")
        )
        for seat, community_id in rows:
            if seat is not None:
                room.taken.add(seat)
            room.held += 1
            room.held_by_community[community_id] += 1
        room.quotas = dict(offering.quotas.values_list("community_id", "places"))
        if not settings.GENXI_SEAT_LOCKING and settings.GENXI_SEAT_RACE_DELAY_MS:
            # The unlocked demonstration only: widen the gap between counting and writing, so
            # that the race the lock prevents shows on every run, not only on a busy machine.
            time.sleep(settings.GENXI_SEAT_RACE_DELAY_MS / 1000)
        return room

    @property
    def free(self) -> int:
        return max(0, self.offering.capacity - self.held)

    def open_to(self, *, by_staff: bool, community_id: int | None) -> bool:
        """Whether a seat is free for this person: within the capacity, outside the share kept
        for staff (unless staff register them), and within their community's quota."""
        capacity = self.offering.capacity
        if self.held >= capacity:
            return False
        if not by_staff and self.held >= capacity - self.offering.staff_share:
            return False
        if self.quotas:
            if community_id in self.quotas:
                return self.held_by_community[community_id] < self.quotas[community_id]
            # People from communities without a quota share what the quotas leave.
            unallotted = capacity - sum(self.quotas.values())
            outside = sum(n for c, n in self.held_by_community.items() if c not in self.quotas)
            return outside < unallotted
        return True

    def take(self, *, community_id: int | None) -> int:
        """The lowest free seat number, now counted as held."""
        seat = next(n for n in range(1, self.offering.capacity + 1) if n not in self.taken)
        self.taken.add(seat)
        self.held += 1
        self.held_by_community[community_id] += 1
        return seat

    def release(self, seat: int, *, community_id: int | None) -> None:
        self.taken.discard(seat)
        self.held -= 1
        self.held_by_community[community_id] -= 1


def next_position(offering: Offering) -> int:
    """The end of the line: after every registration so far (read under the lock)."""
    last = Registration.objects.filter(offering=offering).aggregate(m=Max("position"))["m"]
    return (last or 0) + 1


def waiting_line(offering: Offering) -> list[Registration]:
    """Who waits, in the order seats go to them: tier, then the draw's rank or sign-up order."""
    return list(
        Registration.objects.filter(offering=offering, status=RegistrationStatus.WAITING)
        .select_related("resident", "guardian")
        .order_by("tier", "position", "id")
    )


def seat_waiting(
    offering: Offering, room: Room, *, now: datetime | None = None
) -> list[Registration]:
    """Give the free seats to the people waiting, in line order, each as their quota and the
    staff share allow (someone registered by staff may use the staff share). With the
    activity's "offer" mode the seat is offered until the deadline; otherwise confirmed.

    Call with the offering locked. Returns the registrations that moved, for the caller to
    notify (a text when a seat opens) and log.
    """
    if room.free == 0:
        return []
    now = now or timezone.now()
    activity = offering.activity
    offer = activity.waitlist_mode == "offer"
    moved: list[Registration] = []
    for reg in waiting_line(offering):
        if room.free == 0:
            break
        if not room.open_to(by_staff=reg.by_staff, community_id=reg.community_id):
            continue
        reg.seat = room.take(community_id=reg.community_id)
        if offer:
            reg.status = RegistrationStatus.OFFERED
            reg.offer_expires_at = now + timedelta(hours=activity.offer_hours)
        else:
            reg.status = RegistrationStatus.CONFIRMED
        reg.updated_at = now
        moved.append(reg)
    if moved:
        Registration.objects.bulk_update(
            moved, ["seat", "status", "offer_expires_at", "updated_at"]
        )
    return moved
