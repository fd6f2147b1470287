"""The monthly report: its PDF's contents, the archive that never changes, the schedule's
command, the pages (scoped), and the failure path.

The panels with the real figures are written elsewhere; here a stand-in demands panel calls the
demands' own figure function (`demands.figures.compute`), and a tiny fake panel checks that the
report shows whatever panels are registered.
"""

import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from genxi.conftest import World
from genxi.core import images
from genxi.core.services import ServiceError
from genxi.dashboards import registry, report
from genxi.dashboards.models import Report, ReportStatus
from genxi.dashboards.registry import COUNT, LIST, RATE, Figure, Panel, Scope, Value
from genxi.demands import figures, services
from genxi.demands.models import Category, HandlingPath, Satisfaction

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOVEMBER = date(2026, 11, 1)


def at(day: date, hour: int = 10) -> Any:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SH), tick=False)


def _demands(scope: Scope) -> dict[str, Value]:
    f = figures.compute(user=scope.reader, area=scope.area, start=scope.start, end=scope.end)
    holds_today = scope.start <= scope.today <= scope.end
    return {
        "demands.collected": Value(f.collected),
        "demands.resolved": Value(f.resolved),
        "demands.resolution_rate": Value(f.resolution.numerator, f.resolution.denominator),
        "demands.satisfaction_rate": Value(f.satisfaction.numerator, f.satisfaction.denominator),
        "demands.overdue": Value(f.overdue_now if holds_today else None),
        "demands.needs": Value(items=[[name, n] for name, n in f.high_frequency]),
    }


DEMANDS = Panel(
    key="demands",
    label="诉求",
    order=10,
    figures=(
        Figure("demands.collected", "收集诉求", COUNT, "", ""),
        Figure("demands.resolved", "解决诉求", COUNT, "", ""),
        Figure("demands.resolution_rate", "解决率", RATE, "", ""),
        Figure("demands.satisfaction_rate", "满意率", RATE, "", ""),
        Figure("demands.overdue", "逾期诉求", COUNT, "", "", higher_is_better=False),
        Figure("demands.needs", "高频诉求", LIST, "", ""),
    ),
    compute=_demands,
)
FAKE = Panel(
    key="fake",
    label="测试面板",
    order=99,
    figures=(Figure("fake.things", "测试数字", COUNT, "", ""),),
    compute=lambda scope: {"fake.things": Value(42)},
)


@pytest.fixture
def panels() -> Iterator[None]:
    """The stand-in demands panel and the fake one, registered for one test only."""
    saved = dict(registry._PANELS)
    registry._PANELS.clear()
    registry.register(DEMANDS)
    registry.register(FAKE)
    yield
    registry._PANELS.clear()
    registry._PANELS.update(saved)


def photo() -> Any:
    image = Image.new("RGB", (3000, 2000), (40, 120, 200))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return images.clean_photo(SimpleUploadedFile("done.jpg", out.getvalue(), "image/jpeg"))


def build_month(world: World) -> dict[str, Any]:
    """November 2026 in 白洋湾街道: a gate fixed and closed out (a photo, satisfied), seats
    resolved, a lamp never accepted (overdue), one demand in 宝祥社区; one a year earlier."""
    root = services.create_category(
        actor=None, name="公共设施", response_days=1, resolution_days=10
    )
    cat: Category = services.create_category(
        actor=None, name="出入口与通道", parent=root, response_days=1, resolution_days=5
    )

    def collect(title: str, day: date, area: Any = None, **kw: Any) -> Any:
        with at(day):
            return services.collect_demand(
                actor=world["carol"] if area is None else world["alice"],
                title=title,
                category=cat,
                area=area or world.building1,
                channel="visit",
                reporters=kw.pop("reporters", [world.resident1]),
                today=day,
                **kw,
            )

    collect("去年的井盖", date(2025, 11, 10))
    gate = collect(
        "南门非机动车道太窄", date(2026, 11, 2), reporters=[world.resident1, world.resident2]
    )
    with at(date(2026, 11, 2)):
        services.accept(actor=world["bob"], demand=gate)
        services.verify(actor=world["bob"], demand=gate, findings="50厘米")
        services.assign(actor=world["bob"], demand=gate, path=HandlingPath.COMMUNITY)
    with at(date(2026, 11, 4)):
        services.resolve(actor=world["bob"], demand=gate, result="拓宽到120厘米", photos=[photo()])
        for resident in (world.resident1, world.resident2):
            services.record_callback(
                actor=world["bob"], demand=gate, resident=resident, result=Satisfaction.SATISFIED
            )
        services.close_out(actor=world["bob"], demand=gate)
    seats = collect("座椅不够", date(2026, 11, 3))
    with at(date(2026, 11, 5)):
        services.accept(actor=world["bob"], demand=seats)
        services.verify(actor=world["bob"], demand=seats, findings="x")
        services.assign(actor=world["bob"], demand=seats, path=HandlingPath.COMMUNITY)
        services.resolve(actor=world["bob"], demand=seats, result="增设")
    collect("路灯不亮", date(2026, 11, 20))
    collect("宝祥苑停车难", date(2026, 11, 21), area=world.baoxiang_compound, reporters=[])
    return {"gate": gate, "seats": seats}


