"""Good practices: recorded by the inspecting group or street staff, a library across rounds
(search, filters, pagination), photos bounded."""

import io
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from genxi.core import services as core_services
from genxi.core.images import clean_photo
from genxi.core.services import ServiceError
from genxi.inspections.models import GoodPractice, Round, RoundStatus
from genxi.inspections.services import practices as services
from genxi.inspections.tests.conftest import YuanHe

pytestmark = pytest.mark.django_db


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_record_from_the_page_with_a_photo(
    client: Any, paired_round: Round, yuanhe: YuanHe
) -> None:
    client.force_login(yuanhe["yi"])
    listing = client.get(reverse("inspections:practice_list")).content.decode()
    assert f'data-record="{paired_round.pk}"' in listing
    url = reverse("inspections:practice_create", args=[paired_round.pk])
    form = client.get(url).content.decode()
    # yi (依云水岸) inspects 娄北 (group 1) and 晨曦馨苑 (group 4): only those two to choose.
    assert "娄北社区" in form and "晨曦馨苑社区" in form and "众泾社区" not in form
    token = "0b6f2a8e-4c1d-4f7a-9a51-0f7c1e2d3a4b"
    data = {
        "community": yuanhe.loubei.pk,
        "item": paired_round.items.first().pk,
        "title": "党员积分上墙",
        "description": "每月公示党员积分",
        "photo": jpeg(),
        "form_token": token,
    }
    answer = client.post(url, data)
    assert answer.status_code == 302
    data["photo"] = jpeg()
    client.post(url, data)  # a retried submission makes nothing twice
    practice = GoodPractice.objects.get()
    assert practice.group == paired_round.groups.get(number=1)
    image = client.get(reverse("inspections:practice_photo", args=[practice.pk]))
    assert image.status_code == 200
    assert b"".join(image.streaming_content)[:2] == b"\xff\xd8"  # a JPEG, re-encoded
    # Not a community yi inspects:
    data.update(community=yuanhe.zhongjing.pk, form_token="", photo=jpeg())
    assert client.post(url, data).status_code == 400


def test_bad_photo_refused(client: Any, paired_round: Round, yuanhe: YuanHe) -> None:
    client.force_login(yuanhe["yuan"])
    url = reverse("inspections:practice_create", args=[paired_round.pk])
    bad = SimpleUploadedFile("p.jpg", b"nope", content_type="image/jpeg")
    answer = client.post(
        url, {"community": yuanhe.chenxi.pk, "title": "t", "description": "d", "photo": bad}
    )
    assert answer.status_code == 400
    assert not GoodPractice.objects.exists()


def test_chen_may_not_record_for_a_community_outside_his_groups(
    client: Any, paired_round: Round, yuanhe: YuanHe
) -> None:
    # 晨曦馨苑 inspects 众泾 and 依云水岸, not 娄北.
    with pytest.raises(ServiceError):
        services.create_practice(
            actor=yuanhe["chen"],
            round=paired_round,
            community=yuanhe.street,  # not taking part
            title="t",
            description="d",
        )


def test_library_search_across_rounds(client: Any, paired_round: Round, yuanhe: YuanHe) -> None:
    older = Round.objects.create(
        street=yuanhe.street,
        title="去年的互查",
        starts_on=paired_round.starts_on - timedelta(days=365),
        ends_on=paired_round.ends_on - timedelta(days=365),
        status=RoundStatus.CLOSED,
    )
    older.communities.set(yuanhe.communities)
    services.create_practice(
        actor=yuanhe["yuan"],
        round=older,
        community=yuanhe.zhongjing,
        title="楼道党建微阵地",
        description="楼道里设党员示范岗",
    )
    for n in range(30):
        services.create_practice(
            actor=yuanhe["yuan"],
            round=paired_round,
            community=yuanhe.loubei,
            item=paired_round.items.first(),
            title=f"台账电子化 {n}",
            description="诉求台账每日更新",
        )
    client.force_login(yuanhe["chen"])
    url = reverse("inspections:practice_list")
    page = client.get(url, {"q": "微阵地"}).content.decode()
    assert "楼道党建微阵地" in page and "台账电子化" not in page
    page = client.get(url, {"round": older.pk}).content.decode()
    assert "楼道党建微阵地" in page and "台账电子化" not in page
    page = client.get(url, {"community": yuanhe.loubei.pk}).content.decode()
    assert "台账电子化" in page and "楼道党建微阵地" not in page
    page = client.get(url, {"item": "党员应知应会"}).content.decode()
    assert "台账电子化" in page
    first = client.get(url).content.decode()
    assert first.count("data-practice=") == 25  # a page
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count("data-practice=") == 6
    for bad in ["99999999999999999999", "abc", "-1"]:
        assert client.get(url, {"round": bad}).status_code == 200


def test_the_losing_copy_of_a_raced_practice_leaves_no_photo(
    paired_round: Round, yuanhe: YuanHe
) -> None:
    token = uuid.uuid4()

    def record() -> GoodPractice:
        return services.create_practice(
            actor=yuanhe["yi"],
            round=paired_round,
            community=yuanhe.loubei,
            title="党员积分上墙",
            description="每月公示党员积分",
            photo=clean_photo(jpeg()),
            token=token,
        )

    first = record()
    root = Path(settings.MEDIA_ROOT)
    kept = sorted(root.rglob("*.jpg"))
    assert len(kept) == 1
    real = core_services.already_submitted
    calls: list[int] = []

    def first_sees_nothing(*a: Any, **kw: Any) -> Any:
        # Both copies check the token before either has committed (a real race).
        calls.append(1)
        return None if len(calls) <= 2 else real(*a, **kw)

    with (
        mock.patch.object(services, "already_submitted", first_sees_nothing),
        mock.patch.object(core_services, "already_submitted", first_sees_nothing),
    ):
        again = record()
    assert again.pk == first.pk and GoodPractice.objects.count() == 1
    assert sorted(root.rglob("*.jpg")) == kept
