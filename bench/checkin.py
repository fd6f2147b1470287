"""Check-in at the door over HTTP: POST /api/v1/sessions/{id}/check-ins with 1,000 registrations
in the session, beside a baseline on the same server in the same run.

    python -m bench.checkin [--database-url postgres://postgres@127.0.0.1:5432/genxi_bench_checkin]

Creates the database afresh (and drops it after, unless --keep), migrates it, makes a street, a
community, a community-staff user with an API token, a published lecture with one session now and
1,000 confirmed registrations. Then starts the real server — `genxi serve` with its default
workers — and, from --clients processes on loopback (one connection per request, as gunicorn's
sync workers close them), sends:

1. baselines, --baseline times each: GET /favicon.ico (a bare view: the server, the middleware,
   no query), and the same POST to a session that does not exist (the API's authentication by
   token, the scope query, the 404 answer: everything but the check-in itself);
2. first scans: each registration's QR text once (authentication, the scope check, reading the
   code and its HMAC, the lookup, the attendance INSERT in a savepoint, the audit entry, the
   counts) — 1,000 requests, shared among the clients;
3. repeated scans: the same 1,000 again (each answers "already" with the first time);
4. the baselines again.

Target: check-in p95 ≤ 50 ms with 1,000 registrations in the session.
"""

import argparse
import http.client
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
import uuid
from typing import Any

import django
from django.core.management import call_command
from django.db import connections

from bench import emit, machine, percentiles
from bench.api import recreate_database, wait_for
from genxi.cli import default_workers

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/genxi_bench_checkin"
REGISTRATIONS = 1000


def make_world() -> dict[str, Any]:
    # Imported here, not at the top: the app modules need django.setup() first.
    from datetime import timedelta

    from django.utils import timezone

    from genxi.accounts.models import Role
    from genxi.accounts.services import create_api_token, create_user, grant_membership
    from genxi.activities import codes
    from genxi.activities.models import (
        Activity,
        ActivityKind,
        ActivityStatus,
        Offering,
        Registration,
        RegistrationStatus,
        Session,
    )
    from genxi.places import services as places
    from genxi.places.models import AreaKind

    street = places.create_area(actor=None, kind=AreaKind.STREET, name="基准街道", parent=None)
    community = places.create_area(
        actor=None, kind=AreaKind.COMMUNITY, name="基准社区", parent=street
    )
    user = create_user(actor=None, username="bench-door", password=uuid.uuid4().hex, name="基准")
    grant_membership(actor=None, user=user, role=Role.COMMUNITY_STAFF, area=community)
    token = create_api_token(actor=None, user=user, name="bench")[1]
    activity = Activity.objects.create(
        title="基准讲座",
        kind=ActivityKind.LECTURE,
        owner=community,
        street=street,
        status=ActivityStatus.PUBLISHED,
    )
    activity.open_to.set([community])
    now = timezone.now()
    session = Session.objects.create(
        activity=activity, starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=3)
    )
    offering = Offering.objects.create(activity=activity, session=session, capacity=REGISTRATIONS)
    regs = Registration.objects.bulk_create(
        [
            Registration(
                offering=offering,
                activity=activity,
                name=f"居民{n}",
                phone=f"138{n:08d}",
                person_key=f"p138{n:08d}",
                status=RegistrationStatus.CONFIRMED,
                seat=n,
                position=n,
            )
            for n in range(1, REGISTRATIONS + 1)
        ],
        batch_size=500,
    )
    return {
        "token": token,
        "path": f"/api/v1/sessions/{session.pk}/check-ins",
        "scans": [codes.qr_payload(r.code) for r in regs],
    }


def request(port: int, method: str, path: str, token: str, body: Any = None) -> tuple[int, float]:
    headers = {"Host": "127.0.0.1", "Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body)
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, data, headers)
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


def client(args: tuple[int, str, str, list[str]]) -> list[tuple[int, float]]:
    """One closed-loop client: its share of the requests, one after the other."""
    port, token, path, work = args
    if path == "/favicon.ico":
        return [request(port, "GET", path, token) for _ in work]
    return [request(port, "POST", path, token, {"code": scan, "source": "scan"}) for scan in work]


def run(
    pool: Any, port: int, token: str, path: str, clients: int, work: list[str]
) -> dict[str, Any]:
    shares = [work[i::clients] for i in range(clients)]
    jobs = [(port, token, path, share) for share in shares]
    answers = [a for batch in pool.map(client, jobs) for a in batch]
    statuses: dict[str, int] = {}
    for status, _seconds in answers:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {**percentiles([seconds for _status, seconds in answers]), "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--clients", type=int, default=4, help="closed-loop clients")
    parser.add_argument("--baseline", type=int, default=1000, help="baseline requests per run")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    recreate_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "genxi.settings"
    # The server signs and checks QR codes with this key; the scans are made with it here.
    os.environ.setdefault("GENXI_SECRET_KEY", "bench-checkin-" + uuid.uuid4().hex * 2)
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
    result: dict[str, Any] = {
        "bench": "checkin",
        "machine": info,
        "workers": default_workers(),
        "clients": args.clients,
        "registrations": REGISTRATIONS,
    }
    try:
        wait_for(args.port, server)
        ctx = mp.get_context("fork")
        with ctx.Pool(args.clients) as pool:
            token, path = world["token"], world["path"]
            missing = "/api/v1/sessions/999999999/check-ins"
            baseline = world["scans"][: args.baseline]
            # Warm every worker on both paths (the warm-up scans are all of a missing session).
            run(pool, args.port, token, missing, args.clients, baseline[:200])
            phases = [
                ("baseline_bare_view", "/favicon.ico", baseline),
                ("baseline_api_404", missing, baseline),
                ("first_scans", path, world["scans"]),
                ("repeated_scans", path, world["scans"]),
                ("baseline_bare_view_again", "/favicon.ico", baseline),
                ("baseline_api_404_again", missing, baseline),
            ]
            for name, url_path, work in phases:
                result[name] = run(pool, args.port, token, url_path, args.clients, work)
                print(name, result[name], flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if not args.keep:
            recreate_database(args.database_url, drop_only=True)
    ok = result["first_scans"]["statuses"] == {"201": REGISTRATIONS} and result["repeated_scans"][
        "statuses"
    ] == {"200": REGISTRATIONS}
    result["all_answers_as_expected"] = ok
    print(
        f"check-in p95 {result['first_scans']['p95_ms']} ms (first scans), "
        f"{result['repeated_scans']['p95_ms']} ms (repeats); baselines p95: bare view "
        f"{result['baseline_bare_view']['p95_ms']} / {result['baseline_bare_view_again']['p95_ms']}"
        f" ms, API 404 {result['baseline_api_404']['p95_ms']} / "
        f"{result['baseline_api_404_again']['p95_ms']} ms; answers as expected: {ok}"
    )
    emit(result)


if __name__ == "__main__":
    main()
