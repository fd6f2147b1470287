"""The pioneers panel: pioneers serving at the period's end, household visits made in the
period, and the grades of the period's stored assessments, from `genxi.pioneers.figures`."""

from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from genxi.dashboards.registry import COUNT, LIST, Figure, Panel, Scope, Value, register
from genxi.pioneers import figures


def serving_day(scope: Scope) -> date:
    """The period's end, or today while the period lasts (nobody knows who serves tomorrow)."""
    return min(scope.end, scope.today)


def appointed(scope: Scope) -> Any:
    return figures.serving(user=scope.reader, on=serving_day(scope), area=scope.area).order_by(
        "community__path", "name", "id"
    )


def visits(scope: Scope) -> Any:
    return figures.visits(
        user=scope.reader, start=scope.start, end=scope.end, area=scope.area
    ).order_by("visited_on", "id")


def assessments(scope: Scope) -> Any:
    return figures.assessments(
        user=scope.reader,
        start=scope.start,
        end=scope.end,
        kind=scope.period.kind,
        area=scope.area,
    ).order_by("-total", "pioneer__name", "id")


def compute(scope: Scope) -> dict[str, Value]:
    return {
        "pioneers.appointed": Value(appointed(scope).count()),
        "pioneers.visits": Value(visits(scope).count()),
        "pioneers.grades": Value(None, items=figures.grades(assessments(scope))),
    }


register(
    Panel(
        key="pioneers",
        label=_("Pioneers"),
        order=70,
        figures=(
            Figure(
                key="pioneers.appointed",
                label=_("Pioneers serving"),
                unit=COUNT,
                numerator=_(
                    "appointments of the area's communities serving on the period's last day "
                    "(today while it lasts): appointed by then, term not over, not ended by "
                    "then, not suspended now"
                ),
                counted_from=_("the appointment's start, term end and end days"),
                rows=appointed,
                columns=(
                    (pgettext_lazy("person", "Name"), "name"),
                    (_("Community"), "community.name"),
                    (_("Appointed on"), "appointed_on"),
                    (_("Term ends on"), "term_ends_on"),
                ),
            ),
            Figure(
                key="pioneers.visits",
                label=_("Household visits"),
                unit=COUNT,
                numerator=_(
                    "home visits to the households of the area's buildings, nobody at home too"
                ),
                counted_from=_("the day of the visit"),
                rows=visits,
                columns=(
                    (_("Visited on"), "visited_on"),
                    (_("Building"), "area.name"),
                    (_("Room"), "room"),
                    (_("Visited by"), "pioneer.name"),
                ),
            ),
            Figure(
                key="pioneers.grades",
                label=_("Assessment grades"),
                unit=LIST,
                numerator=_(
                    "the stored assessments of the area's pioneers, of the period's kind (the "
                    "year's for so far) starting in the period, by grade"
                ),
                counted_from=_("the first day of the assessed period"),
                rows=assessments,
                columns=(
                    (_("Pioneer"), "pioneer.name"),
                    (_("Community"), "pioneer.community.name"),
                    (_("Total"), "total"),
                    (_("Grade"), "grade"),
                ),
                # A grade is a person's: a community with few pioneers would show theirs.
                public=False,
            ),
        ),
        compute=compute,
    )
)
