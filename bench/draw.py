"""A draw of 10,000 applicants (target: ≤ 1 s), against two baselines in the same run.

    python -m bench.draw [--applicants 10000] [--places 400] [--iterations 5]
                         [--database-url postgres://…/gx_bench]

Cases, each --iterations times (p50/p95/max):

- shuffle_baseline: Python's random.shuffle of the same 10,000 roster numbers — what an
  uncheckable draw costs;
- rfc3797_loop_baseline: RFC 3797's bare selection loop over the pool (MD5 per step, pop from
  the remaining list), no tiers, no database;
- rank: genxi.activities.draw.rank — the loop plus the stable sort by tier (5 % priority,
  1 % lowered);
- bare_update_baseline: one UPDATE of the offering's 10,000 registrations (position + 1) in
  its own transaction — the least any draw that writes everyone's place in line can cost on
  this database;
- freeze_roster: the service — lock, number the applicants in sign-up order (one bulk
  UPDATE), store the roster and its SHA-256;
- run_draw: the whole service in its one transaction — key, ranking, every applicant moved to
  the waiting list at their rank (bulk UPDATE), seat_waiting giving --places seats (bulk
  UPDATE), the draw row, the audit entry, and at commit the texts queued (every applicant has
  a phone number: two notify calls, two background tasks).

Each iteration makes a fresh activity and offering with --applicants applications (bulk
INSERT, not timed) in a bench street of its own; everything it made is deleted at the end.
The URLconf is loaded before timing (the first reverse() of a process imports every view, as
a running server already has).
"""

import argparse
import random
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from bench import emit, machine, percentiles, setup_django, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL / SQLite")
    parser.add_argument("--applicants", type=int, default=10_000)
    parser.add_argument("--places", type=int, default=400)
    parser.add_argument("--iterations", type=int, default=5)
    args = parser.parse_args()
    setup_django(args.database_url)

    from genxi.activities import draw as rfc3797
    from genxi.activities.models import (
        Activity,
        ActivityKind,
        ActivityStatus,
        Course,
        Offering,
        Registration,
        RegistrationStatus,
        Term,
    )
    from genxi.activities.services.draw import announce_draw, freeze_roster, run_draw
    from genxi.places.models import AreaKind
    from genxi.places.services import create_area

    n = args.applicants
    values = ["3 7 9", "6 1 4 4 2"]
    key = rfc3797.make_key(values)
    tiers = [0 if i % 20 == 0 else 9 if i % 100 == 1 else 5 for i in range(n)]
    roster = [[i + 1, tiers[i]] for i in range(n)]
    numbers = list(range(1, n + 1))
    rng = random.Random(3797)

    pure: dict[str, list[float]] = {"shuffle_baseline": [], "rfc3797_loop_baseline": [], "rank": []}
    for _ in range(args.iterations):
        pool = numbers[:]
        pure["shuffle_baseline"].append(timed(lambda: rng.shuffle(pool))[0])  # noqa: B023
        pure["rfc3797_loop_baseline"].append(timed(lambda: rfc3797.rfc3797_order(key, n))[0])
        pure["rank"].append(timed(lambda: rfc3797.rank(key, roster))[0])

    reverse("activities:draw_public", args=[1])  # load the URLconf, as a running server has
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    street = create_area(actor=None, kind=AreaKind.STREET, name=f"抽签基准街道{stamp}", parent=None)
    community = create_area(actor=None, kind=AreaKind.COMMUNITY, name="抽签基准社区", parent=street)
    service: dict[str, list[float]] = {
        "bare_update_baseline": [],
        "freeze_roster": [],
        "run_draw": [],
    }
    seated: list[int] = []
    activities: list[int] = []
    for round_ in range(args.iterations):
        now = timezone.now()
        activity = Activity.objects.create(
            title=f"老年大学抽签基准{round_}",
            kind=ActivityKind.CLASS,
            owner=community,
            street=street,
            status=ActivityStatus.PUBLISHED,
        )
        activities.append(activity.pk)
        term = Term.objects.create(
            course=Course.objects.create(activity=activity, name="声乐"), name="春季"
        )
        offering = Offering.objects.create(
            activity=activity,
            term=term,
            capacity=args.places,
            intake="draw",
            opens_at=now - timedelta(days=7),
            closes_at=now + timedelta(hours=1),
        )
        draw = announce_draw(
            actor=None, offering=offering, sources="福彩3D\n骰子", draw_at=now + timedelta(days=1)
        )
        Registration.objects.bulk_create(
            (
                Registration(
                    offering=offering,
                    activity=activity,
                    name=f"申请人{i}",
                    phone=f"139{i:08d}",
                    person_key=f"p139{i:08d}",
                    community=community,
                    status=RegistrationStatus.APPLIED,
                    tier=tiers[i],
                    created_at=now + timedelta(microseconds=i),
                )
                for i in range(n)
            ),
            batch_size=2000,
        )
        Offering.objects.filter(pk=offering.pk).update(closes_at=now - timedelta(seconds=1))

        def touch_all() -> None:
            with transaction.atomic():
                Registration.objects.filter(offering=offering).update(  # noqa: B023
                    position=F("position") + 1, updated_at=timezone.now()
                )

        service["bare_update_baseline"].append(timed(touch_all)[0])
        seconds, draw = timed(lambda: freeze_roster(actor=None, draw=draw))  # noqa: B023
        service["freeze_roster"].append(seconds)
        seconds, draw = timed(lambda: run_draw(actor=None, draw=draw, values=values))  # noqa: B023
        service["run_draw"].append(seconds)
        assert draw.ranking == rfc3797.rank(key, roster)
        seated.append(
            Registration.objects.filter(
                offering=offering, status=RegistrationStatus.CONFIRMED
            ).count()
        )

    info = machine()
    with transaction.atomic():
        Activity.objects.filter(pk__in=activities).delete()
        community.delete()
        street.delete()

    report: dict[str, Any] = {"bench": "draw", "applicants": n, "places": args.places, **info}
    for name, seconds_list in {**pure, **service}.items():
        report[name] = percentiles(seconds_list)
        figures = report[name]
        print(f"{name:>22}: p50 {figures['p50_ms']:9.1f} ms  max {figures['max_ms']:9.1f} ms")
    report["seated"] = seated[0]
    report["target_run_draw_ms"] = 1000
    report["run_draw_within_target"] = report["run_draw"]["max_ms"] <= 1000
    emit(report)


if __name__ == "__main__":
    main()
