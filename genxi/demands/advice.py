"""The one place another app plugs advice into recording and assigning demands.

Demands do not know who advises them. An adviser (triage registers one, in its AppConfig.ready)
adds a box to the intake form, names a likely handler on the assign step, and learns from what
people then chose. With none registered, intake and assignment simply go without advice.
"""

from collections.abc import Mapping
from typing import Any, Protocol

from genxi.core.audit import Actor
from genxi.demands.models import Demand
from genxi.places.models import Partner


class HandlerGuess(Protocol):
    """A suggested handler: `partner` is a unit, or None when the community handles it."""

    @property
    def partner(self) -> Partner | None: ...


class Adviser(Protocol):
    # Drawn inside the intake form, after the place (`form` and `request` in its context).
    intake_template: str
    # Drawn above the assign step's form, with `handler` (the guess) and `category`.
    hint_template: str

    def likely_handler(self, *, user: Any, demand: Demand) -> HandlerGuess | None:
        """Who probably handles `demand`, from what `user` may see; None when unsure."""
        ...

    def recorded(self, *, actor: Actor, demand: Demand, shown: Mapping[str, Any]) -> None:
        """`demand` was recorded from the intake form submitted as `shown`."""
        ...

    def assigned(self, *, actor: Actor, demand: Demand, guess: HandlerGuess | None) -> None:
        """`demand` was assigned; `guess` is what the assign step suggested beforehand."""
        ...


class NoAdvice:
    """What intake and assignment use when no app advises them."""

    intake_template = ""
    hint_template = ""

    def likely_handler(self, *, user: Any, demand: Demand) -> HandlerGuess | None:
        return None

    def recorded(self, *, actor: Actor, demand: Demand, shown: Mapping[str, Any]) -> None:
        pass

    def assigned(self, *, actor: Actor, demand: Demand, guess: HandlerGuess | None) -> None:
        pass


_registered: list[Adviser] = [NoAdvice()]


def register(adviser: Adviser) -> None:
    """Make `adviser` the one intake and assignment ask (the last registered wins)."""
    _registered[:] = [adviser]


def adviser() -> Adviser:
    return _registered[0]
