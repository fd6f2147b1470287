"""Recording demands over HTTP: POST /api/v1/demands against a bare insert view, same server.

    python -m bench.api [--database-url postgres://postgres@127.0.0.1:5432/genxi_bench_api]

Creates the database afresh (and drops it after, unless --keep), migrates it, makes a street, a
community, a compound, a category and a community-staff user with an API token. Then starts the
real server — `genxi serve` with its default workers — with the settings of bench.api_settings,
which add one bare view (`POST /bench/bare-insert`: parse the JSON, one INSERT into
demands_demand, 201) beside the whole of Genxi. Rate limits are switched off for the run.

From other processes on loopback (one connection per request, as gunicorn's sync workers close
them):

1. peak: --clients closed-loop clients for --seconds against each endpoint, twice, alternating
   (bare, api, bare, api); throughput is the mean of the two runs;
2. half of peak: open-loop arrivals at half the API's peak rate for --seconds against each
   endpoint; latency is measured from each request's scheduled start, so a server that falls
   behind is charged for the wait (no coordinated omission).

The API request is what a street system sends: a bearer token, an Idempotency-Key, a JSON demand
(title, category, area, channel). It goes through authentication, the permission check, the
intake form's validation and `collect_demand` (the demand, its "collected" event, the retry
token and the audit entry in one transaction). Target: at least 60% of the bare view's
throughput, p99 ≤ 50 ms at half of peak.
"""

import argparse
import http.client
import json
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import django
import psycopg
from django.core.management import call_command
from django.db import connections
from django.utils.regex_helper import _lazy_re_compile

from bench import emit, machine
from genxi.cli import default_workers

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/genxi_bench_api"


def recreate_database(url: str, *, drop_only: bool = False) -> None:
    match = _lazy_re_compile(r"^(postgres(?:ql)?://[^/]*)/([A-Za-z0-9_]+)$").match(url)
    if match is None:
        raise SystemExit("--database-url must be postgres://…/<database name>")
    server, name = match.group(1), match.group(2)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def make_world() -> dict[str, Any]:
    # Imported here, not at the top: the app modules need setup_django() first.
    from genxi.accounts.models import Role
    from genxi.accounts.services import create_api_token, create_user, grant_membership
    from genxi.demands import services as demands
    from genxi.places import services as places
    from genxi.places.models import AreaKind

    street = places.create_area(actor=None, kind=AreaKind.STREET, name="基准街道", parent=None)
    community = places.create_area(
        actor=None, kind=AreaKind.COMMUNITY, name="基准社区", parent=street
    )
    compound = places.create_area(
        actor=None, kind=AreaKind.COMPOUND, name="基准小区", parent=community
    )
    category = demands.create_category(
        actor=None, name="基准类别", response_days=1, resolution_days=5
    )
    user = create_user(actor=None, username="bench-api", password=uuid.uuid4().hex, name="基准")
    grant_membership(actor=None, user=user, role=Role.COMMUNITY_STAFF, area=community)
    token = create_api_token(actor=None, user=user, name="bench")[1]
    return {
        "token": token,
        "body": {
            "title": "楼道灯不亮",
            "category": category.pk,
            "area": compound.pk,
            "channel": "phone",
            "community": community.pk,
            "street": street.pk,
        },
    }


def request(port: int, kind: str, world: dict[str, Any]) -> int:
    body = dict(world["body"])
    headers = {"Content-Type": "application/json", "Host": "127.0.0.1"}
    if kind == "api":
        path = "/api/v1/demands"
        headers["Authorization"] = f"Bearer {world['token']}"
        headers["Idempotency-Key"] = uuid.uuid4().hex
        for extra in ("community", "street"):
            body.pop(extra)
    else:
        path = "/bench/bare-insert"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, json.dumps(body), headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


# What a client process sends: (port, kind, world) -> the HTTP status. Module-level functions
# (this module's `request`, bench.registrations' own), so that the pool's processes get them.
Send = Callable[[int, str, dict[str, Any]], int]


def closed_loop(args: tuple[Send, int, str, dict[str, Any], float]) -> tuple[int, int]:
    send, port, kind, world, until = args
    done = failed = 0
    while time.perf_counter() < until:
        if send(port, kind, world) == 201:
            done += 1
        else:
            failed += 1
    return done, failed


