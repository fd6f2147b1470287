"""Reads of the points ledger (balances, what a reward costs, what a resident may redeem).
Owner: helper D."""

from typing import Any


def resident_card(user: Any) -> Any:
    """A resident's home page card (templates/pioneers/includes/resident_points.html): their
    balance and the rewards they can afford. None hides the card."""
    return None  # placeholder: helper D replaces it
