"""Generator throughput, with two baselines measured in the same run.

    python -m bench.generate --residents 1000000 --database-url postgres://…/genxi_bench

1. `generate_city` (the `generate` command without its progress bar): the whole city, timed
   from the start until the transaction has committed.
2. Baseline "bulk_create": the same number of bare Resident rows (fixed name, no phone, one
   building) through `Resident.objects.bulk_create(batch_size=5000)`, committed: what the
   plain Django way costs for the residents table alone.
3. Baseline "raw": the same bare rows through the generator's own writer (COPY on PostgreSQL,
   executemany INSERT on SQLite), committed: the database's floor for those rows, so the gap
   to (1) is what realistic names, phones, pinyin and the rest of the city cost.

The baselines run after the generator, into the same (by then non-empty) table; their rows
are deleted afterwards (and the table vacuumed on PostgreSQL), untimed. The generated city
stays. Use a scratch database: createdb, run (this script migrates), dropdb.
"""

import argparse
import itertools
from typing import Any

from django.db import connection, transaction

from bench import emit, machine, setup_django, timed

BARE_BATCH = 5000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL / SQLite")
    parser.add_argument("--seed", type=int, default=None, help="default: first unused seed")
    parser.add_argument("--method", default="auto", choices=["auto", "copy", "insert", "orm"])
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    setup_django(args.database_url)

    # Imported here, not at the top: the app modules need setup_django() first.
    from genxi.core.bulk import BulkWriter
    from genxi.places.generate import free_seed, generate_city
    from genxi.places.models import Area, AreaKind, Resident

    n = args.residents
    seed = args.seed if args.seed is not None else free_seed()
    result = generate_city(
        residents=n, seed=seed, method=args.method, progress=not args.no_progress
    )
    report: dict[str, Any] = {
        "benchmark": "generate",
        "machine": machine(),
        "residents": n,
        "generator": {
            "method": result.method,
            "seed": result.seed,
            "district": result.district_name,
            "seconds": round(result.seconds, 3),
            "rows": result.rows,
            "rows_per_second": round(result.rows / result.seconds),
            "residents_per_second": round(n / result.seconds),
            "counts": result.counts,
            "stage_seconds": result.stage_seconds,
        },
    }
    print(
        f"generate_city ({result.method}): {n:,} residents, {result.rows:,} rows in "
        f"{result.seconds:.1f} s = {result.rows / result.seconds:,.0f} rows/s "
        f"({n / result.seconds:,.0f} residents/s)"
    )

    if not args.no_baselines:
        district = Area.objects.get(pk=result.district_id)
        building = Area.objects.subtree(district).of_kind(AreaKind.BUILDING).first()
        assert building is not None
        area_id = building.pk
        top = Resident.objects.order_by("-id").values_list("id", flat=True).first() or 0

        def bare() -> Any:
            return (Resident(name="张伟", name_pinyin="zhangwei", name_initials="zw",
                             area_id=area_id, room="101") for _ in range(n))  # fmt: skip

        def bulk_create() -> None:
            with transaction.atomic():
                rows = bare()
                while batch := list(itertools.islice(rows, BARE_BATCH)):
                    Resident.objects.bulk_create(batch)

        def raw() -> None:
            with transaction.atomic():
                writer = BulkWriter(connection, "auto", "default")
                fields = ("name", "name_pinyin", "name_initials", "area_id", "room",
                          "consent_to_contact", "notes")  # fmt: skip
                row = ("张伟", "zhangwei", "zw", area_id, "101", True, "")
                writer.write(Resident, fields, itertools.repeat(row, n))

        for name, fn in (("bulk_create", bulk_create), ("raw", raw)):
            seconds, _ = timed(fn)
            with connection.cursor() as cursor:  # bare rows have no tags or pioneers
                cursor.execute(f"DELETE FROM {Resident._meta.db_table} WHERE id > %s", [top])
                if connection.vendor == "postgresql":  # leave no dead rows for the next run
                    cursor.execute(f"VACUUM ANALYZE {Resident._meta.db_table}")
            method = "bulk_create(batch 5000)" if name == "bulk_create" else result.method
            report[f"baseline_{name}"] = {
                "method": method,
                "seconds": round(seconds, 3),
                "rows": n,
                "rows_per_second": round(n / seconds),
            }
            print(f"baseline {name} ({method}): {n:,} bare resident rows in {seconds:.1f} s "
                  f"= {n / seconds:,.0f} rows/s")  # fmt: skip
    emit(report)


if __name__ == "__main__":
    main()