def open_loop(args: tuple[Send, int, str, dict[str, Any], float, float, float]) -> list[float]:
    """Send at fixed intervals from `start`; each latency from its scheduled start."""
    send, port, kind, world, start, interval, until = args
    latencies = []
    scheduled = start
    while scheduled < until:
        now = time.perf_counter()
        if now < scheduled:
            time.sleep(scheduled - now)
        status = send(port, kind, world)
        latencies.append(time.perf_counter() - scheduled if status == 201 else float("inf"))
        scheduled += interval
    return latencies


def peak(
    pool: Any,
    port: int,
    kind: str,
    world: dict[str, Any],
    clients: int,
    seconds: float,
    send: Send = request,
) -> dict[str, Any]:
    started = time.perf_counter()
    until = started + seconds
    results = pool.map(closed_loop, [(send, port, kind, world, until)] * clients)
    elapsed = time.perf_counter() - started
    done = sum(r[0] for r in results)
    return {
        "requests": done,
        "failed": sum(r[1] for r in results),
        "per_s": round(done / elapsed, 1),
    }


def at_rate(
    pool: Any,
    port: int,
    kind: str,
    world: dict[str, Any],
    rate: float,
    clients: int,
    seconds: float,
    send: Send = request,
) -> dict[str, Any]:
    interval = clients / rate
    start = time.perf_counter() + 0.2
    jobs = [
        (send, port, kind, world, start + i * interval / clients, interval, start + seconds)
        for i in range(clients)
    ]
    latencies: list[float] = sorted(x for batch in pool.map(open_loop, jobs) for x in batch)
    n = len(latencies)

    def cut(q: float) -> float:
        return round(latencies[min(n - 1, int(q * n))] * 1000, 1)

    return {
        "rate_per_s": round(rate, 1),
        "requests": n,
        "failed": sum(1 for x in latencies if x == float("inf")),
        "p50_ms": cut(0.50),
        "p99_ms": cut(0.99),
        "max_ms": round(latencies[-1] * 1000, 1),
    }


def wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped; see its output above")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit("the server did not start within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=8, help="closed-loop clients at peak")
    parser.add_argument("--rate-clients", type=int, default=16, help="open-loop senders")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    recreate_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.api_settings"
    django.setup()
    call_command("migrate", verbosity=0)
    world = make_world()
    info = machine()
    connections.close_all()

    env = {
        **os.environ,
        "GENXI_API_RATE_TOKEN": "0/minute",
        "GENXI_API_RATE_ANON": "0/minute",
        "GENXI_STATIC_ROOT": os.path.join("/tmp", f"genxi-bench-static-{os.getpid()}"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "genxi.cli", "serve", "--port", str(args.port)],
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    result: dict[str, Any] = {"bench": "api", "machine": info, "workers": default_workers()}
    try:
        wait_for(args.port, server)
        ctx = mp.get_context("fork")
        with ctx.Pool(max(args.clients, args.rate_clients)) as pool:
            for kind in ("bare", "api"):  # warm every worker
                for _ in range(100):
                    assert request(args.port, kind, world) == 201, kind
            runs: dict[str, list[dict[str, Any]]] = {"bare": [], "api": []}
            for _round in range(2):
                for kind in ("bare", "api"):
                    runs[kind].append(
                        peak(pool, args.port, kind, world, args.clients, args.seconds)
                    )
                    print(kind, "peak", runs[kind][-1], flush=True)
            peaks = {k: sum(r["per_s"] for r in v) / len(v) for k, v in runs.items()}
            half = peaks["api"] / 2
            latency = {
                kind: at_rate(pool, args.port, kind, world, half, args.rate_clients, args.seconds)
                for kind in ("bare", "api")
            }
            for kind, figures in latency.items():
                print(kind, "at half of the API's peak", figures, flush=True)
        result.update(
            {
                "peak_runs": runs,
                "peak_per_s": {k: round(v, 1) for k, v in peaks.items()},
                "api_share_of_bare": round(peaks["api"] / peaks["bare"], 3),
                "at_half_api_peak": latency,
            }
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if not args.keep:
            recreate_database(args.database_url, drop_only=True)
    print(
        f"API {result['peak_per_s']['api']}/s vs bare {result['peak_per_s']['bare']}/s "
        f"({result['api_share_of_bare']:.0%}); at half peak p99 "
        f"{result['at_half_api_peak']['api']['p99_ms']} ms"
    )
    emit(result)


if __name__ == "__main__":
    main()
