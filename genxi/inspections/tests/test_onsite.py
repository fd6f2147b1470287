"""On site: scores by compare-and-set, findings with photos, sending the problem list, and
who sees what."""

import io
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from genxi.core import services as core_services
from genxi.core.images import clean_photo
from genxi.core.models import Notification
from genxi.core.services import ConcurrentEdit, ServiceError
from genxi.inspections.forms.onsite import FindingForm
from genxi.inspections.models import (
    Finding,
    FindingStatus,
    FixMode,
    Group,
    GroupStatus,
    Round,
    Score,
    Severity,
)
from genxi.inspections.services import onsite as services
from genxi.inspections.tests.conftest import YuanHe

pytestmark = pytest.mark.django_db


def png(name: str = "p.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 50, 50)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def fetch(client: object, url: str) -> int:
    """The status of a photo, its file read to the end. Reading a streamed response closes it
    (the test client does so with the request_finished signal held back); `response.close()`
    here would send the signal, and Django would close the test's PostgreSQL connection."""
    response = client.get(url)
    if response.status_code == 200:
        b"".join(response.streaming_content)
    return int(response.status_code)


def group1(round_: Round) -> Group:
    return round_.groups.select_related("round", "inspected").get(number=1)  # inspects 娄北


def draft(group: Group, user: object, **kw: object) -> Finding:
    args: dict[str, object] = {
        "actor": user,
        "group": group,
        "item": group.round.items.first(),
        "description": "党员对理论知识掌握不够",
        "severity": Severity.MODERATE,
        "mode": FixMode.BY_DEADLINE,
        "deadline": timezone.localdate() + timedelta(days=10),
    }
    args.update(kw)
    return services.create_finding(**args)


def test_a_score_twice_and_a_stale_score(paired_round: Round, yuanhe: YuanHe) -> None:
    group = group1(paired_round)
    item = paired_round.items.first()
    assert item is not None
    first = services.save_score(actor=yuanhe["yi"], group=group, item=item, score=15)
    # The same score sent again from the same (now stale) sheet: no error, nothing written.
    same = services.save_score(actor=yuanhe["yi"], group=group, item=item, score=15)
    assert same.updated_at == first.updated_at
    # Another inspector, from a sheet built before the first save, with a different score.
    with pytest.raises(ConcurrentEdit):
        services.save_score(actor=yuanhe["zhong"], group=group, item=item, score=12)
    assert Score.objects.get().score == 15
    services.save_score(
        actor=yuanhe["zhong"],
        group=group,
        item=item,
        score=12,
        expected_updated_at=first.updated_at,
    )
    assert Score.objects.get().score == 12
    with pytest.raises(ServiceError, match="0 到 20"):
        services.save_score(actor=yuanhe["yi"], group=group, item=item, score=21)


def test_deadlines_are_checked(paired_round: Round, yuanhe: YuanHe) -> None:
    group = group1(paired_round)
    today = timezone.localdate()
    with pytest.raises(ServiceError, match="需要填写整改期限"):
        draft(group, yuanhe["yi"], deadline=None)
    with pytest.raises(ServiceError, match="不能早于今天"):
        draft(group, yuanhe["yi"], deadline=today - timedelta(days=1))
    with pytest.raises(ServiceError, match="一年以内"):
        draft(group, yuanhe["yi"], deadline=today + timedelta(days=400))
    on_spot = draft(group, yuanhe["yi"], mode=FixMode.ON_SPOT, deadline=today)
    assert on_spot.deadline is None


def test_a_retried_finding_is_made_once(paired_round: Round, yuanhe: YuanHe) -> None:
    token = uuid.uuid4()
    group = group1(paired_round)
    draft(group, yuanhe["yi"], token=token)
    draft(group, yuanhe["yi"], token=token)
    assert Finding.objects.count() == 1


def test_two_inspectors_editing_one_finding(paired_round: Round, yuanhe: YuanHe) -> None:
    finding = draft(group1(paired_round), yuanhe["yi"])
    stamp = finding.updated_at
    common = {
        "item": finding.item,
        "severity": Severity.SERIOUS,
        "mode": FixMode.ON_SPOT,
    }
    services.update_finding(
        actor=yuanhe["yi"],
        finding=finding,
        description="第一位的修改",
        expected_updated_at=stamp,
        **common,
    )
    with pytest.raises(ConcurrentEdit):
        services.update_finding(
            actor=yuanhe["zhong"],
            finding=finding,
            description="第二位的修改",
            expected_updated_at=stamp,
            **common,
        )
    finding.refresh_from_db()
    assert finding.description == "第一位的修改"


def test_sending_the_list(
    paired_round: Round, yuanhe: YuanHe, django_capture_on_commit_callbacks
) -> None:
    group = group1(paired_round)
    finding = draft(group, yuanhe["yi"])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_list(actor=yuanhe["yi"], group=group) == 1
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    group.refresh_from_db()
    assert group.status == GroupStatus.SUBMITTED and group.submitted_by == yuanhe["yi"]
    assert Notification.objects.filter(user=yuanhe["oscar"]).exists()
    assert not Notification.objects.filter(user=yuanhe["chen"]).exists()
    with pytest.raises(ServiceError, match="已经提交"):
        services.send_list(actor=yuanhe["zhong"], group=group)
    with pytest.raises(ServiceError, match="不能再修改"):
        services.save_score(
            actor=yuanhe["yi"], group=group, item=paired_round.items.first(), score=1
        )
    with pytest.raises(ServiceError, match="不能再修改"):
        services.update_finding(
            actor=yuanhe["yi"],
            finding=finding,
            item=None,
            description="x",
            severity=Severity.MINOR,
            mode=FixMode.ON_SPOT,
        )
    with pytest.raises(ServiceError):
        draft(group, yuanhe["yi"])


# -- Pages ------------------------------------------------------------------------------------


def test_the_sheet_and_a_finding_with_photos(paired_round: Round, yuanhe: YuanHe, client) -> None:
    group = group1(paired_round)
    item = paired_round.items.first()
    assert item is not None
    client.force_login(yuanhe["yi"])
    page = client.get(group.get_absolute_url())
    assert page.status_code == 200
    score_url = reverse("inspections:score_save", args=[group.pk, item.pk])
    client.post(score_url, {f"i{item.pk}-score": 18, f"i{item.pk}-stamp": ""})
    client.post(score_url, {f"i{item.pk}-score": 18, f"i{item.pk}-stamp": ""})  # double tap
    assert Score.objects.get().score == 18
    stale = client.post(score_url, {f"i{item.pk}-score": 5, f"i{item.pk}-stamp": ""}, follow=True)
    assert "重新加载" in stale.content.decode() or "刷新" in stale.content.decode()
    huge = client.post(score_url, {f"i{item.pk}-score": 10**20, f"i{item.pk}-stamp": ""})
    assert huge.status_code == 302 and Score.objects.get().score == 18
    new = reverse("inspections:finding_create", args=[group.pk])
    form = client.get(new).context["form"]
    data = {
        "item": item.pk,
        "description": "活动室书架积灰",
        "suggestion": "每周清洁",
        "severity": Severity.MODERATE,
        "mode": FixMode.BY_DEADLINE,
        "deadline": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "form_token": form["form_token"].value(),
    }
    bad = client.post(new, {**data, "deadline": ""})
    assert bad.status_code == 200 and not Finding.objects.exists()
    not_photo = client.post(
        new, {**data, "photos": SimpleUploadedFile("x.png", b"not a photo", "image/png")}
    )
    assert not_photo.status_code == 200 and not Finding.objects.exists()
    assert client.post(new, {**data, "photos": [png(), png("b.png")]}).status_code == 302
    finding = Finding.objects.get()
    assert finding.photos.count() == 2
    photo = finding.photos.first()
    assert photo is not None
    photo_url = reverse("inspections:finding_photo", args=[finding.pk, photo.pk])
    assert fetch(client, photo_url) == 200
    # The inspected community sees neither the draft nor its photo.
    client.force_login(yuanhe["oscar"])
    assert "活动室书架积灰" not in client.get(group.get_absolute_url()).content.decode()
    assert fetch(client, photo_url) == 404
    assert client.get(new).status_code == 404
    # Sent: the inspected community sees it.
    client.force_login(yuanhe["yi"])
    send = reverse("inspections:group_send", args=[group.pk])
    assert "尚未评分" in client.get(send).content.decode()
    assert client.post(send).status_code == 302
    client.force_login(yuanhe["oscar"])
    assert "活动室书架积灰" in client.get(group.get_absolute_url()).content.decode()
    assert fetch(client, photo_url) == 200
    listed = client.get(reverse("inspections:group_list", args=[group.pk])).content.decode()
    assert "活动室书架积灰" in listed


def test_editing_and_deleting_a_draft(paired_round: Round, yuanhe: YuanHe, client) -> None:
    group = group1(paired_round)
    finding = draft(group, yuanhe["yi"])
    client.force_login(yuanhe["zhong"])  # the other inspecting community of the group
    url = reverse("inspections:finding_edit", args=[finding.pk])
    stamp = client.get(url).context["form"]["updated_at"].value()
    data = {
        "item": finding.item_id,
        "description": "改过的描述",
        "severity": Severity.MINOR,
        "mode": FixMode.ON_SPOT,
        "updated_at": stamp,
    }
    assert client.post(url, data).status_code == 302
    stale = client.post(url, {**data, "description": "又改一次"})
    assert stale.status_code == 200
    finding.refresh_from_db()
    assert finding.description == "改过的描述"
    client.force_login(yuanhe["chen"])  # inspects elsewhere, not this group
    assert client.get(url).status_code == 404
    client.force_login(yuanhe["yi"])
    delete = reverse("inspections:finding_delete", args=[finding.pk])
    page = client.get(delete)
    assert page.status_code == 200
    stamp = page.context["form"]["updated_at"].value()
    # Changed by someone else since the page was built: not deleted, told to reload.
    Finding.objects.filter(pk=finding.pk).update(updated_at=timezone.now())
    stale = client.post(delete, {"updated_at": stamp}, follow=True)
    assert Finding.objects.exists() and "刷新页面" in stale.content.decode()
    assert client.post(delete).status_code == 302 and Finding.objects.exists()  # no stamp
    stamp = client.get(delete).context["form"]["updated_at"].value()
    assert client.post(delete, {"updated_at": stamp}).status_code == 302
    assert not Finding.objects.exists()


def test_who_opens_a_group(paired_round: Round, yuanhe: YuanHe, world, client) -> None:
    group = group1(paired_round)  # 依云水岸 + 众泾 inspect 娄北
    url = group.get_absolute_url()
    expected = {"yuan": 200, "yi": 200, "zhong": 200, "oscar": 200, "chen": 404}
    for name, code in expected.items():
        client.force_login(yuanhe[name])
        assert client.get(url).status_code == code, name
    for name in ("alice", "bob", "carol", "erin", "nobody"):
        client.force_login(world[name])
        assert client.get(url).status_code == 404, name
    client.force_login(yuanhe["oscar"])  # the inspected: no scoring, no recording
    item = paired_round.items.first()
    assert item is not None
    score_url = reverse("inspections:score_save", args=[group.pk, item.pk])
    assert client.post(score_url, {f"i{item.pk}-score": 20}).status_code == 404
    assert not Score.objects.exists()


# -- Review fixes: photos' files, long texts ------------------------------------------------------


def stored() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def photos(n: int) -> list[Any]:
    return [clean_photo(png(f"{i}.png")) for i in range(n)]


def test_a_refused_photo_edit_keeps_the_photos_it_was_to_remove(
    paired_round: Round, yuanhe: YuanHe, django_capture_on_commit_callbacks: Any
) -> None:
    group = group1(paired_round)
    finding = draft(group, yuanhe["yi"], photos=photos(9))
    kept = stored()
    assert len(kept) == 9
    first = finding.photos.first()
    assert first is not None
    args = {
        "actor": yuanhe["yi"],
        "item": finding.item,
        "description": finding.description,
        "severity": finding.severity,
        "mode": finding.mode,
        "deadline": finding.deadline,
    }
    # One ticked for removal, two added: ten, refused; the ticked photo's file is still there.
    extra = photos(2)
    with pytest.raises(ServiceError, match="9"), django_capture_on_commit_callbacks(execute=True):
        services.update_finding(finding=finding, remove_photos=[first.pk], photos=extra, **args)
    assert stored() == kept and finding.photos.count() == 9
    # One for one: allowed; the removed file goes once the change is committed.
    with django_capture_on_commit_callbacks(execute=True):
        services.update_finding(finding=finding, remove_photos=[first.pk], photos=photos(1), **args)
    assert finding.photos.count() == 9 and first.image.name not in stored()
    assert len(stored()) == 9


def test_a_rolled_back_delete_keeps_the_files(
    paired_round: Round, yuanhe: YuanHe, django_capture_on_commit_callbacks: Any
) -> None:
    finding = draft(group1(paired_round), yuanhe["yi"], photos=photos(2))
    kept = stored()

    class Boom(Exception):
        pass

    def delete_then_fail() -> None:
        with transaction.atomic():
            services.delete_finding(actor=yuanhe["yi"], finding=finding)
            raise Boom  # something after it failed: the delete is rolled back

    with pytest.raises(Boom), django_capture_on_commit_callbacks(execute=True):
        delete_then_fail()
    assert Finding.objects.filter(pk=finding.pk).exists() and stored() == kept
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_finding(actor=yuanhe["yi"], finding=finding)
    assert stored() == set()


def test_the_losing_copy_of_a_raced_finding_leaves_no_files(
    paired_round: Round, yuanhe: YuanHe
) -> None:
    group = group1(paired_round)
    token = uuid.uuid4()
    draft(group, yuanhe["yi"], photos=photos(2), token=token)
    kept = stored()
    real = core_services.already_submitted
    calls: list[int] = []

    def first_sees_nothing(*a: Any, **kw: Any) -> Any:
        # The second copy checks the token before the first has committed (a real race).
        calls.append(1)
        return None if len(calls) == 1 else real(*a, **kw)

    with mock.patch.object(core_services, "already_submitted", first_sees_nothing):
        again = draft(group, yuanhe["yi"], photos=photos(2), token=token)
    assert Finding.objects.count() == 1 and again.pk == Finding.objects.get().pk
    assert stored() == kept


def test_long_texts_are_refused(paired_round: Round, yuanhe: YuanHe) -> None:
    group = group1(paired_round)
    form = FindingForm(
        {
            "item": paired_round.items.first().pk,
            "description": "长" * 2001,
            "suggestion": "长" * 2001,
            "severity": Severity.MODERATE,
            "mode": FixMode.ON_SPOT,
        },
        group=group,
    )
    assert not form.is_valid()
    assert set(form.errors) == {"description", "suggestion"}
    with pytest.raises(ServiceError) as refused:
        draft(group, yuanhe["yi"], suggestion="长" * 2001)
    assert refused.value.field == "suggestion"
    assert not Finding.objects.exists()
    draft(group, yuanhe["yi"], description="长" * 2000)
