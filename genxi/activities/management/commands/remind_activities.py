from typing import Any

from django.core.management.base import BaseCommand

from genxi.activities.services.checkin import send_day_before_reminders


class Command(BaseCommand):
    help = (
        "Text everyone with a seat at a session that starts tomorrow (once: running it again "
        "sends nothing twice). Run daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_day_before_reminders()
        self.stdout.write(f"reminders sent: {sent}")
