import pytest
from django.db import IntegrityError, transaction

from genxi.activities.models import Registration, RegistrationStatus
from genxi.activities.services.seats import Room, lock_offering, seat_waiting
from genxi.activities.tests.conftest import Lecture


def _reg(lecture: Lecture, n: int, **kw: object) -> Registration:
    return Registration.objects.create(
        offering=lecture.offering,
        activity=lecture.activity,
        name=f"居民{n}",
        person_key=f"p{n}",
        position=n,
        **kw,
    )


def test_waiting_people_take_free_seats_in_line_order(lecture: Lecture) -> None:
    for n in (3, 1, 2, 4):
        _reg(lecture, n, status=RegistrationStatus.WAITING)
    with transaction.atomic():
        offering = lock_offering(lecture.offering.pk)
        moved = seat_waiting(offering, Room.load(offering))
    assert [r.name for r in moved] == ["居民1", "居民2", "居民3"]
    assert sorted(r.seat or 0 for r in moved) == [1, 2, 3]
    assert Registration.objects.get(name="居民4").status == RegistrationStatus.WAITING


def test_the_database_refuses_two_registrations_on_one_seat(lecture: Lecture) -> None:
    _reg(lecture, 1, status=RegistrationStatus.CONFIRMED, seat=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        _reg(lecture, 2, status=RegistrationStatus.CONFIRMED, seat=1)


def test_staff_share_is_kept_for_staff(lecture: Lecture) -> None:
    lecture.offering.staff_share = 1
    lecture.offering.save()
    _reg(lecture, 1, status=RegistrationStatus.CONFIRMED, seat=1)
    _reg(lecture, 2, status=RegistrationStatus.CONFIRMED, seat=2)
    room = Room.load(lecture.offering)
    assert not room.open_to(by_staff=False, community_id=None)
    assert room.open_to(by_staff=True, community_id=None)
