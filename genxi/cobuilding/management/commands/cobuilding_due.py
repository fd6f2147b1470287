"""Each morning: make the due items of every agreement in force up to today, then text (and put
in the inbox of) each overdue item's owner side, once per item. Safe to run again."""

from typing import Any

from django.core.management.base import BaseCommand

from genxi.cobuilding.services.agreements import materialise_all, remind_overdue


class Command(BaseCommand):
    help = "Make co-building commitments' due items up to today and remind overdue ones."

    def handle(self, *args: Any, **options: Any) -> None:
        made = materialise_all()
        reminded = remind_overdue(actor=None)
        self.stdout.write(f"{made} items made, {reminded} overdue items reminded")
