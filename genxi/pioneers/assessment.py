"""The assessment (考核): each indicator computed from the records for a period, the parts
weighted by who rates, the grade. Owner: helper C."""

from typing import Any


def resident_card(user: Any) -> Any:
    """A resident's home page card (templates/pioneers/includes/resident_pioneer.html): the
    pioneer of their grid and their stars this month. None hides the card."""
    return None  # placeholder: helper C replaces it
