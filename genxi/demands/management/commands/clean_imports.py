from typing import Any

from django.core.management.base import BaseCommand

from genxi.demands.imports import clean_uploads


class Command(BaseCommand):
    help = (
        "Delete Excel uploads nobody imported within two hours (their tokens stop working); "
        "run it periodically, like remind_demands."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"deleted {clean_uploads()} abandoned uploads")
