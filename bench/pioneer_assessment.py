"""The assessment of every pioneer of a street for a quarter, against a bare SQL aggregate.

    python -m bench.pioneer_assessment --database-url postgres://…/gx_bench \
        --pioneers 500 --demands 1000000 --visits 2000000

1. Builds (once; a second run on the same database reuses it) one street, 基准街道, with ten
   communities and `--pioneers` pioneers, each with an account, a grid and a building of 100
   households, through the services; then, through genxi.core.bulk.BulkWriter (COPY on
   PostgreSQL), `--demands` demands recorded by the pioneers over the last twelve months (most
   resolved, on time or late), call-backs on half of the resolved ones (made by the pioneer or
   by staff), `--visits` home visits, each pioneer's visit plans (100 households a month) for
   the last quarter, and volunteer shifts.
2. Times, for the last complete quarter: `assess_area` (the seven indicators, the parts, the
   totals, the grades of every pioneer, as the ranking page computes them) and `compute` (the
   same, stored as Assessment rows, as the page's button does), then the baseline: a bare SQL
   aggregate of the same counts (one GROUP BY per indicator over the same pioneers' ids, no
   ORM, no scheme, no grades, nothing stored), in the same run, on the same warm database.
   The counts of both are compared: they must agree.

Each timing is the best of `--repeat` runs. The target is ≤ 10 s for `compute`.
"""

import argparse
import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bench import emit, machine, setup_django, timed

STREET = "基准街道"
COMMUNITIES = 10
ROOMS = [f"{floor}{n:02d}" for floor in range(1, 21) for n in range(1, 6)]  # 100 households


