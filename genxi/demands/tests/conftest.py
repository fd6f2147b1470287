from datetime import date

import pytest

from genxi.conftest import World
from genxi.demands import services
from genxi.demands.models import Category, Demand, HandlingPath


@pytest.fixture
def category(world: World) -> Category:
    """公共设施 › 出入口与通道: accept within 1 working day, resolve within 5."""
    root = services.create_category(
        actor=None, name="公共设施", response_days=1, resolution_days=10
    )
    return services.create_category(
        actor=None, name="出入口与通道", parent=root, response_days=1, resolution_days=5
    )


def collect(world: World, category: Category, **kwargs: object) -> Demand:
    """The 清嘉苑 gate, recorded by the pioneer carol in grid 1 for 周福珍 (override anything)."""
    fields: dict[str, object] = {
        "actor": world["carol"],
        "title": "南门非机动车道太窄",
        "category": category,
        "area": world.building1,
        "channel": "visit",
        "reporters": [world.resident1],
        "today": date(2026, 11, 20),  # a Friday
    }
    return services.collect_demand(**{**fields, **kwargs})


def resolved(world: World, category: Category, **kwargs: object) -> Demand:
    """`collect`, then accepted, verified, handled by the community and resolved by bob."""
    demand = collect(world, category, **kwargs)
    services.accept(actor=world["bob"], demand=demand)
    services.verify(actor=world["bob"], demand=demand, findings="现场核实")
    services.assign(actor=world["bob"], demand=demand, path=HandlingPath.COMMUNITY)
    services.resolve(actor=world["bob"], demand=demand, result="已修好")
    demand.refresh_from_db()
    return demand
