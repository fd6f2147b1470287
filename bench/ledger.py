"""The demand ledger, the figures and the Excel export at scale, against bare SQL.

    python -m bench.ledger --demands 1000000 --database-url postgres://…/genxi_bench2

If the database holds fewer than --demands demands, a city is generated first (when no
community has residents: --residents, default one resident per demand up to 1,000,000, so
communities keep their usual ~2,500 residents) and then the missing demands
(genxi.demands.generate). Staff users are made directly (deleted at the end). Then, warm, one
client, each case --iterations times:

- ledger_first_page: GET /demands/?status=in_progress&category=<the most used category> as a
  community-staff user, through django.test.Client (middleware, view, template), cycling over
  --sample communities;
- deep_page: the unfiltered ledger of a street-staff user at row 25·(--deep-page − 1): ?page=N
  when the view paginates by number, ?after=<cursor of that row> when it pages by keyset;
- bare_sql_first_page / bare_sql_deep_page: the same rows by one hand-written SELECT on
  demands_demand (same WHERE on community/status/category, or on the street, same ORDER BY
  -created_at,-id, same LIMIT/OFFSET or keyset condition) through connection.cursor() — the
  baseline;
- view_sql_first_page / view_sql_deep_page: the exact SQL of the view's row query, captured
  from one request and re-run through connection.cursor() (the database's share of the page);
- figures: genxi.demands.figures.compute for a street and the last full month.

Then the Excel export, GET /demands/?format=xlsx as a street-staff user whose streets hold at
least --export-rows demands, bounded by ?from= so that about --export-rows rows go out: once
for time (and ru_maxrss before/after), once under tracemalloc for the peak of Python
allocations (export_peak_mb; tracemalloc slows the run, so its time is not used).
"""

import argparse
import itertools
import random
import resource
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import (
    CaptureQueriesContext,
    override_settings,
    setup_test_environment,
    teardown_test_environment,
)
from django.utils import timezone

