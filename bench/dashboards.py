"""The dashboards at district scale on PostgreSQL, each beside a bare view, and the monthly PDF.

    python -m bench.dashboards --database-url postgres://postgres@127.0.0.1:5432/gx_dash_bench \
        --reuse [--n 200] [--month 2026-11] [--full-refresh]

Data: `bench.dashboards_data.build` (one district of 10 streets × 10 communities, 1,000,000
demands over 24 months with their events and call-backs, and the other apps in proportion).
Without --reuse it builds what is missing first (resumable; 24 minutes at scale 1 on the shared
2-core machine, 22 of them the demands); with --reuse it builds nothing and only applies
`dashboards_data.fixups` (fields that migrations added since the build).

In one run, on the same warm database, it measures:

1. the refresh: `dashboards.snapshot.refresh(areas=[street])` and `(areas=[community])`
   first; `(areas=[district])` last (the longest; --no-district-refresh skips it) and, with
   --full-refresh, `(areas=None)` after it: seconds and rows written;
2. the live compute, the reference that shows why there is a snapshot:
   `dashboards.registry.compute(Scope(street, month))` (and a community's), best of --repeat,
   each panel timed apart; and each app's own figure function (demands, activities,
   co-building) for the same street and month, which the panels call;
3. the pages: --n GETs of `/dashboards/<street>/` and of `/dashboards/<community>/` through
   Django's test Client logged in (force_login) as a street staff user of that street,
   interleaved with --n GETs of a bare view (`/bench/bare/<pk>/`, defined here, in the same
   URLconf, behind the same middleware) that reads, in one query, the FigureValue rows of the
   (area, period) pairs the page reads (`page_pairs`: the area this month, the same days last
   year and so far; each child area this month and last year; a community's street; the
   demands trend of twelve months) and renders them in a minimal template: p50/p95/max; and a
   third series, the same view inside the site's layout (`base.html`: the menu and its to-do
   badges, which every full page pays), so the dashboard's own cost can be told apart;
4. the monthly PDF of the street (and of a community) for --month: `report.build(area, month)`
   in a child process (`--pdf-child`), its seconds and its own peak RSS (VmHWM: ru_maxrss of a
   child counts its parent's size at exec on Linux, so it is only recorded beside); a child that
   only sets up Django gives the baseline RSS.

Targets (issue 17): dashboard p95 ≤ 300 ms and ≤ 3× the bare view; a street's PDF ≤ 20 s in
≤ 300 MB. The dashboards' page, snapshot and report are imported lazily: a step whose module is
missing is reported as "missing" and the rest still runs.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import time
import types
from datetime import date, timedelta
from typing import Any

from django.db import connection

from bench import emit, machine, percentiles, setup_django, timed

BARE_TEMPLATE = """<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">
<title>{{ area.name }}</title></head><body><h1>{{ area.name }}</h1><table>
{% for v in values %}<tr><td>{{ v.area }}</td><td>{{ v.key }}</td><td>{{ v.period }}</td>
<td>{{ v.value }}</td><td>{{ v.denominator }}</td><td>{{ v.items }}</td></tr>{% endfor %}
</table><p>{{ computed_at }}</p></body></html>"""

# The same table inside the site's layout (menu, badges): what every full page pays besides its
# own content, so the dashboard's own cost is the gap between the page and this.
LAYOUT_TEMPLATE = """{% extends "base.html" %}{% block title %}{{ area.name }}{% endblock %}
{% block content %}<h1>{{ area.name }}</h1><table>
{% for v in values %}<tr><td>{{ v.area }}</td><td>{{ v.key }}</td><td>{{ v.period }}</td>
<td>{{ v.value }}</td><td>{{ v.denominator }}</td><td>{{ v.items }}</td></tr>{% endfor %}
</table><p>{{ computed_at }}</p>{% endblock %}"""


def missing(what: str, exc: BaseException) -> dict[str, Any]:
    print(f"MISSING {what}: {type(exc).__name__}: {exc}", flush=True)
    return {"missing": f"{type(exc).__name__}: {exc}"}


def page_pairs(area: Any, today: date) -> list[tuple[Any, Any, str | None]]:
    """The (area, period, panel) the dashboard page reads (genxi/dashboards/views/dashboard.py,
    month tab): the area this month to date, the same days last year and so far; each child
    area this month and last year; a community's street this month; and the demands panel of
    the area for each of the last twelve months (the trend). Panel None: every figure."""
    from genxi.dashboards import periods
    from genxi.dashboards.registry import DASHBOARD_KINDS
    from genxi.places.models import Area, AreaKind

    period = periods.to_date("month", today)
    last = period.last_year()
    pairs: list[tuple[Any, Any, str | None]] = [
        (area, period, None),
        (area, last, None),
        (area, periods.so_far(today), None),
    ]
    if area.kind != AreaKind.COMMUNITY:
        for child in Area.objects.filter(parent=area, kind__in=DASHBOARD_KINDS).order_by("name"):
            pairs += [(child, period, None), (child, last, None)]
    elif area.parent is not None:
        pairs.append((area.parent, period, None))
    pairs += [(area, month, "demands") for month in periods.months_back(today)]
    return pairs


def bare_view(request: Any, pk: int, layout: bool = False) -> Any:
    """The baseline: the FigureValue rows of the (area, period) pairs the dashboard page reads,
    in one query, rendered in a minimal template. No figure definitions, charts or links."""
    from django.db.models import Q
    from django.http import Http404, HttpResponse
    from django.template import engines
    from django.utils import timezone

    from genxi.dashboards.models import FigureValue
    from genxi.places.models import Area

    if not request.user.is_authenticated:
        raise Http404
    area = Area.objects.filter(pk=pk).first()
    if area is None:
        raise Http404
    wanted = Q()
    for other, period, panel in page_pairs(area, timezone.localdate()):
        q = Q(area=other, start=period.start, end=period.end)
        wanted |= q & Q(key__startswith=f"{panel}.") if panel else q
    rows = FigureValue.objects.filter(wanted).order_by("area_id", "start", "key")
    values, computed = [], None
    for area_id, key, start, end, value, denominator, items, at in rows.values_list(
        "area_id", "key", "start", "end", "value", "denominator", "items", "computed_at"
    ):
        shown = "; ".join(f"{label} {n}" for label, n in items)
        values.append(
            {
                "area": area_id,
                "key": key,
                "period": f"{start}..{end}",
                "value": "" if value is None else str(value),
                "denominator": "" if denominator is None else str(denominator),
                "items": shown,
            }
        )
        computed = at if computed is None else min(computed, at)
    template = engines["django"].from_string(LAYOUT_TEMPLATE if layout else BARE_TEMPLATE)
    html = template.render({"area": area, "values": values, "computed_at": computed}, request)
    response = HttpResponse(html)
    response["X-Bench-Rows"] = str(len(values))
    return response


def install_urls() -> None:
    """Genxi's URLconf plus the bare view, as a module of its own, made the ROOT_URLCONF."""
    from django.conf import settings
    from django.urls import clear_url_caches, include, path

    module = types.ModuleType("bench_dashboards_urls")
    module.urlpatterns = [
        path("bench/bare/<int:pk>/", bare_view),
        path("bench/bare-layout/<int:pk>/", bare_view, {"layout": True}),
        path("", include("genxi.urls")),
    ]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    # Pages render {% static %}: without a collectstatic manifest, plain static URLs (as
    # bench.ledger does).
    storages = {**settings.STORAGES}
    storages["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = storages
    clear_url_caches()


def client_of(user: Any) -> Any:
    from django.conf import settings
    from django.test import Client

    client = Client(
        HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0], raise_request_exception=False
    )
    client.force_login(user)
    return client


