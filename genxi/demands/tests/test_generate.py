"""The demand generator: on a small synthetic city, every demand looks like the services made it."""

import itertools
from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from genxi.accounts.models import User
from genxi.demands import figures
from genxi.demands.generate import generate_demands
from genxi.demands.models import (
    TRANSITIONS,
    Callback,
    Demand,
    DemandEvent,
    DemandReporter,
    Status,
)
from genxi.demands.services import CODE_ALPHABET, CODE_LENGTH
from genxi.places.generate import generate_city
from genxi.places.models import Area, AreaKind, Resident

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def city() -> Area:
    result = generate_city(residents=2000, seed=3, progress=False)
    return Area.objects.get(pk=result.district_id)


def test_every_demand_is_a_valid_lifecycle(city: Area) -> None:
    result = generate_demands(demands=300, seed=1, progress=False)
    assert result.counts["demands.Demand"] == 300
    demands = {d.pk: d for d in Demand.objects.select_related("community", "area")}
    assert len(demands) == 300

    codes = [d.code for d in demands.values()]
    assert len(set(codes)) == 300
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)

    events = defaultdict(list)
    for event in DemandEvent.objects.order_by("id"):
        events[event.demand_id].append(event)
    reporters = defaultdict(set)
    for reporter in DemandReporter.objects.select_related("resident__area"):
        reporters[reporter.demand_id].add(reporter.resident)
    callbacks = defaultdict(set)
    for callback in Callback.objects.all():
        callbacks[(callback.demand_id, callback.round)].add(callback.resident_id)

    now = timezone.now()
    for pk, demand in demands.items():
        log = events[pk]
        times = [e.at for e in log]
        assert times == sorted(times), demand.code
        assert times[0] == demand.created_at and times[-1] <= now
        moves = [e for e in log if e.to_status]
        assert moves[0].from_status == "" and moves[0].to_status == Status.COLLECTED
        for before, after in itertools.pairwise(moves):
            assert after.from_status == before.to_status, demand.code
            assert after.to_status in TRANSITIONS[after.from_status], demand.code
        assert moves[-1].to_status == demand.status

        assert 1 <= len(reporters[pk]) <= 3
        community = demand.community
        assert community.kind == AreaKind.COMMUNITY
        assert demand.area == community or demand.area.community() == community
        for resident in reporters[pk]:
            assert resident.area.community() == community

        assert demand.response_due <= demand.resolution_due
        assert demand.response_due >= timezone.localdate(demand.created_at)
        if demand.status in (Status.CLOSED, Status.REFERRED, Status.WITHDRAWN):
            assert demand.closed_at is not None
        if demand.status == Status.CLOSED:
            assert demand.accepted_at and demand.resolved_at and demand.closed_at
            assert demand.accepted_at <= demand.resolved_at <= demand.closed_at
            answered = callbacks[(pk, demand.callback_round)]
            assert answered == {r.pk for r in reporters[pk]}, demand.code
        if demand.status in (Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED):
            assert demand.assigned_at is not None and demand.path
        # Resolved means somebody is still to call back; everyone answered means called back.
        answered = callbacks[(pk, demand.callback_round)]
        if demand.status == Status.RESOLVED:
            assert answered != {r.pk for r in reporters[pk]}, demand.code
        if demand.status == Status.CALLED_BACK:
            assert answered == {r.pk for r in reporters[pk]}, demand.code

    statuses = {d.status for d in demands.values()}
    assert {Status.CLOSED, Status.RESOLVED, Status.IN_PROGRESS} <= statuses
    closed = sum(d.status == Status.CLOSED for d in demands.values())
    assert 0.55 * 300 <= closed <= 0.8 * 300


def test_figures_and_a_second_run(city: Area) -> None:
    generate_demands(demands=300, seed=1, progress=False)
    street = Area.objects.subtree(city).filter(kind=AreaKind.STREET).first()
    assert street is not None
    end = timezone.localdate()
    everyone = User(is_superuser=True, is_active=True)  # counts every community
    result = figures.compute(user=everyone, area=street, start=end - timedelta(days=90), end=end)
    assert result.collected > 0 and result.closed > 0
    assert result.satisfaction.denominator > 0
    assert result.by_category

    # Another run on top (through the command) adds to the ledger with new unique codes.
    call_command("generate_demands", demands=50, seed=1, no_progress=True, verbosity=0)
    assert Demand.objects.count() == 350
    assert Demand.objects.values("code").distinct().count() == 350
    assert Resident.objects.count() == 2000
    assert Demand.objects.filter(created_at__date__gt=date.today() + timedelta(days=1)).count() == 0
