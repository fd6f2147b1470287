"""The demo's 元和 round: the seed's closed loop of four groups of two, every item scored, the
common problems found and every problem list sent, the round rectifying; its street's and
communities' demo users; a second load creates nothing."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from genxi.accounts.models import Membership, Role, User
from genxi.inspections import demo
from genxi.inspections.models import (
    Finding,
    FindingStatus,
    FixMode,
    Group,
    GroupStatus,
    Round,
    RoundStatus,
    Score,
)
from genxi.places import demo as places_demo
from genxi.places.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

TITLE = "走看学做比党建 互查互评"


def test_the_demo_round_as_the_seed_tells_it_and_a_second_load(
    django_capture_on_commit_callbacks: Any,
) -> None:
    places_demo.load()
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        assert demo._round(today) > 40

    round_ = Round.objects.get(title=TITLE)
    assert round_.street.name == "元和街道"
    assert round_.status == RoundStatus.RECTIFYING
    assert round_.starts_on == today - timedelta(days=10)
    assert round_.ends_on == today + timedelta(days=20)
    assert round_.group_size == 2
    assert [i.title for i in round_.items.order_by("position")] == [
        "党员应知应会",
        "办公环境整洁有序",
        "活动室管理",
        "“三会一课”记录",
        "诉求台账及时更新",
    ]
    assert all(i.max_score == 20 and i.how_to_check for i in round_.items.all())
    assert set(round_.communities.values_list("name", flat=True)) == {
        "娄北社区",
        "众泾社区",
        "晨曦馨苑社区",
        "依云水岸社区",
    }

    groups = {
        g.inspected.name: {m.community.name for m in g.members.all()}
        for g in Group.objects.filter(round=round_).prefetch_related("members__community")
    }
    assert groups == {
        "娄北社区": {"依云水岸社区", "众泾社区"},
        "依云水岸社区": {"众泾社区", "晨曦馨苑社区"},
        "众泾社区": {"晨曦馨苑社区", "娄北社区"},
        "晨曦馨苑社区": {"娄北社区", "依云水岸社区"},
    }
    assert not round_.groups.exclude(status=GroupStatus.SUBMITTED).exists()

    # Every item of every group scored, plausibly.
    scores = list(Score.objects.filter(group__round=round_).values_list("score", flat=True))
    assert len(scores) == 4 * 5 and all(14 <= s <= 20 for s in scores)

    findings = Finding.objects.filter(round=round_)
    assert not findings.filter(status=FindingStatus.DRAFT).exists()  # every list sent
    assert set(findings.values_list("community__name", flat=True)) == set(groups)
    texts = " ".join(findings.values_list("description", flat=True))
    for problem in ("党员理论知识掌握不牢", "办公室物品摆放杂乱", "活动室书架积灰"):
        assert problem in texts
    on_spot = findings.filter(mode=FixMode.ON_SPOT)
    by_deadline = findings.filter(mode=FixMode.BY_DEADLINE)
    assert on_spot.exists() and by_deadline.exists()
    assert not on_spot.exclude(deadline=None).exists()
    deadlines = [f.deadline for f in by_deadline]
    assert all(d is not None and today < d <= round_.ends_on for d in deadlines)

    for username, role, where in [
        ("yuanhe", Role.STREET_STAFF, "元和街道"),
        ("loubei", Role.COMMUNITY_STAFF, "娄北社区"),
        ("zhongjing", Role.COMMUNITY_STAFF, "众泾社区"),
        ("chenxi", Role.COMMUNITY_STAFF, "晨曦馨苑社区"),
        ("yiyun", Role.COMMUNITY_STAFF, "依云水岸社区"),
    ]:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert Membership.objects.filter(user=user, role=role, area__name=where).exists()
    # The inspected communities' staff were told of their lists.
    assert User.objects.get(username="loubei").notifications.exists()

    counts = (Round.objects.count(), Group.objects.count(), Finding.objects.count())
    assert demo._round(today) == 0
    assert (Round.objects.count(), Group.objects.count(), Finding.objects.count()) == counts
