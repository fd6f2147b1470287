"""Pioneers' home visits (走访): each community's pioneers walk their buildings on working days,
meet a resident or find nobody at home, and record the visit (`demands.services.record_visit`,
as the visit form does). Visits that raise a demand are the demands actor's (it asks
`visitor` and `households` here).

Ledger: `pioneers.visits` +1 on the day visited, in the visited building's community.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from genxi.accounts.models import User
from genxi.accounts.services import create_user
from genxi.core.workdays import WorkCalendar
from genxi.demands.services import Ask, record_visit
from genxi.pioneers.services.appointments import appoint
from genxi.places.models import Area, AreaKind, Pioneer, Resident
from genxi.simulation.world import World

# Routine visits per community per working day, at scale 1 (and a share with nobody home).
VISITS_PER_DAY = 2.0
NOBODY_HOME = 0.2


@dataclass
class State:
    calendar: WorkCalendar
    users: dict[int, User] = field(default_factory=dict)  # community id -> the visiting pioneer
    homes: dict[int, list[tuple[Area, str, list[Resident]]]] = field(default_factory=dict)


def state(world: World) -> State:
    found = world.extra.get("pioneers")
    if found is None:
        found = world.extra["pioneers"] = State(calendar=WorkCalendar.load())
    assert isinstance(found, State)
    return found


def households(world: World, community: Area) -> list[tuple[Area, str, list[Resident]]]:
    """The community's households on the books: (building, room, residents)."""
    st = state(world)
    if community.pk not in st.homes:
        rooms: dict[tuple[int, str], list[Resident]] = {}
        buildings: dict[int, Area] = {}
        for resident in (
            Resident.objects.filter(
                area__kind=AreaKind.BUILDING, area__path__startswith=community.path
            )
            .exclude(room="")
            .select_related("area")
            .order_by("pk")
        ):
            buildings[resident.area_id] = resident.area
            rooms.setdefault((resident.area_id, resident.room), []).append(resident)
        st.homes[community.pk] = [
            (buildings[a], room, people) for (a, room), people in rooms.items()
        ]
    return st.homes[community.pk]


def visitor(world: World, community: Area) -> User:
    """The pioneer who visits for the community: one appointed with an account, else one
    appointed now for a three-year term (an account, and the appointment through the pioneers'
    service, which gives it the pioneer's role)."""
    st = state(world)
    if community.pk in st.users:
        return st.users[community.pk]
    pioneer = (
        Pioneer.objects.filter(community=community, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if pioneer is not None and pioneer.user is not None:
        user = pioneer.user
    else:
        user = create_user(
            actor=None,
            username=f"sim-pioneer-{community.pk}",
            password=None,
            name=f"{community.name}先锋",
        )
        start = world.start or date(world.year, 1, 1)
        # The pioneers' own service: the appointment's event and the account's role with it.
        appoint(
            actor=world.community_staff.get(community.pk),
            name=user.name or user.username,
            community=community,
            appointed_on=start,
            term_ends_on=start.replace(year=start.year + 3) - timedelta(days=1),
            user=user,
        )
        world.counts["pioneers appointed"] += 1
    st.users[community.pk] = user
    return user


def visit(
    world: World,
    community: Area,
    day: date,
    *,
    asks: list[Ask] | None = None,
    nobody_home: bool = False,
) -> object | None:
    """One visit to a household picked at random; None if the community has no household."""
    homes = households(world, community)
    if not homes:
        return None
    building, room, people = world.rng.choice(homes)
    met = [] if nobody_home else [world.rng.choice(people)]
    made = record_visit(
        actor=visitor(world, community),
        area=building,
        room=room,
        visited_on=day,
        met=met,
        nobody_home=nobody_home,
        notes="入户走访，了解居民近况。" if not nobody_home else "家中无人，下次再访。",
        asks=asks or (),
    )
    world.ledger.add("pioneers.visits", community.pk, day)
    world.counts["visits"] += 1
    return made


def setup(world: World) -> None:
    for community in world.communities:
        if households(world, community):
            visitor(world, community)


def on_day(world: World, day: date) -> None:
    st = state(world)
    if not st.calendar.is_workday(day):
        return
    for community in world.communities:
        expected = VISITS_PER_DAY * world.scale
        count = int(expected) + (world.rng.random() < expected - int(expected))
        for i in range(count):
            world.at(10 + i % 6, world.rng.randrange(60))
            visit(world, community, day, nobody_home=world.rng.random() < NOBODY_HOME)