def file_bytes(made: Report) -> bytes:
    with made.file.open("rb") as handle:
        return handle.read()  # type: ignore[no-any-return]


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_holds_the_area_the_month_the_figures_and_the_lists(
    world: World, panels: None
) -> None:
    build_month(world)
    with at(date(2026, 11, 30)):
        pdf = report.build(world.street, NOVEMBER)
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    for words in [
        "白洋湾街道",
        "2026年11月",
        "月报",
        "主要数据",
        "本月",
        "去年同月",
        "截至目前",
        "收集诉求",
        "测试面板",  # whatever panel is registered is shown
        "42",
        "和泰社区",
        "宝祥社区",
        "南门非机动车道太窄",  # the notable closed demand
        "路灯不亮",  # overdue on the 30th
        "逾期诉求",
    ]:
        assert words in text, words
    assert "1 / " in text  # page numbers in the footer
    second = PdfReader(io.BytesIO(pdf)).pages[1].extract_text()
    assert "白洋湾街道 · 2026年11月 工作月报" in second  # the footer of every page after the first


def test_notable_demands_bring_their_photo_scaled_down(world: World, panels: None) -> None:
    build_month(world)
    notable = report.notable_demands(world.street, report.month_period(NOVEMBER))
    assert [n.demand.title for n in notable] == ["南门非机动车道太窄"]
    assert notable[0].satisfied == 2 and notable[0].supporters == 2
    (uri,) = notable[0].photos
    import base64

    data = base64.b64decode(uri.split(",", 1)[1])
    with Image.open(io.BytesIO(data)) as image:
        assert max(image.size) <= max(report.PHOTO_BOX)


def test_a_community_report_has_one_row(world: World, panels: None) -> None:
    build_month(world)
    with at(date(2026, 11, 30)):
        text = text_of(report.build(world.hetai, NOVEMBER))
    assert "和泰社区" in text and "宝祥苑停车难" not in text


def test_the_schedule_archives_last_month_once_and_never_changes_it(
    world: World, panels: None, django_capture_on_commit_callbacks: Any
) -> None:
    build_month(world)
    with at(date(2026, 12, 1), hour=2), django_capture_on_commit_callbacks(execute=True):
        call_command("monthly_reports", stdout=io.StringIO())
    archived = Report.objects.filter(archived=True, month=NOVEMBER)
    assert {r.area.name for r in archived} == {
        "白洋湾街道",
        "和泰社区",
        "宝祥社区",
        "元和街道",
        "娄北社区",
    }
    street = archived.get(area=world.street)
    assert street.status == ReportStatus.DONE and street.pages >= 1 and street.size > 0
    before = (street.sha256, street.file.name, file_bytes(street))
    # Run again (a second cron, a retry): nothing is made again, nothing changes.
    with at(date(2026, 12, 1), hour=3), django_capture_on_commit_callbacks(execute=True):
        call_command("monthly_reports", stdout=io.StringIO())
        report.run(street.pk)  # even a stray run of the task leaves it alone
    street.refresh_from_db()
    assert (street.sha256, street.file.name, file_bytes(street)) == before
    assert Report.objects.filter(archived=True, area=world.street).count() == 1
    import hashlib

    assert hashlib.sha256(before[2]).hexdigest() == street.sha256


def test_the_command_takes_a_month_and_an_area(
    world: World, panels: None, django_capture_on_commit_callbacks: Any
) -> None:
    with at(date(2026, 12, 5)), django_capture_on_commit_callbacks(execute=True):
        call_command(
            "monthly_reports",
            "--month",
            "2026-10",
            "--area",
            str(world.hetai.pk),
            stdout=io.StringIO(),
        )
    (only,) = Report.objects.all()
    assert (only.area, only.month, only.archived, only.status) == (
        world.hetai,
        date(2026, 10, 1),
        True,
        ReportStatus.DONE,
    )


