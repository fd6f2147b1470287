"""Co-building's writes: points."""
