"""Two refreshes of the same area at once (the scheduler's and an "update now") both succeed:
the snapshot's writes are upserts on its unique constraint. PostgreSQL only (SQLite writes one
at a time). And the scheduled refresh of every area runs one at a time."""

import io
import threading
from datetime import date

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, connections

from genxi.conftest import World
from genxi.dashboards import snapshot
from genxi.dashboards.models import FigureValue
from genxi.dashboards.tasks import refresh_dashboards
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


@pytest.mark.django_db
def test_a_scheduled_refresh_skips_while_another_runs(world: World) -> None:
    """The nightly --full outlasts 15 minutes at a district's scale: the runs the scheduler
    starts meanwhile skip (another process holds the lock) instead of doubling the load."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    other = psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        user=connection.settings_dict["USER"],
        host=connection.settings_dict["HOST"],
        port=connection.settings_dict["PORT"] or 5432,
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [snapshot.REFRESH_LOCK])
        out = io.StringIO()
        call_command("dashboards_refresh", stdout=out)
        assert "另一次更新仍在进行，本次跳过" in out.getvalue()
        assert refresh_dashboards.call() == 0
        assert not FigureValue.objects.exists()
        # --area (the "update now" of one area) is not held up
        call_command("dashboards_refresh", "--area", str(world.hetai.pk), stdout=io.StringIO())
        assert FigureValue.objects.filter(area=world.hetai).exists()
    finally:
        other.execute("SELECT pg_advisory_unlock(%s)", [snapshot.REFRESH_LOCK])
        other.close()
    out = io.StringIO()
    call_command("dashboards_refresh", stdout=out)
    assert "项数字" in out.getvalue() and FigureValue.objects.filter(area=world.street).exists()
