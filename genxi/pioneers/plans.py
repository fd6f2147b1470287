"""The month's visit plan: which households a pioneer is to visit, in what order, and what
is done. Owner: helper B."""

from typing import Any


def badge(user: Any) -> int:
    """The households of the user's plans this month not visited yet."""
    return 0  # placeholder: helper B replaces it


def home_card(user: Any) -> Any:
    """The pioneer's home page card (templates/pioneers/includes/pioneer_plan.html): this
    month's plan, how much is done, the next households. None hides the card."""
    return None  # placeholder: helper B replaces it
