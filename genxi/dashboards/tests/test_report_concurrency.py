"""One person asking for reports of several areas at once gets no more than the cap
(`report.IN_FLIGHT_PER_USER`) on their way: the person's row is locked before the count.
PostgreSQL only (SQLite writes one at a time). The same race without the lock must overshoot,
so the test can fail."""

import threading
import time
from datetime import date
from typing import Any

import pytest
from django.db import connection, connections

from genxi.conftest import World
from genxi.core.services import ServiceError
from genxi.dashboards import report
from genxi.dashboards.models import Report

pytestmark = pytest.mark.django_db(transaction=True)
NOVEMBER = date(2026, 11, 1)


def _race(world: World, monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[str]]:
    """Five requests by alice for five areas at once, each pausing between its count and its
    write; the reports made and the refusals' messages."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    monkeypatch.setattr(report, "_enqueue", lambda report_id: None)  # no PDF is made here
    real_create = Report.objects.create

    def slow_create(**kwargs: Any) -> Report:
        time.sleep(0.2)  # the others count in the meantime, unless they wait for the lock
        return real_create(**kwargs)

    monkeypatch.setattr(Report.objects, "create", slow_create)
    areas = [world.street, world.hetai, world.compound, world.building1, world.building2]
    barrier = threading.Barrier(len(areas))
    refused: list[str] = []
    errors: list[BaseException] = []

    def ask(area: Any) -> None:
        try:
            barrier.wait()
            report.request_report(actor=world["alice"], area=area, month=NOVEMBER)
        except ServiceError as error:
            refused.append(str(error))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=[area]) for area in areas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return Report.objects.filter(requested_by=world["alice"]).count(), refused


def test_five_requests_at_once_for_five_areas_make_three(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, refused = _race(world, monkeypatch)
    assert made == report.IN_FLIGHT_PER_USER
    assert len(refused) == 2 and all("已有 3 份报告正在生成" in text for text in refused)
    # The twin, on the same world: without the lock the same race overshoots the cap.
    Report.objects.all().delete()
    monkeypatch.setattr(report, "_lock_requester", lambda actor: None)
    made, _refused = _race(world, monkeypatch)
    assert made > report.IN_FLIGHT_PER_USER, "without the lock, the requests should race"
