"""The whole demo, from the seeds: each app's `demo.py` loads its own part through its own
services, in the order they build on each other, in one transaction.

- `genxi.places.demo`: the areas, party organisations, partners, venues, residents, pioneers and
  one user per role;
- `genxi.demands.demo`: the category tree, the seeds' stories and six months of history (triage
  has no demo data of its own: it suggests by the categories' keywords);
- `genxi.projects.demo`: funds, projects and votes;
- `genxi.meetings.demo`: the deliberation meeting;
- `genxi.activities.demo`: activities at different stages (a drawn class under way, a held
  clinic, a full lecture with a waiting list, a fair with time slots, a draft);
- `genxi.cobuilding.demo`: the seeds' partnerships: agreements and their commitments, 双报到
  members, needs and resources, and the 舍得空间 service point with its bookings;
- `genxi.pioneers.demo`: 富元雅苑's appointment, a month of visits from the plans, the
  assessment and points;
- `genxi.inspections.demo`: the 元和 round of peer inspections and its rectifications;
- `genxi.simulation.demo`: a simulated year of 白洋湾街道 (this year up to yesterday), at a
  small scale (demands, visits, meetings, venues, and the other apps' actors), for the
  dashboards.

Each app finds what it builds on by its stable names (a community, a username), so loading twice
creates nothing. `manage.py load_demo` (and `genxi demo`) call `load_demo`.
"""

import time
from dataclasses import asdict, dataclass, fields

from django.db import transaction
from django.utils import timezone

from genxi.activities import demo as activities
from genxi.cobuilding import demo as cobuilding
from genxi.demands import demo as demands
from genxi.inspections import demo as inspections
from genxi.meetings import demo as meetings
from genxi.pioneers import demo as pioneers
from genxi.places import demo as places
from genxi.projects import demo as projects
from genxi.simulation import demo as simulation


@dataclass
class DemoResult(places.Created):
    """What this run created; all zero on a second run."""

    categories: int = 0
    demands: int = 0
    funds: int = 0
    meetings: int = 0
    activities: int = 0
    cobuilding: int = 0
    pioneer_work: int = 0  # `pioneers` is places' count of appointments
    inspections: int = 0
    simulated: int = 0  # demands the simulated year recorded
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "seconds"}

    @property
    def total(self) -> int:
        return sum(self.counts().values())

    def __str__(self) -> str:
        created = ", ".join(f"{k} {v}" for k, v in self.counts().items())
        return f"Created {created} in {self.seconds:.1f} s."


def load_demo(*, stdout: places.Writer | None = None) -> DemoResult:
    """Build (or complete) the demo in one transaction."""
    started = time.monotonic()
    with transaction.atomic():
        result = DemoResult(**asdict(places.load(stdout=stdout)))
        result.categories = demands.load_categories()
        result.demands = demands.load()
        result.funds = projects.load(timezone.localdate())
        result.meetings = meetings.load()
        result.activities = activities.load(timezone.localdate())
        result.cobuilding = cobuilding.load(timezone.localdate())
        result.pioneer_work = pioneers.load(timezone.localdate())
        result.inspections = inspections.load(timezone.localdate())
        result.simulated = simulation.load(timezone.localdate())
    result.seconds = time.monotonic() - started
    return result
