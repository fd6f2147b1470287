"""The co-building actor on the test world: agreements signed, due items filed on time or late,
resources delivered, as its ledger says (counted with the ORM and by co-building's figures)."""

import random
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from genxi.cobuilding import figures
from genxi.cobuilding.models import Agreement, Delivery, DueItem
from genxi.simulation.actors import cobuilding
from genxi.simulation.ledger import Ledger
from genxi.simulation.world import World

TZ = ZoneInfo("Asia/Shanghai")
START = date(2025, 3, 1)
DAYS = 100
END = START + timedelta(days=DAYS - 1)


def simulate(w: Any) -> World:
    sim = World(
        street=w.street,
        year=START.year,
        rng=random.Random(11),
        scale=1.0,
        ledger=Ledger(),
        communities=[w.hetai, w.baoxiang],
        compounds=[w.compound, w.baoxiang_compound],
        street_staff=w["alice"],
        community_staff={w.hetai.pk: w["bob"]},
        extra={"last_day": END},
    )
    with time_machine.travel(datetime.combine(START, time(9), TZ), tick=False) as clock:
        cobuilding.setup(sim)
        for n in range(DAYS):
            day = START + timedelta(days=n)
            clock.move_to(datetime.combine(day, time(9), TZ))
            cobuilding.on_day(sim, day)
        # The engine's last call: the day after, which the check reads as today.
        clock.move_to(datetime.combine(END + timedelta(days=1), time(9), TZ))
        cobuilding.finish(sim, END + timedelta(days=1))
    return sim


def test_cobuilding_ledger_matches_rows(world: Any) -> None:
    sim = simulate(world)
    ids = {c.pk for c in sim.communities}
    signed = Agreement.objects.filter(signed_on__isnull=False)
    assert sim.ledger.total("cobuilding.agreements", ids, START, END)[0] == signed.count() == 2
    due = DueItem.objects.filter(due_on__lte=END + timedelta(days=1))
    num, den = sim.ledger.total("cobuilding.on_time_rate", ids, START, END + timedelta(days=1))
    assert den == due.count() > 0
    on_time = [i for i in due if i.filed_at and i.filed_at.astimezone(TZ).date() <= i.due_on]
    assert num == len(on_time) > 0
    assert num < den  # some were late or not filed
    delivered = Delivery.objects.filter(claim__resource__isnull=False)
    assert (
        sim.ledger.total("cobuilding.resources_delivered", ids, START, END)[0]
        == delivered.count()
        > 0
    )
    # Co-building's own figures, per community and month, agree with the ledger.
    with time_machine.travel(datetime.combine(END + timedelta(days=1), time(9), TZ), tick=False):
        for community in sim.communities:
            for first, last in [
                (date(2025, 3, 1), date(2025, 3, 31)),
                (date(2025, 6, 1), date(2025, 6, 30)),
                (date(2025, 4, 1), date(2025, 4, 30)),
                (date(2025, 1, 1), date(2025, 12, 31)),
            ]:
                row = figures.compute(
                    user=world["alice"], start=first, end=last, area=community
                ).total
                one = {community.pk}
                assert (
                    row.agreements
                    == sim.ledger.total("cobuilding.agreements", one, date(2000, 1, 1), last)[0]
                )
                num, den = sim.ledger.total("cobuilding.on_time_rate", one, first, last)
                assert (row.items_on_time, row.items_due) == (int(num), int(den))
                assert (
                    row.resources_delivered
                    == sim.ledger.total("cobuilding.resources_delivered", one, first, last)[0]
                )
