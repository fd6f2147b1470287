"""Co-building's writes: members."""
