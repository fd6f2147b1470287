"""Triage as demands' adviser (genxi.demands.advice): the suggestion box on the intake form, the
likely handler on the assign step, and the lessons both leave (registered in TriageConfig.ready).
"""

from collections.abc import Mapping
from typing import Any

from genxi.core.audit import Actor
from genxi.demands.advice import HandlerGuess
from genxi.demands.models import Demand
from genxi.triage import services


class TriageAdviser:
    intake_template = "triage/intake.html"
    hint_template = "triage/handler_hint.html"

    def likely_handler(self, *, user: Any, demand: Demand) -> services.HandlerGuess | None:
        return services.likely_handler(user=user, category=demand.category, area=demand.area)

    def recorded(self, *, actor: Actor, demand: Demand, shown: Mapping[str, Any]) -> None:
        services.record_category_outcome(actor=actor, demand=demand, shown=shown)

    def assigned(self, *, actor: Actor, demand: Demand, guess: HandlerGuess | None) -> None:
        assert guess is None or isinstance(guess, services.HandlerGuess)  # ours, from above
        services.record_handler_outcome(actor=actor, demand=demand, guess=guess)
