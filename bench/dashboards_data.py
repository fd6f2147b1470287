"""The data of the dashboards' benchmark: one district at scale, on PostgreSQL.

    python -m bench.dashboards_data --database-url postgres://…/gx_dash_bench [--scale 1]

`build(scale, seed)` adds, in phases (each in its own transaction, recorded in the scratch table
`bench_dash_phase`, so a second run skips what is done and an interrupted build resumes):

1. city: `generate_city` — one district of 10·scale streets × ~10 communities, compounds,
   buildings, grids, 400,000·scale residents, venues, partners, party organisations, pioneers;
2. demands: `generate_demands` — 1,000,000·scale demands over the last 24 months, with their
   reporters, events (DemandEvent.community set) and call-backs, as the services would write them;
3. the other apps in proportion (see `_others`): venue bookings, deliberation meetings, service
   funds and projects (micro-renovations by compound), activities with sessions, registrations
   and attendance, co-building agreements, pioneers' visits, inspection rounds and findings.

It is a benchmark's data, not the simulation: it writes with COPY (genxi.core.bulk.BulkWriter),
bypasses the services and writes no audit entries. Only run it on a scratch database.
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

PHASES_TABLE = "bench_dash_phase"
STREETS = 10
COMMUNITIES_PER_STREET = 10
RESIDENTS = 400_000
DEMANDS = 1_000_000
MONTHS = 24


def _phases() -> dict[str, dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {PHASES_TABLE} (name text PRIMARY KEY, "
            "seconds double precision, info jsonb, done_at timestamptz DEFAULT now())"
        )
        cursor.execute(f"SELECT name, seconds, info FROM {PHASES_TABLE}")
        return {
            name: {"seconds": s, **(json.loads(info) if isinstance(info, str) else info or {})}
            for name, s, info in cursor.fetchall()
        }


def _phase(name: str, done: dict[str, dict[str, Any]], step: Callable[[], dict[str, Any]]) -> None:
    if name in done:
        print(f"[{name}] done before ({done[name]['seconds']:.0f} s): skipped", flush=True)
        return
    print(f"[{name}] building…", flush=True)
    started = time.perf_counter()
    with transaction.atomic():
        info = step()
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {PHASES_TABLE} (name, seconds, info) VALUES (%s, %s, %s)",
                [name, seconds, json.dumps(info, ensure_ascii=False, default=str)],
            )
    done[name] = {"seconds": seconds, **info}
    print(f"[{name}] {seconds:.0f} s: {info}", flush=True)


def _other(step: Callable[[int, float, int], dict[str, Any]], scale: float, seed: int) -> Any:
    return step(district_id(), scale, seed)


def district_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (info->>'district_id')::int FROM {PHASES_TABLE} WHERE name='city'")
        row = cursor.fetchone()
    if not row:
        raise SystemExit("No benchmark district here: build it first (bench.dashboards_data).")
    return int(row[0])


def build(
    scale: float = 1.0, seed: int = 17, *, progress: bool = True, only: set[str] | None = None
) -> dict[str, Any]:
    """Build (or finish building) the benchmark's district; returns the phases' records."""
    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark runs on PostgreSQL (--database-url postgres://…).")
    done = _phases()

    def city() -> dict[str, Any]:
        from genxi.places.generate import generate_city

        streets = max(1, round(STREETS * scale))
        residents = round(RESIDENTS * scale)
        result = generate_city(
            residents=residents,
            seed=seed,
            progress=progress,
            streets=streets,
            residents_per_community=residents // (streets * COMMUNITIES_PER_STREET),
        )
        return {
            "district_id": result.district_id,
            "district": result.district_name,
            "counts": result.counts,
        }

    def demands() -> dict[str, Any]:
        from genxi.demands.generate import generate_demands

        result = generate_demands(
            demands=round(DEMANDS * scale), seed=seed, months=MONTHS, progress=progress
        )
        return {"counts": result.counts, "statuses": result.statuses}

    steps: list[tuple[str, Callable[[], dict[str, Any]]]] = [("city", city), ("demands", demands)]
    for name, other in OTHERS:
        steps.append((name, functools.partial(_other, other, scale, seed)))
    before = len(done)
    for name, fn in steps:
        if only is None or name in only:
            _phase(name, done, fn)
    built = len(done) > before
    print(f"fixups: {fixups()}", flush=True)
    if built:
        # Set the visibility map too, so the figures' covering indexes are read alone (as the
        # ledger's benchmark does before measuring).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return done


def fixups() -> list[str]:
    """Bring a built database in line with fields added since it was built (idempotent; run by
    `build` and by the benchmark on --reuse): the venues registered at the start of the data
    (the city generator stamps them now, and the venues figure counts those registered by the
    period's end), and the micro-renovations (title 微改造：<compound>) flagged and tied to
    their compound once Project has those fields."""
    from genxi.projects.models import Project

    done = []
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE places_venue SET created_at = %s WHERE created_at > %s",
            [_start_of_data(), _start_of_data()],
        )
        done.append(f"venues dated back: {cursor.rowcount}")
        names = {f.attname for f in Project._meta.concrete_fields}
        if {"micro_renovation", "compound_id"} <= names:
            cursor.execute(
                """UPDATE projects_project p SET micro_renovation = true, compound_id = a.id
                   FROM places_area a
                   WHERE p.title LIKE '微改造：%%' AND NOT p.micro_renovation
                     AND a.parent_id = p.community_id AND a.kind = 'compound'
                     AND a.name = substr(p.title, 5)"""
            )
            done.append(f"micro-renovations flagged: {cursor.rowcount}")
    return done


def _start_of_data() -> Any:
    from datetime import datetime, timedelta

    from django.utils import timezone

    today = timezone.localdate()
    first = (today - timedelta(days=30 * MONTHS)).replace(day=1)
    return datetime(first.year, first.month, 1, tzinfo=timezone.get_current_timezone())


def counts() -> dict[str, int]:
    """Rows per table of the apps the dashboards read (estimates from the statistics are not
    enough for a report: exact counts)."""
    tables = [
        "places_area", "places_resident", "places_venue", "places_pioneer", "places_partner",
        "demands_demand", "demands_demandevent", "demands_demandreporter", "demands_callback",
        "demands_visit", "meetings_meeting", "projects_fund", "projects_project",
        "activities_activity", "activities_session", "activities_registration",
        "cobuilding_agreement", "inspections_finding", "pioneers_assessment",
        "dashboards_figurevalue",
    ]  # fmt: skip
    out: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND "
            "split_part(tablename, '_', 1) IN ('places', 'demands', 'meetings', 'projects', "
            "'activities', 'cobuilding', 'inspections', 'pioneers', 'dashboards')"
        )
        present = {r[0] for r in cursor.fetchall()}
        for table in sorted(present | (set(tables) & present)):
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            n = cursor.fetchone()[0]
            if n:
                out[table] = n
    return out


# --- the other apps, in proportion -------------------------------------------------------------
# Per community and month at scale 1 (100 communities, 24 months): 2 meetings, 8 activities of
# ~20 registrations, 6 bookings a venue, 10 visits a pioneer; a fund a year with 10 projects;
# 5 co-building agreements with monthly reports; a street inspection round a quarter.


def _const(value: Any) -> Callable[[], Any]:
    return lambda: value


def put(writer: Any, model: Any, rows: list[dict[str, Any]]) -> int:
    """COPY `rows` (dicts of attnames) into `model`'s table; every column not given gets the
    field's default (called per row when callable), None when nullable, "" when blank, and the
    writer's now for auto_now fields."""
    if not rows:
        return 0
    from datetime import date, datetime

    from django.db.models import NOT_PROVIDED

    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and "id" not in rows[0])]
    names = tuple(f.attname for f in fields)
    fill: dict[str, Callable[[], Any]] = {}
    for f in fields:  # every field: rows may differ in the keys they give
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            fill[f.attname] = lambda: writer.now
        elif f.default is not NOT_PROVIDED:
            fill[f.attname] = f.get_default if callable(f.default) else _const(f.get_default())
        elif f.null:
            fill[f.attname] = lambda: None
        else:
            fill[f.attname] = lambda: ""
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}

    def convert(name: str, value: Any) -> Any:
        if name in json_fields:
            return writer.json(value)
        if isinstance(value, datetime):
            return writer.stamp(value)
        if isinstance(value, date):
            return writer.day(value)
        return value

    def tuples() -> Any:
        for row in rows:
            yield tuple(convert(n, row[n] if n in row else fill[n]()) for n in names)

    return int(writer.write(model, names, tuples()))


