from typing import Any

from django.core.management.base import BaseCommand

from genxi.activities.services.registration import expire_offers


class Command(BaseCommand):
    help = (
        "Seats offered from a waiting list and not accepted by their deadline go to the next "
        "person in line; the lapsed offers go back to the end of the line. Run it every few "
        "minutes, like remind_demands."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{expire_offers()} lapsed offers")
