"""`manage.py generate --residents N`: add a synthetic city for load tests and benchmarks."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from genxi.core.bulk import GenerateError
from genxi.places.generate import (
    HOUSEHOLDS_PER_BUILDING,
    RESIDENTS_PER_COMMUNITY,
    free_seed,
    generate_city,
)


class Command(BaseCommand):
    help = (
        "Add a synthetic city (district, streets, communities, compounds, buildings, grids, "
        "residents, venues, party organisations, partners, pioneers) sized by --residents. "
        "Bulk loads without audit entries; for load tests and benchmarks, not for production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=100_000, help="default 100000")
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help="same seed, same city; default: the first seed not yet used in the database",
        )
        parser.add_argument(
            "--streets", type=int, default=None, help="default: one per ~15 communities"
        )
        parser.add_argument("--residents-per-community", type=int, default=RESIDENTS_PER_COMMUNITY)
        parser.add_argument(
            "--households-per-building", type=float, default=HOUSEHOLDS_PER_BUILDING
        )
        parser.add_argument(
            "--method",
            choices=["auto", "copy", "insert", "orm"],
            default="auto",
            help="auto: COPY on PostgreSQL, batched INSERT elsewhere; orm: bulk_create",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        using = options["database"]
        seed = options["seed"] if options["seed"] is not None else free_seed(using)
        try:
            result = generate_city(
                residents=options["residents"],
                seed=seed,
                streets=options["streets"],
                residents_per_community=options["residents_per_community"],
                households_per_building=options["households_per_building"],
                method=options["method"],
                using=using,
                progress=not options["no_progress"] and options["verbosity"] > 0,
            )
        except GenerateError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] == 0:
            return
        self.stdout.write(
            f"Generated {result.district_name} (seed {result.seed}) on {result.vendor} "
            f"with {result.method}: {result.rows:,} rows in {result.seconds:.1f} s "
            f"({result.rows / result.seconds:,.0f} rows/s)."
        )
        for label, count in result.counts.items():
            self.stdout.write(f"  {label:<26} {count:>12,}")
        if options["verbosity"] > 1:
            stages = ", ".join(f"{k} {v:.2f} s" for k, v in result.stage_seconds.items())
            self.stdout.write(f"  stages: {stages}")
