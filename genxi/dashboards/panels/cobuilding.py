"""The co-building panel: agreements in force, commitments met on time and resources delivered,
from `genxi.cobuilding.figures` (docs/figures.md "The figures of co-building"): one call of its
`compute` for the numbers, and the same querysets it counts for the rows behind them."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from genxi.cobuilding import figures
from genxi.dashboards.registry import COUNT, RATE, Figure, Panel, Scope, Value, register


def _period(scope: Scope) -> dict[str, Any]:
    return {"user": scope.reader, "start": scope.start, "end": scope.end, "area": scope.area}


def compute(scope: Scope) -> dict[str, Value]:
    total = figures.compute(**_period(scope)).total
    return {
        "cobuilding.agreements": Value(total.agreements),
        "cobuilding.on_time_rate": Value(total.items_on_time, total.items_due),
        "cobuilding.resources_delivered": Value(total.resources_delivered),
    }


def on_time(scope: Scope) -> Any:
    return (
        figures.items_due(**_period(scope))
        .filter(figures.ON_TIME)
        .select_related("commitment__agreement__community")
        .order_by("due_on", "id")
    )


def resources_delivered(scope: Scope) -> Any:
    return (
        figures.delivered(**_period(scope))
        .filter(claim__resource__isnull=False)
        .select_related("claim__resource", "claim__partner", "claim__need__community")
        .order_by("delivered_on", "id")
    )


register(
    Panel(
        key="cobuilding",
        label=_("Co-building"),
        order=60,
        figures=(
            Figure(
                key="cobuilding.agreements",
                label=_("Agreements in force"),
                unit=COUNT,
                numerator=_(
                    "agreements signed (signed day recorded) in force on a day of the period: "
                    "within their dates and not ended before that day"
                ),
                counted_from=_("the agreement's start and end dates (and the day it was ended)"),
                rows=lambda scope: (
                    figures.agreements_in_force(**_period(scope))
                    .select_related("community")
                    .order_by("starts_on", "id")
                ),
                columns=(
                    (_("Agreement"), "title"),
                    (_("Community"), "community.name"),
                    (_("From"), "starts_on"),
                    (_("To"), "ends_on"),
                ),
            ),
            Figure(
                key="cobuilding.on_time_rate",
                label=_("Commitments met on time"),
                unit=RATE,
                numerator=_("due items of signed agreements filed on or before their due day"),
                denominator=_(
                    "items of signed agreements due so far: due in the period, on or before today"
                ),
                counted_from=_("the item's due day"),
                rows=on_time,
                columns=(
                    (_("Agreement"), "commitment.agreement.title"),
                    (_("Commitment"), "commitment.title"),
                    (_("Due on"), "due_on"),
                ),
            ),
            Figure(
                key="cobuilding.resources_delivered",
                label=_("Resources delivered"),
                unit=COUNT,
                numerator=_("deliveries of claims made with a resource"),
                counted_from=_("the delivery's date"),
                rows=resources_delivered,
                columns=(
                    (_("Resource"), "claim.resource.title"),
                    (_("Partner unit"), "claim.partner.name"),
                    (_("Community"), "claim.need.community.name"),
                    (_("Delivered on"), "delivered_on"),
                ),
            ),
        ),
        compute=compute,
    )
)