from bench import emit, machine, percentiles, setup_django, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL / SQLite")
    parser.add_argument("--demands", type=int, default=1_000_000, help="at least this many")
    parser.add_argument("--residents", type=int, default=None, help="if generating a city")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--figures-iterations", type=int, default=100)
    parser.add_argument("--sample", type=int, default=10, help="communities cycled over")
    parser.add_argument("--deep-page", type=int, default=200)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    setup_django(args.database_url)

    # Imported here, not at the top: the app modules need setup_django() first.
    from genxi.accounts.models import Membership, Role, User
    from genxi.demands import figures
    from genxi.demands.generate import generate_demands
    from genxi.demands.models import Demand, Status
    from genxi.places.generate import free_seed, generate_city
    from genxi.places.models import Area, AreaKind, Resident

    report: dict[str, Any] = {"benchmark": "ledger", "machine": machine()}
    # Pages render {% static %}: without a collectstatic manifest, use plain static URLs.
    storages = {**settings.STORAGES}
    storages["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES=storages).enable()
    progress = not args.no_progress
    if not Resident.objects.exists():
        residents = args.residents or max(20_000, min(args.demands, 1_000_000))
        result = generate_city(residents=residents, seed=free_seed(), progress=progress)
        report["generated_city"] = {"residents": residents, "seconds": round(result.seconds, 1)}
        print(f"generated {result.district_name}: {result.rows:,} rows in {result.seconds:.1f} s")
    existing = Demand.objects.count()
    if existing < args.demands:
        made = generate_demands(demands=args.demands - existing, seed=args.seed, progress=progress)
        report["generated_demands"] = {
            "demands": made.demands,
            "rows": made.rows,
            "method": made.method,
            "seconds": round(made.seconds, 1),
            "demands_per_second": round(made.demands / made.seconds),
            "rows_per_second": round(made.rows / made.seconds),
            "counts": made.counts,
            "statuses": made.statuses,
        }
        print(
            f"generated {made.demands:,} demands, {made.rows:,} rows in {made.seconds:.1f} s "
            f"({made.demands / made.seconds:,.0f} demands/s, "
            f"{made.rows / made.seconds:,.0f} rows/s)"
        )
    total = Demand.objects.count()
    report["demands"] = total
    print(f"{total:,} demands on {connection.vendor}")

    rng = random.Random(0)
    by_community = dict(Demand.objects.values_list("community").annotate(n=_count()).order_by())
    communities = list(Area.objects.filter(pk__in=list(by_community)).order_by("pk"))
    communities = rng.sample(communities, min(args.sample, len(communities)))
    top = Demand.objects.values_list("category").annotate(n=_count()).order_by("-n").first()
    assert top is not None
    category = top[0]
    street_sizes: dict[int, int] = {}
    all_communities = Area.objects.filter(pk__in=list(by_community)).select_related("parent")
    for community in all_communities:
        parent = community.parent_id
        if parent is not None:
            street_sizes[parent] = street_sizes.get(parent, 0) + by_community[community.pk]
    ranked = sorted(street_sizes, key=lambda s: -street_sizes[s])
    street = Area.objects.get(pk=ranked[0])
    report["street_demands"] = street_sizes[street.pk]
    report["sample_communities"] = {c.name: by_community[c.pk] for c in communities}

    def staff(role: str, *areas: Area) -> Any:
        user, _ = User.objects.get_or_create(username=f"bench-ledger-{role}-{areas[0].pk}")
        for area in areas:
            Membership.objects.get_or_create(user=user, role=role, area=area)
        return user

    def client(user: Any) -> Client:
        c = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0])
        c.force_login(user)
        return c

    community_clients = [(client(staff(Role.COMMUNITY_STAFF, c)), c) for c in communities]
    street_user = staff(Role.STREET_STAFF, street)
    street_client = client(street_user)

    def get(c: Client, url: str) -> Any:
        response = c.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code}")
        return response

    # Record template contexts (as tests do) for the checks; switched off again before timing.
    setup_test_environment()
    # How does the view page? (page numbers, or a keyset cursor being added at the moment.)
    probe = get(street_client, "/demands/")
    keyset = bool(probe.context and probe.context.get("keyset"))
    report["pagination"] = "keyset" if keyset else "page number"
    size = settings.GENXI_PAGE_SIZE
    offset = size * (args.deep_page - 1)
    street_ledger = Demand.objects.visible_to(street_user).order_by("-created_at", "-id")
    boundary = street_ledger.values_list("created_at", "id")[offset - 1 : offset].first()
    if boundary is None:
        raise SystemExit(f"the street has fewer than {offset:,} demands: lower --deep-page")
    if keyset:
        deep_url = "/demands/?" + urlencode({"after": f"{boundary[0].isoformat()}_{boundary[1]}"})
    else:
        deep_url = f"/demands/?page={args.deep_page}"
    first_urls = [
        (c, f"/demands/?status={Status.IN_PROGRESS}&category={category}", community)
        for c, community in community_clients
    ]

    # The SQL each page sends; the row query is the one with ORDER BY … LIMIT.
    def captured(c: Client, url: str) -> tuple[list[dict[str, str]], str]:
        with CaptureQueriesContext(connection) as queries:
            get(c, url)
        rows = [
            q
            for q in queries.captured_queries
            if "LIMIT" in q["sql"] and "ORDER BY" in q["sql"] and "demands_demand" in q["sql"]
        ]
        return queries.captured_queries, (rows[-1]["sql"] if rows else "")

    first_queries, first_sql = captured(first_urls[0][0], first_urls[0][1])
    deep_queries, deep_sql = captured(street_client, deep_url)
    report["queries_per_request"] = {
        "first_page": len(first_queries),
        "deep_page": len(deep_queries),
    }
    report["view_sql"] = {"first_page": first_sql, "deep_page": deep_sql}

    table = connection.ops.quote_name(Demand._meta.db_table)
    street_ids = list(
        Area.objects.subtree(street).filter(kind=AreaKind.COMMUNITY).values_list("id", flat=True)
    )
    bare_first = (
        f"SELECT * FROM {table} WHERE community_id = %s AND status = %s AND category_id = %s "
        f"ORDER BY created_at DESC, id DESC LIMIT {size}"
    )
    if keyset:
        # The street's own column (demands carry it): the best hand-written form.
        bare_deep = (
            f"SELECT * FROM {table} WHERE street_id = %s AND (created_at < %s OR "
            f"(created_at = %s AND id < %s)) ORDER BY created_at DESC, id DESC LIMIT {size + 1}"
        )
        stamp = connection.ops.adapt_datetimefield_value(boundary[0])
        deep_params: list[Any] = [street.pk, stamp, stamp, boundary[1]]
    else:
        marks = ", ".join(["%s"] * len(street_ids))
        bare_deep = (
            f"SELECT * FROM {table} WHERE community_id IN ({marks}) "
            f"ORDER BY created_at DESC, id DESC LIMIT {size} OFFSET {offset}"
        )
        deep_params = list(street_ids)

    def raw(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows

    # The baseline must return the rows the page shows.
    first_ids = [
        row[0] for row in raw(bare_first, [communities[0].pk, Status.IN_PROGRESS, category])
    ]
    page = get(first_urls[0][0], first_urls[0][1]).context["object_list"]
    assert [d.pk for d in page] == first_ids, (first_ids, [d.pk for d in page])
    deep_ids = [row[0] for row in raw(bare_deep, deep_params)][:size]
    page = get(street_client, deep_url).context["object_list"]
    assert [d.pk for d in page] == deep_ids, "the deep page differs from its bare SQL"

    teardown_test_environment()
    cycle_first = itertools.cycle(first_urls)

    def ledger_first_page() -> Any:
        c, url, _ = next(cycle_first)
        return get(c, url)

    cycle_bare = itertools.cycle(communities)
    today = timezone.localdate()
    month_end = today.replace(day=1) - timedelta(days=1)
    month_start = month_end.replace(day=1)

    cases: dict[str, tuple[Callable[[], Any], int]] = {
        "ledger_first_page": (ledger_first_page, args.iterations),
        "bare_sql_first_page": (
            lambda: raw(bare_first, [next(cycle_bare).pk, Status.IN_PROGRESS, category]),
            args.iterations,
        ),
        "view_sql_first_page": (lambda: raw(first_sql), args.iterations),
        "deep_page": (lambda: get(street_client, deep_url), args.iterations),
        "bare_sql_deep_page": (lambda: raw(bare_deep, deep_params), args.iterations),
        "view_sql_deep_page": (lambda: raw(deep_sql), args.iterations),
        "figures": (
            lambda: figures.compute(
                user=street_user, area=street, start=month_start, end=month_end
            ),
            args.figures_iterations,
        ),
    }
    results: dict[str, dict[str, float]] = {}
    for name, (fn, iterations) in cases.items():
        for _ in range(3):  # warm-up
            fn()
        seconds = [timed(fn)[0] for _ in range(iterations)]
        results[name] = percentiles(seconds)
        print(f"{name:<22} p50 {results[name]['p50_ms']:>9.2f} ms  "
              f"p95 {results[name]['p95_ms']:>9.2f} ms  (n={iterations})")  # fmt: skip
    report["cases"] = results
    report["figures_period"] = [month_start.isoformat(), month_end.isoformat()]

    if not args.no_export:
        report["export"] = _export(args.export_rows, ranked, street_sizes, staff, client, Role,
                                   Area, Demand, get)  # fmt: skip

    ledger_p95 = results["ledger_first_page"]["p95_ms"]
    bare_p95 = results["bare_sql_first_page"]["p95_ms"]
    export = report.get("export", {})
    report.update(
        ledger_p95_ms=ledger_p95,
        bare_sql_p95_ms=bare_p95,
        ledger_over_bare=round(ledger_p95 / bare_p95, 1),
        deep_page_p95_ms=results["deep_page"]["p95_ms"],
        bare_sql_deep_p95_ms=results["bare_sql_deep_page"]["p95_ms"],
        figures_ms=results["figures"]["p50_ms"],
        figures_p95_ms=results["figures"]["p95_ms"],
        export_rows=export.get("rows"),
        export_100k_s=export.get("seconds_per_100k"),
        export_peak_mb=export.get("tracemalloc_peak_mb"),
    )
    report["targets"] = {
        "ledger_p95_le_100ms": ledger_p95 <= 100,
        "ledger_within_3x_bare": ledger_p95 <= 3 * bare_p95,
        "figures_le_300ms": results["figures"]["p95_ms"] <= 300,
        "export_100k_le_20s": bool(export) and export["seconds_per_100k"] <= 20,
        "export_le_200mb": bool(export) and export["tracemalloc_peak_mb"] <= 200,
    }
    print("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}"
                                  for k, v in report["targets"].items()))  # fmt: skip
    User.objects.filter(username__startswith="bench-ledger-").delete()
    emit(report)


