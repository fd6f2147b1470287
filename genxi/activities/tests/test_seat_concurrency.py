"""500 registrations at once for 50 seats, over HTTP against the real server on PostgreSQL.

With the lock (`seats.lock_offering`): exactly 50 confirmed on seats 1–50, 450 waiting, every
request answered, and the line in the order the server serialised the requests. With the lock
switched off (GENXI_SEAT_LOCKING=false) the same burst goes wrong — so this test can fail: the
`registration_one_per_seat` constraint turns racing requests away, and without that constraint
too the offering is overbooked.
"""

import http.client
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection

from genxi.accounts.services import create_api_token
from genxi.activities.models import Registration, RegistrationStatus
from genxi.activities.tests.conftest import Lecture
from genxi.conftest import World

SEATS = 50
PEOPLE = 500
THREADS = 64
WORKERS = 4

Server = Callable[..., AbstractContextManager[str]]


def burst(base_url: str, token: str, offering_id: int) -> list[tuple[int, dict[str, Any]]]:
    """POST one registration per person from THREADS threads released together; the answers
    (status, body) in person order."""
    parts = urlsplit(base_url)
    answers: list[tuple[int, dict[str, Any]]] = [(0, {})] * PEOPLE
    gate = threading.Barrier(THREADS)

    def send(first: int) -> None:
        gate.wait()
        for n in range(first, PEOPLE, THREADS):
            body = json.dumps({"name": f"居民{n}", "phone": f"138{n:08d}"})
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=120)
            try:
                conn.request(
                    "POST",
                    f"/api/v1/offerings/{offering_id}/registrations",
                    body,
                    {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                )
                response = conn.getresponse()
                answers[n] = (response.status, json.loads(response.read() or b"{}"))
            finally:
                conn.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.fixture
def fifty_seats(transactional_db: None, lecture: Lecture, world: World) -> tuple[int, str]:
    """The lecture with 50 seats, and bob's token: he registers 500 people by name and phone
    (staff may; each is a different person)."""
    lecture.offering.capacity = SEATS
    lecture.offering.save(update_fields=["capacity"])
    return lecture.offering.pk, create_api_token(actor=None, user=world["bob"], name="burst")[1]


def held(offering_id: int) -> list[Registration]:
    return list(
        Registration.objects.filter(
            offering_id=offering_id, status=RegistrationStatus.CONFIRMED
        ).order_by("seat")
    )


def test_500_at_once_for_50_seats_leave_50_confirmed_and_the_rest_waiting_in_order(
    fifty_seats: tuple[int, str], real_server: Server
) -> None:
    offering_id, token = fifty_seats
    with real_server(workers=WORKERS) as base_url:
        answers = burst(base_url, token, offering_id)
    assert Counter(status for status, _body in answers) == {201: PEOPLE}
    assert Counter(body["status"] for _s, body in answers) == {
        "confirmed": SEATS,
        "waiting": PEOPLE - SEATS,
    }
    rows = list(Registration.objects.filter(offering_id=offering_id).order_by("position"))
    assert len(rows) == PEOPLE
    # The line: positions 1..500, no gaps or repeats, in the order the server took the lock
    # (each insert comes after the previous request committed: ids and times rise with it).
    assert [r.position for r in rows] == list(range(1, PEOPLE + 1))
    assert [r.pk for r in rows] == sorted(r.pk for r in rows)
    assert [r.created_at for r in rows] == sorted(r.created_at for r in rows)
    # The first 50 in line hold seats 1..50; everyone after them waits.
    assert [r.status for r in rows[:SEATS]] == [RegistrationStatus.CONFIRMED] * SEATS
    assert sorted(r.seat or 0 for r in rows[:SEATS]) == list(range(1, SEATS + 1))
    assert {r.status for r in rows[SEATS:]} == {RegistrationStatus.WAITING}
    assert all(r.seat is None for r in rows[SEATS:])
    # Each answer is the row the server wrote.
    by_id = {r.pk: r for r in rows}
    assert all(by_id[body["id"]].status == body["status"] for _s, body in answers)


def test_without_the_lock_the_constraint_turns_racing_requests_away(
    fifty_seats: tuple[int, str], real_server: Server
) -> None:
    offering_id, token = fifty_seats
    with real_server(
        workers=WORKERS, env={"GENXI_SEAT_LOCKING": "false", "GENXI_SEAT_RACE_DELAY_MS": "50"}
    ) as base_url:
        answers = burst(base_url, token, offering_id)
    refused = [body for status, body in answers if status != 201]
    # The burst's guarantee is broken: people who came in time were refused.
    assert refused, "without the lock, requests should have raced for the same seats"
    assert {body["code"] for body in refused} == {"seat_taken"}
    # ...but the database never let two people hold one seat.
    seats = [r.seat for r in held(offering_id)]
    assert len(seats) <= SEATS and len(seats) == len(set(seats))


@contextmanager
def without_the_seat_constraint() -> Iterator[None]:
    """The test database without `registration_one_per_seat`, restored afterwards (after the
    overbooked rows are gone, or it could not be)."""
    constraint = next(
        c for c in Registration._meta.constraints if c.name == "registration_one_per_seat"
    )
    with connection.schema_editor() as editor:
        editor.remove_constraint(Registration, constraint)
    try:
        yield
    finally:
        Registration.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(Registration, constraint)


def test_without_the_lock_or_the_constraint_the_burst_overbooks(
    fifty_seats: tuple[int, str], real_server: Server
) -> None:
    offering_id, token = fifty_seats
    with (
        without_the_seat_constraint(),
        # A longer pause than above: on a loaded machine the requests must still overlap.
        real_server(
            workers=WORKERS, env={"GENXI_SEAT_LOCKING": "false", "GENXI_SEAT_RACE_DELAY_MS": "150"}
        ) as base_url,
    ):
        answers = burst(base_url, token, offering_id)
        confirmed = held(offering_id)
        seats = Counter(r.seat for r in confirmed)
        assert Counter(status for status, _body in answers) == {201: PEOPLE}
        assert len(confirmed) > SEATS, "without the lock, the burst should have overbooked"
        assert any(n > 1 for n in seats.values())  # two people on one seat
