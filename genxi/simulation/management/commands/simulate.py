"""`manage.py simulate --street 白洋湾街道 --year 2023 [--seed N] [--scale K]`: a simulated year
of a street through the apps' services, then the dashboards checked against its ledger."""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from genxi.dashboards import registry
from genxi.simulation.check import check
from genxi.simulation.engine import SCENARIOS, simulate


class Command(BaseCommand):
    help = (
        "Run a simulated year of a street through the services, on a simulated clock, write "
        "its ground-truth ledger, and check every dashboard figure against it (exit 1 on any "
        "mismatch)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--street", required=True, help="the street's name, e.g. 白洋湾街道")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0, help="same seed, same year")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="multiplies the activity (default 1)"
        )
        parser.add_argument("--scenario", choices=SCENARIOS, default="default")
        parser.add_argument("--ledger", type=Path, help="where to write the ledger (JSON)")
        parser.add_argument("--no-check", action="store_true", help="simulate only")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError(_("Choose a year between 2000 and 2100."))

        def progress(day: date) -> None:
            if options["verbosity"] > 1 or (options["verbosity"] and day.day == 1):
                self.stdout.write(f"  {day.isoformat()}")

        result = simulate(
            options["street"],
            year,
            seed=options["seed"],
            scale=options["scale"],
            scenario=options["scenario"],
            progress=progress,
        )
        made = ", ".join(f"{k} {v}" for k, v in result.counts.items())
        self.stdout.write(f"Simulated {year} in {result.seconds:.1f} s: {made}.")
        path = options["ledger"] or Path(f"simulation-{options['street']}-{year}.json")
        result.ledger.save(path)
        self.stdout.write(f"Ledger: {path} ({len(result.ledger.entries)} entries).")
        if options["no_check"]:
            return
        assert result.world is not None and result.world.day is not None
        registered = {f.key for f in registry.figures()}
        skipped = sorted(result.ledger.keys() - registered)
        if skipped:
            self.stdout.write("Not on the dashboards (not checked): " + ", ".join(skipped))
        mismatches = []
        for street in result.streets:
            mismatches += check(result.ledger, street, year, result.world.day)
        for mismatch in mismatches:
            self.stdout.write(str(mismatch))
        checked = sorted(result.ledger.keys() & registered)
        if mismatches:
            raise CommandError(_("%(n)s figures differ from the ledger.") % {"n": len(mismatches)})
        self.stdout.write(f"The dashboards match the ledger: {', '.join(checked) or '-'}.")
