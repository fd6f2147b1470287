"""'小巷红韵' micro-venues (微阵地) opened through the year (`places.services.create_venue`, as
the venue form does): in the seeds scenario exactly as many as the articles count in the
street at the year's end (107, with those already there); otherwise two per community a year
at scale 1.

Ledger: `venues.venues` is a stock: +1 on the day a venue opens, in its community; the venues
the street already had are written on the local day each was recorded.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from genxi.core.workdays import WorkCalendar
from genxi.places.models import Venue, VenueKind
from genxi.places.services import create_venue
from genxi.simulation.world import World

PER_COMMUNITY_YEAR = 2
KINDS = [VenueKind.DELIBERATION, VenueKind.CORRIDOR, VenueKind.PARK, VenueKind.ACTIVITY_ROOM]
PLACES = ["议事角", "红韵长廊", "口袋公园", "邻里驿站", "睦邻客厅", "共享书屋"]


def setup(world: World) -> None:
    assert world.start is not None and world.end is not None
    existing = list(
        Venue.objects.filter(area__path__startswith=world.street.path).select_related("area")
    )
    for venue in existing:
        community = venue.area.community()
        if community is not None:
            world.ledger.add("venues.venues", community.pk, timezone.localdate(venue.created_at))
    target = world.extra.get("targets", {}).get("venues.venues")
    if target is not None:
        # As many as bring the street to the target at the year's end (venues recorded after
        # it, e.g. a demo loaded today, do not count then).
        before = [v for v in existing if timezone.localdate(v.created_at) <= world.end]
        count = max(0, target - len(before))
    calendar = WorkCalendar.load()
    days = []
    day = world.start
    while day <= world.end:
        if calendar.is_workday(day):
            days.append(day)
        day = date.fromordinal(day.toordinal() + 1)
    if target is None:  # a year has about 250 working days
        count = round(PER_COMMUNITY_YEAR * world.scale * len(world.communities) * len(days) / 250)
    plan: dict[date, int] = {}
    for _i in range(count if days else 0):
        on = world.rng.choice(days[: max(1, len(days) * 11 // 12)])
        plan[on] = plan.get(on, 0) + 1
    world.extra["venues"] = plan
    world.extra["venues_numbered"] = len(existing)  # names stay new on a second run


def on_day(world: World, day: date) -> None:
    for _i in range(world.extra["venues"].pop(day, 0)):
        community = world.rng.choice(world.communities)
        compounds = [c for c in world.compounds if c.path.startswith(community.path)]
        area = world.rng.choice(compounds) if compounds else community
        world.at(11, 0)
        world.extra["venues_numbered"] += 1
        number = world.extra["venues_numbered"]
        create_venue(
            actor=world.community_staff[community.pk],
            name=f"小巷红韵·{area.name}{world.rng.choice(PLACES)}{number}号",
            kind=world.rng.choice(KINDS),
            area=area,
            description="“小巷红韵”微阵地。",
        )
        world.ledger.add("venues.venues", community.pk, day)
        world.counts["venues"] += 1
