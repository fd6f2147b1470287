import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from genxi.activities.models import (
    Draw,
    DrawStatus,
    Offering,
    Registration,
    RegistrationStatus,
    WaitlistMode,
)
from genxi.activities.services import registration as reg
from genxi.activities.tests.conftest import Lecture
from genxi.conftest import World
from genxi.core.services import ServiceError
from genxi.places import services as places


def walk_in(lecture: Lecture, n: int, **kw: object) -> Registration:
    return reg.register(
        actor=None,
        offering=lecture.offering,
        name=f"居民{n}",
        phone=f"1380000{n:04d}",
        by_staff=True,
        **kw,
    )


def statuses(offering: Offering) -> list[tuple[str, str, int | None]]:
    return [
        (r.name, r.status, r.seat)
        for r in Registration.objects.filter(offering=offering).order_by("position")
    ]


def test_first_come_fills_the_seats_then_the_waiting_line(lecture: Lecture) -> None:
    for n in range(5):
        walk_in(lecture, n)
    assert statuses(lecture.offering) == [
        ("居民0", "confirmed", 1),
        ("居民1", "confirmed", 2),
        ("居民2", "confirmed", 3),
        ("居民3", "waiting", None),
        ("居民4", "waiting", None),
    ]
    first = Registration.objects.get(name="居民1")
    moved = reg.cancel(actor=None, registration=first, by_staff=True)
    assert [(r.name, r.seat) for r in moved] == [("居民3", 2)]
    assert reg.counts(lecture.offering)["waiting"] == 1


def test_a_resident_registers_once(lecture: Lecture, world: World) -> None:
    reg.register(actor=world.users["erin"], offering=lecture.offering, resident=world.resident1)
    with pytest.raises(ServiceError, match="already registered"):
        reg.register(actor=world.users["erin"], offering=lecture.offering, resident=world.resident1)
    assert Registration.objects.count() == 1


def test_a_retried_submission_makes_one_registration(lecture: Lecture, world: World) -> None:
    token = uuid.uuid4()
    first = reg.register(
        actor=None, offering=lecture.offering, resident=world.resident1, token=token
    )
    again = reg.register(
        actor=None, offering=lecture.offering, resident=world.resident1, token=token
    )
    assert first.pk == again.pk
    assert Registration.objects.count() == 1


def test_household_limit(lecture: Lecture, world: World) -> None:
    lecture.offering.household_limit = 1
    lecture.offering.save()
    neighbour = places.create_resident(
        actor=None, name="周小珍", phone="13812340000", area=world.building1, room="302"
    )
    reg.register(actor=None, offering=lecture.offering, resident=world.resident1)
    with pytest.raises(ServiceError, match="household"):
        reg.register(actor=None, offering=lecture.offering, resident=neighbour)


def test_the_staff_share_is_kept_back_from_residents(lecture: Lecture, world: World) -> None:
    lecture.offering.staff_share = 2
    lecture.offering.save()
    one = reg.register(actor=None, offering=lecture.offering, resident=world.resident1)
    two = reg.register(actor=None, offering=lecture.offering, resident=world.resident2)
    staff = walk_in(lecture, 1)
    assert (one.status, two.status, staff.status) == ("confirmed", "waiting", "confirmed")


def test_capacity_cannot_go_below_the_seats_taken_and_raising_it_promotes(
    lecture: Lecture,
) -> None:
    for n in range(5):
        walk_in(lecture, n)
    with pytest.raises(ServiceError, match="already taken"):
        reg.change_capacity(actor=None, offering=lecture.offering, capacity=2)
    assert Offering.objects.get(pk=lecture.offering.pk).capacity == 3
    moved = reg.change_capacity(actor=None, offering=lecture.offering, capacity=4)
    assert [r.name for r in moved] == ["居民3"]


def test_lowering_capacity_renumbers_high_seats(lecture: Lecture) -> None:
    for n in range(3):
        walk_in(lecture, n)
    reg.cancel(actor=None, registration=Registration.objects.get(name="居民0"), by_staff=True)
    reg.change_capacity(actor=None, offering=lecture.offering, capacity=2)
    assert sorted(s for _n, _s, s in statuses(lecture.offering) if s) == [1, 2]


def test_residents_cannot_cancel_after_the_cutoff(lecture: Lecture, world: World) -> None:
    mine = reg.register(actor=None, offering=lecture.offering, resident=world.resident1)
    late = lecture.session.starts_at - timedelta(hours=1)
    with pytest.raises(ServiceError, match="Cancelling closed"):
        reg.cancel(actor=None, registration=mine, now=late)
    assert Registration.objects.get(pk=mine.pk).status == "confirmed"
    reg.cancel(actor=None, registration=mine, by_staff=True, now=late)
    assert Registration.objects.get(pk=mine.pk).status == "cancelled"


def test_offer_mode_offers_the_freed_seat_with_a_deadline(lecture: Lecture) -> None:
    lecture.activity.waitlist_mode = WaitlistMode.OFFER
    lecture.activity.save()
    for n in range(5):
        walk_in(lecture, n)
    reg.cancel(actor=None, registration=Registration.objects.get(name="居民0"), by_staff=True)
    offered = Registration.objects.get(name="居民3")
    assert offered.status == RegistrationStatus.OFFERED and offered.offer_expires_at
    # Nobody else can take the seat while it is on offer.
    assert walk_in(lecture, 9).status == "waiting"
    later = offered.offer_expires_at + timedelta(minutes=1)
    assert reg.expire_offers(now=later) == 1
    assert Registration.objects.get(name="居民3").status == "waiting"
    assert Registration.objects.get(name="居民4").status == "offered"
    reg.accept_offer(actor=None, registration=Registration.objects.get(name="居民4"))
    assert Registration.objects.get(name="居民4").status == "confirmed"


def test_a_full_offering_with_no_waiting_list_refuses(lecture: Lecture) -> None:
    lecture.offering.waitlist_size = 0
    lecture.offering.save()
    for n in range(3):
        walk_in(lecture, n)
    with pytest.raises(ServiceError, match="full"):
        walk_in(lecture, 4)
    assert Registration.objects.count() == 3


def test_residents_of_other_streets_are_refused(lecture: Lecture, world: World) -> None:
    with pytest.raises(ServiceError, match="not open to residents"):
        reg.register(actor=None, offering=lecture.offering, resident=world.loubei_resident)


def test_applications_close_when_the_roster_is_frozen(
    term_offering: Offering, world: World
) -> None:
    first = reg.register(actor=None, offering=term_offering, resident=world.resident1)
    assert first.status == RegistrationStatus.APPLIED
    assert first.tier == reg.TIER_PRIORITY  # a first-timer at this course
    Draw.objects.create(
        offering=term_offering, sources="福彩3D", draw_at=timezone.now(), status=DrawStatus.FROZEN
    )
    with pytest.raises(ServiceError, match="frozen"):
        reg.register(actor=None, offering=term_offering, resident=world.resident2)
