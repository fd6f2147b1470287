"""The peer inspections' figures for a user's scope and a period, read from the rows themselves
(the dashboards' inspections panel calls these; docs/figures.md "The dashboards' figures").

- findings: findings recorded (`created_at`, local days) in the period about the area's
  communities (the inspected community), once their group's problem list was sent (drafts left
  out, as the round's results leave them out).
- rectified: of those findings, the ones accepted at the re-check (`FINDING_MACHINE`'s final
  state, 回头看 passed). Their status is the status now: a past period's rate still moves as
  its findings are rectified.
- by status: those findings by their status now, in the machine's order.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from genxi.core.paths import path_range_q
from genxi.inspections.models import Finding, FindingStatus
from genxi.places.models import Area

RECTIFIED = FindingStatus.ACCEPTED


def findings(*, user: Any, start: date, end: date, area: Area | None = None) -> Any:
    """The findings recorded from `start` to `end` (both included) about the area's
    communities, their problem list sent."""
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, time.min, tzinfo=tz)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    rows = (
        Finding.objects.visible_to(user)
        .exclude(status=FindingStatus.DRAFT)
        .filter(created_at__gte=lo, created_at__lt=hi)
    )
    if area is not None:
        rows = rows.filter(path_range_q("community__path", [area.path]))
    return rows.select_related("community", "round", "item")


def rectified(rows: Any) -> Any:
    """Of those findings, the ones rectified (accepted at the re-check)."""
    return rows.filter(status=RECTIFIED)


def by_status(rows: Any) -> dict[str, int]:
    """{status: findings} of those rows, every status sent (zeros too), in the machine's
    order: one query."""
    counted = dict(rows.order_by().values_list("status").annotate(n=Count("pk")))
    return {s: counted.get(s, 0) for s in FindingStatus.values if s != FindingStatus.DRAFT}
