"""Activities, sessions and registrations (create with Idempotency-Key, cancel), scoped like
the pages; the writes call genxi.activities.services."""

from ninja import Router

router = Router(tags=["activities"])
