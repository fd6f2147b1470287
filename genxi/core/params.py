"""Values read from query parameters and posted fields that no form cleans."""

import re


def parse_id(text: str | None) -> int | None:
    """A primary key, or None: ASCII digits only ("²".isdigit() is True), and not so many that
    the database would refuse the number."""
    return int(text) if text and re.fullmatch(r"[0-9]{1,18}", text) else None