class _World:
    """The district as built by the city and demands phases, loaded once per phase."""

    def __init__(self, district: int, scale: float, seed: int, salt: int) -> None:
        import random
        from datetime import timedelta

        from django.utils import timezone

        from genxi.places.models import Area, AreaKind, Partner, Pioneer, Resident, Venue

        self.rng = random.Random(seed * 1000 + salt)
        self.scale = scale
        self.today = timezone.localdate()
        self.first = (self.today - timedelta(days=30 * MONTHS)).replace(day=1)
        self.tz = timezone.get_current_timezone()
        root = Area.objects.get(pk=district)
        areas = list(
            Area.objects.subtree(root).values_list("id", "kind", "parent_id", "grid_id", "name")
        )
        kind = {a[0]: a[1] for a in areas}
        parent = {a[0]: a[2] for a in areas}
        self.name = {a[0]: a[4] for a in areas}

        def community_of(pk: int | None) -> int | None:
            while pk is not None and kind.get(pk) != AreaKind.COMMUNITY:
                pk = parent.get(pk)
            return pk

        self.community_of = community_of
        self.streets = sorted(pk for pk, k in kind.items() if k == AreaKind.STREET)
        self.communities = sorted(pk for pk, k in kind.items() if k == AreaKind.COMMUNITY)
        self.street_of = {c: parent[c] for c in self.communities}
        self.compounds: dict[int, list[int]] = {c: [] for c in self.communities}
        self.buildings: dict[int, list[int]] = {c: [] for c in self.communities}
        for pk, k, *_rest in areas:
            if k == AreaKind.COMPOUND:
                self.compounds[community_of(pk)].append(pk)  # type: ignore[index]
            elif k == AreaKind.BUILDING:
                self.buildings[community_of(pk)].append(pk)  # type: ignore[index]
        self.venues: dict[int, list[int]] = {c: [] for c in self.communities}
        for pk, area in Venue.objects.filter(area__in=list(kind)).values_list("pk", "area_id"):
            c = community_of(area)
            if c is not None:
                self.venues[c].append(pk)
        self.partners: dict[int, list[int]] = {c: [] for c in self.communities}
        for pk, area in Partner.objects.filter(area__in=list(kind)).values_list("pk", "area_id"):
            for c in self.communities if kind[area] != AreaKind.COMMUNITY else [area]:
                if kind[area] == AreaKind.COMMUNITY or self.street_of[c] == area:
                    self.partners[c].append(pk)
        self.pioneers = list(
            Pioneer.objects.filter(community__in=self.communities).values_list(
                "pk", "community_id", "user_id"
            )
        )
        self.residents: dict[int, list[int]] = {c: [] for c in self.communities}
        sample = Resident.objects.filter(area__in=list(kind)).values_list("pk", "area_id")
        for pk, area in sample.iterator(chunk_size=20_000):
            c = community_of(area)
            if c is not None and len(self.residents[c]) < 2000:
                self.residents[c].append(pk)

    def months(self) -> list[Any]:
        from datetime import date

        out = []
        day = self.first
        while day <= self.today:
            out.append(day)
            day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        return out

    def moment(self, month: Any, *, hour: int = 9, spread_hours: int = 9) -> Any:
        """A datetime in office hours on a random day of `month`, not after today."""
        from datetime import datetime, timedelta

        from genxi.dashboards.periods import month_end

        last = min(month_end(month), self.today)
        day = month + timedelta(days=self.rng.randrange((last - month).days + 1))
        at = datetime(day.year, day.month, day.day, hour, tzinfo=self.tz)
        return at + timedelta(minutes=self.rng.randrange(spread_hours * 60))

    def n(self, base: float) -> int:
        """A count around `base` (±50%), at least 0."""
        return max(0, round(base * (0.5 + self.rng.random())))


