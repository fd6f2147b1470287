"""Two bookings of one venue slot at once make one booking: staff post the booking form at the
same moment to the real server (gunicorn workers on PostgreSQL), each in their own session."""

import re
import threading
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone

from genxi.conftest import PASSWORD, build_world
from genxi.places.models import BookingStatus, VenueBooking

pytestmark = pytest.mark.django_db(transaction=True)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def logged_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    token = CSRF.search(page.text)
    assert token, page.status_code
    answer = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]},
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


def test_two_bookings_of_one_slot_at_once_make_one_booking(
    real_server: Callable[..., Any], settings: Any
) -> None:
    # The server checks passwords with its own hashers (the suite's fast MD5 is not one).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    world = build_world()
    venue = world.venue
    day = timezone.localdate() + timedelta(days=5)
    zone = timezone.get_current_timezone()
    # Pages render with the source's static files (DEBUG), not a collected manifest.
    with real_server(workers=3, env={"GENXI_DEBUG": "true"}) as base:
        url = f"{base}/venues/{venue.pk}/book/"
        people = ["bob", "alice", "bob", "alice", "bob", "alice"]
        sessions = [logged_in(base, name) for name in people]
        forms = []
        for session in sessions:
            page = session.get(url, timeout=30)
            assert page.status_code == 200
            token = CSRF.search(page.text)
            assert token
            forms.append(token[1])
        barrier = threading.Barrier(len(sessions))
        answers: list[Any] = [None] * len(sessions)

        def post(i: int) -> None:
            start = 14 + (i % 2)  # 14:00–16:00 and 15:00–17:00: every pair overlaps
            data = {
                "csrfmiddlewaretoken": forms[i],
                "day": day.isoformat(),
                "start": f"{start}:00",
                "end": f"{start + 2}:00",
                "purpose": "activity",
                "title": f"活动{i}",
            }
            barrier.wait()
            answers[i] = sessions[i].post(
                url, data=data, headers={"Referer": url}, allow_redirects=False, timeout=60
            )

        threads = [threading.Thread(target=post, args=(i,)) for i in range(len(sessions))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    codes = sorted(a.status_code for a in answers)
    assert codes == [302] + [400] * (len(sessions) - 1), codes
    refusals = [a.text for a in answers if a.status_code == 400]
    assert all("已被预订" in text for text in refusals)
    held = VenueBooking.objects.filter(venue=venue, status=BookingStatus.CONFIRMED)
    assert held.count() == 1
    booking = held.get()
    assert timezone.localtime(booking.starts_at).date() == day
    assert booking.starts_at >= datetime.combine(day, time(14), tzinfo=zone)
