"""A registration burst over HTTP beside recording demands, same server, same run.

    python -m bench.registrations [--database-url postgres://postgres@127.0.0.1:5432/genxi_bench_reg]

Creates the database afresh (and drops it after, unless --keep), migrates it, and makes what
bench.api makes (a street, a community, a compound, a demand category, a community-staff user
with an API token) plus a published lecture run by the community with one session and one
offering of --capacity places. Then starts the real server — `genxi serve` with its default
workers, rate limits off — and, from other processes on loopback (one connection per request):

1. peak: --clients closed-loop clients for --seconds against each endpoint, twice, alternating
   (demand, registration, demand, registration); throughput is the mean of the two runs;
2. half of peak: open-loop arrivals at half of the registrations' peak rate for --seconds
   against each endpoint, latency from each request's scheduled start (no coordinated
   omission).

A registration is what the street's front desk sends for someone who phoned: a bearer token, an
Idempotency-Key, a name and a phone number, each request a different person, all for the one
offering — so every request takes the same row lock (`seats.lock_offering`): the first
--capacity are confirmed, the rest join the waiting line. A demand is bench.api's POST
/api/v1/demands. Target: registrations at least 80% of the demands' throughput.
"""

import argparse
import http.client
import itertools
import json
import multiprocessing as mp
import os
import secrets
import signal
import socket
import subprocess
import sys
import uuid
from typing import Any

import django
from django.core.management import call_command
from django.db import connections

from bench import emit, machine
from bench.api import at_rate, peak, recreate_database, wait_for
from genxi.cli import default_workers

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/genxi_bench_reg"
KINDS = ("demand", "registration")

_people = itertools.count()


def make_world(capacity: int) -> dict[str, Any]:
    # Imported here, not at the top: the app modules need django.setup() first.
    from datetime import timedelta

    from django.utils import timezone

    from genxi.accounts.models import Role
    from genxi.accounts.services import create_api_token, create_user, grant_membership
    from genxi.activities.models import (
        Activity,
        ActivityKind,
        ActivityStatus,
        Offering,
        Session,
    )
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
    user = create_user(actor=None, username="bench-reg", password=uuid.uuid4().hex, name="基准")
    grant_membership(actor=None, user=user, role=Role.COMMUNITY_STAFF, area=community)
    token = create_api_token(actor=None, user=user, name="bench")[1]
    activity = Activity.objects.create(
        title="基准讲座",
        kind=ActivityKind.LECTURE,
        owner=community,
        street=street,
        status=ActivityStatus.PUBLISHED,
        address="基准社区活动室",
    )
    activity.open_to.set([community])
    begins = timezone.now() + timedelta(days=7)
    session = Session.objects.create(
        activity=activity, starts_at=begins, ends_at=begins + timedelta(hours=2)
    )
    offering = Offering.objects.create(activity=activity, session=session, capacity=capacity)
    return {
        "token": token,
        "demand": {"title": "楼道灯不亮", "category": category.pk, "area": compound.pk},
        "offering": offering.pk,
    }


def request(port: int, kind: str, world: dict[str, Any]) -> int:
    headers = {
        "Content-Type": "application/json",
        "Host": "127.0.0.1",
        "Authorization": f"Bearer {world['token']}",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    if kind == "demand":
        path = "/api/v1/demands"
        body = {**world["demand"], "channel": "phone"}
    else:
        # A different person each time: a mobile number from this process's id and a counter.
        n = next(_people)
        path = f"/api/v1/offerings/{world['offering']}/registrations"
        body = {"name": f"居民{n}", "phone": f"13{os.getpid() % 10000:04d}{n % 100000:05d}"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", path, json.dumps(body), headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=8, help="closed-loop clients at peak")
    parser.add_argument("--rate-clients", type=int, default=16, help="open-loop senders")
    parser.add_argument(
        "--capacity", type=int, default=300, help="places; later registrations wait in line"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    if not args.port:  # a fixed default could be another server's, which wait_for accepts
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            args.port = sock.getsockname()[1]
    recreate_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "genxi.settings"
    django.setup()
    call_command("migrate", verbosity=0)
    world = make_world(args.capacity)
    info = machine()
    connections.close_all()

    env = {
        **os.environ,
        "GENXI_API_RATE_TOKEN": "0/minute",
        "GENXI_API_RATE_ANON": "0/minute",
        "GENXI_STATIC_ROOT": os.path.join("/tmp", f"genxi-bench-static-{os.getpid()}"),
    }
    # `genxi serve` refuses to start without a real key; a throwaway one will do for the run.
    env.setdefault("GENXI_SECRET_KEY", secrets.token_urlsafe(50))
    server = subprocess.Popen(
        [sys.executable, "-m", "genxi.cli", "serve", "--port", str(args.port)],
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    result: dict[str, Any] = {
        "bench": "registrations",
        "machine": info,
        "workers": default_workers(),
        "capacity": args.capacity,
    }
    try:
        wait_for(args.port, server)
        ctx = mp.get_context("fork")
        with ctx.Pool(max(args.clients, args.rate_clients)) as pool:
            for kind in KINDS:  # warm every worker
                for _ in range(50):
                    assert request(args.port, kind, world) == 201, kind
            runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
            for _round in range(2):
                for kind in KINDS:
                    runs[kind].append(
                        peak(pool, args.port, kind, world, args.clients, args.seconds, request)
                    )
                    print(kind, "peak", runs[kind][-1], flush=True)
            peaks = {k: sum(r["per_s"] for r in v) / len(v) for k, v in runs.items()}
            half = peaks["registration"] / 2
            latency = {
                kind: at_rate(
                    pool, args.port, kind, world, half, args.rate_clients, args.seconds, request
                )
                for kind in KINDS
            }
            for kind, figures in latency.items():
                print(kind, "at half of the registrations' peak", figures, flush=True)
        from genxi.activities.models import Offering
        from genxi.activities.services.registration import counts

        made = counts(Offering.objects.get(pk=world["offering"]))
        result.update(
            {
                "registered": {k: made[k] for k in ("confirmed", "waiting")},
                "peak_runs": runs,
                "peak_per_s": {k: round(v, 1) for k, v in peaks.items()},
                "registration_share_of_demand": round(peaks["registration"] / peaks["demand"], 3),
                "at_half_registration_peak": latency,
            }
        )
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if not args.keep:
            recreate_database(args.database_url, drop_only=True)
    print(
        f"registrations {result['peak_per_s']['registration']}/s vs demands "
        f"{result['peak_per_s']['demand']}/s ({result['registration_share_of_demand']:.0%}); "
        f"at half peak p99 {result['at_half_registration_peak']['registration']['p99_ms']} ms"
    )
    emit(result)


if __name__ == "__main__":
    main()
