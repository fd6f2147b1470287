"""A simulated year of a street, on a simulated clock, through the apps' services.

`simulate(street_name, year)` finds the street, builds the `World` its actors share, and moves
the clock (time_machine, not ticking) day by day from 1 January to 31 December at 09:00 local
time; each actor's `on_day` runs with `timezone.now()` at the simulated moment and may move it
on within the day (`world.at(hour)`). Working days and holidays are `genxi.core.workdays`'
(chinesecalendar): deadlines move over 春节 and 国庆 as the services count them.

Every record is made by a service, as the pages make it; the actors write down in the ledger
what each figure must then read (`simulation.ledger`), and `simulation.check` compares.

Scale: below 2, `scale` multiplies the volume of every actor's activity in each community of the
street (demands, visits, meetings...): 0.25 is a quarter of a street's year, 1.5 half as much
again. From 2, the street is cloned into ⌊scale⌋ streets of its district (白洋湾街道·2, ·3 …:
its communities, compounds, buildings and households, through the places' services, found and
not made again on a second run), each a world of its own with its own generator, and the rest
of the factor multiplies each one's volume (scale 2.5: two streets at 1.25 each). All
the worlds share one clock and one ledger. The scale is bounded: above 0, at most `MAX_SCALE`.

Notifications: for the whole run (and for what the run leaves to an outer transaction's commit,
as in the demo), texts go to the log backend only and background tasks run at once in this
process, whatever the deployment configured: a simulated year texts nobody.
"""

from __future__ import annotations

import importlib
import math
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from types import ModuleType
from typing import Any

import time_machine
from django.conf import settings
from django.core.management import CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.accounts.models import Membership, Role, User
from genxi.accounts.services import create_user, grant_membership
from genxi.places.models import STREET_KINDS, Area, AreaKind, Resident
from genxi.places.services import create_area, create_resident
from genxi.simulation.ledger import Ledger
from genxi.simulation.world import World

# The actors, in the order they act each day. Missing modules are skipped (an app not landed).
ACTORS = (
    "pioneers",
    "demands",
    "meetings",
    "venues",
    "projects",
    "activities",
    "cobuilding",
    "inspections",
)
SCENARIOS = ("default", "seeds")
# The seeds' headline figures (the articles): the seeds scenario makes the year end on them.
SEEDS_TARGETS = {
    "demands.resolved": 125,
    "venues.venues": 107,
    "projects.micro_renovations": 48,
    "projects.micro_compounds": 19,
}
MORNING = clock_time(9, 0)
# Scale 50: fifty streets' worth of a year. Above it, a single run is a mistake, not a benchmark.
MAX_SCALE = 50
LOG_BACKEND = "genxi.core.notify.LogBackend"
IMMEDIATE_TASKS = "django_tasks.backends.immediate.ImmediateBackend"


@dataclass
class Result:
    ledger: Ledger
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    world: World | None = None  # the first street's
    streets: list[Area] = field(default_factory=list)  # the street and its clones


def check_scale(scale: float) -> None:
    """Refuse a scale that is not a finite number above 0 and at most `MAX_SCALE`."""
    if not math.isfinite(scale) or not 0 < scale <= MAX_SCALE:
        raise CommandError(
            _("The scale must be a number above 0 and at most %(max)s (it was %(scale)s).")
            % {"max": MAX_SCALE, "scale": scale}
        )


@contextmanager
def notifications_to_the_log() -> Iterator[None]:
    """Texts go to the log backend and background tasks run at once, here, until the block ends;
    so do the commit callbacks the block leaves to an outer transaction (the demo's), which run
    after it has ended. A queued task would otherwise be sent by a worker with the deployment's
    backend."""
    connection = transaction.get_connection()
    before = len(connection.run_on_commit)
    quiet = {
        "GENXI_NOTIFY_BACKEND": LOG_BACKEND,
        "TASKS": {**settings.TASKS, "default": {"BACKEND": IMMEDIATE_TASKS}},
    }
    try:
        with override_settings(**quiet):
            yield
    finally:
        connection.run_on_commit[before:] = [
            (savepoints, _under(quiet, callback), robust)
            for savepoints, callback, robust in connection.run_on_commit[before:]
        ]


