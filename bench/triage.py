"""Triage at scale: classifying, finding repeats among open demands, memory, hot topics.

    python -m bench.triage --open 100000 [--database-url postgres://…/genxi_bench]

If the database holds fewer than --open open demands, a synthetic city and demands are generated
first (genxi.places.generate, genxi.demands.generate). Each figure is measured beside a simple
baseline in the same run:

- train: `Classifier` fitted on the newest 50,000 accepted demands (seconds; model size);
- classify: `Classifier.predict` over --classify demands in batches of 1,000 on one core
  (demands/s), and `Classifier.top` one demand at a time; baseline: the keyword classifier
  (`KeywordClassifier.top`, the categories' keywords) one at a time;
- duplicates: `similar_open` for --queries open demands drawn at random, as a community-staff
  user of each one's community (p50/p95 ms); baseline: one indexed query for the 50 newest open
  demands of the same community; and `likely_handler` for the same demands;
- memory: the process's resident set before loading anything of triage, after loading the
  model, and after the duplicate look-ups (the look-ups keep no index in memory: they query);
- topics: `summarise` of a street's newest --cluster demands (seconds); baselines: counting them
  by category and compound, and vectorising their titles alone.
"""

import os

# One core: numpy's BLAS threads off before numpy loads (liblinear is single-threaded anyway).
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import timedelta  # noqa: E402
from typing import Any  # noqa: E402

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]  # noqa: E402

