"""A round's results: scores per community, the ranking (ties share a rank), the most common
problems, the printable report and the Excel export."""

import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from genxi.inspections import results
from genxi.inspections.models import (
    Finding,
    FindingStatus,
    FixMode,
    Round,
    Score,
    Severity,
)
from genxi.inspections.tests.conftest import YuanHe

pytestmark = pytest.mark.django_db


def scored(round_: Round, points: dict[int, list[int]]) -> None:
    """Scores per group number, one per item in order."""
    items = list(round_.items.all())
    for group in round_.groups.all():
        for item, score in zip(items, points.get(group.number, []), strict=False):
            Score.objects.create(group=group, item=item, score=score)


def finding(round_: Round, number: int, item: int, text: str, **extra: Any) -> Finding:
    group = round_.groups.get(number=number)
    return Finding.objects.create(
        group=group,
        round=round_,
        community=group.inspected,
        item=list(round_.items.all())[item],
        description=text,
        mode=FixMode.ON_SPOT,
        status=extra.pop("status", FindingStatus.OPEN),
        **extra,
    )


@pytest.fixture
def scored_round(sent_findings: list[Finding], yuanhe: YuanHe) -> Round:
    round_ = sent_findings[0].round
    scored(round_, {1: [18, 15, 16, 20, 19], 2: [20, 20, 18, 19, 20], 3: [20, 20, 18, 19, 20]})
    finding(round_, 2, 2, "活动室椅子摆放杂乱", severity=Severity.SERIOUS)
    finding(round_, 3, 2, "活动室无使用登记", status=FindingStatus.ACCEPTED)
    finding(round_, 4, 0, "草稿，不算", status=FindingStatus.DRAFT)
    return round_


def test_ranking_and_common_problems(scored_round: Round, yuanhe: YuanHe) -> None:
    rows = results.ranking(scored_round)
    names = [(r.rank, r.community.name, r.score) for r in rows]
    # 依云水岸 and 众泾 tie at 97 with a finding each: rank 1 both, by group number.
    assert names == [
        (1, "依云水岸社区", 97),
        (1, "众泾社区", 97),
        (3, "娄北社区", 88),
        (4, "晨曦馨苑社区", 0),
    ]
    loubei = rows[2]
    assert loubei.full == 100 and loubei.percent == 88.0 and loubei.findings == 2
    assert loubei.by_severity == {"minor": 1, "moderate": 1, "serious": 0}
    assert rows[1].rectified_percent == 100.0 and rows[1].accepted == 1
    assert rows[0].by_severity["serious"] == 1 and rows[0].rectified_percent == 0.0
    assert rows[3].findings == 0  # the draft is not counted
    problems = results.common_problems(scored_round)
    assert (problems[0].item, problems[0].count) == ("活动室管理", 3)
    assert problems[0].communities == ["娄北社区", "依云水岸社区", "众泾社区"]
    assert len(problems[0].examples) == 3
    assert all("草稿" not in p for problem in problems for p in problem.examples)


def test_results_page_report_and_export(
    client: Any, scored_round: Round, yuanhe: YuanHe, django_assert_max_num_queries: Any
) -> None:
    client.force_login(yuanhe["yuan"])
    client.get(reverse("inspections:round_results", args=[scored_round.pk]))
    with django_assert_max_num_queries(24):
        page = client.get(reverse("inspections:round_results", args=[scored_round.pk]))
    text = page.content.decode()
    assert 'id="ranking-chart"' in text and "ranking-chart-data" in text
    assert "众泾社区" in text and "活动室管理" in text
    report = client.get(reverse("inspections:round_report", args=[scored_round.pk])).content
    report_text = report.decode()
    for needle in ["办公室桌面杂乱", "活动室书架积灰", "活动室无使用登记", "A4" and "report.css"]:
        assert needle in report_text
    assert "草稿，不算" not in report_text
    answer = client.get(reverse("inspections:round_export", args=[scored_round.pk]))
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 4  # the header and the four sent findings
    problems = [r[6] for r in rows[1:]]
    assert "活动室书架积灰" in problems and "草稿，不算" not in problems
