"""The projects actor on the test world: funds, the vote, projects started and paid, and
micro-renovations, as its ledger says (counted with the ORM)."""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from genxi.places.models import Area, AreaKind
from genxi.projects.models import EntryKind, Fund, FundEntry, Phase, Project, Vote, VoteStatus
from genxi.simulation.actors import projects
from genxi.simulation.ledger import Ledger
from genxi.simulation.world import World

TZ = ZoneInfo("Asia/Shanghai")
START = date(2025, 3, 1)
DAYS = 60


def simulate(w: Any, start: date, days: int, **extra: Any) -> World:
    sim = World(
        street=w.street,
        year=start.year,
        rng=random.Random(5),
        scale=1.0,
        ledger=Ledger(),
        communities=[w.hetai, w.baoxiang],
        compounds=[w.compound, w.baoxiang_compound],
        street_staff=w["alice"],
        community_staff={w.hetai.pk: w["bob"]},
        extra={"last_day": start + timedelta(days=days - 1), **extra},
    )
    with time_machine.travel(datetime.combine(start, time(9), TZ), tick=False) as clock:
        projects.setup(sim)
        for n in range(days):
            day = start + timedelta(days=n)
            clock.move_to(datetime.combine(day, time(9), TZ))
            projects.on_day(sim, day)
    return sim


def by_day(sim: World, key: str) -> dict[tuple[int, date], Decimal]:
    out: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    for e in sim.ledger.entries:
        if e.key == key:
            out[(e.community, e.day)] += e.value
    return dict(out)


def entries(kind: str) -> dict[tuple[int, date], Decimal]:
    out: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    for community, at, amount in FundEntry.objects.filter(kind=kind).values_list(
        "fund__community", "at", "amount"
    ):
        out[(community, timezone.localtime(at, TZ).date())] += amount
    return dict(out)


def micro_compounds(sim: World) -> dict[str, int]:
    """Micro-renovations by compound name (until the projects app marks them itself)."""
    names = Area.objects.filter(
        path__startswith=sim.street.path, kind=AreaKind.COMPOUND
    ).values_list("name", flat=True)
    counts: dict[str, int] = defaultdict(int)
    micro = Project.objects.filter(title__contains="（微改造）")
    chosen = (Phase.SELECTED, Phase.EXECUTION, Phase.ACCEPTED, Phase.CLOSED)
    assert all(p.phase in chosen for p in micro)
    for title in micro.values_list("title", flat=True):
        counts[next(n for n in names if title.startswith(n))] += 1
    return dict(counts)


def test_projects_ledger_matches_rows(world: Any) -> None:
    sim = simulate(world, START, DAYS)
    funds = Fund.objects.filter(year=2025)
    assert funds.count() == 2
    assert sum(e.value for e in sim.ledger.entries if e.key == "projects.fund_amount") == sum(
        f.amount for f in funds
    )
    assert Vote.objects.filter(status=VoteStatus.CLOSED).count() == 2
    committed = entries(EntryKind.COMMITMENT)
    assert committed and by_day(sim, "projects.committed") == committed
    paid = entries(EntryKind.PAYMENT)
    assert paid and by_day(sim, "projects.paid") == paid
    assert Project.objects.filter(phase=Phase.EXECUTION).exists()
    assert Project.objects.filter(phase=Phase.NOT_SELECTED).exists()
    ids = {c.pk for c in sim.communities}
    proposed = sim.ledger.total("projects.by_phase", ids, START, START + timedelta(days=DAYS))
    assert proposed[0] == Project.objects.count()
    counts = micro_compounds(sim)
    assert sum(e.value for e in sim.ledger.entries if e.key == "projects.micro_renovations") == sum(
        counts.values()
    )
    assert sum(e.value for e in sim.ledger.entries if e.key == "projects.micro_compounds") == len(
        counts
    )


def test_seeds_targets_met_exactly(world: Any) -> None:
    targets = {"projects.micro_renovations": 7, "projects.micro_compounds": 4}
    sim = simulate(world, START, 40, targets=targets)
    counts = micro_compounds(sim)
    assert sum(counts.values()) == 7 and len(counts) == 4  # two compounds were added
    ledger = sim.ledger
    ids = {c.pk for c in sim.communities}
    assert ledger.total("projects.micro_renovations", ids, START, date(2025, 12, 31))[0] == 7
    assert ledger.total("projects.micro_compounds", ids, START, date(2025, 12, 31))[0] == 4