from bench import emit, machine, percentiles, setup_django, timed  # noqa: E402
from genxi.triage.text import normalise  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL / SQLite")
    parser.add_argument("--open", type=int, default=100_000, help="at least this many open")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--classify", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--cluster", type=int, default=10_000)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    setup_django(args.database_url)
    rss_django = rss_mb()

    # Imported here, not at the top: the app modules need setup_django() first.
    from genxi.accounts.models import Membership, Role, User
    from genxi.demands.generate import generate_demands
    from genxi.demands.models import OPEN_STATUSES, Demand
    from genxi.places.generate import free_seed, generate_city
    from genxi.places.models import STREET_KINDS, Area, Resident

    report: dict[str, Any] = {"benchmark": "triage", "machine": machine()}
    progress = not args.no_progress
    if not Resident.objects.exists():
        result = generate_city(residents=100_000, seed=free_seed(), progress=progress)
        print(f"generated {result.district_name}: {result.rows:,} rows in {result.seconds:.1f} s")
    open_now = Demand.objects.open().count()
    if open_now < args.open:
        # About a quarter of generated demands are still open.
        total = Demand.objects.count()
        share = open_now / total if total else 0.25
        missing = math.ceil((args.open - open_now) / max(share, 0.2) * 1.05)
        made = generate_demands(demands=missing, seed=args.seed + total, progress=progress)
        print(f"generated {made.demands:,} demands in {made.seconds:.1f} s")
    open_count = Demand.objects.open().count()
    report["demands"] = Demand.objects.count()
    report["open_demands"] = open_count
    print(f"{report['demands']:,} demands, {open_count:,} open, on {connection.vendor}")

    # Imported here, not at the top: the app modules need setup_django() first.
    from genxi.triage.classifier import Classifier
    from genxi.triage.services import (
        keyword_classifier,
        labelled_demands,
        likely_handler,
        similar_open,
    )
    from genxi.triage.topics import rows_for, summarise

    rss_before = rss_mb()
    # Training.
    rows = list(
        labelled_demands()
        .order_by("-pk")
        .values_list("title", "description", "category_id")[:50_000]
    )
    seconds, model = timed(
        lambda: Classifier().fit(
            [r[0] for r in rows], [r[1] for r in rows], [str(r[2]) for r in rows]
        )
    )
    blob = model.dumps()
    model = Classifier.loads(blob)
    rss_model = rss_mb()
    report["train"] = {
        "examples": len(rows),
        "categories": len(model.labels),
        "seconds": round(seconds, 1),
        "model_mb": round(len(blob) / 2**20, 2),
    }
    print(f"trained on {len(rows):,} in {seconds:.1f} s; model {len(blob) / 2**20:.2f} MB")

    # Classification.
    sample = list(Demand.objects.order_by("?").values_list("title", "description")[: args.classify])
    titles, details = [s[0] for s in sample], [s[1] for s in sample]
    started = time.perf_counter()
    for i in range(0, len(sample), 1000):
        model.predict(titles[i : i + 1000], details[i : i + 1000])
    batch = len(sample) / (time.perf_counter() - started)
    single_n = min(2000, len(sample))
    single = []
    for i in range(single_n):
        started = time.perf_counter()
        model.top(titles[i], details[i])
        single.append(time.perf_counter() - started)
    keywords = keyword_classifier()
    baseline = []
    for i in range(single_n):
        started = time.perf_counter()
        keywords.top(titles[i], details[i])
        baseline.append(time.perf_counter() - started)
    report["classify"] = {
        "batch_per_second": round(batch),
        "one_at_a_time_per_second": round(single_n / sum(single)),
        "one_at_a_time": percentiles(single),
        "baseline_keywords_per_second": round(single_n / sum(baseline)),
        "baseline_keywords": percentiles(baseline),
    }
    print(
        f"classify: {batch:,.0f}/s in batches, {single_n / sum(single):,.0f}/s one at a time; "
        f"keywords baseline {single_n / sum(baseline):,.0f}/s"
    )

    # Duplicates.
    rng = random.Random(args.seed)
    open_ids = list(Demand.objects.open().values_list("pk", flat=True))
    picked = Demand.objects.select_related("area__parent__parent", "community", "category").in_bulk(
        rng.sample(open_ids, min(args.queries, len(open_ids)))
    )
    users: dict[int, Any] = {}

    def staff(community: Area) -> Any:
        if community.pk not in users:
            user, _ = User.objects.get_or_create(username=f"bench-triage-{community.pk}")
            Membership.objects.get_or_create(user=user, role=Role.COMMUNITY_STAFF, area=community)
            users[community.pk] = User.objects.get(pk=user.pk)
        return users[community.pk]

    look, bare, found, handler = [], [], [], []
    for demand in picked.values():
        user = staff(demand.community)
        started = time.perf_counter()
        repeats = similar_open(
            user=user, title=demand.title, description=demand.description, area=demand.area
        )
        look.append(time.perf_counter() - started)
        found.append(len(repeats))
        started = time.perf_counter()
        list(
            Demand.objects.filter(community=demand.community_id, status__in=OPEN_STATUSES)
            .order_by("-created_at")
            .values_list("pk", "title")[:50]
        )
        bare.append(time.perf_counter() - started)
        started = time.perf_counter()
        likely_handler(user=user, category=demand.category, area=demand.area)
        handler.append(time.perf_counter() - started)
    rss_after = rss_mb()
    report["duplicates"] = {
        "similar_open": percentiles(look),
        "baseline_newest_50_open": percentiles(bare),
        "likely_handler": percentiles(handler),
        "candidates_found_mean": round(sum(found) / len(found), 2),
    }
    print(
        f"duplicates: p95 {report['duplicates']['similar_open']['p95_ms']} ms "
        f"(baseline query p95 {report['duplicates']['baseline_newest_50_open']['p95_ms']} ms); "
        f"likely handler p95 {report['duplicates']['likely_handler']['p95_ms']} ms"
    )
    report["memory_mb"] = {
        "django_loaded": rss_django,
        "before_triage": rss_before,
        "model_loaded": rss_model,
        "after_lookups": rss_after,
        "model_and_lookups": round(rss_after - rss_before, 1),
    }
    print(f"memory: {rss_before} MB before triage, {rss_after} MB after (model and look-ups)")

    # Hot topics: the street with the most demands, its newest --cluster.
    busiest = Demand.objects.values_list("street_id").annotate(n=_count()).order_by("-n").first()
    assert busiest is not None
    street_id = busiest[0]
    street = Area.objects.get(pk=street_id)
    assert street.kind in STREET_KINDS
    newest = Demand.objects.filter(street=street).order_by("-created_at")
    end = newest.values_list("created_at", flat=True).first().date()
    start = end - timedelta(days=30)

    def read(since: Any) -> tuple[float, Any]:
        return timed(lambda: rows_for(street, start=since, end=end, limit=args.cluster))

    rows_t, topic_rows = read(start)
    while len(topic_rows) < args.cluster and (end - start).days < 3650:
        start -= timedelta(days=30)
        rows_t, topic_rows = read(start)
    seconds, summary = timed(lambda: summarise(topic_rows, start=start, end=end))
    count_s, _ = timed(lambda: Counter((r.category, r.place) for r in topic_rows))
    vec_s, _ = timed(
        lambda: TfidfVectorizer(analyzer="char", ngram_range=(1, 2)).fit_transform(
            [normalise(r.title) for r in topic_rows]
        )
    )
    report["topics"] = {
        "demands": len(topic_rows),
        "days": (end - start).days + 1,
        "read_seconds": round(rows_t, 2),
        "summarise_seconds": round(seconds, 2),
        "topics": len(summary.topics),
        "largest": summary.topics[0].size if summary.topics else 0,
        "baseline_count_seconds": round(count_s, 3),
        "baseline_vectorise_seconds": round(vec_s, 2),
    }
    print(
        f"topics: {len(topic_rows):,} demands summarised in {seconds:.2f} s "
        f"(+{rows_t:.2f} s reading); counting {count_s:.3f} s, vectorising {vec_s:.2f} s"
    )
    User.objects.filter(username__startswith="bench-triage-").delete()
    emit(report)


def _count() -> Any:
    return Count("pk")


if __name__ == "__main__":
    main()
