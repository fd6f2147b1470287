"""Who opens the rectification, results and good-practice pages: the inspected community's
staff (oscar, 娄北), the inspecting group's staff (yi, 依云水岸) while the round is open and not
after it closes, another community of the street outside the group (chen, 晨曦馨苑), a
community of another street (bob, 和泰), street staff (yuan), leadership of the street (lena,
read only), street staff of another street (alice). Outside: 404.

Results, report and export compare communities and quote their findings: street staff and
leadership only, 404 for every community (they read their own findings on the rectification
pages)."""

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from genxi.accounts.models import Role
from genxi.accounts.services import create_user, grant_membership
from genxi.conftest import PASSWORD, World
from genxi.inspections.models import Finding, FindingPhoto, PhotoStage, RoundStatus
from genxi.inspections.services import practices
from genxi.inspections.tests.conftest import YuanHe

pytestmark = pytest.mark.django_db

CAST = ["oscar", "yi", "chen", "bob", "yuan", "lena", "alice"]
FINDING = {"oscar": 200, "yi": 200, "chen": 404, "bob": 404, "yuan": 200, "lena": 200, "alice": 404}
RESULTS = {"oscar": 404, "yi": 404, "chen": 404, "bob": 404, "yuan": 200, "lena": 200, "alice": 404}
PRACTICE = {
    "oscar": 200,
    "yi": 200,
    "chen": 200,
    "bob": 404,
    "yuan": 200,
    "lena": 200,
    "alice": 404,
}


@pytest.fixture
def cast(world: World, yuanhe: YuanHe) -> dict[str, Any]:
    lena = create_user(actor=None, username="lena", password=PASSWORD, name="林领导")
    grant_membership(actor=None, user=lena, role=Role.LEADERSHIP, area=yuanhe.street)
    return {**{n: world[n] for n in ["bob", "alice"]}, **yuanhe.users, "lena": lena}


@pytest.fixture
def setting(sent_findings: list[Finding], yuanhe: YuanHe) -> dict[str, Any]:
    finding = sent_findings[1]
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, "JPEG")
    photo = FindingPhoto(finding=finding, stage=PhotoStage.FINDING)
    photo.image.save("f.jpg", SimpleUploadedFile("f.jpg", buffer.getvalue()), save=True)
    practice = practices.create_practice(
        actor=yuanhe["yuan"],
        round=finding.round,
        community=yuanhe.loubei,
        title="党员积分上墙",
        description="每月公示",
    )
    return {"finding": finding, "photo": photo, "practice": practice}


def urls(s: dict[str, Any]) -> dict[str, tuple[str, dict[str, int]]]:
    f, round_pk = s["finding"], s["finding"].round_id
    return {
        "finding": (f.get_absolute_url(), FINDING),
        "photo": (reverse("inspections:finding_photo", args=[f.pk, s["photo"].pk]), FINDING),
        "results": (reverse("inspections:round_results", args=[round_pk]), RESULTS),
        "report": (reverse("inspections:round_report", args=[round_pk]), RESULTS),
        "export": (reverse("inspections:round_export", args=[round_pk]), RESULTS),
        "practice": (reverse("inspections:practice_detail", args=[s["practice"].pk]), PRACTICE),
    }


def status(client: Any, user: Any, url: str) -> int:
    client.force_login(user)
    answer = client.get(url)
    if hasattr(answer, "streaming_content"):
        b"".join(answer.streaming_content)
    return int(answer.status_code)


def test_the_cast_while_the_round_is_open(client: Any, cast: dict[str, Any], setting: Any) -> None:
    got = {
        page: {name: status(client, cast[name], url) for name in CAST}
        for page, (url, _) in urls(setting).items()
    }
    assert got == {page: expected for page, (_, expected) in urls(setting).items()}


def test_the_inspectors_lose_the_finding_when_the_round_closes(
    client: Any, cast: dict[str, Any], setting: Any
) -> None:
    finding = setting["finding"]
    finding.round.__class__.objects.filter(pk=finding.round_id).update(status=RoundStatus.CLOSED)
    assert status(client, cast["yi"], finding.get_absolute_url()) == 404
    assert status(client, cast["oscar"], finding.get_absolute_url()) == 200
    assert status(client, cast["yuan"], finding.get_absolute_url()) == 200


def test_lists_show_only_what_is_theirs(client: Any, cast: dict[str, Any], setting: Any) -> None:
    url = reverse("inspections:rectify_list")
    for name, sees in [("oscar", True), ("chen", False), ("bob", False), ("alice", False)]:
        client.force_login(cast[name])
        answer = client.get(url)
        assert answer.status_code == 200
        assert ("活动室书架积灰" in answer.content.decode()) is sees, name
    client.force_login(cast["bob"])
    assert "党员积分上墙" not in client.get(reverse("inspections:practice_list")).content.decode()
    client.force_login(cast["chen"])
    assert "党员积分上墙" in client.get(reverse("inspections:practice_list")).content.decode()


def test_leadership_reads_only(client: Any, cast: dict[str, Any], setting: Any) -> None:
    finding = setting["finding"]
    client.force_login(cast["lena"])
    page = client.get(finding.get_absolute_url()).content.decode()
    assert 'name="action"' not in page
    answer = client.post(
        finding.get_absolute_url(),
        {"action": "recheck", "decision": "accept", "updated_at": finding.updated_at.isoformat()},
    )
    assert answer.status_code == 404
    answer = client.post(
        finding.get_absolute_url(),
        {"action": "plan", "plan": "x", "updated_at": finding.updated_at.isoformat()},
    )
    assert answer.status_code == 404
    assert (
        client.get(reverse("inspections:practice_create", args=[finding.round_id])).status_code
        == 404
    )


def test_outsiders_cannot_act(client: Any, cast: dict[str, Any], setting: Any) -> None:
    finding = setting["finding"]
    for name in ["chen", "bob", "alice"]:
        client.force_login(cast[name])
        answer = client.post(
            finding.get_absolute_url(),
            {"action": "plan", "plan": "x", "updated_at": finding.updated_at.isoformat()},
        )
        assert answer.status_code == 404, name
    # The inspectors re-check, they do not plan for the inspected community.
    client.force_login(cast["yi"])
    answer = client.post(
        finding.get_absolute_url(),
        {"action": "plan", "plan": "x", "updated_at": finding.updated_at.isoformat()},
    )
    assert answer.status_code == 404
    assert Finding.objects.get(pk=finding.pk).plan == ""
