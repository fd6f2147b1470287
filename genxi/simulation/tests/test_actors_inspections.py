"""The inspections actor on the test world: one round, its findings and their rectification, as
its ledger says (counted with the ORM)."""

import random
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from genxi.inspections.models import Finding, FindingStatus, Round, RoundStatus
from genxi.simulation.actors import inspections
from genxi.simulation.ledger import Ledger
from genxi.simulation.world import World

TZ = ZoneInfo("Asia/Shanghai")
START = date(2025, 3, 10)
DAYS = 60
END = START + timedelta(days=DAYS - 1)


def test_inspections_ledger_matches_rows(world: Any) -> None:
    sim = World(
        street=world.street,
        year=START.year,
        rng=random.Random(3),
        scale=1.0,
        ledger=Ledger(),
        communities=[world.hetai, world.baoxiang],
        compounds=[world.compound, world.baoxiang_compound],
        street_staff=world["alice"],
        community_staff={world.hetai.pk: world["bob"]},
        extra={"last_day": END},
    )
    with time_machine.travel(datetime.combine(START, time(9), TZ), tick=False) as clock:
        inspections.setup(sim)
        for n in range(DAYS):
            day = START + timedelta(days=n)
            clock.move_to(datetime.combine(day, time(9), TZ))
            inspections.on_day(sim, day)
    round_ = Round.objects.get()
    assert round_.status == RoundStatus.RECTIFYING
    assert round_.starts_on.month == 4  # the first month two weeks on
    ids = {c.pk for c in sim.communities}
    findings = Finding.objects.exclude(status=FindingStatus.DRAFT)
    recorded = {f.created_at.astimezone(TZ).date() for f in findings}
    assert all(d.month == 4 for d in recorded)
    assert sim.ledger.total("inspections.findings", ids, START, END)[0] == findings.count() >= 4
    num, den = sim.ledger.total("inspections.rectified_rate", ids, START, END)
    assert den == findings.count()
    assert num == findings.filter(status=FindingStatus.ACCEPTED).count() > 0
    # Per community and day recorded, too.
    for community in sim.communities:
        for day in recorded:
            mine = findings.filter(community=community)
            on_day = [f for f in mine if f.created_at.astimezone(TZ).date() == day]
            assert sim.ledger.total("inspections.findings", {community.pk}, day, day)[0] == len(
                on_day
            )
            accepted = [f for f in on_day if f.status == FindingStatus.ACCEPTED]
            num, den = sim.ledger.total("inspections.rectified_rate", {community.pk}, day, day)
            assert (int(num), int(den)) == (len(accepted), len(on_day))