def build(pioneers: int, demands: int, visits: int, seed: int) -> dict[str, int]:
    from genxi.accounts.services import create_user
    from genxi.activities.models import Activity, ActivityKind, ActivityStatus, VolunteerShift
    from genxi.core.bulk import BulkWriter
    from genxi.demands.generate import default_categories
    from genxi.demands.models import Callback, Category, Demand, Status, Visit
    from genxi.pioneers import assessment as engine
    from genxi.pioneers.models import PeriodKind, PlanItem, VisitPlan
    from genxi.places import services as places
    from genxi.places.models import Area, AreaKind

    rng = random.Random(seed)
    today = timezone.localdate()
    quarter = engine.period_of(PeriodKind.QUARTER, today)
    last_quarter = engine.period_of(PeriodKind.QUARTER, quarter.start - timedelta(days=1))
    year_ago = today - timedelta(days=365)

    district = places.create_area(actor=None, kind=AreaKind.DISTRICT, name="基准区", parent=None)
    street = places.create_area(actor=None, kind=AreaKind.STREET, name=STREET, parent=district)
    communities = [
        places.create_area(
            actor=None, kind=AreaKind.COMMUNITY, name=f"基准{n + 1}社区", parent=street
        )
        for n in range(COMMUNITIES)
    ]
    compounds = {
        c.pk: places.create_area(actor=None, kind=AreaKind.COMPOUND, name="小区", parent=c)
        for c in communities
    }
    residents = {
        c.pk: places.create_resident(
            actor=None, name="张伟", phone=None, area=compounds[c.pk], room="101"
        )
        for c in communities
    }
    team: list[tuple[int, int, int]] = []  # (user id, building id, community id)
    for n in range(pioneers):
        community = communities[n % COMMUNITIES]
        grid = places.create_area(
            actor=None, kind=AreaKind.GRID, name=f"网格{n + 1}", parent=community
        )
        building = places.create_area(
            actor=None,
            kind=AreaKind.BUILDING,
            name=f"{n + 1}幢",
            parent=compounds[community.pk],
            grid=grid,
        )
        user = create_user(actor=None, username=f"bench-pioneer-{n + 1}", password=None)
        places.appoint_pioneer(
            actor=None,
            name=f"先锋{n + 1}",
            community=community,
            appointed_on=year_ago,
            grids=[grid],
            user=user,
        )
        team.append((user.pk, building.pk, community.pk))
    default_categories()
    category = Category.objects.filter(children__isnull=True).order_by("pk").first()
    assert category is not None
    staff = create_user(actor=None, username="bench-staff", password=None)

    tz = timezone.get_current_timezone()

    def moment(day: date) -> datetime:
        return datetime.combine(day, time(9), tzinfo=tz) + timedelta(minutes=rng.randrange(480))

    with transaction.atomic():
        writer = BulkWriter(connection, "auto", "default")
        writer.lock((Demand, Callback, Visit))
        demand_ids = writer.take_ids(Demand, demands)
        callbacks: list[tuple[Any, ...]] = []

        def demand_rows() -> Iterator[tuple[Any, ...]]:
            for pk in demand_ids:
                user, building, community = team[rng.randrange(pioneers)]
                made = moment(year_ago + timedelta(days=rng.randrange(365)))
                due = made.date() + timedelta(days=7)
                resolved = None
                status = Status.IN_PROGRESS
                if rng.random() < 0.8:
                    resolved = made + timedelta(days=rng.randrange(11), hours=1)
                    status = Status.CLOSED
                    if rng.random() < 0.5:
                        callbacks.append(
                            (
                                pk,
                                community,
                                residents[community].pk,
                                rng.choice(
                                    ["satisfied", "satisfied", "basically", "not_satisfied"]
                                ),
                                user if rng.random() < 0.5 else staff.pk,
                                writer.stamp(resolved + timedelta(days=rng.randrange(9))),
                            )
                        )
                yield (
                    pk,
                    f"B{pk:010d}",
                    "楼道灯不亮",
                    "",
                    category.pk,
                    community,
                    street.pk,
                    building,
                    "visit",
                    user,
                    writer.day(made.date() + timedelta(days=1)),
                    writer.day(due),
                    False,
                    writer.stamp(made),
                    writer.stamp(made),
                    status,
                    "",
                    "community",
                    writer.stamp(resolved),
                    0,
                )

        writer.write(
            Demand,
            (
                "id", "code", "title", "description", "category_id", "community_id",
                "street_id", "area_id", "channel", "created_by_id", "response_due",
                "resolution_due", "due_provisional", "created_at", "updated_at", "status",
                "media_url", "path", "resolved_at", "callback_round",
            ),
            demand_rows(),
        )  # fmt: skip
        writer.write(
            Callback,
            ("demand_id", "community_id", "resident_id", "result", "by_id", "at", "round",
             "comment"),
            ((*c, 0, "") for c in callbacks),
        )  # fmt: skip

        def visit_rows() -> Iterator[tuple[Any, ...]]:
            for _ in range(visits):
                user, building, _community = team[rng.randrange(pioneers)]
                day = year_ago + timedelta(days=rng.randrange(366))
                yield (user, building, rng.choice(ROOMS), writer.day(day), "", False)

        writer.write(
            Visit,
            ("pioneer_id", "area_id", "room", "visited_on", "notes", "nobody_home"),
            visit_rows(),
        )
        from genxi.places.models import Pioneer

        plans = []
        by_user = dict(Pioneer.objects.filter(community__parent=street).values_list("user", "pk"))
        for user_id, _building, _community in team:
            for month in last_quarter.months:
                plans.append(VisitPlan(pioneer_id=by_user[user_id], month=month))
        VisitPlan.objects.bulk_create(plans, batch_size=2000)
        building_of = {by_user[u]: b for u, b, _c in team}
        writer.write(
            PlanItem,
            ("plan_id", "area_id", "room", "rank", "tags", "open_demands"),
            (
                (p.pk, building_of[p.pioneer_id], room, rank, "[]", 0)
                for p in plans
                for rank, room in enumerate(ROOMS, start=1)
            ),
        )
        activity = Activity.objects.create(
            title="基准志愿服务",
            kind=ActivityKind.VOLUNTEER,
            owner=street,
            street=street,
            status=ActivityStatus.PUBLISHED,
        )
        shifts = []
        for user_id, _building, _community in team:
            for _ in range(6):
                start = moment(year_ago + timedelta(days=rng.randrange(365)))
                shifts.append(
                    VolunteerShift(
                        activity=activity,
                        user_id=user_id,
                        name="先锋",
                        checked_in_at=start,
                        checked_out_at=start + timedelta(hours=rng.randrange(1, 4)),
                    )
                )
        VolunteerShift.objects.bulk_create(shifts, batch_size=2000)
        writer.finish((Demand, Callback, Visit, PlanItem))
    assert Area.objects.filter(name=STREET).count() == 1
    return dict(writer.counts)


