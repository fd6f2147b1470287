"""The inspections panel: findings recorded in the period about the area's communities, the
share rectified, and the findings by status, from `genxi.inspections.figures` (one grouped
query for the three)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from genxi.dashboards.registry import COUNT, LIST, RATE, Figure, Panel, Scope, Value, register
from genxi.inspections import figures
from genxi.inspections.models import FindingStatus


def findings(scope: Scope) -> Any:
    return figures.findings(
        user=scope.reader, start=scope.start, end=scope.end, area=scope.area
    ).order_by("created_at", "id")


def compute(scope: Scope) -> dict[str, Value]:
    counts = figures.by_status(findings(scope))
    total = sum(counts.values())
    return {
        "inspections.findings": Value(total),
        "inspections.rectified_rate": Value(counts[figures.RECTIFIED], total),
        "inspections.by_status": Value(
            None, items=[[str(FindingStatus(s).label), n] for s, n in counts.items()]
        ),
    }


FINDINGS = _(
    "findings about the area's communities (the inspected community), their problem list sent"
)
RECORDED = _("the time the finding was recorded")
COLUMNS = (
    (_("Community"), "community.name"),
    (_("Round"), "round.title"),
    (_("Problem"), "description"),
    (_("Status"), "status"),
)

register(
    Panel(
        key="inspections",
        label=_("Peer inspections"),
        order=80,
        figures=(
            Figure(
                key="inspections.findings",
                label=_("Findings"),
                unit=COUNT,
                numerator=FINDINGS,
                counted_from=RECORDED,
                rows=findings,
                columns=COLUMNS,
            ),
            Figure(
                key="inspections.rectified_rate",
                label=_("Findings rectified"),
                unit=RATE,
                numerator=_("of those findings, the ones accepted at the re-check (status now)"),
                denominator=FINDINGS,
                counted_from=RECORDED,
                rows=lambda scope: figures.rectified(findings(scope)),
                columns=COLUMNS,
            ),
            Figure(
                key="inspections.by_status",
                label=_("Findings by status"),
                unit=LIST,
                numerator=_("those findings by their status now"),
                counted_from=RECORDED,
                rows=findings,
                columns=COLUMNS,
            ),
        ),
        compute=compute,
    )
)
