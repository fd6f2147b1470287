"""Small fake panels for the comparison's and the public dashboard's tests (the real panels are
written apart): registered for a test, the registry restored after. No tests here.

`FAKE[(area name, first day of the period)]` holds each area's values; an area or period not
listed has no records (rates without denominator, counts of 0).
"""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from genxi.dashboards import registry
from genxi.dashboards.registry import COUNT, LIST, MONEY, RATE, Figure, Panel, Scope, Value
from genxi.places.models import Resident

FAKE: dict[tuple[str, date], dict[str, Value]] = {}


def _rows(scope: Scope) -> Any:
    # A stand-in for the records behind an amount: as many residents as the fake says.
    wanted = int(
        FAKE.get((scope.area.name, scope.start), {}).get("fake.paid_rows", Value(0)).value or 0
    )
    return Resident.objects.order_by("pk")[:wanted]


def _compute_demands(scope: Scope) -> dict[str, Value]:
    found = FAKE.get((scope.area.name, scope.start), {})
    return {
        key: found.get(key, Value(0, 0))
        for key in ("demands.response_rate", "demands.resolution_rate", "demands.satisfaction_rate")
    }


def _compute_fake(scope: Scope) -> dict[str, Value]:
    found = FAKE.get((scope.area.name, scope.start), {})
    return {
        "fake.collected": found.get("fake.collected", Value(0)),
        "fake.overdue": found.get("fake.overdue", Value(0)),
        "fake.paid": found.get("fake.paid", Value(Decimal("0.00"))),
        "fake.unknown_money": found.get("fake.unknown_money", Value(Decimal("0.00"))),
        "fake.needs": Value(None, items=[["周福珍", 3]]),
        "fake.private": found.get("fake.private", Value(0)),
    }


DEMANDS = Panel(
    key="demands",
    label="Demands",
    order=10,
    figures=(
        Figure("demands.response_rate", "Response rate", RATE, "responded", "recorded", "all"),
        Figure("demands.resolution_rate", "Resolution rate", RATE, "resolved", "recorded", "all"),
        Figure("demands.satisfaction_rate", "Satisfaction", RATE, "satisfied", "call-back", "all"),
    ),
    compute=_compute_demands,
)
FAKE_PANEL = Panel(
    key="fake",
    label="Fake",
    order=90,
    figures=(
        Figure("fake.collected", "Collected", COUNT, "demands", "recorded"),
        Figure("fake.overdue", "Overdue", COUNT, "overdue", "now", higher_is_better=False),
        Figure("fake.paid", "Paid", MONEY, "paid", "paid", rows=_rows),
        Figure("fake.unknown_money", "Unknown money", MONEY, "money", "paid"),
        Figure("fake.needs", "Needs", LIST, "needs", "recorded"),
        Figure("fake.private", "Private", COUNT, "private", "recorded", public=False),
    ),
    compute=_compute_fake,
)


def installed() -> Iterator[dict[tuple[str, date], dict[str, Value]]]:
    """For a test module's `fake_panels` fixture: `yield from installed()`."""
    saved = dict(registry._PANELS)
    registry._PANELS.clear()
    registry.register(DEMANDS)
    registry.register(FAKE_PANEL)
    FAKE.clear()
    try:
        yield FAKE
    finally:
        FAKE.clear()
        registry._PANELS.clear()
        registry._PANELS.update(saved)
