"""Matching suggestions at 1,000 partners, 10,000 resources and 100,000 needs, on PostgreSQL.

    python -m bench.cobuilding_matching [--database-url postgres://postgres@127.0.0.1:5432/genxi_bench_match]

Creates the database afresh (and drops it after, unless --keep), migrates it, and makes a city
of --streets streets with --communities communities each and 5 compounds per community, 20
demand categories (through the services), then --partners partner units, --resources
resources and --needs needs (bulk inserts, seeded): a resource reaches a street (20%), a
community (60%) or a compound (20%), two in three say when they are available; a need lies in
a community (half of them in one of its compounds), 70% are open, half say by when they are
wanted. Then ANALYZE.

Timed, warm cache, --iterations times each, cycling over sampled open needs and offered
resources:

- resources_for: `matching.resources_for(need)` — the five best resources with their reasons,
  as the need's page calls it (SQL built by the ORM, rows made into objects);
- resources_sql: the same SQL (`matching.resources_query(need)[:5]`, built before the clock
  starts) run bare on a cursor: the query's own cost;
- resources_by_pk: the same five rows fetched bare by primary key (the cheapest way to read
  them);
- needs_for / needs_sql / needs_by_pk: likewise for `matching.needs_for(resource)` (it first
  reads the resource's area and, for a street or community, the communities under it).

Then EXPLAIN ANALYZE of one of each, to show which indexes the planner uses.
"""

import argparse
import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import connection

from bench import emit, machine, percentiles, setup_django, timed
from bench.api import recreate_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/genxi_bench_match"
CATEGORIES = 20
LIMIT = 5


def make_city(streets: int, communities: int) -> dict[str, list[Any]]:
    from genxi.demands.services.categories import create_category
    from genxi.places import services as places
    from genxi.places.models import AreaKind

    district = places.create_area(actor=None, kind=AreaKind.DISTRICT, name="基准区", parent=None)
    city: dict[str, list[Any]] = {"streets": [], "communities": [], "compounds": []}
    for s in range(streets):
        street = places.create_area(
            actor=None, kind=AreaKind.STREET, name=f"街道{s}", parent=district
        )
        city["streets"].append(street)
        for c in range(communities):
            community = places.create_area(
                actor=None, kind=AreaKind.COMMUNITY, name=f"社区{s}-{c}", parent=street
            )
            city["communities"].append(community)
            for k in range(5):
                city["compounds"].append(
                    places.create_area(
                        actor=None,
                        kind=AreaKind.COMPOUND,
                        name=f"小区{s}-{c}-{k}",
                        parent=community,
                    )
                )
    city["categories"] = [
        create_category(actor=None, name=f"类别{n}", keywords=f"关键词{n}")
        for n in range(CATEGORIES)
    ]
    return city


