"""Subtree queries at 100,000+ areas: materialised-path ranges against a recursive CTE.

    python -m bench.areas --database-url postgres://…/genxi_bench

If the database holds fewer than --areas areas, a city is generated first: --residents
residents with small buildings (about 4 households each, computed from --areas), so that
100,000 areas need 1,000,000 rather than 10 million residents. Communities keep their usual
~2,500 residents, so the per-community resident queries see realistic sizes.

Timed, warm cache, each --iterations times cycling over sampled streets or communities:
- pk_lookup: Area.objects.get(pk=…) (baseline: the cheapest indexed query)
- subtree_count_street / subtree_count_community: Area.objects.subtree(area).count()
- subtree_list_street: all of a street's areas as (id, kind, name, path) tuples
- subtree_page_street: the first 25 Area objects of a street, in path order (a list page)
- cte_count_street / cte_list_street: the same subtree by WITH RECURSIVE over parent_id
  (baseline: the recursive walk the materialised path replaces)
- resident_visible_count_community / _street: Resident.objects.visible_to(user).count() for
  a community-staff / street-staff user (memberships cached on the user, as within a request)

Then EXPLAIN of the subtree queries, to show area_path_idx is used.
"""

import argparse
import itertools
import random
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import emit, machine, percentiles, setup_django, timed

