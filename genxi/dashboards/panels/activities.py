"""The activities panel: activities held, participants (参与人次) and residents reached (服务人数),
from `genxi.activities.figures` (docs/figures.md "The figures of activities"): one call of its
`compute` for the three numbers, and its read functions for the rows behind them."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from genxi.activities import figures
from genxi.dashboards.registry import COUNT, Figure, Panel, Scope, Value, register


def _period(scope: Scope) -> dict[str, Any]:
    return {"user": scope.reader, "start": scope.start, "end": scope.end, "area": scope.area}


def compute(scope: Scope) -> dict[str, Value]:
    total = figures.compute(**_period(scope)).total
    return {
        "activities.held": Value(total.activities),
        "activities.participants": Value(total.participants),
        "activities.residents_reached": Value(total.reached),
    }


SESSION_HELD = _("a session ended in the period (and before now)")

register(
    Panel(
        key="activities",
        label=_("Activities"),
        order=50,
        figures=(
            Figure(
                key="activities.held",
                label=_("Activities held"),
                unit=COUNT,
                numerator=_(
                    "activities (neither drafts nor cancelled) run by the area's communities "
                    "with at least one session held"
                ),
                counted_from=SESSION_HELD,
                rows=lambda scope: figures.held_activities(**_period(scope)),
                columns=(
                    (_("Activity"), "title"),
                    (_("Community"), "owner.name"),
                    (_("Sessions held"), "held"),
                ),
            ),
            Figure(
                key="activities.participants",
                label=_("Participants"),
                unit=COUNT,
                numerator=_("attendances at the sessions held, one per person and session"),
                counted_from=SESSION_HELD,
                rows=lambda scope: figures.participations(**_period(scope)),
                columns=(
                    (pgettext_lazy("person", "Name"), "registration.name"),
                    (_("Activity"), "session.activity.title"),
                    (_("Session"), "session.title"),
                    (_("Checked in at"), "checked_in_at"),
                ),
            ),
            Figure(
                key="activities.residents_reached",
                label=_("Residents reached"),
                unit=COUNT,
                numerator=_(
                    "distinct people among those attendances, by the registration's person key"
                ),
                counted_from=SESSION_HELD,
                rows=lambda scope: figures.people_reached(**_period(scope)),
                columns=(
                    (pgettext_lazy("person", "Name"), "name"),
                    (_("Community"), "community.name"),
                ),
            ),
        ),
        compute=compute,
    )
)