def fill(city: dict[str, list[Any]], partners: int, resources: int, needs: int, seed: int) -> None:
    from django.utils import timezone

    from genxi.cobuilding.models import Need, NeedSource, NeedStatus, Resource, ResourceKind
    from genxi.places.models import Partner

    rng = random.Random(seed)
    today = timezone.localdate()
    units = Partner.objects.bulk_create(
        [
            Partner(name=f"共建单位{n:04d}", kind="company", area=rng.choice(city["communities"]))
            for n in range(partners)
        ],
        batch_size=1000,
    )
    kinds = list(ResourceKind.values)
    rows = []
    for n in range(resources):
        reach = rng.random()
        area = rng.choice(
            city["streets"]
            if reach < 0.2
            else city["communities"]
            if reach < 0.8
            else city["compounds"]
        )
        dated = rng.random() < 2 / 3
        start = today + timedelta(days=rng.randint(-200, 60))
        rows.append(
            Resource(
                partner=rng.choice(units),
                kind=rng.choice(kinds),
                title=f"资源{n}",
                category=rng.choice(city["categories"]),
                amount=Decimal(rng.randint(0, 100_000)),
                available_from=start if dated else None,
                available_until=start + timedelta(days=rng.randint(30, 365)) if dated else None,
                area=area,
                area_path=area.path,
            )
        )
    Resource.objects.bulk_create(rows, batch_size=2000)
    statuses = [NeedStatus.OPEN] * 7 + [NeedStatus.CLAIMED, NeedStatus.MET, NeedStatus.CLOSED]
    by_community: dict[int, list[Any]] = {}
    for compound in city["compounds"]:
        by_community.setdefault(compound.parent_id, []).append(compound)
    batch = []
    for n in range(needs):
        community = rng.choice(city["communities"])
        wanted = rng.random() < 0.5
        batch.append(
            Need(
                community=community,
                area=rng.choice(by_community[community.pk]) if rng.random() < 0.5 else None,
                title=f"需求{n}",
                category=rng.choice(city["categories"]),
                source=NeedSource.DIRECT,
                status=rng.choice(statuses),
                wanted_by=today + timedelta(days=rng.randint(-30, 180)) if wanted else None,
            )
        )
        if len(batch) == 5000:
            Need.objects.bulk_create(batch)
            batch = []
    Need.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def bench(iterations: int, sample: int, seed: int) -> dict[str, Any]:
    from genxi.cobuilding import matching
    from genxi.cobuilding.models import Need, NeedStatus, Resource

    rng = random.Random(seed + 1)
    open_ids = list(Need.objects.filter(status=NeedStatus.OPEN).values_list("pk", flat=True))
    offered_ids = list(Resource.objects.filter(is_active=True).values_list("pk", flat=True))
    needs = list(
        Need.objects.filter(pk__in=rng.sample(open_ids, sample)).select_related("community", "area")
    )
    resources = list(Resource.objects.filter(pk__in=rng.sample(offered_ids, sample)))
    need_table = Need._meta.db_table
    resource_table = Resource._meta.db_table

    def run(fn: Any) -> dict[str, float]:
        for i in range(5):
            fn(i)  # warm-up

        def once(i: int) -> float:
            return float(timed(lambda: fn(i))[0])

        return percentiles([once(i) for i in range(iterations)])

    def sql_of(qs: Any) -> tuple[str, Any]:
        sql, params = qs.query.sql_with_params()
        return sql, params

    resource_sql = [sql_of(matching.resources_query(n)[:LIMIT]) for n in needs]
    need_sql = [sql_of(matching.needs_query(r)[:LIMIT]) for r in resources]
    resource_rows = [[m.obj.pk for m in matching.resources_for(n, LIMIT)] for n in needs]
    need_rows = [[m.obj.pk for m in matching.needs_for(r, LIMIT)] for r in resources]

    def bare(sql: str, params: Any) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def by_pk(table: str, ids: list[int]) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT * FROM "{table}" WHERE id = ANY(%s)', [ids])
            return list(cursor.fetchall())

    figures = {
        "resources_for": run(lambda i: matching.resources_for(needs[i % sample], LIMIT)),
        "resources_sql": run(lambda i: bare(*resource_sql[i % sample])),
        "resources_by_pk": run(lambda i: by_pk(resource_table, resource_rows[i % sample])),
        "needs_for": run(lambda i: matching.needs_for(resources[i % sample], LIMIT)),
        "needs_sql": run(lambda i: bare(*need_sql[i % sample])),
        "needs_by_pk": run(lambda i: by_pk(need_table, need_rows[i % sample])),
    }
    returned = {
        "resources_per_need": sum(map(len, resource_rows)) / sample,
        "needs_per_resource": sum(map(len, need_rows)) / sample,
    }
    plans = {}
    for name, (sql, params) in (("resources_for", resource_sql[0]), ("needs_for", need_sql[0])):
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
            plans[name] = [row[0] for row in cursor.fetchall()]
    return {"timings": figures, "returned": returned, "plans": plans}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--streets", type=int, default=10)
    parser.add_argument("--communities", type=int, default=20, help="per street")
    parser.add_argument("--partners", type=int, default=1_000)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    recreate_database(args.database_url)
    try:
        setup_django(args.database_url)
        report: dict[str, Any] = {"benchmark": "cobuilding_matching", "machine": machine()}
        (seconds, city) = timed(lambda: make_city(args.streets, args.communities))
        (fill_seconds, _none) = timed(
            lambda: fill(city, args.partners, args.resources, args.needs, args.seed)
        )
        report["setup_seconds"] = round(seconds + fill_seconds, 1)
        report["rows"] = {
            "communities": len(city["communities"]),
            "partners": args.partners,
            "resources": args.resources,
            "needs": args.needs,
        }
        report.update(bench(args.iterations, args.sample, args.seed))
        for name, figure in report["timings"].items():
            print(f"{name:16} p50 {figure['p50_ms']:8.3f} ms   p95 {figure['p95_ms']:8.3f} ms")
        for name, plan in report["plans"].items():
            print(f"-- {name}")
            print("\n".join(plan))
        emit(report)
    finally:
        connection.close()
        if not args.keep:
            recreate_database(args.database_url, drop_only=True)


if __name__ == "__main__":
    main()