BARE = {
    "demands": """
        SELECT d.created_by_id, count(*) FROM demands_demand d
        WHERE d.created_by_id = ANY(%(users)s)
          AND d.created_at >= %(start)s AND d.created_at < %(end)s
        GROUP BY d.created_by_id""",
    "on_time": """
        SELECT d.created_by_id,
               count(*) FILTER (WHERE (d.resolved_at AT TIME ZONE %(tz)s)::date
                                      <= d.resolution_due),
               count(*)
        FROM demands_demand d
        WHERE d.created_by_id = ANY(%(users)s) AND d.resolution_due BETWEEN %(first)s AND %(last)s
          AND d.status NOT IN ('withdrawn', 'merged', 'referred')
        GROUP BY d.created_by_id""",
    "satisfaction": """
        SELECT d.created_by_id,
               count(*) FILTER (WHERE b.result IN ('satisfied', 'basically')), count(*)
        FROM demands_callback b JOIN demands_demand d ON d.id = b.demand_id
        WHERE d.created_by_id = ANY(%(users)s) AND b.at >= %(start)s AND b.at < %(end)s
        GROUP BY d.created_by_id""",
    "callbacks": """
        SELECT b.by_id, count(*) FILTER (WHERE b.at <= d.resolved_at + interval '5 days'),
               count(*)
        FROM demands_callback b JOIN demands_demand d ON d.id = b.demand_id
        WHERE b.by_id = ANY(%(users)s) AND b.at >= %(start)s AND b.at < %(end)s
        GROUP BY b.by_id""",
    "visits": """
        SELECT p.user_id,
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM demands_visit v
                   WHERE v.pioneer_id = p.user_id AND v.area_id = i.area_id
                     AND v.room = i.room AND v.visited_on >= vp.month
                     AND v.visited_on < vp.month + interval '1 month')),
               count(*)
        FROM pioneers_planitem i JOIN pioneers_visitplan vp ON vp.id = i.plan_id
        JOIN places_pioneer p ON p.id = vp.pioneer_id
        WHERE vp.pioneer_id = ANY(%(pioneers)s) AND vp.month BETWEEN %(first)s AND %(last)s
        GROUP BY p.user_id""",
    "hours": """
        SELECT s.user_id,
               sum(extract(epoch FROM s.checked_out_at - s.checked_in_at)) / 3600,
               count(DISTINCT s.activity_id)
        FROM activities_volunteershift s
        WHERE s.user_id = ANY(%(users)s) AND s.checked_out_at IS NOT NULL
          AND s.checked_in_at >= %(start)s AND s.checked_in_at < %(end)s
        GROUP BY s.user_id""",
}