def _pioneer_users(district: int, scale: float, seed: int) -> dict[str, Any]:
    """An account for every pioneer (visits are recorded by user), and their home visits."""
    from genxi.accounts.models import Membership, Role, User
    from genxi.core.bulk import BulkWriter
    from genxi.demands.models import Visit
    from genxi.places.models import Pioneer

    world = _World(district, scale, seed, 1)
    rng = world.rng
    writer = BulkWriter(connection, "copy", "default")
    writer.lock((User, Membership, Visit))
    missing = [p for p in world.pioneers if p[2] is None]
    ids = writer.take_ids(User, len(missing))
    put(writer, User, [
        {"id": uid, "username": f"bench-pioneer-{pk}", "password": "!", "name": f"先锋{pk}"}
        for uid, (pk, _c, _u) in zip(ids, missing, strict=True)
    ])  # fmt: skip
    for uid, (pk, _c, _u) in zip(ids, missing, strict=True):
        Pioneer.objects.filter(pk=pk).update(user_id=uid)
    put(writer, Membership, [
        {"user_id": uid, "role": Role.PIONEER, "area_id": c}
        for uid, (_pk, c, _u) in zip(ids, missing, strict=True)
    ])  # fmt: skip
    users = dict(zip([p[0] for p in missing], ids, strict=True))
    team = [(c, u if u is not None else users[pk]) for pk, c, u in world.pioneers]
    rooms = [f"{f}{n:02d}" for f in range(1, 7) for n in range(1, 5)]

    def visits() -> Any:
        for month in world.months():
            for community, user in team:
                buildings = world.buildings[community]
                if not buildings:
                    continue
                for _ in range(world.n(10)):
                    day = world.moment(month).date()
                    yield (user, rng.choice(buildings), rng.choice(rooms), writer.day(day), "",
                           rng.random() < 0.15)  # fmt: skip

    writer.write(
        Visit, ("pioneer_id", "area_id", "room", "visited_on", "notes", "nobody_home"), visits()
    )
    writer.finish((User, Membership, Visit))
    return {"counts": writer.counts}


