"""The demo's simulated year: this year of 白洋湾街道 from 1 January up to yesterday (before
April, the whole of last year instead: the actors plan by the calendar year), at a small scale,
through the services on the simulated clock (`simulation.engine`), so the dashboards show real
shapes: demands collected and resolved each month, visits, meetings, venues.

Idempotent: the run leaves an audit entry (`simulation.demo`) on the street, and a second load
that finds it does nothing.
"""

from datetime import date, timedelta

from django.utils import timezone

from genxi.core.audit import log_action
from genxi.core.models import AuditEntry
from genxi.places.models import STREET_KINDS, Area
from genxi.simulation.engine import simulate

STREET = "白洋湾街道"
SEED = 2026
# A small street-year: about 130 demands and 480 visits; a few seconds on a laptop.
SCALE = 0.15
MARKER = "simulation.demo"


def load(today: date | None = None) -> int:
    """Simulate the year up to yesterday; returns how many demands it recorded (0 if it ran)."""
    today = today or timezone.localdate()
    street = Area.objects.filter(kind__in=STREET_KINDS, name=STREET).first()
    if street is None or AuditEntry.objects.filter(action=MARKER).exists():
        return 0
    if today.month >= 4:
        year, end = today.year, today - timedelta(days=1)
    else:
        year = today.year - 1
        end = date(year, 12, 31)
    result = simulate(STREET, year, seed=SEED, scale=SCALE, start=date(year, 1, 1), end=end)
    log_action(actor=None, action=MARKER, obj=street, changes=result.counts)
    return result.counts.get("demands", 0)
