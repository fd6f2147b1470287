"""The month's visit plan: which households a pioneer is to visit, in what order, and what
is done. Owner: helper B."""

from typing import Any


def badge(user: Any) -> int:
    """The households of the user's plans this month not visited yet."""
    return 0  # placeholder: helper B replaces it
