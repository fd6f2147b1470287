"""Two refreshes of the same area at once (the scheduler's and an "update now") both succeed:
the snapshot's writes are upserts on its unique constraint. PostgreSQL only (SQLite writes one
at a time)."""

import threading
from datetime import date

import pytest
from django.db import connection, connections

from genxi.conftest import World
from genxi.dashboards import snapshot
from genxi.dashboards.models import FigureValue
from genxi.dashboards.tests.dashboard_fake import fake_panel  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fake_panel")]


def test_racing_refreshes(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            snapshot.refresh(areas=[world.street, world.hetai], today=date(2026, 5, 20))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert FigureValue.objects.count() == (4 + 3 + 11) * 3 * 2  # one row per figure, no more
