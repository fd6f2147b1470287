"""`manage.py dashboards_refresh`: recompute the dashboards' current figures. Run it from the
scheduler every 15 minutes (cron: `*/15 * * * * genxi manage dashboards_refresh`); the pages
show the time of the last run. `--enqueue` hands the work to the tasks worker instead."""

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from genxi.dashboards import snapshot
from genxi.dashboards.tasks import refresh_dashboards
from genxi.places.models import Area


class Command(BaseCommand):
    help = "Recompute the dashboards' figures of the periods that hold today (every 15 minutes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", type=int, action="append", help="an area id (repeatable)")
        parser.add_argument("--today", help="YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--full", action="store_true", help="recompute the closed periods shown, too"
        )
        parser.add_argument("--enqueue", action="store_true", help="run it as a background task")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):  # BaseCommand turned it off
            self._handle(**options)

    def _handle(self, **options: Any) -> None:
        ids = options["area"]
        if options["enqueue"]:
            result = refresh_dashboards.enqueue(ids)
            self.stdout.write(_("Enqueued: %(id)s") % {"id": result.id})
            return
        try:
            today = date.fromisoformat(options["today"]) if options["today"] else None
        except ValueError as error:
            raise CommandError(_("--today takes YYYY-MM-DD, e.g. 2026-11-20")) from error
        if ids:
            areas = list(Area.objects.filter(pk__in=ids))
            written = snapshot.refresh(areas=areas, today=today, full=options["full"])
        else:
            got = snapshot.refresh_scheduled(today=today, full=options["full"])
            if got is None:
                self.stdout.write(_("Another refresh is still running: this one is skipped."))
                return
            written = got
        self.stdout.write(_("%(n)d figures written.") % {"n": written})
