"""The activities' forms (a module per topic may follow as they grow)."""
