"""The meetings panel of the dashboards (registered with registry.register): deliberation
meetings held and plans revised, by `genxi.meetings.figures` (docs/figures.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from genxi.dashboards.registry import COUNT, Figure, Panel, Scope, Value, register
from genxi.meetings import figures

COLUMNS = (
    (_("Topic"), "topic"),
    (_("Community"), "community.name"),
    (_("Venue"), "venue.name"),
    (_("Starts at"), "starts_at"),
)

FIGURES = (
    Figure(
        "meetings.held",
        _("Meetings held"),
        COUNT,
        numerator=_("deliberation meetings that started in the period, by now"),
        counted_from=_("the meeting's start"),
        rows=lambda scope: figures.held(scope.communities, scope.start, scope.end),
        columns=COLUMNS,
    ),
    Figure(
        "meetings.plans_revised",
        _("Plans revised"),
        COUNT,
        numerator=_("meetings whose plan got a new version (v2 or later) in the period, each once"),
        counted_from=_("the new version's saving"),
        rows=lambda scope: figures.plans_revised(scope.communities, scope.start, scope.end),
        columns=COLUMNS,
    ),
)


def compute(scope: Scope) -> dict[str, Value]:
    f = figures.compute(communities=scope.communities, start=scope.start, end=scope.end)
    return {"meetings.held": Value(f.held), "meetings.plans_revised": Value(f.plans_revised)}


PANEL = register(Panel("meetings", _("Meetings"), 30, figures=FIGURES, compute=compute))
