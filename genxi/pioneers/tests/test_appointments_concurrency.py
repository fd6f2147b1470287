"""Two staff end the same appointment at once, on PostgreSQL with threads: one ends it, the
other is told it has ended, and the history holds one "ended" step.

Each thread is a person at the end form with its own session and database connection,
released together by a barrier. With the pioneer's row lock the second waits, reads "ended"
and is refused. With the lock off (`GENXI_PIONEERS_LOCKING = False`, and a pause between
reading the state and writing it so the race shows on every run) both read "serving" and both
write: the second test shows the history then holds two "ended" steps, which is what the lock
prevents.
"""

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from genxi.conftest import World
from genxi.pioneers.models import AppointmentEvent

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = ["alice", "bob"]


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter (SQLite serialises every write)")


def end_twice_at_once(world: World) -> list[Any]:
    url = reverse("pioneers:appointment_end", args=[world.pioneer.pk])
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
            answers[i] = clients[i].post(url, {"reason": f"搬离社区{i}"})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_ending_twice_at_once_ends_once(world: World, settings: Any) -> None:
    answers = end_twice_at_once(world)
    assert sorted(a.status_code for a in answers) == [302, 400]
    refused = next(a for a in answers if a.status_code == 400)
    assert "already" in refused.content.decode() or "已是" in refused.content.decode()
    assert AppointmentEvent.objects.filter(pioneer=world.pioneer, kind="ended").count() == 1


def test_without_the_lock_both_end_it(world: World, settings: Any) -> None:
    settings.GENXI_PIONEERS_LOCKING = False
    settings.GENXI_PIONEERS_RACE_DELAY_MS = 300
    answers = end_twice_at_once(world)
    assert [a.status_code for a in answers] == [302, 302]
    assert AppointmentEvent.objects.filter(pioneer=world.pioneer, kind="ended").count() == 2
