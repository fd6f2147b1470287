"""`manage.py simulate --street 白洋湾街道 --year 2023 [--seed N] [--scale K] [--scratch]`: a
simulated year of a street through the apps' services, then the dashboards checked against its
ledger.

It writes a fake year through the street's real staff, partners, pioneers and residents, so it
refuses a database that is not the demo's (the demo user `street` with the demo password) unless
the operator says it is a scratch copy (`--scratch`). Texts go to the log only (the engine).
"""

import logging
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from genxi.accounts.models import User
from genxi.dashboards import registry
from genxi.places.demo import DEMO_PASSWORD
from genxi.simulation.check import check
from genxi.simulation.engine import SCENARIOS, check_scale, simulate

DEMO_USER = "street"


def is_demo_database() -> bool:
    """The demo is loaded here: its street user still has the demo password. Read only (the
    hasher's `check_password`, not the user's, which may save a rehashed password)."""
    user = User.objects.filter(username=DEMO_USER).first()
    return user is not None and check_password(DEMO_PASSWORD, user.password)


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
        parser.add_argument(
            "--scratch",
            action="store_true",
            help="this database is a scratch copy: the simulation may write into it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # BaseCommand turns translation off: the messages are for the operator, in Chinese.
        # A year's texts go to the log (never to people): one or three lines each, thousands
        # of them, which would bury the result; shown with --verbosity 2.
        quiet = options["verbosity"] < 2
        loggers = [logging.getLogger(name) for name in ("genxi.notify", "django_tasks")]
        levels = [lg.level for lg in loggers]
        if quiet:
            for lg in loggers:
                lg.setLevel(logging.WARNING)
        try:
            with translation.override(settings.LANGUAGE_CODE):
                self._handle(options)
        finally:
            for lg, level in zip(loggers, levels, strict=True):
                lg.setLevel(level)

    def _handle(self, options: dict[str, Any]) -> None:
        year = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError(_("Choose a year between 2000 and 2100."))
        check_scale(options["scale"])
        if not options["scratch"] and not is_demo_database():
            raise CommandError(
                _(
                    "Refused: this database is not the demo's, and the simulation writes a "
                    "year of made-up demands, visits and meetings through its real staff, "
                    "partners, pioneers and residents. Run it on the demo (genxi demo) or on "
                    "a scratch copy of the database, and then say so with --scratch (this "
                    "database is a scratch copy: the simulation may write into it)."
                )
            )

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
        self.stdout.write(
            _("Simulated %(year)s in %(seconds).1f s: %(made)s.")
            % {"year": year, "seconds": result.seconds, "made": made}
        )
        path = options["ledger"] or Path(f"simulation-{options['street']}-{year}.json")
        result.ledger.save(path)
        self.stdout.write(
            _("Ledger: %(path)s (%(n)s entries).") % {"path": path, "n": len(result.ledger.entries)}
        )
        if options["no_check"]:
            return
        assert result.world is not None and result.world.day is not None
        registered = {f.key for f in registry.figures()}
        skipped = sorted(result.ledger.keys() - registered)
        if skipped:
            self.stdout.write(
                _("Not on the dashboards (not checked): %(keys)s") % {"keys": ", ".join(skipped)}
            )
        mismatches = []
        for street in result.streets:
            mismatches += check(result.ledger, street, year, result.world.day)
        for mismatch in mismatches:
            self.stdout.write(str(mismatch))
        checked = sorted(result.ledger.keys() & registered)
        if mismatches:
            raise CommandError(_("%(n)s figures differ from the ledger.") % {"n": len(mismatches)})
        self.stdout.write(
            _("The dashboards match the ledger: %(keys)s.") % {"keys": ", ".join(checked) or "-"}
        )