PERSONS_PER_HOUSEHOLD = 2.6  # the generator's mean household size
NON_BUILDING_SHARE = 1.15  # compounds (1 per 8 buildings), grids, communities, streets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL / SQLite")
    parser.add_argument("--areas", type=int, default=100_000, help="at least this many areas")
    parser.add_argument("--residents", type=int, default=1_000_000, help="if generating")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--sample", type=int, default=20, help="streets/communities sampled")
    args = parser.parse_args()
    setup_django(args.database_url)

    # Imported here, not at the top: the app modules need setup_django() first.
    from genxi.accounts.models import Membership, Role, User
    from genxi.places.generate import free_seed, generate_city
    from genxi.places.models import Area, AreaKind, Resident

    report: dict[str, Any] = {"benchmark": "areas", "machine": machine()}
    existing = Area.objects.count()
    if existing < args.areas:
        wanted = (args.areas - existing) * 1.05
        households = args.residents / PERSONS_PER_HOUSEHOLD
        per_building = max(1.0, households / (wanted / NON_BUILDING_SHARE))
        result = generate_city(
            residents=args.residents,
            seed=free_seed(),
            households_per_building=per_building,
            progress=True,
        )
        report["generated"] = {
            "residents": args.residents,
            "households_per_building": round(per_building, 2),
            "seconds": round(result.seconds, 1),
            "counts": result.counts,
        }
        print(f"generated {result.district_name}: {result.counts} in {result.seconds:.1f} s")
    areas = Area.objects.count()
    if areas < args.areas:
        raise SystemExit(f"only {areas:,} areas; raise --residents")
    report["areas"] = areas
    report["residents"] = Resident.objects.count()
    print(f"{areas:,} areas, {report['residents']:,} residents on {connection.vendor}")

    rng = random.Random(0)
    streets = list(Area.objects.filter(kind=AreaKind.STREET))
    streets = rng.sample(streets, min(args.sample, len(streets)))
    communities = list(Area.objects.filter(kind=AreaKind.COMMUNITY))
    communities = rng.sample(communities, min(args.sample, len(communities)))
    all_ids = list(Area.objects.values_list("id", flat=True))
    ids = rng.sample(all_ids, min(1000, len(all_ids)))

    # Staff accounts built directly (no audit entries); removed at the end.
    community_staff = [_staff(User, Membership, Role.COMMUNITY_STAFF, c) for c in communities]
    street_staff = [_staff(User, Membership, Role.STREET_STAFF, s) for s in streets]

    table = connection.ops.quote_name(Area._meta.db_table)
    cte = (
        f"WITH RECURSIVE sub(id) AS (SELECT id FROM {table} WHERE id = %s "
        f"UNION ALL SELECT a.id FROM {table} a JOIN sub ON a.parent_id = sub.id) "
    )
    cte_count_sql = cte + "SELECT count(*) FROM sub"
    cte_list_sql = (
        cte + f"SELECT a.id, a.kind, a.name, a.path FROM {table} a JOIN sub ON a.id = sub.id"
    )

    def raw(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows

    # The CTE and the path range must agree before their speed is compared.
    for street in streets:
        by_path = set(Area.objects.subtree(street).values_list("id", flat=True))
        by_cte = {row[0] for row in raw(cte_list_sql, [street.pk])}
        assert by_path == by_cte, street
    sizes = [Area.objects.subtree(s).count() for s in streets]
    report["street_subtree_sizes"] = {"min": min(sizes), "max": max(sizes)}

    def cycle(items: list[Any]) -> Callable[[], Any]:
        it = itertools.cycle(items)
        return lambda: next(it)

    next_street, next_community, next_id = cycle(streets), cycle(communities), cycle(ids)
    next_cstaff, next_sstaff = cycle(community_staff), cycle(street_staff)
    cases: dict[str, Callable[[], Any]] = {
        "pk_lookup": lambda: Area.objects.get(pk=next_id()),
        "subtree_count_street": lambda: Area.objects.subtree(next_street()).count(),
        "subtree_count_community": lambda: Area.objects.subtree(next_community()).count(),
        "subtree_list_street": lambda: list(
            Area.objects.subtree(next_street()).values_list("id", "kind", "name", "path")
        ),
        "subtree_page_street": lambda: list(Area.objects.subtree(next_street())[:25]),
        "cte_count_street": lambda: raw(cte_count_sql, [next_street().pk]),
        "cte_list_street": lambda: raw(cte_list_sql, [next_street().pk]),
        "resident_visible_count_community": lambda: Resident.objects.visible_to(
            next_cstaff()
        ).count(),
        "resident_visible_count_street": lambda: Resident.objects.visible_to(next_sstaff()).count(),
    }
    results: dict[str, dict[str, float]] = {}
    for name, fn in cases.items():
        for _ in range(5):  # warm-up: caches, connections, prepared plans
            fn()
        seconds = [timed(fn)[0] for _ in range(args.iterations)]
        results[name] = percentiles(seconds)
        print(f"{name:<34} p50 {results[name]['p50_ms']:>9.3f} ms  "
              f"p95 {results[name]['p95_ms']:>9.3f} ms")  # fmt: skip
    report["queries"] = results

    street = streets[0]
    plans = _explain(connection, Area, Resident, street, community_staff[0])
    for title, plan in plans.items():
        print(f"\nEXPLAIN {title}:\n{plan}")
    report["explain"] = plans
    report["subtree_uses_path_index"] = all(
        "area_path_idx" in plans[k].split("\n", 1)[1] for k in ("subtree_list", "subtree_count")
    )
    print(f"\nsubtree queries use area_path_idx: {report['subtree_uses_path_index']}")

    User.objects.filter(username__startswith="bench-areas-").delete()
    emit(report)


def _staff(user_model: Any, membership_model: Any, role: str, area: Any) -> Any:
    user, _ = user_model.objects.get_or_create(username=f"bench-areas-{role}-{area.pk}")
    membership_model.objects.get_or_create(user=user, role=role, area=area)
    user.active_memberships()  # cached on the object, as during one request
    return user


def _explain(
    connection: Any, area_model: Any, resident_model: Any, street: Any, staff: Any
) -> dict[str, str]:
    """Plans of the exact SQL the ORM sends for the subtree listing, the subtree count and the
    residents-in-scope count (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite)."""
    prefix = "EXPLAIN ANALYZE" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    queries: dict[str, Callable[[], Any]] = {
        "subtree_list": lambda: list(area_model.objects.subtree(street)),
        "subtree_count": lambda: area_model.objects.subtree(street).count(),
        "resident_visible_count": lambda: resident_model.objects.visible_to(staff).count(),
    }
    plans: dict[str, str] = {}
    for title, run in queries.items():
        with CaptureQueriesContext(connection) as captured:
            run()
        sql = captured.captured_queries[-1]["sql"]
        with connection.cursor() as cursor:
            cursor.execute(f"{prefix} {sql}")
            rows = cursor.fetchall()
        plan = "\n".join(str(row[-1]) for row in rows)
        plans[title] = f"{sql}\n{plan}"
    return plans


if __name__ == "__main__":
    main()
