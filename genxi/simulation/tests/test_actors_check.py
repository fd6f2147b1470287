"""After the merge: a simulated quarter of these four actors through the engine, checked by the
simulation's check against the real panels (pa's projects, pb's activities, co-building and
inspections) on every figure they ledger. Skipped on a branch without the engine or the panels."""

from datetime import date
from typing import Any

import pytest

from genxi.dashboards import registry
from genxi.dashboards.periods import Period

START, END = date(2023, 1, 1), date(2023, 3, 31)
PERIODS = [
    Period("month", date(2023, 1, 1), date(2023, 1, 31)),
    Period("month", date(2023, 2, 1), date(2023, 2, 28)),
    Period("month", date(2023, 3, 1), date(2023, 3, 31)),
    Period("quarter", START, END),
    Period("year", date(2023, 1, 1), date(2023, 12, 31)),
]
KEYS = [
    "projects.fund_amount",
    "projects.committed",
    "projects.paid",
    "projects.by_phase",
    "projects.micro_renovations",
    "projects.micro_compounds",
    "activities.held",
    "activities.participants",
    "activities.residents_reached",
    "cobuilding.agreements",
    "cobuilding.on_time_rate",
    "cobuilding.resources_delivered",
    "inspections.findings",
    "inspections.rectified_rate",
]


def test_the_quarter_matches_the_panels(world: Any, settings: Any, monkeypatch: Any) -> None:
    checking = pytest.importorskip("genxi.simulation.check")
    engine = pytest.importorskip("genxi.simulation.engine")
    missing = set(KEYS) - {f.key for f in registry.figures()}
    if missing:
        pytest.skip(f"no panel registers {', '.join(sorted(missing))} on this branch yet")
    settings.TIME_ZONE = "Asia/Shanghai"
    # The funds' amount is "the funds of the period's year": a stock, dated 1 January.
    monkeypatch.setattr(checking, "STOCKS", set(checking.STOCKS) | {"projects.fund_amount"})
    result = engine.simulate(
        "白洋湾街道",
        2023,
        seed=7,
        start=START,
        end=END,
        actors=("projects", "activities", "cobuilding", "inspections"),
    )
    assert set(KEYS) <= result.ledger.keys()
    mismatches = checking.check(
        result.ledger, world.street, 2023, date(2023, 4, 1), keys=KEYS, months=PERIODS
    )
    assert not mismatches, "\n".join(str(m) for m in mismatches)
