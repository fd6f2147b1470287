"""What waits for the user in peer inspections (the menu's badge). Owner: helper F."""

from typing import Any


def badge(user: Any) -> int:
    """Findings waiting for the user: to plan or fix (their community was inspected), or to
    re-check (their community inspected it), and those overdue."""
    return 0  # placeholder: helper F replaces it
