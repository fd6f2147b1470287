"""Co-building forms, by topic (one module per views module)."""
