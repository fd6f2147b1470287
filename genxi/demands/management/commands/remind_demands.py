from typing import Any

from django.core.management.base import BaseCommand

from genxi.demands.services import remind_and_escalate


class Command(BaseCommand):
    help = (
        "Remind handlers of demands due by the next working day; escalate overdue ones; "
        "remind staff (and tell reporters) when a call-back falls due."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = remind_and_escalate()
        self.stdout.write(
            f"reminded {counts['reminded']}, escalated {counts['escalated']}, "
            f"call-backs due {counts['callbacks_due']}"
        )
