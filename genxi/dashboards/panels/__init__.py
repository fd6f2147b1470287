"""Each module registers one app's panel (`registry.register`); this imports them in order."""

from genxi.dashboards.panels import (  # noqa: F401
    activities,
    cobuilding,
    demands,
    inspections,
    meetings,
    pioneers,
    projects,
    venues,
)
