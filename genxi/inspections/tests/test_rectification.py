"""Rectification and re-check: the services (plan, result, 立行立改, re-check), their refusals
(a result with no plan writes nothing, photos neither), compare-and-set, notifications, the
pages and the menu badge."""

import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from genxi.core.models import AuditEntry, Notification
from genxi.core.services import ConcurrentEdit, ServiceError
from genxi.inspections import todo
from genxi.inspections.models import Finding, FindingPhoto, FindingStatus, PhotoStage
from genxi.inspections.services import rectification as services
from genxi.inspections.services.rectification import ROUND_CLOSED_MESSAGE
from genxi.inspections.tests.conftest import YuanHe

pytestmark = pytest.mark.django_db(transaction=False)


def jpeg(name: str = "after.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def photo() -> object:
    from genxi.core.images import clean_photo

    return clean_photo(jpeg())


def fresh(finding: Finding) -> Finding:
    return Finding.objects.get(pk=finding.pk)


# ---------------------------------------------------------------- services


def test_by_deadline_plan_then_result_then_accept(
    sent_findings: list[Finding], yuanhe: YuanHe, django_capture_on_commit_callbacks: Any
) -> None:
    finding = sent_findings[1]
    services.record_plan(
        actor=yuanhe["oscar"],
        finding=finding,
        plan="每周五清洁",
        expected_updated_at=finding.updated_at,
    )
    finding = fresh(finding)
    assert finding.status == FindingStatus.PLANNED and finding.planned_at
    with django_capture_on_commit_callbacks(execute=True):
        services.record_result(
            actor=yuanhe["oscar"],
            finding=finding,
            result="已清洁并建立制度",
            photos=[photo()],
            expected_updated_at=finding.updated_at,
        )
    finding = fresh(finding)
    assert finding.status == FindingStatus.FIXED
    assert finding.photos.filter(stage=PhotoStage.RESULT).count() == 1
    # The inspectors (依云水岸 and 众泾) are told a result awaits them.
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"yi", "zhong"}
    services.recheck(
        actor=yuanhe["yi"], finding=finding, accepted=True, expected_updated_at=finding.updated_at
    )
    finding = fresh(finding)
    assert finding.status == FindingStatus.ACCEPTED and finding.rechecked_by == yuanhe["yi"]
    actions = list(
        AuditEntry.objects.filter(object_id=str(finding.pk), action__startswith="finding.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["finding.plan", "finding.fix", "finding.accept"]


def test_result_without_a_plan_is_refused_and_nothing_written(
    sent_findings: list[Finding], yuanhe: YuanHe
) -> None:
    finding = sent_findings[1]
    with pytest.raises(ServiceError) as refused:
        services.record_result(
            actor=yuanhe["oscar"],
            finding=finding,
            result="已整改",
            photos=[photo()],
            expected_updated_at=finding.updated_at,
        )
    assert refused.value.code == "no_plan"
    assert "整改方案" in refused.value.message or "plan first" in refused.value.message
    after = fresh(finding)
    assert after.status == FindingStatus.OPEN and after.result == "" and after.fixed_at is None
    assert after.updated_at == finding.updated_at
    assert not FindingPhoto.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="finding.").exists()
    assert not Notification.objects.exists()


def test_result_without_a_plan_through_the_page(
    client: Any, sent_findings: list[Finding], yuanhe: YuanHe, settings: Any
) -> None:
    finding = sent_findings[1]
    client.force_login(yuanhe["oscar"])
    answer = client.post(
        finding.get_absolute_url(),
        {
            "action": "result",
            "result": "已整改",
            "photos": [jpeg()],
            "updated_at": finding.updated_at.isoformat(),
        },
    )
    assert answer.status_code == 400
    assert "请先填写整改方案" in answer.content.decode() or "plan first" in answer.content.decode()
    assert fresh(finding).status == FindingStatus.OPEN
    assert not FindingPhoto.objects.exists()
    stored = settings.MEDIA_ROOT / "inspections"
    assert not stored.exists() or not list(stored.rglob("*.jpg"))


def test_result_needs_a_photo(sent_findings: list[Finding], yuanhe: YuanHe) -> None:
    finding = sent_findings[1]
    services.record_plan(actor=yuanhe["oscar"], finding=finding, plan="计划")
    with pytest.raises(ServiceError) as refused:
        services.record_result(
            actor=yuanhe["oscar"], finding=fresh(finding), result="好了", photos=[]
        )
    assert refused.value.field == "photos"
    assert fresh(finding).status == FindingStatus.PLANNED


def test_on_spot_in_one_step(sent_findings: list[Finding], yuanhe: YuanHe) -> None:
    finding = sent_findings[0]
    services.fix_on_spot(
        actor=yuanhe["oscar"],
        finding=finding,
        plan="当场整理",
        result="桌面已整理，文件归档",
        photos=[photo()],
        expected_updated_at=finding.updated_at,
    )
    finding = fresh(finding)
    assert finding.status == FindingStatus.FIXED
    assert finding.plan == "当场整理" and finding.planned_at and finding.fixed_at


def test_on_spot_refused_for_a_deadline_finding(
    sent_findings: list[Finding], yuanhe: YuanHe
) -> None:
    with pytest.raises(ServiceError):
        services.fix_on_spot(
            actor=yuanhe["oscar"], finding=sent_findings[1], plan="a", result="b", photos=[photo()]
        )
    assert fresh(sent_findings[1]).status == FindingStatus.OPEN
    assert not FindingPhoto.objects.exists()


def test_send_back_needs_a_reason_then_fix_again(
    sent_findings: list[Finding], yuanhe: YuanHe, django_capture_on_commit_callbacks: Any
) -> None:
    finding = sent_findings[0]
    services.fix_on_spot(
        actor=yuanhe["oscar"], finding=finding, plan="整理", result="整理了", photos=[photo()]
    )
    with pytest.raises(ServiceError) as refused:
        services.recheck(actor=yuanhe["yi"], finding=fresh(finding), accepted=False, note=" ")
    assert refused.value.field == "note"
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.recheck(
            actor=yuanhe["yi"], finding=fresh(finding), accepted=False, note="档案柜仍未整理"
        )
    finding = fresh(finding)
    assert finding.status == FindingStatus.RETURNED and finding.recheck_note == "档案柜仍未整理"
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["oscar"]
    # Fixed again (the photos already there count), and accepted by street staff.
    services.fix_on_spot(
        actor=yuanhe["oscar"], finding=finding, plan="整理", result="档案柜也整理了", photos=[]
    )
    services.recheck(actor=yuanhe["yuan"], finding=fresh(finding), accepted=True)
    assert fresh(finding).status == FindingStatus.ACCEPTED


def test_stale_edit_is_refused(sent_findings: list[Finding], yuanhe: YuanHe) -> None:
    """Two people acting on one finding from the same page: the second is told to reload."""
    finding = sent_findings[1]
    seen = finding.updated_at
    services.record_plan(
        actor=yuanhe["oscar"], finding=finding, plan="第一份", expected_updated_at=seen
    )
    with pytest.raises(ConcurrentEdit):
        services.record_plan(
            actor=yuanhe["oscar"], finding=finding, plan="第二份", expected_updated_at=seen
        )
    assert fresh(finding).plan == "第一份"


def test_two_inspectors_recheck_at_once(sent_findings: list[Finding], yuanhe: YuanHe) -> None:
    finding = sent_findings[0]
    services.fix_on_spot(
        actor=yuanhe["oscar"], finding=finding, plan="整理", result="整理了", photos=[photo()]
    )
    seen = fresh(finding).updated_at
    services.recheck(
        actor=yuanhe["yi"], finding=fresh(finding), accepted=True, expected_updated_at=seen
    )
    with pytest.raises(ConcurrentEdit):
        services.recheck(
            actor=yuanhe["zhong"],
            finding=fresh(finding),
            accepted=False,
            note="不行",
            expected_updated_at=seen,
        )
    assert fresh(finding).status == FindingStatus.ACCEPTED


def test_accepted_cannot_be_planned_again(sent_findings: list[Finding], yuanhe: YuanHe) -> None:
    finding = sent_findings[0]
    services.fix_on_spot(
        actor=yuanhe["oscar"], finding=finding, plan="a", result="b", photos=[photo()]
    )
    services.recheck(actor=yuanhe["yi"], finding=fresh(finding), accepted=True)
    with pytest.raises(ServiceError):
        services.record_plan(actor=yuanhe["oscar"], finding=fresh(finding), plan="again")


def test_closed_round_refuses(sent_findings: list[Finding], yuanhe: YuanHe) -> None:
    finding = sent_findings[1]
    finding.round.status = "closed"
    finding.round.save()
    with pytest.raises(ServiceError) as refused:
        services.record_plan(actor=yuanhe["oscar"], finding=finding, plan="计划")
    assert refused.value.message == str(ROUND_CLOSED_MESSAGE)
    assert fresh(finding).status == FindingStatus.OPEN


def test_overlong_text_refused(sent_findings: list[Finding], yuanhe: YuanHe) -> None:
    with pytest.raises(ServiceError):
        services.record_plan(actor=yuanhe["oscar"], finding=sent_findings[1], plan="字" * 2001)


# ---------------------------------------------------------------- pages


def test_pages_walk_plan_result_recheck(
    client: Any, sent_findings: list[Finding], yuanhe: YuanHe
) -> None:
    c = client
    finding = sent_findings[1]
    c.force_login(yuanhe["oscar"])
    page = c.get(reverse("inspections:rectify_list")).content.decode()
    assert "活动室书架积灰" in page and "办公室桌面杂乱" in page
    detail = c.get(finding.get_absolute_url())
    assert 'value="plan"' in detail.content.decode()
    assert 'value="recheck"' not in detail.content.decode()
    answer = c.post(
        finding.get_absolute_url(),
        {"action": "plan", "plan": "每周清洁", "updated_at": finding.updated_at.isoformat()},
    )
    assert answer.status_code == 302
    finding = fresh(finding)
    answer = c.post(
        finding.get_absolute_url(),
        {
            "action": "result",
            "result": "已清洁",
            "photos": [jpeg()],
            "updated_at": finding.updated_at.isoformat(),
        },
    )
    assert answer.status_code == 302
    finding = fresh(finding)
    assert finding.status == FindingStatus.FIXED
    # oscar may not re-check his own community's result.
    refused = c.post(
        finding.get_absolute_url(),
        {"action": "recheck", "decision": "accept", "updated_at": finding.updated_at.isoformat()},
    )
    assert refused.status_code == 404
    c.force_login(yuanhe["yi"])
    page = c.get(reverse("inspections:rectify_list")).content.decode()
    assert 'id="to-recheck"' in page
    photo_row = finding.photos.get()
    image = c.get(reverse("inspections:finding_photo", args=[finding.pk, photo_row.pk]))
    assert image.status_code == 200
    assert b"".join(image.streaming_content)[:2] == b"\xff\xd8"  # read to its end: closed
    no_reason = c.post(
        finding.get_absolute_url(),
        {"action": "recheck", "decision": "return", "updated_at": finding.updated_at.isoformat()},
    )
    assert no_reason.status_code == 400
    answer = c.post(
        finding.get_absolute_url(),
        {
            "action": "recheck",
            "decision": "return",
            "note": "书架顶部仍有灰",
            "updated_at": finding.updated_at.isoformat(),
        },
    )
    assert answer.status_code == 302
    assert fresh(finding).status == FindingStatus.RETURNED
    detail = c.get(finding.get_absolute_url()).content.decode()
    assert "书架顶部仍有灰" in detail


def test_stale_form_through_the_page(
    client: Any, sent_findings: list[Finding], yuanhe: YuanHe
) -> None:
    finding = sent_findings[1]
    stale = finding.updated_at.isoformat()
    services.record_plan(actor=yuanhe["oscar"], finding=finding, plan="第一份")
    client.force_login(yuanhe["oscar"])
    answer = client.post(
        finding.get_absolute_url(), {"action": "plan", "plan": "第二份", "updated_at": stale}
    )
    assert answer.status_code == 400
    assert fresh(finding).plan == "第一份"


def test_huge_and_bad_photos_refused(
    client: Any, sent_findings: list[Finding], yuanhe: YuanHe
) -> None:
    finding = sent_findings[0]
    client.force_login(yuanhe["oscar"])
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    answer = client.post(
        finding.get_absolute_url(),
        {
            "action": "on_spot",
            "plan": "a",
            "result": "b",
            "photos": [bad],
            "updated_at": finding.updated_at.isoformat(),
        },
    )
    assert answer.status_code == 400
    ten = [jpeg(f"{i}.jpg") for i in range(10)]
    answer = client.post(
        finding.get_absolute_url(),
        {
            "action": "on_spot",
            "plan": "a",
            "result": "b",
            "photos": ten,
            "updated_at": finding.updated_at.isoformat(),
        },
    )
    assert answer.status_code == 400
    assert fresh(finding).status == FindingStatus.OPEN
    assert not FindingPhoto.objects.exists()


def test_unknown_action_changes_nothing(
    client: Any, sent_findings: list[Finding], yuanhe: YuanHe
) -> None:
    client.force_login(yuanhe["oscar"])
    answer = client.post(sent_findings[0].get_absolute_url(), {"action": "delete"})
    assert answer.status_code == 302
    assert fresh(sent_findings[0]).status == FindingStatus.OPEN


# ---------------------------------------------------------------- overdue and the badge


def test_overdue_flag_and_badge(client: Any, sent_findings: list[Finding], yuanhe: YuanHe) -> None:
    assert todo.badge(yuanhe["oscar"]) == 2  # both to answer
    assert todo.badge(yuanhe["yi"]) == 0
    assert todo.badge(yuanhe["chen"]) == 0
    assert todo.badge(yuanhe["yuan"]) == 0  # nothing to re-check, nothing overdue
    services.fix_on_spot(
        actor=yuanhe["oscar"], finding=sent_findings[0], plan="a", result="b", photos=[photo()]
    )
    assert todo.badge(yuanhe["oscar"]) == 1
    assert todo.badge(yuanhe["yi"]) == 1 and todo.badge(yuanhe["zhong"]) == 1
    assert todo.badge(yuanhe["yuan"]) == 1
    with time_machine.travel(timezone.now() + timedelta(days=12), tick=False):
        assert fresh(sent_findings[1]).is_overdue
        assert todo.badge(yuanhe["yuan"]) == 2  # the re-check and the overdue one
        client.force_login(yuanhe["oscar"])
        page = client.get(reverse("inspections:rectify_list")).content.decode()
        assert f'data-overdue="{sent_findings[1].pk}"' in page
        assert page.index("活动室书架积灰") < page.index("办公室桌面杂乱")  # overdue first
        detail = client.get(sent_findings[1].get_absolute_url()).content.decode()
        assert 'id="overdue-flag"' in detail


def test_rectify_list_queries_bounded(
    client: Any,
    sent_findings: list[Finding],
    yuanhe: YuanHe,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(yuanhe["oscar"])
    client.get(reverse("inspections:rectify_list"))
    with django_assert_max_num_queries(16):
        assert client.get(reverse("inspections:rectify_list")).status_code == 200


# ---------------------------------------------------------------- review fixes


def test_result_photos_are_capped_in_total(sent_findings: list[Finding], yuanhe: YuanHe) -> None:
    finding = sent_findings[0]
    for n in range(services.MAX_RESULT_PHOTOS_TOTAL - 1):  # earlier send-back cycles' photos
        FindingPhoto.objects.create(
            finding=finding, stage=PhotoStage.RESULT, image=ContentFile(b"x", name=f"{n}.jpg")
        )
    with pytest.raises(ServiceError) as refused:
        services.fix_on_spot(
            actor=yuanhe["oscar"],
            finding=finding,
            plan="整理",
            result="整理了",
            photos=[photo(), photo()],
        )
    assert refused.value.field == "photos" and "27" in refused.value.message
    assert fresh(finding).status == FindingStatus.OPEN
    services.fix_on_spot(
        actor=yuanhe["oscar"], finding=finding, plan="整理", result="整理了", photos=[photo()]
    )
    assert finding.photos.filter(stage=PhotoStage.RESULT).count() == 27


def test_a_step_locks_the_round_before_the_finding(
    sent_findings: list[Finding], yuanhe: YuanHe
) -> None:
    """Closing the round locks the round row: a step takes it first (then the finding), so it
    cannot commit after the round was closed, nor deadlock with the closing."""
    with CaptureQueriesContext(connection) as queries:
        services.record_plan(actor=yuanhe["oscar"], finding=sent_findings[1], plan="计划")
    tables = [
        name
        for q in queries.captured_queries
        for name in ("inspections_round", "inspections_finding")
        if q["sql"].startswith("SELECT") and f'FROM "{name}"' in q["sql"]
    ]
    assert tables[:2] == ["inspections_round", "inspections_finding"]
    if connection.vendor == "postgresql":
        first = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
        assert "FOR UPDATE" in first[0] and 'FROM "inspections_round"' in first[0]
