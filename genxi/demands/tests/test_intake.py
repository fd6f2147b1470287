"""A demand gets the same things at creation whichever way it comes in (genxi.demands.intake)."""

from datetime import date

import pytest

from genxi.conftest import World
from genxi.demands import imports, services
from genxi.demands.models import Category, Demand, EventKind
from genxi.places.models import Area

pytestmark = pytest.mark.django_db

DEMAND = ("status", "path", "channel", "category_id", "community_id", "street_id", "area_id",
          "created_by_id", "response_due", "resolution_due", "due_provisional", "callback_round",
          "handler_partner_id", "accepted_at", "closed_at")  # fmt: skip
EVENT = ("kind", "from_status", "to_status", "public", "actor_id", "community_id", "note")


def test_an_imported_demand_is_recorded_as_one_collected_by_hand(
    world: World, category: Category
) -> None:
    day = date(2026, 11, 20)  # a Friday: the deadlines skip the weekend
    by_hand = services.collect_demand(
        actor=world["bob"],
        title="南门非机动车道太窄",
        category=category,
        area=world.compound,
        channel="visit",
        reporters=[world.resident1, world.resident1],
        today=day,
    )
    compound = Area.objects.select_related("parent").get(pk=world.compound.pk)
    row = {
        "title": "南门非机动车道太窄",
        "category": category,
        "area": compound,
        "channel": "visit",
        "reporters": [world.resident1, world.resident1],
        "description": "",
        "today": day,
    }
    assert imports.write(actor=world["bob"], rows=[row]) == 1
    imported = Demand.objects.exclude(pk=by_hand.pk).get()
    by_hand.refresh_from_db()
    assert [getattr(imported, f) for f in DEMAND] == [getattr(by_hand, f) for f in DEMAND]
    assert list(imported.reporters.values_list("resident", flat=True)) == [world.resident1.pk]
    (first,) = imported.events.all()
    by_hand_first = by_hand.events.get(kind=EventKind.COLLECTED)
    assert [getattr(first, f) for f in EVENT] == [getattr(by_hand_first, f) for f in EVENT]
    assert first.data == {**by_hand_first.data, "imported": True}
