import logging

import pytest

from genxi.conftest import World
from genxi.core.models import Notification
from genxi.demands import services
from genxi.demands.models import HandlingPath
from genxi.demands.tests.conftest import collect
from genxi.places.models import Resident

pytestmark = pytest.mark.django_db


def test_reporters_and_handlers_hear_after_commit(
    world: World, category, django_capture_on_commit_callbacks, caplog
) -> None:
    demand = collect(world, category)
    services.add_reporter(
        actor=None, demand=demand, resident=Resident.objects.get(user=world["erin"])
    )
    caplog.set_level(logging.INFO, logger="genxi.notify")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.accept(actor=world["bob"], demand=demand)
    assert callbacks  # nothing is sent before the accept has committed
    inbox = Notification.objects.get(user=world["erin"])
    assert inbox.title == "您反映的诉求已受理" and demand.code in inbox.body
    # 周福珍 has no account but agreed to be contacted: a text, logged with her number masked.
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text

    services.verify(actor=world["bob"], demand=demand, findings="x")
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(
            actor=world["bob"], demand=demand, path=HandlingPath.PARTNER, partner=world.partner
        )
    assert Notification.objects.get(user=world["dave"]).url == demand.get_absolute_url()


def test_a_refused_step_tells_nobody(
    world: World, category, django_capture_on_commit_callbacks
) -> None:
    demand = collect(world, category)
    services.accept(actor=world["bob"], demand=demand)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(services.ServiceError),
    ):
        services.accept(actor=world["bob"], demand=demand)
    assert not callbacks


def test_the_inbox_lists_and_marks_read(world: World, client) -> None:
    Notification.objects.create(user=world["erin"], title="您反映的诉求已受理", body="查询码 X")
    client.force_login(world["erin"])
    assert 'class="badge"' in client.get("/").content.decode()
    html = client.get("/inbox/").content.decode()
    assert "您反映的诉求已受理" in html and 'class="unread"' in html
    assert not Notification.objects.filter(read_at=None).exists()
    assert 'class="badge"' not in client.get("/").content.decode()