def _under(quiet: dict[str, Any], callback: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with override_settings(**quiet):
            return callback()

    return run


def find_street(name: str) -> Area:
    street = Area.objects.filter(kind__in=STREET_KINDS, name=name).first()
    if street is None:
        raise CommandError(
            _("No street or town named %(name)s: load the places first (genxi demo).")
            % {"name": name}
        )
    return street


def actor_modules(names: tuple[str, ...] = ACTORS) -> list[ModuleType]:
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(f"genxi.simulation.actors.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"genxi.simulation.actors.{name}":
                raise
    return modules


def _staff(community: Area) -> User:
    """The community's staff member who acts in the simulation: one that exists, else one made
    for it through the accounts' services."""
    member = (
        Membership.objects.filter(role=Role.COMMUNITY_STAFF, area=community, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if member is not None:
        return member.user
    user = create_user(
        actor=None,
        username=f"sim-staff-{community.pk}",
        password=None,
        name=f"{community.name}干事",
    )
    grant_membership(actor=None, user=user, role=Role.COMMUNITY_STAFF, area=community)
    return user


def _street_staff(street: Area) -> User:
    member = (
        Membership.objects.filter(role=Role.STREET_STAFF, area=street, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if member is not None:
        return member.user
    user = create_user(
        actor=None, username=f"sim-street-{street.pk}", password=None, name=f"{street.name}干事"
    )
    grant_membership(actor=None, user=user, role=Role.STREET_STAFF, area=street)
    return user


def local(day: date, at: clock_time = MORNING) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def clone_streets(street: Area, count: int) -> list[Area]:
    """The street and `count` - 1 copies of it in its district (白洋湾街道·2 …), each with the
    street's communities (和泰社区·2 …), compounds, buildings and households, made through the
    places' services; a copy already there is taken as it is."""
    streets = [street]
    for n in range(2, count + 1):
        name = f"{street.name}·{n}"
        twin = Area.objects.filter(parent=street.parent, name=name).first()
        if twin is None:
            twin = create_area(actor=None, kind=street.kind, name=name, parent=street.parent)
            _copy_below(street, twin, n)
        streets.append(twin)
    return streets


COPIED = (AreaKind.COMMUNITY, AreaKind.COMPOUND, AreaKind.BUILDING)


def _copy_below(source: Area, target: Area, n: int) -> None:
    for child in Area.objects.filter(parent=source, kind__in=COPIED).order_by("pk"):
        name = f"{child.name}·{n}" if child.kind == AreaKind.COMMUNITY else child.name
        copy = create_area(actor=None, kind=child.kind, name=name, parent=target)
        for resident in Resident.objects.filter(area=child).order_by("pk"):
            create_resident(actor=None, name=resident.name, area=copy, room=resident.room)
        _copy_below(child, copy, n)


def build_world(
    street: Area,
    year: int,
    *,
    seed: int,
    scale: float,
    scenario: str,
    start: date,
    end: date,
    ledger: Ledger | None = None,
) -> World:
    world = World(
        street=street,
        year=year,
        rng=random.Random(seed),
        scale=scale,
        ledger=ledger or Ledger(),
        scenario=scenario,
    )
    world.start, world.end = start, end
    world.communities = list(
        Area.objects.filter(parent=street, kind=AreaKind.COMMUNITY).order_by("pk")
    )
    world.compounds = list(
        Area.objects.subtree(street).filter(kind=AreaKind.COMPOUND).order_by("pk")
    )
    if scenario == "seeds":
        world.extra["targets"] = dict(SEEDS_TARGETS)
    return world


def simulate(
    street_name: str,
    year: int,
    *,
    seed: int = 0,
    scale: float = 1.0,
    scenario: str = "default",
    progress: Callable[[date], Any] | None = None,
    start: date | None = None,
    end: date | None = None,
    actors: tuple[str, ...] = ACTORS,
) -> Result:
    """Run `year` (or `start`..`end`) of the street; returns the ledger, the seconds it took and
    how many records of each kind were made."""
    if scenario not in SCENARIOS:
        raise CommandError(_("Unknown scenario: %(name)s.") % {"name": scenario})
    check_scale(scale)
    street = find_street(street_name)
    with notifications_to_the_log():
        return _run(street, year, seed, scale, scenario, progress, start, end, actors)


def _run(
    street: Area,
    year: int,
    seed: int,
    scale: float,
    scenario: str,
    progress: Callable[[date], Any] | None,
    start: date | None,
    end: date | None,
    actors: tuple[str, ...],
) -> Result:
    started = time.monotonic()
    first = start or date(year, 1, 1)
    last = end or date(year, 12, 31)
    modules = actor_modules(actors)
    copies = int(scale) if scale >= 2 else 1
    ledger = Ledger()
    with time_machine.travel(local(first), tick=False) as clock:
        with transaction.atomic():
            streets = clone_streets(street, copies)
        worlds: list[World] = []
        for n, each in enumerate(streets):
            world = build_world(
                each,
                year,
                seed=seed + 1000 * n,
                scale=scale / copies,
                scenario=scenario,
                start=first,
                end=last,
                ledger=ledger,
            )
            world.counts = worlds[0].counts if worlds else world.counts
            world.clock = clock
            world.day = first
            with transaction.atomic():
                world.street_staff = _street_staff(each)
                world.community_staff = {c.pk: _staff(c) for c in world.communities}
            if not world.communities:
                raise CommandError(
                    _("%(name)s has no communities to simulate.") % {"name": each.name}
                )
            worlds.append(world)
        for world in worlds:
            with transaction.atomic():
                for module in modules:
                    module.setup(world)
        day = first
        while day <= last:
            with transaction.atomic():  # a day at a time: its notifications leave on its clock
                for world in worlds:
                    world.day = day
                    for module in modules:
                        world.at(9)
                        module.on_day(world, day)
            if progress is not None:
                progress(day)
            day += timedelta(days=1)
        # The day after: what the check reads "today" as (deadlines still to come stay undecided).
        for world in worlds:
            world.day = last + timedelta(days=1)
            world.at(9)
            with transaction.atomic():
                for module in modules:
                    finish = getattr(module, "finish", None)
                    if finish is not None:
                        finish(world, world.day)
    world = worlds[0]
    return Result(
        ledger=ledger,
        seconds=time.monotonic() - started,
        counts=dict(sorted(world.counts.items())),
        world=world,
        streets=streets,
    )