def _venues_meetings(district: int, scale: float, seed: int) -> dict[str, Any]:
    """Venue bookings (most confirmed, some for meetings), and deliberation meetings with their
    plan versions (a second or third version: the plan was revised)."""
    from datetime import datetime, timedelta

    from genxi.core.bulk import BulkWriter
    from genxi.dashboards.periods import month_end
    from genxi.meetings.models import Meeting, PlanVersion
    from genxi.places.models import VenueBooking

    world = _World(district, scale, seed, 2)
    rng = world.rng
    writer = BulkWriter(connection, "copy", "default")
    writer.lock((VenueBooking, Meeting, PlanVersion))
    bookings: list[dict[str, Any]] = []
    meetings: list[dict[str, Any]] = []
    plans: list[dict[str, Any]] = []
    for month in world.months():
        for community in world.communities:
            venues = world.venues[community]
            last = min(month_end(month), world.today)
            slots = [(d, h) for d in range(last.day) for h in (8, 10, 13, 15, 18)]
            for venue in venues:
                # Never two bookings of a venue at once (the booking_no_overlap constraint).
                for day, hour in rng.sample(slots, min(len(slots), world.n(6))):
                    start = datetime(month.year, month.month, day + 1, hour, tzinfo=world.tz)
                    start += timedelta(minutes=rng.choice((0, 15, 30)))
                    bookings.append({
                        "venue_id": venue, "starts_at": start,
                        "ends_at": start + timedelta(minutes=rng.choice((60, 90, 90))),
                        "purpose": rng.choice(("activity", "activity", "group", "other")),
                        "title": "场地使用",
                        "status": "confirmed" if rng.random() < 0.85
                        else rng.choice(("requested", "refused", "cancelled")),
                        "created_at": start - timedelta(days=3), "updated_at": start,
                    })  # fmt: skip
            for _ in range(world.n(2)):
                start = world.moment(month, hour=14, spread_hours=3)
                meeting = {
                    "community_id": community,
                    "venue_id": rng.choice(venues) if venues else None,
                    "topic": rng.choice(("加装电梯议事会", "停车难协商会", "微改造方案听证会",
                                         "垃圾分类点位议事会", "楼道堆物整治议事会")),
                    "starts_at": start, "ends_at": start + timedelta(hours=2),
                    "created_at": start - timedelta(days=5), "updated_at": start,
                }  # fmt: skip
                meetings.append(meeting)
    ids = writer.take_ids(Meeting, len(meetings))
    for pk, meeting in zip(ids, meetings, strict=True):
        meeting["id"] = pk
        for number in range(1, 1 + rng.choice((1, 1, 2, 2, 3))):
            plans.append({
                "meeting_id": pk, "number": number, "text": "议事方案",
                "note": "" if number == 1 else "根据居民意见修改",
                "created_at": meeting["starts_at"] + timedelta(hours=number, days=number - 1),
            })  # fmt: skip
    put(writer, VenueBooking, bookings)
    put(writer, Meeting, meetings)
    put(writer, PlanVersion, plans)
    writer.finish((VenueBooking, Meeting, PlanVersion))
    return {"counts": writer.counts}


