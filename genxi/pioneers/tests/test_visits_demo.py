"""The demo's visit plans and visits: 周建昌 and two other pioneers of 和泰, loaded once."""

import pytest
from django.utils import timezone

from genxi.demands import demo as demands_demo
from genxi.demands import services as demands
from genxi.demands.models import Category, Channel, Demand, Visit
from genxi.pioneers import demo, plans
from genxi.pioneers.models import VisitPlan
from genxi.pioneers.services.plans import month_start
from genxi.places import demo as places_demo
from genxi.places.models import Pioneer, Resident

pytestmark = pytest.mark.django_db


def test_the_demo_has_plans_and_a_month_of_visits() -> None:
    places_demo.load()
    demands_demo.load_categories()
    main = Pioneer.objects.get(user__username="pioneer")
    grid = main.grids.get()
    resident = Resident.objects.filter(area__grid=grid).order_by("id").first()
    assert resident is not None
    waiting = demands.collect_demand(
        actor=None,
        title="单元门禁坏了",
        category=Category.objects.active().filter(depth__gt=0).first(),
        area=resident.area,
        channel=Channel.PHONE,
        reporters=[resident],
    )
    today = timezone.localdate()
    made = demo._visits(today)
    assert made > 10
    this_month = month_start(today)
    hetai = Pioneer.objects.filter(community__name="和泰社区")
    assert VisitPlan.objects.filter(pioneer__in=hetai, month=this_month).count() == 3
    assert VisitPlan.objects.filter(pioneer__in=hetai).exclude(month=this_month).count() == 3
    visits = Visit.objects.filter(pioneer=main.user)
    assert visits.count() >= 5
    raised = Demand.objects.filter(visit__in=visits)
    assert raised.count() == 1 and raised.get().channel == Channel.VISIT
    assert visits.filter(follow_ups=waiting).count() == 1
    # Half the grid's households or so are visited; this month's plan shows some done.
    card = plans.home_card(main.user)
    assert card is not None and card["cards"][0]["progress"].planned > 0
    assert demo._visits(today) == 0  # idempotent
