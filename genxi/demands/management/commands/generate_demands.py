"""`manage.py generate_demands --demands N`: add synthetic demands for load tests and benchmarks."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from genxi.core.bulk import GenerateError
from genxi.demands.generate import generate_demands


class Command(BaseCommand):
    help = (
        "Add N synthetic demands (reporters, event logs, call-backs) to the communities already "
        "in the database, e.g. a city from `manage.py generate`. Bulk loads without audit "
        "entries; for load tests and benchmarks, not for production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demands", type=int, default=100_000, help="default 100000")
        parser.add_argument("--seed", type=int, default=0, help="same seed, same demands")
        parser.add_argument(
            "--months", type=int, default=12, help="recorded over the last M months (default 12)"
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
        try:
            result = generate_demands(
                demands=options["demands"],
                seed=options["seed"],
                months=options["months"],
                method=options["method"],
                using=options["database"],
                progress=not options["no_progress"] and options["verbosity"] > 0,
            )
        except GenerateError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] == 0:
            return
        self.stdout.write(
            f"Generated {result.demands:,} demands (seed {result.seed}) on {result.vendor} "
            f"with {result.method}: {result.rows:,} rows in {result.seconds:.1f} s "
            f"({result.demands / result.seconds:,.0f} demands/s, "
            f"{result.rows / result.seconds:,.0f} rows/s)."
        )
        for label, count in result.counts.items():
            self.stdout.write(f"  {label:<26} {count:>12,}")
        statuses = ", ".join(f"{k} {v:,}" for k, v in result.statuses.items())
        self.stdout.write(f"  statuses: {statuses}")
