"""The database's own refusal of two confirmed bookings of one venue at overlapping times.

book_venue() locks the venue and counts overlaps first; this is the backstop for any write that
skips it. PostgreSQL: an exclusion constraint over the booking's time range (btree_gist lets the
venue's id share the GiST index). SQLite: triggers that abort an overlapping insert or update.
Both name `booking_no_overlap`, which the services look for in the IntegrityError.
"""

from typing import Any

from django.db import migrations

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE places_venuebooking ADD CONSTRAINT booking_no_overlap "
    "EXCLUDE USING gist (venue_id WITH =, tstzrange(starts_at, ends_at) WITH &&) "
    "WHERE (status = 'confirmed')",
]
POSTGRES_DOWN = ["ALTER TABLE places_venuebooking DROP CONSTRAINT booking_no_overlap"]

_CLASH = (
    "NEW.status = 'confirmed' AND EXISTS (SELECT 1 FROM places_venuebooking b "
    "WHERE b.venue_id = NEW.venue_id AND b.status = 'confirmed' AND b.id IS NOT NEW.id "
    "AND b.starts_at < NEW.ends_at AND b.ends_at > NEW.starts_at)"
)
SQLITE_UP = [
    f"CREATE TRIGGER booking_no_overlap_insert BEFORE INSERT ON places_venuebooking "
    f"WHEN {_CLASH} BEGIN SELECT RAISE(ABORT, 'booking_no_overlap'); END",
    f"CREATE TRIGGER booking_no_overlap_update BEFORE UPDATE ON places_venuebooking "
    f"WHEN {_CLASH} BEGIN SELECT RAISE(ABORT, 'booking_no_overlap'); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS booking_no_overlap_insert",
    "DROP TRIGGER IF EXISTS booking_no_overlap_update",
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("places", "0003_venue_bookings")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
