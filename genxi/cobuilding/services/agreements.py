"""Co-building's writes: agreements."""
