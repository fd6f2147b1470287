"""What every actor of the simulation shares: the street, its places and people, the random
generator, the scale and the ledger. `simulation.engine` builds it and moves the clock; each
actor module (`simulation.actors.<app>`) has

    def setup(world: World) -> None        # once, on the first simulated day (clock set)
    def on_day(world: World, day: date) -> None   # every simulated day, the clock at 09:00

and acts only through the apps' services, as their pages do, recording in `world.ledger` what
each figure must then read.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from genxi.accounts.models import User
from genxi.places.models import Area
from genxi.simulation.ledger import Ledger


@dataclass
class World:
    street: Area
    year: int
    rng: random.Random
    scale: float
    ledger: Ledger
    communities: list[Area] = field(default_factory=list)
    compounds: list[Area] = field(default_factory=list)  # the street's residential compounds
    street_staff: User | None = None
    community_staff: dict[int, User] = field(default_factory=dict)  # community id -> staff
    scenario: str = "default"  # "seeds": the articles' headline figures
    extra: dict[str, Any] = field(default_factory=dict)  # an actor's own state, under its name
    clock: Any = None  # the time_machine traveller the engine moves
    day: date | None = None  # the simulated day
    start: date | None = None  # the first and last simulated days
    end: date | None = None
    counts: Counter[str] = field(default_factory=Counter)  # records made, by kind

    def at(self, hour: int, minute: int = 0) -> datetime:
        """Move the clock to `hour`:`minute` of the simulated day (local time)."""
        assert self.day is not None and self.clock is not None
        moment = datetime.combine(
            self.day, time(hour, minute), tzinfo=timezone.get_current_timezone()
        )
        self.clock.move_to(moment)
        return moment
