"""Co-building's writes, by topic: agreements (and their items and filings), members (双报到),
lists (needs, resources, claims, deliveries, contributions) and points (service points and
their bookings). Keyword-only, one transaction each, with an audit entry."""
