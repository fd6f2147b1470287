"""Check-in at the door: one code, or a batch of scans queued offline with their times."""

from ninja import Router

router = Router(tags=["check-in"])
