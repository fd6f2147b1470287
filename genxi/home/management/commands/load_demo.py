"""`manage.py load_demo`: build the demo world from the seeds and list who can log in.

It loads every app's demo (`genxi.home.demo`), so it lives in home, the top layer, above them all.
"""

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand

from genxi.home.demo import load_demo
from genxi.places.demo import DEMO_USERS


def display_width(text: str) -> int:
    # Chinese characters take two terminal columns; the table lines up only if we count them so.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def users_table() -> list[str]:
    header = ["username", "password", "role", "area", "name", "phone"]
    rows = [
        [u.username, u.password, u.role, u.area or "—", u.name, u.phone or ""] for u in DEMO_USERS
    ]
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(pad(cell, w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    head = "  ".join(pad(cell, w) for cell, w in zip(header, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    return [line.rstrip() for line in [head, rule, *lines]]


class Command(BaseCommand):
    help = (
        "Create the demo world of the seeds (streets, communities, residents, pioneers, partners, "
        "venues) and one user per role. Running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] > 1
        result = load_demo(stdout=self.stdout if verbose else None)
        self.stdout.write(self.style.SUCCESS(str(result)))
        self.stdout.write("")
        for line in users_table():
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(
            self.style.WARNING(
                "Every demo account shares this published password: "
                "never load the demo into a production database."
            )
        )