def _count() -> Any:
    return Count("id")


def _export(
    wanted: int,
    ranked: list[int],
    street_sizes: dict[int, int],
    staff: Any,
    client: Any,
    role: Any,
    area_model: Any,
    demand_model: Any,
    get: Any,
) -> dict[str, Any]:
    """Export about `wanted` rows as a street-staff user of as many streets as that needs."""
    streets, covered = [], 0
    for pk in ranked:
        streets.append(area_model.objects.get(pk=pk))
        covered += street_sizes[pk]
        if covered >= wanted:
            break
    user = staff(role.STREET_STAFF, *streets)
    scope = demand_model.objects.visible_to(user).order_by("-created_at", "-id")
    boundary = scope.values_list("created_at", flat=True)[wanted - 1 : wanted].first()
    url = "/demands/?format=xlsx"
    if boundary is not None:  # from that day on: a little over `wanted` rows
        url += f"&from={timezone.localdate(boundary).isoformat()}"
        rows = scope.filter(created_at__date__gte=timezone.localdate(boundary)).count()
    else:
        rows = scope.count()
    c = client(user)

    def run() -> int:
        response = get(c, url)
        size = sum(len(chunk) for chunk in response.streaming_content)
        response.close()
        return size

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    size = run()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    run()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result = {
        "streets": len(streets),
        "rows": rows,
        "bytes": size,
        "seconds": round(seconds, 2),
        "seconds_per_100k": round(seconds * 100_000 / max(rows, 1), 2),
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "maxrss_before_mb": round(before / 1024, 1),
        "maxrss_after_mb": round(after / 1024, 1),
    }
    print(f"export {rows:,} rows ({size / 2**20:.1f} MB xlsx) in {seconds:.1f} s; "
          f"tracemalloc peak {peak / 2**20:.1f} MB; maxrss {before / 1024:.0f} → "
          f"{after / 1024:.0f} MB")  # fmt: skip
    return result


if __name__ == "__main__":
    main()
