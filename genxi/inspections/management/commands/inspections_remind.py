"""Each morning: remind the inspected community's staff of each rectification past its deadline,
once a day per finding (`Finding.reminded_at`). Safe to run again the same day."""

from typing import Any

from django.core.management.base import BaseCommand

from genxi.inspections.services.rectification import remind_overdue


class Command(BaseCommand):
    help = "Remind communities of overdue rectifications (once a day per finding). Run daily."

    def handle(self, *args: Any, **options: Any) -> None:
        reminded = remind_overdue(actor=None)
        self.stdout.write(f"overdue rectifications reminded: {reminded}")
