"""Twenty phones scan one code at the same moment, over HTTP against the real server (gunicorn,
several workers, PostgreSQL): one check-in, nineteen "already". The unique (registration,
session) constraint is the guarantee; the batch upload of an offline queue races the same way."""

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from genxi.accounts.services import create_api_token
from genxi.activities import codes
from genxi.activities.models import Attendance
from genxi.activities.tests.test_checkin import door_session, reg
from genxi.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)

Server = Callable[..., AbstractContextManager[str]]


def burst(url: str, token: str, bodies: list[Any]) -> list[tuple[int, Any]]:
    """POST every body at once (the threads start together at a barrier)."""
    gate = threading.Barrier(len(bodies))
    answers: list[tuple[int, Any]] = [(0, None)] * len(bodies)

    def send(i: int) -> None:
        request = urllib.request.Request(
            url,
            data=json.dumps(bodies[i]).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        gate.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answers[i] = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as exc:
            answers[i] = (exc.code, json.loads(exc.read() or b"null"))
            exc.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


# The key the real server signs QR codes with (tests/server.py sets it).
SERVER_KEY = "real-server-test-key-" + "x" * 40


@contextmanager
def started(real_server: Server, workers: int = 4) -> Iterator[str]:
    """The real server, tried again if it was too slow to start on a busy machine."""
    for attempt in range(3):
        try:
            # One import of the app, forked: the workers are up at once on a busy machine.
            server = real_server(workers=workers, env={"GUNICORN_CMD_ARGS": "--preload"})
            base = server.__enter__()
        except RuntimeError:
            if attempt == 2:
                raise
            continue
        try:
            yield base
        finally:
            server.__exit__(None, None, None)
        return


def test_twenty_scans_of_one_code_at_once_make_one_check_in(
    world: World, real_server: Server, settings: Any
) -> None:
    door = door_session(world, capacity=50)
    r = reg(door.offering, "甲")
    _row, token = create_api_token(actor=None, user=world["carol"], name="door phone")
    url_path = f"/api/v1/sessions/{door.session.pk}/check-ins"
    settings.SECRET_KEY = SERVER_KEY
    payload = codes.qr_payload(r.code)
    with started(real_server) as base:
        answers = burst(base + url_path, token, [{"code": payload}] * 20)
    statuses = Counter(status for status, _body in answers)
    assert statuses == {201: 1, 200: 19}, answers
    assert {body["result"] for status, body in answers if status == 200} == {"already"}
    assert Attendance.objects.filter(registration=r).count() == 1


def test_offline_queues_uploaded_at_once_count_each_code_once(
    world: World, real_server: Server
) -> None:
    door = door_session(world, capacity=50)
    regs = [reg(door.offering, f"居民{i}") for i in range(10)]
    _row, token = create_api_token(actor=None, user=world["carol"], name="door phone")
    at = (timezone.now() - timedelta(minutes=5)).isoformat()
    # Ten phones went offline together and scanned the same ten people; they come back at once.
    queue = [{"code": r.code, "at": at} for r in regs]
    url_path = f"/api/v1/sessions/{door.session.pk}/check-ins/batch"
    with started(real_server) as base:
        answers = burst(base + url_path, token, [queue] * 10)
    assert {status for status, _body in answers} == {200}, answers
    assert sum(body["checked_in"] for _status, body in answers) == 10
    assert sum(body["already"] for _status, body in answers) == 90
    assert Attendance.objects.filter(session=door.session).count() == 10