def staff_of(street: Any) -> Any:
    from genxi.accounts.models import Role, User
    from genxi.accounts.services import create_user, grant_membership

    username = f"bench-dash-staff-{street.pk}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = create_user(actor=None, username=username, password=None, name="基准街道干部")
        grant_membership(actor=None, user=user, role=Role.STREET_STAFF, area=street)
    return user


def pick_areas(district_pk: int) -> tuple[Any, Any, Any]:
    """The district, its street with the most demands, and that street's busiest community."""
    from django.db.models import Count

    from genxi.demands.models import Demand
    from genxi.places.models import Area, AreaKind

    district = Area.objects.get(pk=district_pk)
    streets = Area.objects.subtree(district).filter(kind=AreaKind.STREET)
    busiest = (
        Demand.objects.filter(street__in=streets)
        .values("street")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None, "no demands in the benchmark district"
    street = Area.objects.get(pk=busiest["street"])
    top = (
        Demand.objects.filter(street=street)
        .values("community")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert top is not None
    community = Area.objects.get(pk=top["community"])
    return district, street, community


def fake_snapshot(areas: list[Any], today: date) -> int:
    """FigureValue rows with made-up numbers for every agreed key and every shown period: only
    to measure the bare view before the snapshot exists (--fake-snapshot); removed afterwards."""
    from decimal import Decimal

    from django.utils import timezone

    from genxi.dashboards import registry
    from genxi.dashboards.models import FigureValue

    figures = registry.figures()  # every registered figure, the page's own list
    rows = []
    for area in areas:
        for other, p, panel in page_pairs(area, today):
            for n, figure in enumerate(figures):
                key = figure.key
                if panel and not key.startswith(f"{panel}."):
                    continue
                is_list = figure.unit == registry.LIST
                rows.append(
                    FigureValue(
                        area=other,
                        key=key,
                        start=p.start,
                        end=p.end,
                        value=None if is_list else Decimal(n * 7 % 1000),
                        denominator=Decimal(1000) if key.endswith("rate") else None,
                        items=[[f"项目{i}", i * 3] for i in range(8)] if is_list else [],
                        computed_at=timezone.now(),
                    )
                )
    FigureValue.objects.bulk_create(rows, ignore_conflicts=True)
    return FigureValue.objects.count()


def time_refresh(areas: list[Any] | None, today: date) -> dict[str, Any]:
    try:
        from genxi.dashboards import snapshot
    except ImportError as exc:
        return missing("genxi.dashboards.snapshot", exc)
    seconds, written = timed(lambda: snapshot.refresh(areas=areas, today=today))
    return {"seconds": round(seconds, 3), "rows_written": written}


def time_live(area: Any, month: date, today: date, repeat: int) -> dict[str, Any]:
    """registry.compute for the area and month, whole and per panel (best of `repeat`)."""
    from genxi.dashboards import periods, registry

    try:
        import genxi.dashboards.panels  # noqa: F401  (registers the panels, when they exist)
    except ImportError as exc:
        return missing("genxi.dashboards.panels", exc)
    panels = registry.panels()
    if not panels:
        return missing("registry.panels()", LookupError("no panel is registered"))
    scope = registry.Scope(area, periods.whole("month", month), today)
    out: dict[str, Any] = {"panels": {}}
    for p in panels:
        try:
            best = min(timed(functools.partial(p.compute, scope))[0] for _ in range(repeat))
            out["panels"][p.key] = round(best, 3)
        except Exception as exc:  # a panel still being built: say so, time the others
            out["panels"][p.key] = missing(f"panel {p.key}", exc)
    try:
        best = min(timed(lambda: registry.compute(scope))[0] for _ in range(repeat))
        out["seconds"] = round(best, 3)
        out["figures"] = len(registry.compute(scope))
    except Exception as exc:
        out["seconds"] = missing("registry.compute", exc)
    return out


def time_app_figures(area: Any, month: date, repeat: int) -> dict[str, float]:
    """Each app's existing figure function for the area and month (what the panels call)."""
    from genxi.activities import figures as activities
    from genxi.cobuilding import figures as cobuilding
    from genxi.dashboards.periods import month_end
    from genxi.dashboards.registry import READER
    from genxi.demands import figures as demands

    start, end = month, month_end(month)
    calls = {
        "demands.figures.compute": lambda: demands.compute(
            user=READER, area=area, start=start, end=end
        ),
        "activities.figures.compute": lambda: activities.compute(
            user=READER, area=area, start=start, end=end
        ),
        "cobuilding.figures.compute": lambda: cobuilding.compute(
            user=READER, area=area, start=start, end=end
        ),
    }
    return {name: round(min(timed(fn)[0] for _ in range(repeat)), 3) for name, fn in calls.items()}


def time_pages(pairs: list[tuple[str, Any]], user: Any, n: int) -> dict[str, Any]:
    """GET each area's dashboard and bare view `n` times, interleaved, after 5 warm-ups (the
    first GET of a dashboard computes what the snapshot lacks). A dashboard that does not answer
    200 is reported missing and the bare view is timed alone."""
    client = client_of(user)
    out: dict[str, Any] = {}
    for name, area in pairs:
        urls = {
            "dashboard": f"/dashboards/{area.pk}/",
            "bare": f"/bench/bare/{area.pk}/",
            "bare_layout": f"/bench/bare-layout/{area.pk}/",
        }
        result: dict[str, Any] = {"area": area.name}
        first, response = timed(functools.partial(client.get, urls["dashboard"]))
        if response.status_code != 200:
            result["dashboard"] = missing(urls["dashboard"], RuntimeError(response.status_code))
            del urls["dashboard"]
        else:
            result["first_get_ms"] = round(first * 1000, 1)
        seconds: dict[str, list[float]] = {k: [] for k in urls}
        for i in range(n + 5):
            for kind, url in urls.items():
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise SystemExit(f"GET {url}: {response.status_code}")
                if i >= 5:
                    seconds[kind].append(elapsed)
                result.setdefault("bytes", {})[kind] = len(response.content)
                if kind == "bare":
                    result["bare_rows_read"] = int(response["X-Bench-Rows"])
        for kind, runs in seconds.items():
            result[kind] = percentiles(runs)
        if "dashboard" in seconds:
            result["ratio_p95"] = round(result["dashboard"]["p95_ms"] / result["bare"]["p95_ms"], 2)
            layout = result["bare_layout"]["p95_ms"]
            result["ratio_p95_to_bare_layout"] = round(result["dashboard"]["p95_ms"] / layout, 2)
        out[name] = result
        print(f"{name} {area.name}: {json.dumps(result, ensure_ascii=False)}", flush=True)
    return out


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM). Not ru_maxrss: Linux copies the parent's peak
    into a child's ru_maxrss at exec, so a child of a big parent reports the parent's size."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return -1.0


def pdf_child(area_pk: int, month: str) -> None:
    """In the child: set up Django, then build the area's report for the month; one JSON line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "genxi.settings")
    import django

    django.setup()
    out: dict[str, Any] = {"setup_peak_rss_mb": peak_rss_mb()}
    if area_pk:
        from genxi.places.models import Area

        try:
            from genxi.dashboards import report
        except ImportError as exc:
            print(json.dumps(missing("genxi.dashboards.report", exc)))
            return
        area = Area.objects.get(pk=area_pk)
        seconds, pdf = timed(lambda: report.build(area, date.fromisoformat(month + "-01")))
        out.update(seconds=round(seconds, 3), bytes=len(pdf), peak_rss_mb=peak_rss_mb())
        if os.environ.get("BENCH_PDF_OUT"):
            with open(os.environ["BENCH_PDF_OUT"], "wb") as fh:
                fh.write(pdf)
    print(json.dumps(out))


def time_pdf(area_pk: int, month: str, pdf_out: str | None = None) -> dict[str, Any]:
    """Run `pdf_child` in a fresh process: its own peak RSS (VmHWM, printed by the child) and,
    for the record, ru_maxrss from os.wait4 (which includes this parent's size at exec)."""
    env = dict(os.environ)
    if pdf_out:
        env["BENCH_PDF_OUT"] = pdf_out
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.dashboards", "--pdf-child", str(area_pk), month],
        stdout=subprocess.PIPE,
        env=env,
    )
    assert child.stdout is not None
    output = child.stdout.read().decode()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    lines = [line for line in output.splitlines() if line.startswith("{")]
    result: dict[str, Any] = json.loads(lines[-1]) if lines else {"error": output[-500:]}
    result.update(
        wall_seconds=round(wall, 3),
        wait4_maxrss_mb=round(usage.ru_maxrss / 1024, 1),
        exit=child.returncode,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    parser.add_argument("--reuse", action="store_true", help="build nothing: use the built data")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--n", type=int, default=200, help="GETs per page")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each compute (best)")
    parser.add_argument("--month", default=None, help="YYYY-MM; default: the last whole month")
    parser.add_argument("--full-refresh", action="store_true", help="also refresh(areas=None)")
    parser.add_argument(
        "--no-district-refresh", action="store_true", help="skip refresh(areas=[district])"
    )
    parser.add_argument("--no-pdf", action="store_true")
    parser.add_argument(
        "--steps",
        default="refresh,live,app,pages,pdf",
        help="which measurements (comma-separated): refresh,live,app,pages,pdf",
    )
    parser.add_argument("--pdf-out", default=None, help="keep the street's PDF at this path")
    parser.add_argument(
        "--fake-snapshot",
        action="store_true",
        help="fill FigureValue with made-up rows to time the bare view alone (removed after)",
    )
    parser.add_argument("--pdf-child", nargs=2, metavar=("AREA", "MONTH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pdf_child:
        if args.database_url:
            os.environ["DATABASE_URL"] = args.database_url
        pdf_child(int(args.pdf_child[0]), args.pdf_child[1])
        return
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url  # the PDF child inherits it
    setup_django(args.database_url)
    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark runs on PostgreSQL (--database-url postgres://…).")
    from django.utils import timezone

    from bench import dashboards_data as data

    build_info: dict[str, Any] = {}
    if not args.reuse:
        build_info = data.build(args.scale, args.seed)
    else:
        print(f"fixups: {data.fixups()}", flush=True)
    district, street, community = pick_areas(data.district_id())
    today = timezone.localdate()
    month = (
        date.fromisoformat(args.month + "-01")
        if args.month
        else (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, seconds FROM {data.PHASES_TABLE} ORDER BY done_at")
        phases = {name: round(s, 1) for name, s in cursor.fetchall()}
    report: dict[str, Any] = {
        "benchmark": "dashboards",
        "machine": machine(),
        "today": today.isoformat(),
        "month": f"{month:%Y-%m}",
        "areas": {"district": district.name, "street": street.name, "community": community.name},
        "build_seconds": phases,
        "rows": data.counts(),
    }
    print(f"district {district.name}; street {street.name}; community {community.name}")
    print(f"rows: {json.dumps(report['rows'], ensure_ascii=False)}", flush=True)

    from genxi.dashboards.models import FigureValue

    steps = set(args.steps.split(","))
    faked = 0
    if args.fake_snapshot:
        if FigureValue.objects.exists():
            raise SystemExit("--fake-snapshot needs an empty FigureValue table.")
        faked = fake_snapshot([street, community], today)
        print(f"fake snapshot: {faked} FigureValue rows", flush=True)
    elif "refresh" in steps:
        # The district's own refresh is the longest: it runs last (below).
        report["refresh"] = {
            "street": time_refresh([street], today),
            "community": time_refresh([community], today),
        }
        print(f"refresh: {report['refresh']}", flush=True)
    if "live" in steps:
        report["live_compute"] = {
            "street_month": time_live(street, month, today, args.repeat),
            "community_month": time_live(community, month, today, args.repeat),
        }
        print(f"live compute: {report['live_compute']}", flush=True)
    if "app" in steps:
        report["app_figures"] = {
            "street_month": time_app_figures(street, month, args.repeat),
            "community_month": time_app_figures(community, month, args.repeat),
        }
        print(f"app figures: {report['app_figures']}", flush=True)

    pages: dict[str, Any] = {}
    try:
        if "pages" in steps:
            install_urls()
            user = staff_of(street)
            pages = time_pages([("street", street), ("community", community)], user, args.n)
            report["pages"] = pages
    finally:
        if args.fake_snapshot:
            FigureValue.objects.all().delete()  # made up: none may stay

    if "pdf" in steps and not args.no_pdf:
        report["pdf"] = {
            "baseline_setup_only": time_pdf(0, f"{month:%Y-%m}"),
            "street": time_pdf(street.pk, f"{month:%Y-%m}", args.pdf_out),
            "community": time_pdf(community.pk, f"{month:%Y-%m}"),
        }
        print(f"pdf: {report['pdf']}", flush=True)
    if "refresh" in steps and not args.fake_snapshot and not args.no_district_refresh:
        report["refresh"]["district"] = time_refresh([district], today)
        print(f"district refresh: {report['refresh']['district']}", flush=True)
    if args.full_refresh and not args.fake_snapshot:
        report.setdefault("refresh", {})["all_areas"] = time_refresh(None, today)
        print(f"full refresh: {report['refresh']['all_areas']}", flush=True)

    pdf = report.get("pdf", {}).get("street", {})
    report["targets"] = {
        "dashboard_p95_le_300ms": {
            k: v["dashboard"]["p95_ms"] <= 300 for k, v in pages.items() if "ratio_p95" in v
        },
        "dashboard_le_3x_bare": {
            k: v["ratio_p95"] <= 3 for k, v in pages.items() if "ratio_p95" in v
        },
        "dashboard_le_3x_bare_in_layout": {
            k: v["ratio_p95_to_bare_layout"] <= 3
            for k, v in pages.items()
            if "ratio_p95_to_bare_layout" in v
        },
        "street_pdf_le_20s": pdf.get("seconds", 1e9) <= 20 if "seconds" in pdf else None,
        "street_pdf_le_300mb": pdf["peak_rss_mb"] <= 300 if "seconds" in pdf else None,
    }
    if build_info:
        report["built_now"] = sorted(build_info)
    emit(report)


if __name__ == "__main__":
    main()
