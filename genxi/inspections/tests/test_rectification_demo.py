"""The demo's rectifications on the 元和 round (as helper E's `_round` leaves it: the problem
lists sent, the round rectifying): one fixed on the spot, one by its deadline, one sent back,
one overdue, three good practices; loading again adds nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from genxi.inspections import demo
from genxi.inspections.models import (
    Finding,
    FindingStatus,
    FixMode,
    GoodPractice,
    Round,
    Severity,
)

pytestmark = pytest.mark.django_db


def test_rectification_demo(sent_findings: list[Finding], paired_round: Round) -> None:
    today = timezone.localdate()
    group = paired_round.groups.get(number=1)
    for text in ["“三会一课”记录不全", "诉求台账未及时更新"]:
        Finding.objects.create(
            group=group,
            round=paired_round,
            community=group.inspected,
            description=text,
            severity=Severity.MODERATE,
            mode=FixMode.BY_DEADLINE,
            deadline=today + timedelta(days=5),
            status=FindingStatus.OPEN,
        )
    assert demo._rectification(today) == 7
    statuses = dict(Finding.objects.values_list("description", "status"))
    assert statuses["办公室桌面杂乱，文件未归档"] == FindingStatus.ACCEPTED
    assert statuses["活动室书架积灰"] == FindingStatus.ACCEPTED
    assert statuses["“三会一课”记录不全"] == FindingStatus.RETURNED
    overdue = Finding.objects.get(description="诉求台账未及时更新")
    assert overdue.status == FindingStatus.PLANNED and overdue.is_overdue
    assert GoodPractice.objects.count() == 3
    assert demo._rectification(today) == 0  # idempotent
    assert GoodPractice.objects.count() == 3


def test_no_round_no_rectification(db: None) -> None:
    assert demo._rectification(timezone.localdate()) == 0