def _projects(district: int, scale: float, seed: int) -> dict[str, Any]:
    """A service fund a community a year, ten projects each across the phases (a third of them
    micro-renovations (微改造) tied to a demand of one of the community's compounds), and the
    fund's ledger: commitments when selected, payments during execution."""
    from datetime import timedelta
    from decimal import Decimal

    from genxi.core.bulk import BulkWriter
    from genxi.demands.models import Demand
    from genxi.projects.models import Fund, FundEntry, Project

    world = _World(district, scale, seed, 3)
    rng = world.rng
    writer = BulkWriter(connection, "copy", "default")
    writer.lock((Fund, Project, FundEntry))
    funds: list[dict[str, Any]] = []
    years = sorted({m.year for m in world.months()})
    for community in world.communities:
        for year in years:
            funds.append({"community_id": community, "year": year,
                          "amount": Decimal(rng.randrange(20, 60) * 10_000),
                          "reserve": Decimal(10_000)})  # fmt: skip
    for pk, fund in zip(writer.take_ids(Fund, len(funds)), funds, strict=True):
        fund["id"] = pk
    phases = ("drafting", "deliberation", "voting", "selected", "not_selected", "execution",
              "accepted", "closed")  # fmt: skip
    projects: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    links: list[tuple[int, int]] = []
    demand_of: dict[int, list[int]] = {}
    compounds = {a for c in world.communities for a in world.compounds[c]}
    for demand, area in Demand.objects.filter(area__in=compounds).values_list("pk", "area_id")[
        :200_000
    ]:
        demand_of.setdefault(area, []).append(demand)
    for fund in funds:
        first = max(world.first, world.today.replace(year=fund["year"], month=1, day=1))
        in_year = [m for m in world.months() if m >= first and m.year == fund["year"]]
        for n in range(world.n(10)):
            micro = n % 3 == 0 and world.compounds[fund["community_id"]]
            cost = Decimal(rng.randrange(5, 80) * 1000)
            created = world.moment(rng.choice(in_year))  # proposed through the year
            phase = (
                rng.choice(phases)
                if fund["year"] == world.today.year
                else rng.choice(("closed", "closed", "accepted", "not_selected"))
            )
            project = {"fund_id": fund["id"], "community_id": fund["community_id"],
                       "title": rng.choice(("老年食堂", "儿童之家", "口袋公园", "便民服务点")),
                       "cost": cost, "phase": phase, "created_at": created,
                       "updated_at": created}  # fmt: skip
            projects.append(project)
            if micro:
                compound = rng.choice(micro)
                project["title"] = f"微改造：{world.name[compound]}"[:100]
                # Project.micro_renovation and .compound (issue 17): written where they exist.
                project["micro_renovation"] = True
                project["compound_id"] = compound
                if demand_of.get(compound):
                    project["_demand"] = rng.choice(demand_of[compound])
            if phase in ("selected", "execution", "accepted", "closed"):
                at = created + timedelta(days=rng.randrange(20, 60))
                entries.append({"fund_id": fund["id"], "_project": project,
                                "kind": "commitment", "amount": cost, "at": at})  # fmt: skip
                if phase != "selected":
                    paid = (cost * Decimal(rng.choice((30, 50, 100))) / 100).quantize(Decimal(1))
                    entries.append({"fund_id": fund["id"], "_project": project, "kind": "payment",
                                    "amount": paid, "at": at + timedelta(days=40)})  # fmt: skip
    for pk, project in zip(writer.take_ids(Project, len(projects)), projects, strict=True):
        project["id"] = pk
        if "_demand" in project:
            links.append((pk, project.pop("_demand")))
    for entry in entries:
        entry["project_id"] = entry.pop("_project")["id"]
        entry["at"] = min(entry["at"], world.moment(world.today.replace(day=1)))
    put(writer, Fund, funds)
    put(writer, Project, projects)
    put(writer, FundEntry, entries)
    writer.write(Project.demands.through, ("project_id", "demand_id"), links)
    writer.finish((Fund, Project, FundEntry))
    return {"counts": writer.counts}