def test_a_failure_is_kept_on_the_row_in_chinese(
    world: World, panels: None, django_capture_on_commit_callbacks: Any
) -> None:
    def broken(scope: Scope) -> dict[str, Value]:
        raise RuntimeError("disk full")

    # One figure, so the snapshot has something missing to compute.
    figure = Figure("broken.x", "x", COUNT, "x", "x")
    registry.register(Panel("broken", "坏面板", 98, (figure,), broken))
    with django_capture_on_commit_callbacks(execute=True):
        made = report.request_report(actor=world["alice"], area=world.street, month=NOVEMBER)
    made.refresh_from_db()
    assert made.status == ReportStatus.FAILED
    assert "报告生成失败" in made.error and "disk full" in made.error
    assert not made.file and made.finished_at is not None


def test_a_retried_request_makes_one_report(world: World, panels: None) -> None:
    # No on-commit execution: the first stays queued, as while a worker is busy.
    first = report.request_report(actor=world["alice"], area=world.street, month=NOVEMBER)
    again = report.request_report(actor=world["alice"], area=world.street, month=NOVEMBER)
    assert first.pk == again.pk and Report.objects.count() == 1


def test_the_pages_are_scoped(
    world: World, panels: None, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(world["alice"])
    url = reverse("dashboards:reports", args=[world.street.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"month": "2026-11"})
    assert response.status_code == 302
    made = Report.objects.get()
    assert made.status == ReportStatus.DONE and made.requested_by == world["alice"]
    page = client.get(url)
    assert "2026年11月" in page.content.decode() or "2026-11" in page.content.decode()
    progress = client.get(reverse("dashboards:report_progress", args=[made.pk]))
    assert reverse("dashboards:report_pdf", args=[made.pk]) in progress.content.decode()
    pdf = client.get(reverse("dashboards:report_pdf", args=[made.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert "attachment" in pdf["Content-Disposition"]
    assert "filename*=utf-8''" in pdf["Content-Disposition"]
    # Consuming the stream closes the response (and its file), as the test client does it.
    body = b"".join(pdf.streaming_content)
    assert "白洋湾街道" in text_of(body)

    client.force_login(world["oscar"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("dashboards:report_pdf", args=[made.pk])).status_code == 404
    assert client.get(reverse("dashboards:report_progress", args=[made.pk])).status_code == 404
    client.force_login(world["bob"])  # 和泰's staff: not the street's report
    assert client.get(reverse("dashboards:report_pdf", args=[made.pk])).status_code == 404


def test_a_report_on_its_way_is_polled_and_shows_its_step(world: World, client: Any) -> None:
    made = report.request_report(actor=world["alice"], area=world.street, month=NOVEMBER)
    Report.objects.filter(pk=made.pk).update(
        status=ReportStatus.RUNNING, progress=50, step="读取各社区数据"
    )
    client.force_login(world["frank"])  # leadership of the street reads it too
    fragment = client.get(reverse("dashboards:report_progress", args=[made.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and 'value="50"' in fragment
    assert "读取各社区数据" in fragment and "report_pdf" not in fragment


def test_the_steps_are_reported_in_order_in_chinese(world: World, panels: None) -> None:
    seen: list[tuple[int, str]] = []
    with at(date(2026, 12, 2)):
        report.render(world.hetai, NOVEMBER, progress=lambda p, step: seen.append((p, str(step))))
    assert [p for p, _s in seen] == sorted(p for p, _s in seen)
    assert seen[0][1] == "读取本月数据" and seen[-1][1] == "排版"


def test_only_a_month_that_is_over_is_archived(world: World) -> None:
    with at(date(2026, 11, 20)), pytest.raises(CommandError):
        call_command("monthly_reports", "--month", "2026-11", stdout=io.StringIO())
    assert not Report.objects.exists()


def test_the_admin_only_reads_reports_figures_and_settings(world: World, client: Any) -> None:
    from genxi.accounts.services import create_user
    from genxi.conftest import PASSWORD

    made = Report.objects.create(
        area=world.street, month=NOVEMBER, archived=True, status=ReportStatus.DONE
    )
    root = create_user(actor=None, username="root", password=PASSWORD, is_superuser=True)
    client.force_login(root)
    change = reverse("admin:dashboards_report_change", args=[made.pk])
    assert client.get(change).status_code == 200  # read
    assert client.post(change, {"month": "2026-10-01", "archived": "on"}).status_code == 403
    delete = reverse("admin:dashboards_report_delete", args=[made.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    made.refresh_from_db()
    assert made.month == NOVEMBER
    for name in ("report", "figurevalue", "dashboardsettings"):
        assert client.get(reverse(f"admin:dashboards_{name}_add")).status_code == 403


def test_two_schedulers_at_once_make_one_archived_report(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with at(date(2026, 12, 1)):
        assert report.archive_month(area=world.hetai, month=NOVEMBER) is not None
        # The second did not see the first's row (as on PostgreSQL, before the area lock):
        # the constraint refuses its own, and it answers "on its way", not an error.
        monkeypatch.setattr(report, "_archived", lambda area, first: None)
        assert report.archive_month(area=world.hetai, month=NOVEMBER) is None
    assert Report.objects.filter(archived=True).count() == 1


def test_no_month_before_the_records_is_archived(world: World) -> None:
    with at(date(2026, 12, 1)), pytest.raises(CommandError, match="之前没有记录"):
        call_command("monthly_reports", "--month", "0001-01", stdout=io.StringIO())
    assert not Report.objects.exists()


def test_the_commands_speak_chinese(
    world: World, panels: None, django_capture_on_commit_callbacks: Any
) -> None:
    out = io.StringIO()
    with at(date(2026, 12, 1)):
        call_command("monthly_reports", "--area", str(world.hetai.pk), stdout=out)
    assert "2026-11：已排队 1 份报告，0 份已归档。" in out.getvalue()
    with pytest.raises(CommandError, match="格式为 YYYY-MM"):
        call_command("monthly_reports", "--month", "11/2026", stdout=io.StringIO())
    out = io.StringIO()
    call_command("dashboards_refresh", "--area", str(world.hetai.pk), stdout=out)
    assert "已写入" in out.getvalue() and "项数字" in out.getvalue()
    with pytest.raises(CommandError, match="格式为 YYYY-MM-DD"):
        call_command("dashboards_refresh", "--today", "x", stdout=io.StringIO())


def test_a_failed_done_update_keeps_no_file_and_fails_the_row(
    world: World, panels: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.files.storage import default_storage

    made = report.request_report(actor=world["alice"], area=world.hetai, month=NOVEMBER)
    saved: list[str] = []
    real_save = default_storage.save

    def save(name: str, content: Any, **kw: Any) -> str:
        saved.append(real_save(name, content, **kw))
        return saved[-1]

    def broken_log(**kw: Any) -> None:
        raise RuntimeError("audit table gone")

    monkeypatch.setattr(default_storage, "save", save)
    monkeypatch.setattr(report, "log_action", broken_log)
    with at(date(2026, 12, 2)):
        report.run(made.pk)
    made.refresh_from_db()
    assert made.status == ReportStatus.FAILED and "audit table gone" in made.error
    assert not made.file and saved and not default_storage.exists(saved[0])


def test_an_unreadable_huge_photo_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    class Photo:
        pk = 1

        class image:
            @staticmethod
            def open(mode: str) -> Any:
                return io.BytesIO(b"x")

    def bomb(*a: Any, **kw: Any) -> Any:
        raise Image.DecompressionBombError("too many pixels")

    monkeypatch.setattr(Image, "open", bomb)
    assert report.thumbnail(Photo()) == ""


def test_a_stalled_worker_of_an_earlier_attempt_changes_nothing(
    world: World, panels: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.files.storage import default_storage
    from django.db.models import F

    made = report.request_report(actor=world["alice"], area=world.hetai, month=NOVEMBER)
    saved: list[str] = []
    real_save = default_storage.save

    def save(name: str, content: Any, **kw: Any) -> str:
        saved.append(real_save(name, content, **kw))
        return saved[-1]

    def slow_render(area: Any, month: Any, **kw: Any) -> tuple[bytes, int]:
        # While this worker stalls, the report is queued again and another worker takes it.
        Report.objects.filter(pk=made.pk).update(
            status=ReportStatus.RUNNING, attempt=F("attempt") + 1, progress=30, step="其他"
        )
        kw["progress"](80, "旧的进度")
        return b"%PDF-stale", 1

    monkeypatch.setattr(default_storage, "save", save)
    monkeypatch.setattr(report, "render", slow_render)
    report.run(made.pk)
    made.refresh_from_db()
    # The newer attempt's row is untouched; the stale worker's file is not kept.
    assert (made.status, made.progress, made.step, made.attempt) == ("running", 30, "其他", 1)
    assert not made.file and saved and not default_storage.exists(saved[0])


def test_at_most_three_reports_on_their_way_per_user(world: World) -> None:
    for month in (8, 9, 10):
        report.request_report(actor=world["alice"], area=world.street, month=date(2026, month, 1))
    with pytest.raises(ServiceError, match="已有 3 份报告正在生成"):
        report.request_report(actor=world["alice"], area=world.hetai, month=NOVEMBER)
    # a retry of one on its way still answers it; another user is not held up
    again = report.request_report(actor=world["alice"], area=world.street, month=date(2026, 9, 1))
    assert again.month == date(2026, 9, 1)
    report.request_report(actor=world["frank"], area=world.street, month=NOVEMBER)
    Report.objects.filter(requested_by=world["alice"]).update(status=ReportStatus.DONE)
    report.request_report(actor=world["alice"], area=world.hetai, month=NOVEMBER)
