"""A small fake panel for the dashboards' own tests (the real panels are built elsewhere):
a count with rows (the areas under the area), a rate, a list, and a count of its computes."""

from collections.abc import Iterator
from typing import Any

import pytest

from genxi.dashboards import registry
from genxi.dashboards.registry import COUNT, LIST, RATE, Figure, Panel, Scope, Value
from genxi.places.models import Area, AreaKind

CALLS: list[Scope] = []


def _places(scope: Scope) -> Any:
    return (
        Area.objects.subtree(scope.area, include_self=False)
        .exclude(kind=AreaKind.GRID)
        .order_by("path")
    )


def _compute(scope: Scope) -> dict[str, Value]:
    CALLS.append(scope)
    n = _places(scope).count()
    # A rate that is lower in 和泰社区 than in its street, and lower this year than last.
    good = 1 if scope.area.name == "和泰社区" else 3
    if scope.start.year < scope.today.year:
        good += 1
    return {
        "fake.places": Value(n),
        "fake.rate": Value(good, 4),
        "fake.kinds": Value(n, items=[["小区", 2], ["楼栋", 1]]),
    }


FAKE = Panel(
    key="fake",
    label="Fake",
    order=5,
    figures=(
        Figure(
            key="fake.places",
            label="Places",
            unit=COUNT,
            numerator="areas under the area",
            counted_from="always",
            rows=_places,
            columns=(("名称", "name"), ("类型", "kind"), ("上级", "parent.name")),
        ),
        Figure(
            key="fake.rate",
            label="Rate",
            unit=RATE,
            numerator="good",
            denominator="four",
            counted_from="always",
        ),
        Figure(
            key="fake.kinds", label="Kinds", unit=LIST, numerator="kinds", counted_from="always"
        ),
    ),
    compute=_compute,
)


@pytest.fixture
def fake_panel() -> Iterator[Panel]:
    """Only the fake panel is registered during the test."""
    saved = dict(registry._PANELS)
    registry._PANELS.clear()
    registry.register(FAKE)
    CALLS.clear()
    yield FAKE
    registry._PANELS.clear()
    registry._PANELS.update(saved)