def _activities(district: int, scale: float, seed: int) -> dict[str, Any]:
    """Activities run by the communities, one session each, an offering with registrations of
    residents (confirmed, each with a seat) and check-ins of most of them."""
    from datetime import timedelta

    from genxi.activities.models import (
        CODE_ALPHABET,
        CODE_LENGTH,
        Activity,
        Attendance,
        Offering,
        Registration,
        Session,
    )
    from genxi.core.bulk import BulkWriter

    world = _World(district, scale, seed, 4)
    rng = world.rng
    writer = BulkWriter(connection, "copy", "default")
    models = (Activity, Session, Offering, Registration, Attendance)
    writer.lock(models)
    activities: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    offerings: list[dict[str, Any]] = []
    registrations: list[dict[str, Any]] = []
    attendances: list[dict[str, Any]] = []
    base = len(CODE_ALPHABET)

    def code(pk: int) -> str:
        chars = []
        for _ in range(CODE_LENGTH):
            pk, digit = divmod(pk, base)
            chars.append(CODE_ALPHABET[digit])
        return "".join(chars)

    kinds = ("lecture", "clinic", "class", "fair", "screening", "visit", "volunteer", "other")
    now = world.moment(world.today)
    for month in world.months():
        for community in world.communities:
            people = world.residents[community]
            venues = world.venues[community]
            for _ in range(world.n(8)):
                start = world.moment(month, hour=9, spread_hours=8)
                held = start + timedelta(hours=2) < now
                activity = {"title": "社区活动", "kind": rng.choice(kinds), "owner_id": community,
                            "street_id": world.street_of[community],
                            "status": "held" if held else "published",
                            "created_at": start - timedelta(days=10),
                            "updated_at": start}  # fmt: skip
                activities.append(activity)
                session = {"_activity": activity, "title": "", "starts_at": start,
                           "ends_at": start + timedelta(hours=2),
                           "venue_id": rng.choice(venues) if venues else None}  # fmt: skip
                sessions.append(session)
                size = min(len(people), world.n(20))
                offering = {"_activity": activity, "_session": session, "capacity": size + 5}
                offerings.append(offering)
                for seat, resident in enumerate(rng.sample(people, size), start=1):
                    registration = {"_offering": offering, "_activity": activity,
                                    "resident_id": resident, "name": "居民",
                                    "person_key": f"r{resident}", "household_key": "",
                                    "community_id": community, "status": "confirmed",
                                    "seat": seat, "created_at": start - timedelta(days=3),
                                    "updated_at": start - timedelta(days=3)}  # fmt: skip
                    registrations.append(registration)
                    if held and rng.random() < 0.8:
                        attendances.append({"_registration": registration, "_session": session,
                                            "checked_in_at": start + timedelta(minutes=5),
                                            "source": "list"})  # fmt: skip
    for model, rows in ((Activity, activities), (Session, sessions), (Offering, offerings),
                        (Registration, registrations)):  # fmt: skip
        for pk, row in zip(writer.take_ids(model, len(rows)), rows, strict=True):
            row["id"] = pk
    for row in sessions:
        row["activity_id"] = row.pop("_activity")["id"]
    for row in offerings:
        row["activity_id"] = row.pop("_activity")["id"]
        row["session_id"] = row.pop("_session")["id"]
    for row in registrations:
        row["offering_id"] = row.pop("_offering")["id"]
        row["activity_id"] = row.pop("_activity")["id"]
        row["code"] = code(row["id"] + 10**6)
    for row in attendances:
        row["registration_id"] = row.pop("_registration")["id"]
        row["session_id"] = row.pop("_session")["id"]
    put(writer, Activity, activities)
    put(writer, Session, sessions)
    put(writer, Offering, offerings)
    put(writer, Registration, registrations)
    put(writer, Attendance, attendances)
    writer.finish(models)
    return {"counts": writer.counts}


