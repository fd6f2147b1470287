"""The dashboards' part of the demo: nothing of their own yet (the simulated year fills them)."""
