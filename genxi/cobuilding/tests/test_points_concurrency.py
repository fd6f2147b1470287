"""Two bookings of a slot's last place at once, and the same slots added twice at once, on
PostgreSQL with threads: one wins.

Each thread is a person at the booking form (staff taking a call, the provider taking another),
with its own session and database connection, released together by a barrier. With the slot's
row lock (`services.points.lock_slot`) the second waits, counts the place taken and is told the
slot is full. With the lock off (`GENXI_COBUILDING_LOCKING = False`, and a pause between
counting and writing so the race shows on every run) both count a free place: the partial
unique (slot, place) constraint turns the second away with a different refusal, so the first
test's assertions fail without the lock.

The threads post to the views in this process (Django's test client): the settings switch must
reach the code that books, and a settings override does not reach a separate server process.
"""

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from genxi.cobuilding.models import BookingChannel, PointBooking, ServicePoint, VisitSlot
from genxi.cobuilding.services import points as services
from genxi.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = ["bob", "dave"]


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter (SQLite serialises every write)")


def race_for_the_last_place(world: World, point: ServicePoint) -> list[Any]:
    slot = VisitSlot.objects.get(point=point)
    # One of the two places is held already: the burst is for the last one.
    services.book_visit(
        actor=world["bob"],
        slot=slot,
        channel=BookingChannel.STAFF_CALL,
        resident=world.resident2,
    )
    url = reverse("cobuilding:point_book", args=[point.pk])
    clients = []
    for name in PEOPLE:
        client = Client()
        client.force_login(world[name])
        clients.append(client)
    gate = threading.Barrier(len(clients))
    answers: list[Any] = [None] * len(clients)

    def post(i: int) -> None:
        try:
            gate.wait()
            answers[i] = clients[i].post(
                url,
                {
                    "slot": slot.pk,
                    "name": f"居民{i}",
                    "phone": f"1370000000{i}",
                    "address": f"三花苑{i + 3}幢",
                },
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def one_won(answers: list[Any], point: ServicePoint) -> None:
    """One booked; the other was counted out under the lock and told the slot is full."""
    assert sorted(a.status_code for a in answers) == [302, 400]
    refused = next(a for a in answers if a.status_code == 400).content.decode()
    assert "该时段已约满" in refused  # counted under the lock, not caught by the constraint
    held = PointBooking.objects.filter(slot__point=point).order_by("place")
    assert [b.place for b in held] == [1, 2]


def test_two_bookings_of_the_last_place_at_once_make_one(world: World, point: ServicePoint) -> None:
    # The setting as deployed (GENXI_COBUILDING_LOCKING unset means on).
    one_won(race_for_the_last_place(world, point), point)


def test_without_the_lock_the_same_race_fails_and_only_the_constraint_holds(
    world: World, point: ServicePoint, settings: Any
) -> None:
    settings.GENXI_COBUILDING_LOCKING = False
    settings.GENXI_COBUILDING_RACE_DELAY_MS = 300
    answers = race_for_the_last_place(world, point)
    with pytest.raises(AssertionError):
        one_won(answers, point)
    refused = [a.content.decode() for a in answers if a.status_code == 400]
    # Both counted the place free: the second learns of it only from the unique constraint...
    assert len(refused) == 1 and "同一时刻有人约走了这个名额" in refused[0]
    # ...which still never lets two households hold one place.
    places = list(PointBooking.objects.filter(slot__point=point).values_list("place", flat=True))
    assert sorted(places) == [1, 2]


def race_to_add_the_same_slots(world: World, point: ServicePoint) -> list[Any]:
    from datetime import timedelta

    from django.utils import timezone

    url = reverse("cobuilding:slot_add", args=[point.pk])
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    clients = []
    for name in PEOPLE:
        client = Client()
        client.force_login(world[name])
        clients.append(client)
    gate = threading.Barrier(len(clients))
    answers: list[Any] = [None] * len(clients)

    def post(i: int) -> None:
        try:
            gate.wait()
            answers[i] = clients[i].post(
                url,
                {"first_day": day, "starts": "14:00", "ends": "15:00", "capacity": 2, "weeks": 3},
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def slots_made_once(answers: list[Any], point: ServicePoint) -> None:
    assert sorted(a.status_code for a in answers) == [302, 400]
    refused = next(a for a in answers if a.status_code == 400).content.decode()
    assert "已有时段" in refused  # seen under the lock, not caught by the constraint
    assert VisitSlot.objects.filter(point=point).count() == 1 + 3  # the fixture's and three


def test_the_same_slots_added_twice_at_once_are_made_once(
    world: World, point: ServicePoint
) -> None:
    """Staff and the provider add the same slots at the same moment: the point's row lock makes
    the second see the first's slots and be refused in words."""
    slots_made_once(race_to_add_the_same_slots(world, point), point)


def test_without_the_point_lock_the_constraint_refuses_and_never_a_500(
    world: World, point: ServicePoint, settings: Any
) -> None:
    settings.GENXI_COBUILDING_LOCKING = False
    settings.GENXI_COBUILDING_RACE_DELAY_MS = 300
    answers = race_to_add_the_same_slots(world, point)
    with pytest.raises(AssertionError):
        slots_made_once(answers, point)
    refused = [a.content.decode() for a in answers if a.status_code == 400]
    assert len(refused) == 1 and "刚有人在其中某个时间添加了时段" in refused[0]
    assert VisitSlot.objects.filter(point=point).count() == 1 + 3