def _cobuilding(district: int, scale: float, seed: int) -> dict[str, Any]:
    """Co-building agreements of each community with its partners (most signed and in force), a
    monthly report commitment each with its due items (most filed on time), and needs claimed
    by partners and delivered with a resource."""
    from datetime import datetime, timedelta

    from genxi.cobuilding.models import (
        Agreement,
        AgreementParty,
        Claim,
        Commitment,
        Delivery,
        DueItem,
        Need,
        Resource,
    )
    from genxi.core.bulk import BulkWriter
    from genxi.dashboards.periods import month_end
    from genxi.places.models import Area

    world = _World(district, scale, seed, 5)
    rng = world.rng
    writer = BulkWriter(connection, "copy", "default")
    models = (Agreement, AgreementParty, Commitment, DueItem, Need, Resource, Claim, Delivery)
    writer.lock(models)
    path = dict(Area.objects.filter(pk__in=world.communities).values_list("pk", "path"))
    agreements: list[dict[str, Any]] = []
    parties: list[dict[str, Any]] = []
    commitments: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    needs: list[dict[str, Any]] = []
    resources: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    months = world.months()
    for community in world.communities:
        partners = world.partners[community]
        if not partners:
            continue
        for _ in range(world.n(5)):
            begin = rng.choice(months[: len(months) // 2])
            ends = begin.replace(year=begin.year + 2) - timedelta(days=1)
            agreement = {"title": "共建协议", "community_id": community, "starts_on": begin,
                         "ends_on": ends, "status": "active", "signed_on": begin,
                         "version": 1}  # fmt: skip
            agreements.append(agreement)
            parties.append({"_agreement": agreement, "partner_id": rng.choice(partners)})
            commitment = {"_agreement": agreement, "title": "月度共建报告", "kind": "report",
                          "cadence": "monthly", "owner_side": "partner", "starts_on": begin,
                          "due_after_days": 10}  # fmt: skip
            commitments.append(commitment)
            for month in months:
                if month < begin or month > ends:
                    continue
                due = month_end(month) + timedelta(days=10)
                if due > world.today:
                    continue
                filed = None
                if rng.random() < 0.9:
                    late = rng.random() < 0.2  # most are filed by the due day
                    day = due + timedelta(days=rng.randrange(1, 10) if late else -rng.randrange(10))
                    filed = datetime(day.year, day.month, day.day, 10, tzinfo=world.tz)
                items.append({"_commitment": commitment, "period_start": month,
                              "period_end": month_end(month), "due_on": due,
                              "filed_at": filed})  # fmt: skip
        for month in months:
            for _ in range(world.n(2)):
                created = world.moment(month)
                partner = rng.choice(partners)
                resource = {"partner_id": partner, "kind": "service", "title": "志愿服务",
                            "area_id": community, "area_path": path[community],
                            "created_at": created, "updated_at": created}  # fmt: skip
                resources.append(resource)
                need = {"community_id": community, "title": "需要帮助", "source": "direct",
                        "status": "met", "created_at": created, "updated_at": created,
                        "met_at": created + timedelta(days=5)}  # fmt: skip
                needs.append(need)
                claim = {
                    "_need": need,
                    "partner_id": partner,
                    "_resource": resource,
                    "status": "delivered",
                    "claimed_at": created + timedelta(days=1),
                }
                claims.append(claim)
                day = min((created + timedelta(days=5)).date(), world.today)
                deliveries.append({"_claim": claim, "what": "已提供服务", "delivered_on": day})
    for model, rows in ((Agreement, agreements), (Commitment, commitments), (Need, needs),
                        (Resource, resources), (Claim, claims)):  # fmt: skip
        for pk, row in zip(writer.take_ids(model, len(rows)), rows, strict=True):
            row["id"] = pk
    for rows, ref, column in ((parties, "_agreement", "agreement_id"),
                              (commitments, "_agreement", "agreement_id"),
                              (items, "_commitment", "commitment_id"),
                              (claims, "_need", "need_id"), (claims, "_resource", "resource_id"),
                              (deliveries, "_claim", "claim_id")):  # fmt: skip
        for row in rows:
            row[column] = row.pop(ref)["id"]
    ordered = ((Agreement, agreements), (AgreementParty, parties), (Commitment, commitments),
               (DueItem, items), (Need, needs), (Resource, resources), (Claim, claims),
               (Delivery, deliveries))  # fmt: skip
    for table, rows in ordered:
        put(writer, table, rows)
    writer.finish(models)
    return {"counts": writer.counts}


def _inspections(district: int, scale: float, seed: int) -> dict[str, Any]:
    """A street's inspection round a quarter: a group per community (inspected by another),
    findings for each community, most rectified (fixed or accepted) by now."""
    from datetime import timedelta

    from genxi.core.bulk import BulkWriter
    from genxi.inspections.models import Finding, Group, GroupMember, Round

    world = _World(district, scale, seed, 6)
    rng = world.rng
    writer = BulkWriter(connection, "copy", "default")
    models = (Round, Group, GroupMember, Finding)
    writer.lock(models)
    rounds: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for street in world.streets:
        communities = [c for c in world.communities if world.street_of[c] == street]
        # A round a quarter, the last whole month among them.
        for month in world.months()[-2::-3]:
            start = world.moment(month).date()
            if start + timedelta(days=7) > world.today:
                continue
            round_ = {
                "street_id": street,
                "title": f"{month:%Y年%m月}检查",
                "starts_on": start,
                "ends_on": start + timedelta(days=7),
                "status": "closed",
                "created_at": world.moment(month),
                "updated_at": world.moment(month),
            }
            rounds.append(round_)
            for number, community in enumerate(communities, start=1):
                group = {"_round": round_, "number": number, "inspected_id": community,
                         "status": "submitted"}  # fmt: skip
                groups.append(group)
                other = communities[number % len(communities)]
                members.append({"_group": group, "community_id": other})
                for _ in range(world.n(8)):
                    at = world.moment(month)
                    status = rng.choice(("accepted", "accepted", "fixed", "open", "planned"))
                    findings.append({"_group": group, "_round": round_, "community_id": community,
                                     "description": "楼道堆物", "mode": "by_deadline",
                                     "deadline": start + timedelta(days=30), "status": status,
                                     "severity": rng.choice(("minor", "moderate", "serious")),
                                     "created_at": at, "updated_at": at})  # fmt: skip
    for model, rows in ((Round, rounds), (Group, groups)):
        for pk, row in zip(writer.take_ids(model, len(rows)), rows, strict=True):
            row["id"] = pk
    for row in groups:
        row["round_id"] = row.pop("_round")["id"]
    for row in members:
        row["group_id"] = row.pop("_group")["id"]
    for row in findings:
        row["group_id"] = row.pop("_group")["id"]
        row["round_id"] = row.pop("_round")["id"]
    for table, rows in ((Round, rounds), (Group, groups), (GroupMember, members),
                        (Finding, findings)):  # fmt: skip
        put(writer, table, rows)
    writer.finish(models)
    return {"counts": writer.counts}


def _assessments(district: int, scale: float, seed: int) -> dict[str, Any]:
    """Every pioneer's stored monthly assessment (as the ranking page's button stores them),
    with a grade, for each whole month of the data."""
    from datetime import datetime
    from datetime import time as clock
    from decimal import Decimal

    from genxi.core.bulk import BulkWriter
    from genxi.dashboards.periods import month_end
    from genxi.pioneers.models import Assessment

    world = _World(district, scale, seed, 7)
    rng = world.rng
    writer = BulkWriter(connection, "copy", "default")
    grades = ((90, "优秀"), (75, "良好"), (60, "合格"), (0, "不合格"))
    rows = []
    for month in world.months()[:-1]:
        stamp = datetime.combine(month_end(month), clock(23), tzinfo=world.tz)
        for pioneer, _community, _user in world.pioneers:
            total = Decimal(rng.randrange(4000, 10000)) / 100
            grade = next(name for floor, name in grades if total >= floor)
            rows.append({"pioneer_id": pioneer, "period_kind": "month", "period_start": month,
                         "period_end": month_end(month), "indicators": [],
                         "street_score": total, "total": total, "grade": grade,
                         "computed_at": stamp})  # fmt: skip
    put(writer, Assessment, rows)
    return {"counts": writer.counts}


# The other apps, in proportion: (name, fn(district id, scale, seed) -> info), in order.
OTHERS: list[tuple[str, Callable[[int, float, int], dict[str, Any]]]] = [
    ("pioneers", _pioneer_users),
    ("venues_meetings", _venues_meetings),
    ("projects", _projects),
    ("activities", _activities),
    ("cobuilding", _cobuilding),
    ("inspections", _inspections),
    ("assessments", _assessments),
]


# What --redo empties (children first) before building a phase again; the phases that only
# add rows of their own.
TABLES = {
    "venues_meetings": ["meetings_planversion", "meetings_meeting", "places_venuebooking"],
    "projects": ["projects_fundentry", "projects_project_demands", "projects_project",
                 "projects_fund"],
    "activities": ["activities_attendance", "activities_registration", "activities_offering",
                   "activities_session", "activities_activity"],
    "cobuilding": ["cobuilding_delivery", "cobuilding_claim", "cobuilding_need",
                   "cobuilding_resource", "cobuilding_dueitem", "cobuilding_commitment",
                   "cobuilding_agreementparty", "cobuilding_agreement"],
    "inspections": ["inspections_finding", "inspections_groupmember", "inspections_group",
                    "inspections_round"],
    "assessments": ["pioneers_assessment"],
}  # fmt: skip


def redo(names: list[str]) -> None:
    """Empty the tables of these phases and forget them, so the next build makes them again."""
    _phases()
    with transaction.atomic(), connection.cursor() as cursor:
        for name in names:
            for table in TABLES[name]:
                cursor.execute(f'DELETE FROM "{table}"')
            cursor.execute(f"DELETE FROM {PHASES_TABLE} WHERE name = %s", [name])
            print(f"[{name}] emptied, to build again", flush=True)


def main() -> None:
    from bench import setup_django

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--counts", action="store_true", help="print the row counts at the end")
    parser.add_argument("--phases", default=None, help="comma-separated; default: all")
    parser.add_argument("--redo", default=None, help=f"empty and rebuild: {', '.join(TABLES)}")
    args = parser.parse_args()
    setup_django(args.database_url)
    started = time.perf_counter()
    if args.redo:
        redo(args.redo.split(","))
    only = set(args.phases.split(",")) if args.phases else None
    done = build(args.scale, args.seed, progress=not args.no_progress, only=only)
    print(f"build: {time.perf_counter() - started:.0f} s this run; phases:")
    for name, info in done.items():
        print(f"  {name}: {info['seconds']:.0f} s")
    if args.counts:
        print(json.dumps(counts(), indent=1))


if __name__ == "__main__":
    main()
