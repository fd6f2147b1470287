"""Make last month's archived report of every street and community that has none yet.

For the scheduler, on the 1st of each month (cron, local time):

    30 1 1 * *  genxi manage monthly_reports

Idempotent: a month already archived (or on its way) is left alone, a failed one is queued
again. The reports are made by the tasks backend (`generate_report`); with the database backend
a `db_worker` runs them.
"""

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from genxi.dashboards import report
from genxi.dashboards.periods import EARLIEST
from genxi.places.models import STREET_KINDS, Area, AreaKind


class Command(BaseCommand):
    help = "Queue last month's archived report of every street and community that has none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="the month, YYYY-MM (default: last month)")
        parser.add_argument(
            "--area", action="append", default=[], help="only this area (id or name); repeatable"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):  # BaseCommand turned it off
            self._handle(**options)

    def _handle(self, **options: Any) -> None:
        this_month = timezone.localdate().replace(day=1)
        if options["month"]:
            try:
                year, month = (int(part) for part in options["month"].split("-"))
                first = date(year, month, 1)
            except ValueError as exc:
                raise CommandError(_("--month takes YYYY-MM, e.g. 2026-11")) from exc
        else:
            first = (this_month - timedelta(days=1)).replace(day=1)
        if first >= this_month:
            raise CommandError(_("Only a month that is over is archived."))
        if first < EARLIEST:
            raise CommandError(_("There are no records before %(month)s.") % {"month": EARLIEST})
        areas = Area.objects.of_kind(*STREET_KINDS, AreaKind.COMMUNITY).order_by("path")
        if options["area"]:
            ids = [int(a) for a in options["area"] if a.isdigit()]
            names = [a for a in options["area"] if not a.isdigit()]
            areas = areas.filter(pk__in=ids) | areas.filter(name__in=names)
            if not areas.exists():
                raise CommandError(_("No street or community matches --area."))
        queued = 0
        total = 0
        for area in areas:
            total += 1
            queued += report.archive_month(area=area, month=first) is not None
        self.stdout.write(
            _("%(month)s: %(queued)d report(s) queued, %(left)d already archived.")
            % {"month": f"{first:%Y-%m}", "queued": queued, "left": total - queued}
        )
