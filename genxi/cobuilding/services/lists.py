"""Co-building's writes: lists."""
