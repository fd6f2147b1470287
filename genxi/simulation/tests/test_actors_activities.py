"""The activities actor on the test world: a few simulated weeks, and the rows it made agree
with what its ledger says, counted with the ORM and by the activities' own figures."""

import random
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.db.models.functions import TruncMonth

from genxi.activities import figures
from genxi.activities.models import Attendance, Registration, Session
from genxi.simulation.actors import activities
from genxi.simulation.ledger import Ledger
from genxi.simulation.world import World

TZ = ZoneInfo("Asia/Shanghai")
START = date(2025, 3, 1)
DAYS = 40


def simulate(world: Any, module: Any, start: date, days: int, **extra: object) -> World:
    w = world
    sim = World(
        street=w.street,
        year=start.year,
        rng=random.Random(17),
        scale=1.0,
        ledger=Ledger(),
        communities=[w.hetai, w.baoxiang],
        compounds=[w.compound, w.baoxiang_compound],
        street_staff=w["alice"],
        community_staff={w.hetai.pk: w["bob"]},
        extra={"last_day": start + timedelta(days=days - 1), **extra},
    )
    with time_machine.travel(datetime.combine(start, time(9), TZ), tick=False) as clock:
        module.setup(sim)
        for n in range(days):
            day = start + timedelta(days=n)
            clock.move_to(datetime.combine(day, time(9), TZ))
            module.on_day(sim, day)
    return sim


def total(
    sim: World,
    key: str,
    community: int | None = None,
    start: date = date(2000, 1, 1),
    end: date = date(2100, 1, 1),
) -> int:
    ids = {community} if community else {c.pk for c in sim.communities}
    return int(sim.ledger.total(key, ids, start, end)[0])


def test_activities_ledger_matches_rows(world: Any) -> None:
    sim = simulate(world, activities, START, DAYS)
    end = START + timedelta(days=DAYS - 1)
    # Checked at the end of the last simulated day: every session before it has ended.
    with time_machine.travel(datetime.combine(end, time(23), TZ), tick=False):
        held = Session.objects.filter(ends_at__lt=datetime.combine(end, time(0), TZ))
        months = set(held.annotate(m=TruncMonth("ends_at", tzinfo=TZ)).values_list("activity", "m"))
        assert total(sim, "activities.held") == len(months) > 0
        attendances = Attendance.objects.all()
        assert total(sim, "activities.participants") == attendances.count() > 0
        people = set(attendances.values_list("registration__person_key", flat=True))
        assert total(sim, "activities.residents_reached") == len(people) > 0
        assert Registration.objects.filter(by_staff=True).exists()
        # The activities' own figures, for each community and month, agree with the ledger.
        for community in sim.communities:
            for first, last in [
                (date(2025, 3, 1), date(2025, 3, 31)),
                (date(2025, 4, 1), date(2025, 4, 30)),
                (date(2025, 1, 1), date(2025, 12, 31)),
            ]:
                f = figures.compute(user=world["alice"], start=first, end=last, area=community)
                row = f.total
                assert row.activities == total(sim, "activities.held", community.pk, first, last)
                assert row.participants == total(
                    sim, "activities.participants", community.pk, first, last
                )
                assert row.reached == total(
                    sim, "activities.residents_reached", community.pk, first, last
                )
