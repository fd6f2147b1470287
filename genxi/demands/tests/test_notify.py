import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import expect

from genxi.accounts.models import Role
from genxi.accounts.services import grant_membership
from genxi.conftest import PASSWORD, World
from genxi.core.models import Notification
from genxi.demands import services
from genxi.demands.models import Demand, DemandEvent, EventKind, HandlingPath
from genxi.demands.tests.conftest import collect
from genxi.places.models import Resident
from tests.browser import PHONE, log_in, shot

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
    world: World, category, django_capture_on_commit_callbacks, caplog
) -> None:
    """Two members of staff accept the same demand. The second one's step passes every check on
    the demand as they read it and is refused inside its transaction, by the compare-and-set:
    the reporters, who hear of an accepted demand, must hear nothing of it."""
    demand = collect(world, category)  # for 周福珍, who takes texts
    services.add_reporter(
        actor=None, demand=demand, resident=Resident.objects.get(user=world["erin"])
    )  # and erin, who has an inbox
    on_alices_screen = Demand.objects.get(pk=demand.pk)  # read while still awaiting acceptance
    with django_capture_on_commit_callbacks() as first:
        services.accept(actor=world["bob"], demand=demand)
    assert first  # the step that won tells the reporters (once it commits)
    caplog.set_level(logging.INFO, logger="genxi.notify")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(services.StaleDemand),
    ):
        services.accept(actor=world["alice"], demand=on_alices_screen)
    assert not callbacks
    assert not Notification.objects.exists()
    assert "138****5678" not in caplog.text
    # Refused before it starts (the map does not allow it): nobody hears either.
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


def test_the_daily_sweep_reminds_once_and_escalates_once(
    world: World, category, django_capture_on_commit_callbacks
) -> None:
    grant_membership(actor=None, user=world["nobody"], role=Role.COMMUNITY_STAFF, area=world.hetai)
    due_soon = collect(world, category, today=date(2026, 11, 20))  # resolve by Fri 11-27
    services.accept(actor=world["bob"], demand=due_soon)  # accepted in time: only resolution is due
    late = collect(world, category, title="休憩亭破损", today=date(2026, 11, 2))  # accept by 11-03
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.remind_and_escalate(today=date(2026, 11, 26))
    assert counts == {"reminded": 1, "escalated": 1, "callbacks_due": 0}
    assert Notification.objects.filter(user=world["nobody"], title__contains="即将到期").exists()
    assert Notification.objects.filter(user=world["alice"], title__contains="超时").exists()
    assert not Notification.objects.filter(user=world["oscar"]).exists()  # another street
    again = services.remind_and_escalate(today=date(2026, 11, 26))
    assert again == {"reminded": 0, "escalated": 0, "callbacks_due": 0}
    assert DemandEvent.objects.filter(demand=due_soon, kind=EventKind.REMINDED).count() == 1
    assert DemandEvent.objects.filter(demand=late, kind=EventKind.ESCALATED).count() == 1
    call_command("remind_demands")  # today's date: runs and reports, whatever it finds


def test_staff_and_reporters_hear_when_a_call_back_falls_due(
    world: World, category, django_capture_on_commit_callbacks
) -> None:
    SH = ZoneInfo("Asia/Shanghai")

    def sweep(day: date) -> int:
        with time_machine.travel(datetime(day.year, day.month, day.day, 9, tzinfo=SH)):
            return services.remind_and_escalate(today=day)["callbacks_due"]

    erin = Resident.objects.get(user=world["erin"])
    demand = collect(world, category, reporters=[world.resident1, erin])
    with time_machine.travel(date(2026, 11, 20)):  # resolved on a Friday
        services.accept(actor=world["bob"], demand=demand)
        services.verify(actor=world["bob"], demand=demand, findings="门宽50厘米")
        services.assign(actor=world["bob"], demand=demand, path="community")
        services.resolve(actor=world["bob"], demand=demand, result="已拓宽")
    Notification.objects.all().delete()
    # Two working days later is Tuesday: nothing on Monday.
    assert sweep(date(2026, 11, 23)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(date(2026, 11, 24)) == 1
    assert Notification.objects.filter(user=world["bob"], title__contains="回访").exists()
    assert Notification.objects.filter(user=world["erin"], title__contains="回访").exists()
    assert sweep(date(2026, 11, 25)) == 0
    # "Not satisfied" reopens; once resolved again, the next round is due again — and only
    # those not yet called back in the new round are told.
    with time_machine.travel(date(2026, 11, 25)):
        services.record_callback(
            actor=world["bob"], demand=demand, resident=erin, result="not_satisfied"
        )
        services.resolve(actor=world["bob"], demand=demand, result="再次拓宽")
        demand.refresh_from_db()
        services.record_callback(
            actor=world["bob"], demand=demand, resident=erin, result="satisfied"
        )
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(date(2026, 11, 27)) == 1
    assert not Notification.objects.filter(user=world["erin"]).exists()  # already answered
    # Everyone answered: no reminder. Resolved more than 30 days ago: left to the ledger.
    other = collect(world, category, title="座椅不够", reporters=[erin])
    with time_machine.travel(date(2026, 9, 1)):
        for step, kwargs in [
            (services.accept, {}),
            (services.verify, {"findings": "x"}),
            (services.assign, {"path": "community"}),
            (services.resolve, {"result": "增设"}),
        ]:
            step(actor=world["bob"], demand=other, **kwargs)  # type: ignore[operator]
    assert sweep(date(2026, 11, 30)) == 0
    services.record_callback(actor=world["bob"], demand=other, resident=erin, result="satisfied")
    assert sweep(date(2026, 9, 10)) == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_resident_hears_in_the_inbox_and_anyone_tracks_by_code(
    world: World, category, live_server, page
) -> None:
    demand = collect(world, category)
    services.add_reporter(
        actor=None, demand=demand, resident=Resident.objects.get(user=world["erin"])
    )
    services.accept(actor=world["bob"], demand=demand)  # committed: the inbox message is written
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "erin", PASSWORD)
    expect(page.locator(".usermenu .badge")).to_have_text("1")
    page.click(".usermenu summary")
    page.click("text=通知")
    expect(page.locator(".rows")).to_contain_text("您反映的诉求已受理")
    shot(page, "phone-inbox")
    page.click("text=您反映的诉求已受理")  # the message links to public tracking by code
    expect(page.locator(".status")).to_have_text("处理中")
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/track/")
    page.fill("input[name=code]", "WRONG123")
    page.click("button[type=submit]")
    expect(page.locator(".errors")).to_contain_text("没有找到")
    page.fill("input[name=code]", demand.code.lower())
    page.click("button[type=submit]")
    expect(page.locator(".timeline")).to_contain_text("受理")
    expect(page.locator("body")).not_to_contain_text("周福珍")
    shot(page, "phone-track")