def bare(params: dict[str, Any]) -> dict[str, dict[int, tuple[Any, ...]]]:
    out: dict[str, dict[int, tuple[Any, ...]]] = {}
    with connection.cursor() as cursor:
        for name, sql in BARE.items():
            cursor.execute(sql, params)
            out[name] = {row[0]: tuple(row[1:]) for row in cursor.fetchall()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pioneers", type=int, default=500)
    parser.add_argument("--demands", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    args = parser.parse_args()
    setup_django(args.database_url)
    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark runs on PostgreSQL (--database-url postgres://…).")

    from genxi.pioneers import assessment as engine
    from genxi.pioneers.models import Assessment, PeriodKind
    from genxi.pioneers.services import assessment as services
    from genxi.places.models import Area

    street = Area.objects.filter(name=STREET).first()
    counts: dict[str, int] = {}
    build_seconds = 0.0
    if street is None:
        with transaction.atomic():  # all or nothing: a failed build leaves no half street
            build_seconds, counts = timed(
                lambda: build(args.pioneers, args.demands, args.visits, args.seed)
            )
        street = Area.objects.get(name=STREET)
        print(f"built in {build_seconds:.0f} s: {counts}")
    else:
        print("reusing the street built by an earlier run")
    today = timezone.localdate()
    current = engine.period_of(PeriodKind.QUARTER, today)
    quarter = engine.period_of(PeriodKind.QUARTER, current.start - timedelta(days=1))
    start, end = quarter.bounds()
    serving = list(engine.pioneers_in(street, quarter).values_list("pk", "user"))
    params = {
        "pioneers": [pk for pk, _user in serving],
        "users": [user for _pk, user in serving if user],
        "start": start,
        "end": end,
        "first": quarter.start,
        "last": quarter.end,
        "tz": str(timezone.get_current_timezone()),
    }

    def best(fn: Any) -> tuple[float, Any]:
        runs = [timed(fn) for _ in range(args.repeat)]
        return min(r[0] for r in runs), runs[-1][1]

    bare(params)  # warm the cache once, for all three
    assess_s, results = best(lambda: engine.assess_area(street, quarter))
    compute_s, stored = best(
        lambda: services.compute(
            actor=None, area=street, period_kind=PeriodKind.QUARTER, period_start=quarter.start
        )
    )
    bare_s, baseline = best(lambda: bare(params))

    # Both ways count the same: compare per pioneer.
    mismatches = 0
    for r in results:
        by_key = {f.key: f for f in r.figures}
        user = r.pioneer.user_id
        pairs = [
            ("demands", (by_key["demands"].numerator,), baseline["demands"].get(user, (0,))),
            (
                "on_time",
                (by_key["on_time"].numerator, by_key["on_time"].denominator),
                baseline["on_time"].get(user, (0, 0)),
            ),
            (
                "satisfaction",
                (by_key["satisfaction"].numerator, by_key["satisfaction"].denominator),
                baseline["satisfaction"].get(user, (0, 0)),
            ),
            (
                "callbacks",
                (by_key["callbacks"].numerator, by_key["callbacks"].denominator),
                baseline["callbacks"].get(user, (0, 0)),
            ),
            (
                "visits",
                (by_key["visits"].numerator, by_key["visits"].denominator),
                baseline["visits"].get(user, (0, 0)),
            ),
        ]
        hours = baseline["hours"].get(user, (0, 0))
        pairs.append(("hours", (round(float(hours[0]), 2),), (by_key["hours"].numerator,)))
        for _name, ours, theirs in pairs:
            if tuple(float(x) for x in ours) != tuple(float(x) for x in theirs):
                mismatches += 1
    rows = Assessment.objects.filter(
        pioneer__community__parent=street,
        period_kind=PeriodKind.QUARTER,
        period_start=quarter.start,
    ).count()
    report = {
        "benchmark": "pioneer_assessment",
        "machine": machine(),
        "quarter": quarter.label,
        "pioneers": len(results),
        "stored_rows": rows,
        "sizes": {"demands": args.demands, "visits": args.visits, "built": counts},
        "build_seconds": round(build_seconds, 1),
        "assess_area_seconds": round(assess_s, 3),
        "compute_seconds": round(compute_s, 3),
        "bare_sql_seconds": round(bare_s, 3),
        "ratio_compute_to_bare": round(compute_s / bare_s, 2) if bare_s else None,
        "count_mismatches": mismatches,
        "within_target": compute_s <= 10,
    }
    print(f"| what | seconds ({quarter.label}, {len(results)} pioneers, best of {args.repeat}) |")
    print("|---|---|")
    print(f"| assess_area (computed, not stored) | {assess_s:.3f} |")
    print(f"| compute (computed and {stored} rows stored) | {compute_s:.3f} |")
    print(f"| bare SQL aggregate of the same counts | {bare_s:.3f} |")
    print(f"counts that differ between the two: {mismatches}")
    emit(report)


if __name__ == "__main__":
    main()
