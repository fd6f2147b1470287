"""A round's results, read-only: each inspected community's checklist score (the sum of its
group's `Score` rows, and its share of the full score), its findings by severity and how many
were rectified, the ranking, the most common problems (findings grouped by checklist item), and
the data of the printable report and the Excel export. A few queries per round, whatever its
size."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone

from genxi.inspections.models import (
    UNFINISHED_FINDINGS,
    Finding,
    FindingPhoto,
    FindingStatus,
    Group,
    Round,
    Score,
    Severity,
)

EXAMPLES = 3


@dataclass
class CommunityResult:
    group: Group
    score: int
    full: int
    scored_items: int
    findings: int
    by_severity: dict[str, int]
    accepted: int
    overdue: int
    rank: int = 0

    @property
    def community(self) -> Any:
        return self.group.inspected

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.full, 1) if self.full else 0.0

    @property
    def rectified_percent(self) -> float:
        return round(100 * self.accepted / self.findings, 1) if self.findings else 100.0


@dataclass
class CommonProblem:
    item: str
    count: int
    communities: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


def sent(round_: Round) -> Any:
    """The round's findings whose problem list was sent (drafts are the inspectors' own)."""
    return Finding.objects.filter(round=round_).exclude(status=FindingStatus.DRAFT)


def ranking(round_: Round) -> list[CommunityResult]:
    """Every inspected community of the round, best score first (ties share a rank)."""
    full = sum(round_.items.values_list("max_score", flat=True))
    groups = list(
        Group.objects.filter(round=round_)
        .select_related("inspected")
        .prefetch_related("members__community")
        .order_by("number")
    )
    scores = {
        row["group"]: row
        for row in Score.objects.filter(group__round=round_)
        .order_by()
        .values("group")
        .annotate(total=Sum("score"), n=Count("id"))
    }
    today_q = Q(deadline__lt=timezone.localdate(), status__in=UNFINISHED_FINDINGS)
    counts = {
        row["group"]: row
        for row in sent(round_)
        .order_by()
        .values("group")
        .annotate(
            n=Count("id"),
            accepted=Count("id", filter=Q(status=FindingStatus.ACCEPTED)),
            overdue=Count("id", filter=today_q),
            **{s: Count("id", filter=Q(severity=s)) for s in Severity.values},
        )
    }
    rows = []
    for group in groups:
        score, count = scores.get(group.pk, {}), counts.get(group.pk, {})
        rows.append(
            CommunityResult(
                group=group,
                score=int(score.get("total") or 0),
                full=full,
                scored_items=int(score.get("n") or 0),
                findings=int(count.get("n") or 0),
                by_severity={s: int(count.get(s) or 0) for s in Severity.values},
                accepted=int(count.get("accepted") or 0),
                overdue=int(count.get("overdue") or 0),
            )
        )
    rows.sort(key=lambda r: (-r.score, r.findings, r.group.number))
    for position, row in enumerate(rows, start=1):
        before = rows[position - 2] if position > 1 else None
        row.rank = before.rank if before is not None and before.score == row.score else position
    return rows


def common_problems(round_: Round, limit: int = 10) -> list[CommonProblem]:
    """Findings grouped by checklist item across the round, most frequent first, with the
    communities concerned and a few example descriptions."""
    problems: dict[str, CommonProblem] = {}
    for finding in sent(round_).select_related("item", "community").order_by("id"):
        title = finding.item.title if finding.item else ""
        problem = problems.setdefault(title, CommonProblem(item=title, count=0))
        problem.count += 1
        if finding.community.name not in problem.communities:
            problem.communities.append(finding.community.name)
        if len(problem.examples) < EXAMPLES:
            problem.examples.append(finding.description)
    ordered = sorted(problems.values(), key=lambda p: (-p.count, p.item))
    return ordered[:limit]


def chart(rows: list[CommunityResult]) -> dict[str, Any]:
    """The ranking as the bar chart draws it (best on top)."""
    return {
        "names": [r.community.name for r in reversed(rows)],
        "percent": [r.percent for r in reversed(rows)],
        # No bar where there was nothing to rectify.
        "rectified": [r.rectified_percent if r.findings else None for r in reversed(rows)],
    }


def findings_for_report(round_: Round) -> list[Finding]:
    """The whole problem list, group by group, with the result photos."""
    return list(
        sent(round_)
        .select_related("item", "community", "group", "rechecked_by")
        .prefetch_related(Prefetch("photos", queryset=FindingPhoto.objects.order_by("at", "id")))
        .order_by("group__number", "id")
    )


def score_table(round_: Round) -> tuple[list[Any], dict[int, dict[int, int]]]:
    """The round's items and each group's score per item ({group: {item: score}})."""
    items = list(round_.items.all())
    table: dict[int, dict[int, int]] = defaultdict(dict)
    for group_id, item_id, score in Score.objects.filter(group__round=round_).values_list(
        "group", "item", "score"
    ):
        table[group_id][item_id] = score
    return items, dict(table)


def status_counts(round_: Round) -> list[tuple[str, int]]:
    counts = dict(sent(round_).order_by().values_list("status").annotate(n=Count("id")))
    return [
        (str(label), counts.get(value, 0))
        for value, label in FindingStatus.choices
        if value != FindingStatus.DRAFT
    ]
