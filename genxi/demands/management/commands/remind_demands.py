from typing import Any

from django.core.management.base import BaseCommand

from genxi.demands.services import remind_and_escalate


class Command(BaseCommand):
    help = "Remind handlers of demands due by the next working day; escalate overdue ones."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = remind_and_escalate()
        self.stdout.write(f"reminded {counts['reminded']}, escalated {counts['escalated']}")
