from typing import Any

from django.core.management.base import BaseCommand

from genxi.cobuilding.services.points import remind_tomorrow


class Command(BaseCommand):
    help = (
        "Text each household with a service point's home visit booked for tomorrow (once: "
        "running it again sends nothing twice). Run daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = remind_tomorrow(actor=None)
        self.stdout.write(f"reminders sent: {sent}")
